use order_contracts::{EventRecord, GetOrderEvents, OrderEvents};
use platform_core::Aggregate;
use platform_event_sourcing::StreamRange;
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};

use crate::domain::Order;
use crate::policy::Reach;

/// Events per page when the caller names no limit.
const DEFAULT_LIMIT: u32 = 100;
/// The largest page.
const MAX_LIMIT: u32 = 1000;

/// Answers GetOrderEvents from the order's stream: the audit trail, payloads upcast,
/// with metadata that says who did what, from where. For the order's customer, support
/// staff and admins; another customer's order is missing for a customer.
pub struct GetOrderEventsHandler;

impl QueryHandler for GetOrderEventsHandler {
    type Query = GetOrderEvents;

    const ERRORS: &'static [ErrorResponse] = &[ErrorResponse::new(
        404,
        "`not_found`: no such order (or, for a customer, another customer's), or no events after `afterVersion`",
    )];

    async fn handle(ctx: QueryContext, query: GetOrderEvents) -> Result<OrderEvents, HandlerError> {
        let after = query.after_version.unwrap_or(0);
        if after < 0 {
            return Err(HandlerError::Validation(format!(
                "afterVersion must not be negative, not {after}"
            )));
        }
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(HandlerError::Validation(format!(
                "limit must be between 1 and {MAX_LIMIT}, not {limit}"
            )));
        }
        Reach::of(ctx.user())
            .stored_order(&ctx, &query.order_id)
            .await?;
        // One more than the page, to know whether another page follows.
        let range = StreamRange {
            after_version: after,
            to_version: Some(after.saturating_add(i64::from(limit) + 1)),
            until: None,
        };
        let mut events = ctx.store().read_stream(&query.order_id, range).await?;
        if events.is_empty()
            && (after == 0 || ctx.store().stream_version(&query.order_id).await? == 0)
        {
            return Err(HandlerError::not_found(Order::TYPE, &query.order_id));
        }
        let more = events.len() > limit as usize;
        events.truncate(limit as usize);
        let next_after_version = more.then(|| events.last().map_or(after, |e| e.version));
        let events = events
            .into_iter()
            .map(|e| {
                let payload = serde_json::from_str(e.payload.get())
                    .map_err(|err| HandlerError::internal("stored payload", err))?;
                Ok(EventRecord {
                    event_id: e.event_id,
                    event_type: e.event_type,
                    version: e.version,
                    global_position: e.position.global_position,
                    occurred_at: e.occurred_at,
                    schema_version: e.schema_version,
                    payload,
                    metadata: e.metadata,
                })
            })
            .collect::<Result<Vec<_>, HandlerError>>()?;
        Ok(OrderEvents {
            order_id: query.order_id,
            events,
            next_after_version,
        })
    }
}

register_query_handler!(GetOrderEventsHandler);
