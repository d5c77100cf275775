//! How stock events change the numbers of `rm_stock` (the same arithmetic as the
//! aggregate's `apply`).

use platform_core::EventEnvelope;
use product_contracts::inventory::ReservationView;

use crate::inventory::domain::events::InventoryEvent;

/// Units on hand: received and adjusted in, allocated out.
pub fn on_hand(units: &mut i64, event: &EventEnvelope<InventoryEvent>) {
    match &event.event {
        InventoryEvent::StockReceived(e) => *units = units.saturating_add(e.quantity),
        InventoryEvent::StockAdjusted(e) => *units = units.saturating_add(e.delta),
        InventoryEvent::InventoryAllocated(e) => *units = units.saturating_sub(e.quantity),
        _ => {}
    }
}

/// Units reserved: reserved in, released and allocated out.
pub fn reserved(units: &mut i64, event: &EventEnvelope<InventoryEvent>) {
    match &event.event {
        InventoryEvent::InventoryReserved(e) => *units = units.saturating_add(e.quantity),
        InventoryEvent::InventoryReleased(e) => *units = units.saturating_sub(e.quantity),
        InventoryEvent::InventoryAllocated(e) => *units = units.saturating_sub(e.quantity),
        _ => {}
    }
}

/// Units available: on hand less reserved (an allocation changes neither side of it).
pub fn available(units: &mut i64, event: &EventEnvelope<InventoryEvent>) {
    match &event.event {
        InventoryEvent::StockReceived(e) => *units = units.saturating_add(e.quantity),
        InventoryEvent::StockAdjusted(e) => *units = units.saturating_add(e.delta),
        InventoryEvent::InventoryReserved(e) => *units = units.saturating_sub(e.quantity),
        InventoryEvent::InventoryReleased(e) => *units = units.saturating_add(e.quantity),
        _ => {}
    }
}

/// The open reservations: one per order, removed when released or allocated.
pub fn reservations(open: &mut Vec<ReservationView>, event: &EventEnvelope<InventoryEvent>) {
    match &event.event {
        InventoryEvent::InventoryReserved(e) => open.push(ReservationView {
            order_id: e.order_id.clone(),
            quantity: e.quantity,
        }),
        InventoryEvent::InventoryReleased(e) => open.retain(|r| r.order_id != e.order_id),
        InventoryEvent::InventoryAllocated(e) => open.retain(|r| r.order_id != e.order_id),
        _ => {}
    }
}
