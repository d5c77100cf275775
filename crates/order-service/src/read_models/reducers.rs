//! Hand-written reducers for read-model fields that are not a plain copy.

use platform_core::EventEnvelope;
use rust_decimal::Decimal;

use crate::domain::{OrderEvent, OrderLines, line_amount};

/// The lines of an order, by the aggregate's own rule ([`OrderLines::apply`]).
pub fn items(lines: &mut OrderLines, event: &EventEnvelope<OrderEvent>) {
    lines.apply(&event.event);
}

/// The running total of an order's lines: what added units cost, less what a removed
/// line cost.
pub fn total(total: &mut Decimal, event: &EventEnvelope<OrderEvent>) {
    match &event.event {
        OrderEvent::ItemAdded(e) => *total = total.saturating_add(line_amount(e.quantity, e.price)),
        OrderEvent::ItemRemoved(e) => {
            *total = total.saturating_sub(line_amount(e.quantity, e.price));
        }
        _ => {}
    }
}

/// Orders currently placed: +1 when placed, −1 when a placed order is cancelled.
pub fn placed_orders(count: &mut i64, event: &EventEnvelope<OrderEvent>) {
    match &event.event {
        OrderEvent::OrderPlaced(_) => *count += 1,
        OrderEvent::OrderCancelled(e) if e.placed_total.is_some() => *count -= 1,
        _ => {}
    }
}

/// Spend on placed orders: + the total when placed, − it when a placed order is cancelled.
pub fn spend(spent: &mut Decimal, event: &EventEnvelope<OrderEvent>) {
    match &event.event {
        OrderEvent::OrderPlaced(e) => *spent = spent.saturating_add(e.total),
        OrderEvent::OrderCancelled(e) => {
            if let Some(total) = e.placed_total {
                *spent = spent.saturating_sub(total);
            }
        }
        _ => {}
    }
}

/// Counts the events it is declared for.
pub fn count(count: &mut i64, _event: &EventEnvelope<OrderEvent>) {
    *count += 1;
}

/// Sums the units of the item events it is declared for.
pub fn units(units: &mut i64, event: &EventEnvelope<OrderEvent>) {
    match &event.event {
        OrderEvent::ItemAdded(e) => *units = units.saturating_add(e.quantity),
        OrderEvent::ItemRemoved(e) => *units = units.saturating_add(e.quantity),
        _ => {}
    }
}
