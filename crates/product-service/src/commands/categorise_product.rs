use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{CategoriseProduct, ProductUpdated};

use super::{existing_category, update_product};
use crate::domain::{Product, ProductCommand};
use crate::policy::CATALOG_CHANGE;

/// Puts a product into an existing category, or out of every category.
pub struct CategoriseProductHandler;

impl CommandHandler for CategoriseProductHandler {
    type Command = CategoriseProduct;
    type Aggregate = Product;

    const ACCESS: Access = CATALOG_CHANGE;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(404, "`not_found`: no such product"),
        ErrorResponse::new(
            422,
            "a rule was broken: `category_not_found`, `product_discontinued`",
        ),
    ];

    async fn handle(
        ctx: CommandContext,
        command: CategoriseProduct,
    ) -> Result<ProductUpdated, HandlerError> {
        if let Some(category_id) = &command.category_id {
            existing_category(&ctx, category_id, "category_not_found").await?;
        }
        let categorise = ProductCommand::Categorise {
            category_id: command.category_id,
        };
        update_product(&ctx, command.sku, categorise).await
    }
}

register_command_handler!(CategoriseProductHandler);
