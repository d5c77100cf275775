use order_contracts::{OrderUpdated, PlaceOrder};
use platform_service::{
    CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};

use super::update_order;
use crate::domain::{Order, OrderCommand};

/// Places a draft order (placing it again is a no-op).
pub struct PlaceOrderHandler;

impl CommandHandler for PlaceOrderHandler {
    type Command = PlaceOrder;
    type Aggregate = Order;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(
            404,
            "`not_found`: no such order (or, for a customer, another customer's)",
        ),
        ErrorResponse::new(422, "a rule was broken: `order_empty`, `order_cancelled`"),
    ];

    async fn handle(
        ctx: CommandContext,
        command: PlaceOrder,
    ) -> Result<OrderUpdated, HandlerError> {
        update_order(&ctx, command.order_id, OrderCommand::Place).await
    }
}

register_command_handler!(PlaceOrderHandler);
