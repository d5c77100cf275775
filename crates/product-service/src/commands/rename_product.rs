use platform_service::{
    CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{ProductUpdated, RenameProduct};

use super::{MAX_ID_LEN, MAX_TITLE_LEN, check_len};
use crate::domain::{Product, ProductCommand};

/// Renames an existing product; its current title again is a no-op.
pub struct RenameProductHandler;

impl CommandHandler for RenameProductHandler {
    type Command = RenameProduct;
    type Aggregate = Product;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(404, "`not_found`: no such product"),
        ErrorResponse::new(422, "a rule was broken: `title_required`"),
    ];

    async fn handle(
        ctx: CommandContext,
        command: RenameProduct,
    ) -> Result<ProductUpdated, HandlerError> {
        check_len("productId", &command.product_id, MAX_ID_LEN)?;
        check_len("title", &command.title, MAX_TITLE_LEN)?;
        let rename = ProductCommand::Rename {
            title: command.title,
        };
        let done = ctx.update::<Product>(&command.product_id, rename).await?;
        Ok(ProductUpdated {
            product_id: command.product_id,
            version: done.version,
        })
    }
}

register_command_handler!(RenameProductHandler);
