use order_contracts::{GetOrder, OrderView};
use platform_core::{Aggregate, EventEnvelope};
use platform_event_sourcing::{StoreError, StreamRange};
use platform_service::{HandlerError, QueryContext, QueryHandler, register_query_handler};

use crate::domain::{Order, OrderEvent};
use crate::read_models::OrderReadModel;

/// Answers GetOrder from `rm_orders`, or, with `asOf`/`asOfVersion`, from the order's
/// events up to that point.
pub struct GetOrderHandler;

impl QueryHandler for GetOrderHandler {
    type Query = GetOrder;

    async fn handle(ctx: QueryContext, query: GetOrder) -> Result<OrderView, HandlerError> {
        let range = match (query.as_of, query.as_of_version) {
            (None, None) => return current(&ctx, &query.order_id).await,
            (Some(_), Some(_)) => {
                return Err(HandlerError::Validation(
                    "give asOf or asOfVersion, not both".to_owned(),
                ));
            }
            (Some(time), None) => StreamRange::until(time),
            (None, Some(version)) if version >= 1 => StreamRange::to_version(version),
            (None, Some(version)) => {
                return Err(HandlerError::Validation(format!(
                    "asOfVersion must be at least 1, not {version}"
                )));
            }
        };
        let view = as_of(&ctx, &query.order_id, range).await?;
        match query.as_of_version {
            Some(asked) if view.version < asked => Err(HandlerError::NotFound {
                what: Order::TYPE.to_owned(),
                id: format!("{} at version {asked}", query.order_id),
            }),
            _ => Ok(view),
        }
    }
}

/// The order now, from its read model.
async fn current(ctx: &QueryContext, order_id: &str) -> Result<OrderView, HandlerError> {
    let row = ctx.read_model::<OrderReadModel>().get(order_id).await?;
    row.map(OrderView::from)
        .ok_or_else(|| HandlerError::not_found(Order::TYPE, order_id))
}

/// The order at the end of `range`, folded from its events (upcast as stored).
async fn as_of(
    ctx: &QueryContext,
    order_id: &str,
    range: StreamRange,
) -> Result<OrderView, HandlerError> {
    let history = ctx.store().read_stream(order_id, range).await?;
    let Some(first) = history.first() else {
        return Err(HandlerError::not_found(Order::TYPE, order_id));
    };
    let mut order = Order::default();
    let mut view = OrderView {
        id: order_id.to_owned(),
        customer_id: String::new(),
        status: order.status,
        items: Vec::new(),
        total: order.total(),
        created_at: first.occurred_at,
        placed_at: None,
        cancelled_at: None,
        version: 0,
    };
    for recorded in &history {
        let envelope: EventEnvelope<OrderEvent> = recorded.decode().map_err(StoreError::from)?;
        match &envelope.event {
            OrderEvent::OrderPlaced(_) => view.placed_at = Some(envelope.occurred_at),
            OrderEvent::OrderCancelled(_) => view.cancelled_at = Some(envelope.occurred_at),
            _ => {}
        }
        order.apply(&envelope.event);
        view.version = envelope.version;
    }
    view.customer_id.clone_from(&order.customer_id);
    view.status = order.status;
    view.total = order.total();
    view.items = order.lines.into();
    Ok(view)
}

register_query_handler!(GetOrderHandler);
