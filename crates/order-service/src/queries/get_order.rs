use order_contracts::{GetOrder, OrderItem, OrderView};
use platform_core::{Aggregate, EventEnvelope};
use platform_event_sourcing::StreamRange;
use platform_service::{HandlerError, QueryContext, QueryHandler, register_query_handler};

use crate::domain::{Order, OrderEvent};

/// Answers GetOrder by rebuilding the order from its events.
pub struct GetOrderHandler;

impl QueryHandler for GetOrderHandler {
    type Query = GetOrder;

    async fn handle(ctx: QueryContext, query: GetOrder) -> Result<OrderView, HandlerError> {
        let recorded = ctx
            .store()
            .read_stream(&query.order_id, StreamRange::all())
            .await?;
        let history = recorded
            .iter()
            .map(|r| r.decode::<OrderEvent>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| HandlerError::internal("decode order events", e))?;
        order_view(&history).ok_or_else(|| HandlerError::not_found(Order::TYPE, query.order_id))
    }
}

register_query_handler!(GetOrderHandler);

/// The client view of an order from its history (`None` when it has no events).
pub fn order_view(history: &[EventEnvelope<OrderEvent>]) -> Option<OrderView> {
    let first = history.first()?;
    let mut order = Order::default();
    let mut placed_at = None;
    let mut cancelled_at = None;
    for envelope in history {
        order.apply(&envelope.event);
        match envelope.event {
            OrderEvent::OrderPlaced(_) => placed_at = Some(envelope.occurred_at),
            OrderEvent::OrderCancelled(_) => cancelled_at = Some(envelope.occurred_at),
            _ => {}
        }
    }
    let total = order.total();
    Some(OrderView {
        id: order.id,
        customer_id: order.customer_id,
        status: order.status,
        items: order
            .lines
            .into_iter()
            .map(|l| OrderItem {
                product_id: l.product_id,
                quantity: l.quantity,
                price: l.price,
            })
            .collect(),
        total,
        created_at: first.occurred_at,
        placed_at,
        cancelled_at,
        version: history.last().map_or(0, |e| e.version),
    })
}
