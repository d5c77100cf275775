use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::inventory::{ReceiveStock, StockLevel};

use super::{STOCK_ROLES, parse_sku, stock_level};
use crate::inventory::domain::{Inventory, InventoryCommand};

/// Records units arriving. A SKU the catalog does not know (yet) is accepted: stock may
/// arrive before the product's catalog entry, and its stock starts here.
pub struct ReceiveStockHandler;

impl CommandHandler for ReceiveStockHandler {
    type Command = ReceiveStock;
    type Aggregate = Inventory;

    const ACCESS: Access = STOCK_ROLES;

    const ERRORS: &'static [ErrorResponse] = &[ErrorResponse::new(
        422,
        "a rule was broken: `invalid_quantity`, `out_of_range`",
    )];

    async fn handle(
        ctx: CommandContext,
        command: ReceiveStock,
    ) -> Result<StockLevel, HandlerError> {
        let sku = parse_sku(&command.sku)?;
        let id = sku.stream_id();
        let receive = InventoryCommand::Receive {
            sku: sku.to_string(),
            quantity: command.quantity,
        };
        // The stock's first receipt starts its stream; a concurrent first receipt makes
        // the create a conflict that the executor catches up on and decides again.
        let done = match ctx.update::<Inventory>(&id, receive.clone()).await {
            Err(HandlerError::NotFound { .. }) => ctx.create::<Inventory>(&id, receive).await?,
            other => other?,
        };
        Ok(stock_level(&sku, &done))
    }
}

register_command_handler!(ReceiveStockHandler);
