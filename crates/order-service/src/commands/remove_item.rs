use order_contracts::{OrderUpdated, RemoveItem};
use platform_service::{CommandContext, CommandHandler, HandlerError, register_command_handler};

use crate::domain::{Order, OrderCommand};

/// Removes a product's line from a draft order.
pub struct RemoveItemHandler;

impl CommandHandler for RemoveItemHandler {
    type Command = RemoveItem;

    async fn handle(
        ctx: CommandContext,
        command: RemoveItem,
    ) -> Result<OrderUpdated, HandlerError> {
        let done = ctx
            .update::<Order>(
                &command.order_id,
                OrderCommand::RemoveItem {
                    product_id: command.product_id,
                },
            )
            .await?;
        Ok(OrderUpdated {
            order_id: command.order_id,
            version: done.version,
        })
    }
}

register_command_handler!(RemoveItemHandler);
