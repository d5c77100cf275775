use order_contracts::{CancelOrder, OrderUpdated};
use platform_service::{
    CommandContext, CommandHandler, ErrorResponse, HandlerError, register_command_handler,
};

use super::update_order;
use crate::domain::{Order, OrderCommand};

/// Longest cancellation reason accepted.
const MAX_REASON_LEN: usize = 1000;

/// Cancels a draft or placed order.
pub struct CancelOrderHandler;

impl CommandHandler for CancelOrderHandler {
    type Command = CancelOrder;
    type Aggregate = Order;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(
            404,
            "`not_found`: no such order (or, for a customer, another customer's)",
        ),
        ErrorResponse::new(
            422,
            "a rule was broken: `order_not_draft` (e.g. already cancelled)",
        ),
    ];

    async fn handle(
        ctx: CommandContext,
        command: CancelOrder,
    ) -> Result<OrderUpdated, HandlerError> {
        if command
            .reason
            .as_ref()
            .is_some_and(|r| r.len() > MAX_REASON_LEN)
        {
            return Err(HandlerError::Validation(format!(
                "reason must be at most {MAX_REASON_LEN} bytes"
            )));
        }
        let cancel = OrderCommand::Cancel {
            reason: command.reason,
        };
        update_order(&ctx, command.order_id, cancel).await
    }
}

register_command_handler!(CancelOrderHandler);
