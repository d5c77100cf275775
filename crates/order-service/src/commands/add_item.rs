use order_contracts::{AddItem, OrderUpdated};
use platform_service::{CommandContext, CommandHandler, HandlerError, register_command_handler};

use super::check_id;
use crate::domain::{Order, OrderCommand};

/// Adds units of a product to a draft order.
pub struct AddItemHandler;

impl CommandHandler for AddItemHandler {
    type Command = AddItem;

    async fn handle(ctx: CommandContext, command: AddItem) -> Result<OrderUpdated, HandlerError> {
        check_id("productId", &command.product_id)?;
        let done = ctx
            .update::<Order>(
                &command.order_id,
                OrderCommand::AddItem {
                    product_id: command.product_id,
                    quantity: command.quantity,
                    price: command.price,
                },
            )
            .await?;
        Ok(OrderUpdated {
            order_id: command.order_id,
            version: done.version,
        })
    }
}

register_command_handler!(AddItemHandler);
