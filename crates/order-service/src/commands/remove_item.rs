use order_contracts::{OrderUpdated, RemoveItem};
use platform_service::{CommandContext, CommandHandler, HandlerError, register_command_handler};

use super::update_order;
use crate::domain::OrderCommand;

/// Removes a product's line from a draft order.
pub struct RemoveItemHandler;

impl CommandHandler for RemoveItemHandler {
    type Command = RemoveItem;

    async fn handle(
        ctx: CommandContext,
        command: RemoveItem,
    ) -> Result<OrderUpdated, HandlerError> {
        let remove = OrderCommand::RemoveItem {
            product_id: command.product_id,
        };
        update_order(&ctx, command.order_id, remove).await
    }
}

register_command_handler!(RemoveItemHandler);
