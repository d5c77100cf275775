//! Hand-written reducers for read-model fields that are not a plain copy.

use platform_core::EventEnvelope;
use product_contracts::{PriceChange, ProductDiscount};
use rust_decimal::Decimal;

use crate::domain::ProductEvent;

/// The price's amount: set by a PriceSet, or by an import that had a price.
pub fn price_amount(amount: &mut Option<Decimal>, event: &EventEnvelope<ProductEvent>) {
    match &event.event {
        ProductEvent::PriceSet(e) => *amount = Some(e.price.amount),
        ProductEvent::ProductImported(e) => *amount = e.price.as_ref().map(|p| p.amount),
        _ => {}
    }
}

/// The price's currency, alongside [`price_amount`].
pub fn price_currency(currency: &mut Option<String>, event: &EventEnvelope<ProductEvent>) {
    match &event.event {
        ProductEvent::PriceSet(e) => *currency = Some(e.price.currency.clone()),
        ProductEvent::ProductImported(e) => {
            *currency = e.price.as_ref().map(|p| p.currency.clone());
        }
        _ => {}
    }
}

/// The discounts with their windows, in the order applied, less the removed ones.
pub fn discounts(discounts: &mut Vec<ProductDiscount>, event: &EventEnvelope<ProductEvent>) {
    match &event.event {
        ProductEvent::DiscountApplied(e) => discounts.push(ProductDiscount {
            discount_id: e.discount_id.clone(),
            discount: e.discount.clone(),
            valid_from: e.valid_from,
            valid_until: e.valid_until,
        }),
        ProductEvent::DiscountRemoved(e) => discounts.retain(|d| d.discount_id != e.discount_id),
        _ => {}
    }
}

/// One entry per price change, oldest first, stamped with the event's time.
pub fn price_changes(changes: &mut Vec<PriceChange>, event: &EventEnvelope<ProductEvent>) {
    match &event.event {
        ProductEvent::PriceSet(e) => changes.push(PriceChange {
            price: e.price.clone(),
            previous: e.previous.clone(),
            at: event.occurred_at,
        }),
        ProductEvent::ProductImported(e) => {
            if let Some(price) = &e.price {
                changes.push(PriceChange {
                    price: price.clone(),
                    previous: None,
                    at: event.occurred_at,
                });
            }
        }
        _ => {}
    }
}

/// A category's SKUs, sorted: the product enters the row its event is keyed by (once).
///
/// Sorted rather than in the order products entered: products of different streams
/// enter in the order their commands commit inline but in log order in a rebuild, and
/// these differ when commands race; a sorted set is the same either way.
pub fn enter_category(skus: &mut Vec<String>, event: &EventEnvelope<ProductEvent>) {
    let sku = match &event.event {
        ProductEvent::ProductCreated(e) => &e.sku,
        ProductEvent::ProductImported(e) => &e.sku,
        ProductEvent::ProductCategorised(e) => &e.sku,
        _ => return,
    };
    if let Err(at) = skus.binary_search(sku) {
        skus.insert(at, sku.clone());
    }
}

/// A category's SKUs: the product whose event moved it out (its stream id is its SKU)
/// leaves the row of its previous category.
pub fn leave_category(skus: &mut Vec<String>, event: &EventEnvelope<ProductEvent>) {
    skus.retain(|sku| *sku != event.aggregate_id);
}
