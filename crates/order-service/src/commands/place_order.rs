use order_contracts::{OrderUpdated, PlaceOrder};
use platform_service::{CommandContext, CommandHandler, HandlerError, register_command_handler};

use crate::domain::{Order, OrderCommand};

/// Places a draft order (placing it again is a no-op).
pub struct PlaceOrderHandler;

impl CommandHandler for PlaceOrderHandler {
    type Command = PlaceOrder;

    async fn handle(
        ctx: CommandContext,
        command: PlaceOrder,
    ) -> Result<OrderUpdated, HandlerError> {
        let done = ctx
            .update::<Order>(&command.order_id, OrderCommand::Place)
            .await?;
        Ok(OrderUpdated {
            order_id: command.order_id,
            version: done.version,
        })
    }
}

register_command_handler!(PlaceOrderHandler);
