use chrono::Utc;
use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{ProductUpdated, SetPrice};

use super::update_product;
use crate::domain::{Product, ProductCommand};
use crate::policy::CATALOG_CHANGE;

/// Sets a product's price; the price it has is a no-op.
pub struct SetPriceHandler;

impl CommandHandler for SetPriceHandler {
    type Command = SetPrice;
    type Aggregate = Product;

    const ACCESS: Access = CATALOG_CHANGE;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(404, "`not_found`: no such product"),
        ErrorResponse::new(
            422,
            "a rule was broken: `invalid_price`, `invalid_currency`, `discount_too_large`, `currency_mismatch`, `product_discontinued`",
        ),
    ];

    async fn handle(
        ctx: CommandContext,
        command: SetPrice,
    ) -> Result<ProductUpdated, HandlerError> {
        let set = ProductCommand::SetPrice {
            price: command.price,
            now: Utc::now(),
        };
        update_product(&ctx, command.sku, set).await
    }
}

register_command_handler!(SetPriceHandler);
