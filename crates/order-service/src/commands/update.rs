use order_contracts::OrderUpdated;
use platform_service::{CommandContext, HandlerError};

use crate::domain::{Order, OrderCommand};

/// Runs a command on an existing order (a missing one is a 404) and answers with the
/// order's version after it.
pub(super) async fn update_order(
    ctx: &CommandContext,
    order_id: String,
    command: OrderCommand,
) -> Result<OrderUpdated, HandlerError> {
    let done = ctx.update::<Order>(&order_id, command).await?;
    Ok(OrderUpdated {
        order_id,
        version: done.version,
    })
}
