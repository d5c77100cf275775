use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::inventory::{AdjustStock, StockLevel};

use super::{STOCK_ROLES, parse_sku, update_stock};
use crate::inventory::domain::{Inventory, InventoryCommand};

/// Longest adjustment reason accepted, in characters.
const MAX_REASON_LEN: usize = 500;

/// Corrects the stock on hand of a product that has stock.
pub struct AdjustStockHandler;

impl CommandHandler for AdjustStockHandler {
    type Command = AdjustStock;
    type Aggregate = Inventory;

    const ACCESS: Access = STOCK_ROLES;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(404, "`not_found`: the product has no stock"),
        ErrorResponse::new(
            422,
            "a rule was broken: `invalid_delta`, `reason_required`, `insufficient_stock`, `out_of_range`",
        ),
    ];

    async fn handle(ctx: CommandContext, command: AdjustStock) -> Result<StockLevel, HandlerError> {
        let sku = parse_sku(&command.sku)?;
        if command.reason.chars().count() > MAX_REASON_LEN {
            return Err(HandlerError::Validation(format!(
                "reason must be at most {MAX_REASON_LEN} characters"
            )));
        }
        let adjust = InventoryCommand::Adjust {
            delta: command.delta,
            reason: command.reason,
        };
        update_stock(&ctx, &sku, adjust).await
    }
}

register_command_handler!(AdjustStockHandler);
