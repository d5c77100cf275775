use order_contracts::OrderUpdated;
use platform_service::{CommandContext, HandlerError};

use crate::domain::{Order, OrderCommand};
use crate::policy::Reach;

/// Runs a command on an existing order the caller reaches (a missing one, or another
/// customer's, is a 404) and answers with the order's version after it.
pub(super) async fn update_order(
    ctx: &CommandContext,
    order_id: String,
    command: OrderCommand,
) -> Result<OrderUpdated, HandlerError> {
    let reach = Reach::of(ctx.user());
    if let Reach::Own(_) = reach {
        reach.stored_order(&ctx.reader(), &order_id).await?;
    }
    let done = ctx.update::<Order>(&order_id, command).await?;
    Ok(OrderUpdated {
        order_id,
        version: done.version,
    })
}
