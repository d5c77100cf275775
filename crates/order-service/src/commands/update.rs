use order_contracts::OrderUpdated;
use platform_service::{Caller, CommandContext, HandlerError};

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
        // Read as the same caller, so in the same tenant.
        let caller = ctx
            .user()
            .cloned()
            .map_or_else(Caller::anonymous, Caller::authenticated);
        let reader = ctx.state().query_context(ctx.metadata().clone(), caller);
        reach.stored_order(&reader, &order_id).await?;
    }
    let done = ctx.update::<Order>(&order_id, command).await?;
    Ok(OrderUpdated {
        order_id,
        version: done.version,
    })
}
