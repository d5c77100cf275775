use platform_service::{
    CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{CreateProduct, CreateProductResult};
use uuid::Uuid;

use super::{MAX_ID_LEN, MAX_TITLE_LEN, check_len};
use crate::domain::{Product, ProductCommand};

/// Creates a product under a fresh id.
pub struct CreateProductHandler;

impl CommandHandler for CreateProductHandler {
    type Command = CreateProduct;
    type Aggregate = Product;

    // Who may send it: any signed-in user, the default (`const ACCESS: Access = …` to
    // change it). With AUTH_MODE=none every request is let in.

    const ERRORS: &'static [ErrorResponse] = &[ErrorResponse::new(
        422,
        "a rule was broken: `title_required`, `owner_required`",
    )];

    async fn handle(
        ctx: CommandContext,
        command: CreateProduct,
    ) -> Result<CreateProductResult, HandlerError> {
        check_len("title", &command.title, MAX_TITLE_LEN)?;
        check_len("ownerId", &command.owner_id, MAX_ID_LEN)?;
        let id = Uuid::now_v7().to_string();
        let create = ProductCommand::Create {
            id: id.clone(),
            title: command.title,
            owner_id: command.owner_id,
        };
        ctx.create::<Product>(&id, create).await?;
        Ok(CreateProductResult { product_id: id })
    }
}

register_command_handler!(CreateProductHandler);
