use order_contracts::{OrderUpdated, RemoveItem};
use platform_service::{
    CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};

use super::update_order;
use crate::domain::{Order, OrderCommand};

/// Removes a product's line from a draft order.
pub struct RemoveItemHandler;

impl CommandHandler for RemoveItemHandler {
    type Command = RemoveItem;
    type Aggregate = Order;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(
            404,
            "`not_found`: no such order (or, for a customer, another customer's)",
        ),
        ErrorResponse::new(
            422,
            "a rule was broken: `item_not_found`, `order_not_draft`",
        ),
    ];

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
