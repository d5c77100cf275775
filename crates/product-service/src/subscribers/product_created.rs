use platform_core::EventEnvelope;
use platform_messaging::{EventHandler, EventHandlerError, HandlerContext, register_event_handler};
use product_contracts::events::ProductEvent;
use tracing::info;

/// Logs each `ProductCreated` event the service broadcasts, and does nothing else yet.
///
/// Real work goes in `handle`: run a command of this service with
/// `ctx.update::<Product>(id, command)` (or `create`), or write through `ctx.db()`; both
/// commit in the transaction that also records the event in the inbox, so a redelivery
/// does nothing twice. Return an error to have the delivery retried, then dead-lettered.
/// To react to another service's events, bind its routing keys in `BINDINGS` and take
/// its contracts' event enum as `Event`.
pub struct ProductCreatedLog;

impl EventHandler for ProductCreatedLog {
    type Event = ProductEvent;
    /// Names the queue: `{SERVICE_NAME}.product-created`.
    const NAME: &'static str = "product-created";
    /// `{aggregateType}.{eventType}` routing keys.
    const BINDINGS: &'static [&'static str] = &["Product.ProductCreated"];

    async fn handle(
        _ctx: &mut HandlerContext<'_>,
        event: EventEnvelope<ProductEvent>,
    ) -> Result<(), EventHandlerError> {
        if let ProductEvent::ProductCreated(created) = &event.event {
            info!(
                sku = %created.sku,
                name = %created.name,
                "product created"
            );
        }
        Ok(())
    }
}

register_event_handler!(ProductCreatedLog);
