use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{DiscontinueProduct, ProductUpdated};

use super::{MAX_REASON_LEN, check_len, update_product};
use crate::domain::{Product, ProductCommand};
use crate::policy::CATALOG_CHANGE;

/// Discontinues a product; it takes no changes afterwards.
pub struct DiscontinueProductHandler;

impl CommandHandler for DiscontinueProductHandler {
    type Command = DiscontinueProduct;
    type Aggregate = Product;

    const ACCESS: Access = CATALOG_CHANGE;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(404, "`not_found`: no such product"),
        ErrorResponse::new(422, "a rule was broken: `product_discontinued` (already)"),
    ];

    async fn handle(
        ctx: CommandContext,
        command: DiscontinueProduct,
    ) -> Result<ProductUpdated, HandlerError> {
        if let Some(reason) = &command.reason {
            check_len("reason", reason, MAX_REASON_LEN)?;
        }
        let discontinue = ProductCommand::Discontinue {
            reason: command.reason,
        };
        update_product(&ctx, command.sku, discontinue).await
    }
}

register_command_handler!(DiscontinueProductHandler);
