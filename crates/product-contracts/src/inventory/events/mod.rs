//! Events of a product's stock, one file each: the product service appends them to
//! `inventory:{sku}` and broadcasts them as `Inventory.{EventType}`.

mod inventory_allocated;
mod inventory_released;
mod inventory_reservation_failed;
mod inventory_reserved;
mod stock_adjusted;
mod stock_received;

pub use inventory_allocated::InventoryAllocated;
pub use inventory_released::InventoryReleased;
pub use inventory_reservation_failed::InventoryReservationFailed;
pub use inventory_reserved::InventoryReserved;
pub use stock_adjusted::StockAdjusted;
pub use stock_received::StockReceived;

use platform_core::DomainEvent;

/// Every event of a product's stock; the variant name is the stored type (never rename
/// one once it is stored). All are broadcast.
#[derive(Debug, Clone, PartialEq, Eq, DomainEvent)]
#[domain_event(broadcast)]
pub enum InventoryEvent {
    /// Units arrived.
    StockReceived(StockReceived),
    /// The stock on hand was corrected.
    StockAdjusted(StockAdjusted),
    /// Units were set aside for an order.
    InventoryReserved(InventoryReserved),
    /// An order could not get the units it asked for.
    InventoryReservationFailed(InventoryReservationFailed),
    /// An order's units went back to available stock.
    InventoryReleased(InventoryReleased),
    /// An order's units left the warehouse.
    InventoryAllocated(InventoryAllocated),
}

impl InventoryEvent {
    /// The product the event is about.
    pub fn sku(&self) -> &str {
        match self {
            InventoryEvent::StockReceived(e) => &e.sku,
            InventoryEvent::StockAdjusted(e) => &e.sku,
            InventoryEvent::InventoryReserved(e) => &e.sku,
            InventoryEvent::InventoryReservationFailed(e) => &e.sku,
            InventoryEvent::InventoryReleased(e) => &e.sku,
            InventoryEvent::InventoryAllocated(e) => &e.sku,
        }
    }
}

#[cfg(test)]
mod tests {
    use platform_core::DomainEvent;
    use serde_json::json;

    use super::*;

    #[test]
    fn every_event_is_stored_and_broadcast_under_its_variant_name() {
        let types = [
            "StockReceived",
            "StockAdjusted",
            "InventoryReserved",
            "InventoryReservationFailed",
            "InventoryReleased",
            "InventoryAllocated",
        ];
        assert_eq!(InventoryEvent::EVENT_TYPES, types);
        assert_eq!(InventoryEvent::BROADCAST_TYPES, types);
    }

    #[test]
    fn payloads_are_camel_case() {
        let failed: InventoryEvent = InventoryReservationFailed {
            sku: "SKU-1".into(),
            order_id: "o-1".into(),
            requested: 5,
            available: 2,
            reason: "insufficient_stock".into(),
        }
        .into();
        let payload = failed.to_payload().expect("a JSON payload");
        assert_eq!(
            payload,
            json!({
                "sku": "SKU-1", "orderId": "o-1", "requested": 5, "available": 2,
                "reason": "insufficient_stock",
            })
        );
        let read = InventoryEvent::from_payload(failed.event_type(), &payload.to_string());
        assert_eq!(read.ok(), Some(failed));
    }
}
