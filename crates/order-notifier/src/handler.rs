//! Placed and cancelled orders become notifications.

use order_contracts::events::OrderEvent;
use platform_core::EventEnvelope;
use platform_messaging::{EventHandler, EventHandlerError, HandlerContext, register_event_handler};

use crate::store::{self, NewNotification};

/// Writes one notification per placed or cancelled order.
pub struct OrderNotifications;

impl EventHandler for OrderNotifications {
    type Event = OrderEvent;
    const NAME: &'static str = "notifications";
    const BINDINGS: &'static [&'static str] = &["Order.OrderPlaced", "Order.OrderCancelled"];

    async fn handle(
        ctx: &mut HandlerContext<'_>,
        event: EventEnvelope<OrderEvent>,
    ) -> Result<(), EventHandlerError> {
        let (order_id, customer_id, kind, message) = match &event.event {
            OrderEvent::OrderPlaced(placed) => (
                &placed.order_id,
                &placed.customer_id,
                "order_placed",
                format!(
                    "Your order {} was placed; total {}.",
                    placed.order_id, placed.total
                ),
            ),
            OrderEvent::OrderCancelled(cancelled) => (
                &cancelled.order_id,
                &cancelled.customer_id,
                "order_cancelled",
                match &cancelled.reason {
                    Some(reason) => {
                        format!("Your order {} was cancelled: {reason}", cancelled.order_id)
                    }
                    None => format!("Your order {} was cancelled.", cancelled.order_id),
                },
            ),
            // Bound only to the two above; anything else is not ours to tell.
            _ => return Ok(()),
        };
        let notification = NewNotification {
            event_id: event.event_id,
            order_id,
            customer_id,
            kind,
            message,
            occurred_at: event.occurred_at,
        };
        store::insert(ctx.db(), &notification).await?;
        Ok(())
    }
}

register_event_handler!(OrderNotifications);
