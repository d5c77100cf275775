use chrono::{DateTime, Utc};
use platform_core::Aggregate;
use platform_event_sourcing::{Loaded, StreamRange};
use platform_service::{HandlerError, QueryContext};
use product_contracts::ProductView;

use crate::domain::Product;

/// The product as it was at `time`: the [`Product`] aggregate folded from its events
/// up to then, with the times of its first and last of those events, and its
/// effective price at `time`. Before it existed is a 404.
pub(super) async fn product_as_of(
    ctx: &QueryContext,
    sku: &str,
    time: DateTime<Utc>,
) -> Result<ProductView, HandlerError> {
    let Loaded {
        aggregate: product,
        version,
    } = ctx.load::<Product>(sku, StreamRange::until(time)).await?;
    let store = ctx.store();
    let firsts = store
        .first_occurrences(
            sku,
            &["ProductCreated", "ProductImported"],
            StreamRange::to_version(version),
        )
        .await?;
    let created_at = firsts
        .iter()
        .map(|first| first.occurred_at)
        .min()
        .ok_or_else(|| HandlerError::not_found(Product::TYPE, sku))?;
    let last = StreamRange {
        after_version: version - 1,
        to_version: Some(version),
        until: None,
    };
    let updated_at = store
        .read_stream(sku, last)
        .await?
        .last()
        .map_or(created_at, |event| event.occurred_at);
    Ok(ProductView {
        effective_price: product.effective_price(time),
        sku: product.sku,
        name: product.name,
        description: product.description,
        category_id: product.category_id,
        price: product.price,
        discounts: product.discounts,
        discontinued: product.discontinued,
        stock: None,
        created_at,
        updated_at,
        version,
    })
}
