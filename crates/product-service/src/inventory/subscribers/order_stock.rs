use order_contracts::events::{OrderCancelled, OrderEvent, OrderPlaced};
use platform_core::EventEnvelope;
use platform_event_sourcing::{ExecuteError, Executed, StreamExpectation};
use platform_messaging::{EventHandler, EventHandlerError, HandlerContext, register_event_handler};
use tracing::{info, warn};
use uuid::Uuid;

use super::order_stock_store::{self as store, LineOutcome};
use crate::inventory::domain::events::InventoryEvent;
use crate::inventory::domain::{Inventory, InventoryCommand, Sku};

/// Reserves stock for placed orders and releases it for cancelled ones.
///
/// Everything runs in the inbox transaction of the order event: the `Inventory` events
/// (and their `rm_stock` rows) commit with the record that the event was handled, so a
/// redelivered event does nothing twice.
///
/// - `OrderPlaced`: each line reserves its quantity on `inventory:{productId}`. A SKU
///   whose stock has no stream yet is decided on a new stream
///   ([`StreamExpectation::New`]): the aggregate records `InventoryReservationFailed`
///   with reason `unknown_sku`, and if stock for it was received meanwhile, the append
///   conflicts, the delivery is retried and reserves on the existing stream. More than
///   available records `InventoryReservationFailed` (`insufficient_stock`). A v1
///   OrderPlaced carries no lines: nothing is reserved and the order is noted
///   `not_reserved = 'no_lines'`.
/// - `OrderCancelled` of a placed order: what the order reserved is released. Which
///   SKUs those are is kept in the service's own table `order_stock_lines`, written in
///   the same transaction as the reservations (the cancellation event does not carry
///   the lines, and `rm_stock` is a read model that may be rebuilt).
pub struct OrderStock;

impl EventHandler for OrderStock {
    type Event = OrderEvent;
    /// Names the queue: `{SERVICE_NAME}.order-stock`.
    const NAME: &'static str = "order-stock";
    const BINDINGS: &'static [&'static str] = &["Order.OrderPlaced", "Order.OrderCancelled"];

    async fn handle(
        ctx: &mut HandlerContext<'_>,
        event: EventEnvelope<OrderEvent>,
    ) -> Result<(), EventHandlerError> {
        match event.event {
            OrderEvent::OrderPlaced(placed) => reserve(ctx, event.event_id, placed).await,
            // A draft order was never placed, so it reserved nothing (and cannot be
            // placed any more).
            OrderEvent::OrderCancelled(cancelled) if cancelled.placed_total.is_some() => {
                release(ctx, event.event_id, cancelled).await
            }
            _ => Ok(()),
        }
    }
}

register_event_handler!(OrderStock);

async fn reserve(
    ctx: &mut HandlerContext<'_>,
    event_id: Uuid,
    placed: OrderPlaced,
) -> Result<(), EventHandlerError> {
    let tenant = ctx.tenant().to_owned();
    let order_id = placed.order_id;
    if !store::claim_placed(ctx.db(), &tenant, &order_id, event_id).await? {
        info!(%order_id, "order already handled (cancelled or placed before); nothing reserved");
        return Ok(());
    }
    if placed.lines.is_empty() {
        warn!(%order_id, "OrderPlaced without lines (schema 1); nothing reserved");
        store::not_reserved(ctx.db(), &tenant, &order_id, "no_lines").await?;
        return Ok(());
    }
    for line in placed.lines {
        let outcome = match Sku::parse(&line.product_id) {
            Ok(sku) => reserve_line(ctx, &sku, &order_id, line.quantity).await?,
            Err(invalid) => {
                warn!(%order_id, %invalid, "not a SKU; nothing reserved for the line");
                LineOutcome::InvalidSku
            }
        };
        store::record_line(
            ctx.db(),
            &tenant,
            &order_id,
            &line.product_id,
            line.quantity,
            outcome,
        )
        .await?;
    }
    Ok(())
}

/// Reserves one line on its stock; a stock without a stream is decided on a new one.
async fn reserve_line(
    ctx: &mut HandlerContext<'_>,
    sku: &Sku,
    order_id: &str,
    quantity: i64,
) -> Result<LineOutcome, EventHandlerError> {
    let id = sku.stream_id();
    let command = InventoryCommand::Reserve {
        sku: sku.to_string(),
        order_id: order_id.to_owned(),
        quantity,
    };
    let done = match ctx.update::<Inventory>(&id, command.clone()).await {
        Err(ExecuteError::NotFound { .. }) => {
            ctx.execute::<Inventory>(&id, StreamExpectation::New, command)
                .await
        }
        other => other,
    };
    match done {
        Ok(done) => Ok(outcome(&done, order_id)),
        Err(ExecuteError::Rule(rule)) => {
            warn!(%order_id, %sku, %rule, "reservation refused");
            Ok(LineOutcome::Refused)
        }
        Err(other) => Err(other.into()),
    }
}

/// What a reservation came to: reserved (now or before), or failed.
fn outcome(done: &Executed<Inventory>, order_id: &str) -> LineOutcome {
    let failed = done
        .events
        .iter()
        .any(|e| matches!(e, InventoryEvent::InventoryReservationFailed(_)));
    if failed || done.aggregate.reserved_for(order_id).is_none() {
        LineOutcome::Failed
    } else {
        LineOutcome::Reserved
    }
}

async fn release(
    ctx: &mut HandlerContext<'_>,
    event_id: Uuid,
    cancelled: OrderCancelled,
) -> Result<(), EventHandlerError> {
    let tenant = ctx.tenant().to_owned();
    let order_id = cancelled.order_id;
    let skus = store::cancel(ctx.db(), &tenant, &order_id, event_id).await?;
    for sku in skus {
        let Ok(parsed) = Sku::parse(&sku) else {
            continue;
        };
        let release = InventoryCommand::Release {
            order_id: order_id.clone(),
        };
        let done = ctx
            .update::<Inventory>(&parsed.stream_id(), release)
            .await?;
        let quantity = done
            .events
            .iter()
            .map(|e| match e {
                InventoryEvent::InventoryReleased(released) => released.quantity,
                _ => 0,
            })
            .sum();
        store::record_line(
            ctx.db(),
            &tenant,
            &order_id,
            &sku,
            quantity,
            LineOutcome::Released,
        )
        .await?;
    }
    Ok(())
}
