use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{CreateProduct, CreateProductResult};

use super::{MAX_SKU_LEN, check_len, existing_category};
use crate::domain::{Product, ProductCommand};
use crate::policy::CATALOG_CHANGE;

/// Creates a product under its SKU. The stream's "must not exist" append makes the
/// SKU unique per tenant even under racing requests: the loser is a 422 `sku_taken`.
pub struct CreateProductHandler;

impl CommandHandler for CreateProductHandler {
    type Command = CreateProduct;
    type Aggregate = Product;

    const ACCESS: Access = CATALOG_CHANGE;

    const ERRORS: &'static [ErrorResponse] = &[ErrorResponse::new(
        422,
        "a rule was broken: `sku_taken`, `invalid_sku`, `name_required`, `name_too_long`, `description_too_long`, `category_not_found`",
    )];

    async fn handle(
        ctx: CommandContext,
        command: CreateProduct,
    ) -> Result<CreateProductResult, HandlerError> {
        check_len("sku", &command.sku, MAX_SKU_LEN)?;
        if let Some(category_id) = &command.category_id {
            existing_category(&ctx, category_id, "category_not_found").await?;
        }
        let sku = command.sku;
        let create = ProductCommand::Create {
            sku: sku.clone(),
            name: command.name,
            description: command.description,
            category_id: command.category_id,
        };
        match ctx.create::<Product>(&sku, create).await {
            Ok(_) => Ok(CreateProductResult { sku }),
            // The stream appeared between the decision and the append, and the retry
            // did not run (inside an Idempotency-Key's transaction): the SKU is taken.
            Err(HandlerError::Conflict(_)) => Err(HandlerError::Rule {
                code: "sku_taken",
                message: format!("SKU {sku} is already taken"),
            }),
            Err(other) => Err(other),
        }
    }
}

register_command_handler!(CreateProductHandler);
