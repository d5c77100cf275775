use chrono::Utc;
use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::{ApplyDiscount, ApplyDiscountResult};
use uuid::Uuid;

use super::update_product;
use crate::domain::{Product, ProductCommand};
use crate::policy::CATALOG_CHANGE;

/// Applies a discount under a fresh id, in force from `validFrom` (now by default).
pub struct ApplyDiscountHandler;

impl CommandHandler for ApplyDiscountHandler {
    type Command = ApplyDiscount;
    type Aggregate = Product;

    const ACCESS: Access = CATALOG_CHANGE;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(404, "`not_found`: no such product"),
        ErrorResponse::new(
            422,
            "a rule was broken: `price_required`, `invalid_discount`, `invalid_currency`, `currency_mismatch`, `discount_too_large`, `invalid_discount_window`, `product_discontinued`",
        ),
    ];

    async fn handle(
        ctx: CommandContext,
        command: ApplyDiscount,
    ) -> Result<ApplyDiscountResult, HandlerError> {
        let discount_id = Uuid::now_v7().to_string();
        let apply = ProductCommand::ApplyDiscount {
            discount_id: discount_id.clone(),
            discount: command.discount,
            valid_from: command.valid_from.unwrap_or_else(Utc::now),
            valid_until: command.valid_until,
        };
        let done = update_product(&ctx, command.sku, apply).await?;
        Ok(ApplyDiscountResult {
            sku: done.sku,
            discount_id,
            version: done.version,
        })
    }
}

register_command_handler!(ApplyDiscountHandler);
