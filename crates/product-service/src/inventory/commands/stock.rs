use platform_event_sourcing::Executed;
use platform_service::{Access, CommandContext, HandlerError};
use product_contracts::inventory::StockLevel;

use crate::inventory::domain::{Inventory, InventoryCommand, Sku};

/// Who may change stock.
pub(super) const STOCK_ROLES: Access = Access::Roles(&["inventory", "admin"]);

/// The SKU of a request; a malformed one is a 400.
pub(super) fn parse_sku(sku: &str) -> Result<Sku, HandlerError> {
    Sku::parse(sku).map_err(|e| HandlerError::Validation(e.to_string()))
}

/// Runs `command` on the existing stock of `sku`; a SKU without stock is a 404 naming
/// the SKU (not its stream).
pub(super) async fn update_stock(
    ctx: &CommandContext,
    sku: &Sku,
    command: InventoryCommand,
) -> Result<StockLevel, HandlerError> {
    match ctx.update::<Inventory>(&sku.stream_id(), command).await {
        Ok(done) => Ok(stock_level(sku, &done)),
        Err(HandlerError::NotFound { .. }) => {
            Err(HandlerError::not_found("Inventory", sku.as_str()))
        }
        Err(other) => Err(other),
    }
}

/// The answer of a stock command: the stock after it.
pub(super) fn stock_level(sku: &Sku, done: &Executed<Inventory>) -> StockLevel {
    StockLevel {
        sku: sku.to_string(),
        on_hand: done.aggregate.on_hand,
        reserved: done.aggregate.reserved,
        available: done.aggregate.available(),
        version: done.version,
    }
}
