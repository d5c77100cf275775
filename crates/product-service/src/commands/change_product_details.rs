use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{ChangeProductDetails, ProductUpdated};

use super::update_product;
use crate::domain::{Product, ProductCommand};
use crate::policy::CATALOG_CHANGE;

/// Changes a product's name and description; the same ones again are a no-op.
pub struct ChangeProductDetailsHandler;

impl CommandHandler for ChangeProductDetailsHandler {
    type Command = ChangeProductDetails;
    type Aggregate = Product;

    const ACCESS: Access = CATALOG_CHANGE;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(404, "`not_found`: no such product"),
        ErrorResponse::new(
            422,
            "a rule was broken: `name_required`, `name_too_long`, `description_too_long`, `product_discontinued`",
        ),
    ];

    async fn handle(
        ctx: CommandContext,
        command: ChangeProductDetails,
    ) -> Result<ProductUpdated, HandlerError> {
        let change = ProductCommand::ChangeDetails {
            name: command.name,
            description: command.description,
        };
        update_product(&ctx, command.sku, change).await
    }
}

register_command_handler!(ChangeProductDetailsHandler);
