use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{ProductUpdated, RemoveDiscount};

use super::{MAX_ID_LEN, check_len, update_product};
use crate::domain::{Product, ProductCommand};
use crate::policy::CATALOG_CHANGE;

/// Takes a discount off a product.
pub struct RemoveDiscountHandler;

impl CommandHandler for RemoveDiscountHandler {
    type Command = RemoveDiscount;
    type Aggregate = Product;

    const ACCESS: Access = CATALOG_CHANGE;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(404, "`not_found`: no such product"),
        ErrorResponse::new(
            422,
            "a rule was broken: `discount_not_found`, `product_discontinued`",
        ),
    ];

    async fn handle(
        ctx: CommandContext,
        command: RemoveDiscount,
    ) -> Result<ProductUpdated, HandlerError> {
        check_len("discountId", &command.discount_id, MAX_ID_LEN)?;
        let remove = ProductCommand::RemoveDiscount {
            discount_id: command.discount_id,
        };
        update_product(&ctx, command.sku, remove).await
    }
}

register_command_handler!(RemoveDiscountHandler);
