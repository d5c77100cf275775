//! The `product-prices` subscriber: the product service's names, prices and
//! discontinuations into `product_prices`.

use platform_core::EventEnvelope;
use platform_messaging::{EventHandler, EventHandlerError, HandlerContext, register_event_handler};
use product_contracts::events::ProductEvent;
use tracing::debug;

use super::store::{self, ProductChange};

/// Keeps each product's name, list price and whether it was discontinued, per tenant,
/// in the inbox transaction of the product event: the row and the record that the
/// event was handled commit together. A field is taken only from an event newer (by
/// product stream version) than the one it came from, so a redelivered, republished or
/// late older event changes nothing.
pub struct ProductPrices;

impl EventHandler for ProductPrices {
    type Event = ProductEvent;
    /// Names the queue: `{SERVICE_NAME}.product-prices`.
    const NAME: &'static str = "product-prices";
    const BINDINGS: &'static [&'static str] = &[
        "Product.ProductCreated",
        "Product.ProductImported",
        "Product.ProductDetailsChanged",
        "Product.PriceSet",
        "Product.ProductDiscontinued",
    ];

    async fn handle(
        ctx: &mut HandlerContext<'_>,
        event: EventEnvelope<ProductEvent>,
    ) -> Result<(), EventHandlerError> {
        let tenant = ctx.tenant().to_owned();
        let change = |sku| ProductChange {
            tenant: &tenant,
            sku,
            version: event.version,
            occurred_at: event.occurred_at,
            name: None,
            price: None,
            discontinued: false,
        };
        let change = match &event.event {
            ProductEvent::ProductCreated(created) => ProductChange {
                name: Some(&created.name),
                ..change(&created.sku)
            },
            ProductEvent::ProductImported(imported) => ProductChange {
                name: Some(&imported.name),
                price: Some(
                    imported
                        .price
                        .as_ref()
                        .map(|p| (p.amount, p.currency.as_str())),
                ),
                ..change(&imported.sku)
            },
            ProductEvent::ProductDetailsChanged(changed) => ProductChange {
                name: Some(&changed.name),
                ..change(&changed.sku)
            },
            ProductEvent::PriceSet(set) => ProductChange {
                price: Some(Some((set.price.amount, set.price.currency.as_str()))),
                ..change(&set.sku)
            },
            ProductEvent::ProductDiscontinued(discontinued) => ProductChange {
                discontinued: true,
                ..change(&discontinued.sku)
            },
            // Not bound: nothing the order service keeps.
            _ => return Ok(()),
        };
        let changed = store::apply(ctx.db(), &change).await?;
        debug!(
            sku = change.sku,
            version = change.version,
            changed,
            "product event applied"
        );
        Ok(())
    }
}

register_event_handler!(ProductPrices);
