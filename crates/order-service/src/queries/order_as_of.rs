use chrono::{DateTime, Utc};
use order_contracts::OrderView;
use platform_core::Aggregate;
use platform_event_sourcing::{Loaded, StreamRange};
use platform_service::{HandlerError, QueryContext};

use crate::domain::Order;

/// The order at the end of `range`: the [`Order`] aggregate as the platform loads it
/// (from the newest snapshot inside the range, then the events after it), with the
/// times of its lifecycle events. Before the order existed is a 404.
pub(super) async fn order_as_of(
    ctx: &QueryContext,
    order_id: &str,
    range: StreamRange,
) -> Result<OrderView, HandlerError> {
    let Loaded {
        aggregate: order,
        version,
    } = ctx.load::<Order>(order_id, range).await?;
    // Exactly the events the aggregate was folded from, whatever was appended since.
    let range = StreamRange {
        to_version: Some(version),
        ..range
    };
    let times = Lifecycle::read(ctx, order_id, range).await?;
    Ok(OrderView {
        id: order_id.to_owned(),
        total: order.total(),
        customer_id: order.customer_id,
        status: order.status,
        items: order.lines.into(),
        created_at: times.created_at,
        placed_at: times.placed_at,
        cancelled_at: times.cancelled_at,
        version,
    })
}

/// When an order was created, placed and cancelled: the `occurred_at` of those events.
///
/// Not part of the `Order` state: the aggregate's `apply` sees events, not their
/// envelopes, and the events carry no time, so holding these in the aggregate would
/// mean changing the events. They are read from the envelopes of the same stream range
/// instead: only the first event of each of the three types, by stored event type,
/// without reading a payload or the rest of the stream.
struct Lifecycle {
    created_at: DateTime<Utc>,
    placed_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
}

impl Lifecycle {
    /// The times in `range` of the order's stream; without its OrderCreated, a 404.
    async fn read(
        ctx: &QueryContext,
        order_id: &str,
        range: StreamRange,
    ) -> Result<Self, HandlerError> {
        const TYPES: [&str; 3] = ["OrderCreated", "OrderPlaced", "OrderCancelled"];
        let firsts = ctx
            .store()
            .first_occurrences(order_id, &TYPES, range)
            .await?;
        let time_of = |event_type: &str| {
            firsts
                .iter()
                .find(|first| first.event_type == event_type)
                .map(|first| first.occurred_at)
        };
        Ok(Lifecycle {
            created_at: time_of("OrderCreated")
                .ok_or_else(|| HandlerError::not_found(Order::TYPE, order_id))?,
            placed_at: time_of("OrderPlaced"),
            cancelled_at: time_of("OrderCancelled"),
        })
    }
}
