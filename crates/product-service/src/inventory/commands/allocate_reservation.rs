use platform_service::{
    Access, CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};
use product_contracts::inventory::{AllocateReservation, StockLevel};

use super::{STOCK_ROLES, parse_sku, update_stock};
use crate::inventory::domain::{Inventory, InventoryCommand};

/// Longest order id accepted, in characters.
const MAX_ORDER_ID_LEN: usize = 128;

/// Takes an order's reserved units out of stock (the order ships).
pub struct AllocateReservationHandler;

impl CommandHandler for AllocateReservationHandler {
    type Command = AllocateReservation;
    type Aggregate = Inventory;

    const ACCESS: Access = STOCK_ROLES;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(404, "`not_found`: the product has no stock"),
        ErrorResponse::new(422, "a rule was broken: `no_reservation`"),
    ];

    async fn handle(
        ctx: CommandContext,
        command: AllocateReservation,
    ) -> Result<StockLevel, HandlerError> {
        let sku = parse_sku(&command.sku)?;
        if command.order_id.chars().count() > MAX_ORDER_ID_LEN {
            return Err(HandlerError::Validation(format!(
                "orderId must be at most {MAX_ORDER_ID_LEN} characters"
            )));
        }
        let allocate = InventoryCommand::Allocate {
            order_id: command.order_id,
        };
        update_stock(&ctx, &sku, allocate).await
    }
}

register_command_handler!(AllocateReservationHandler);
