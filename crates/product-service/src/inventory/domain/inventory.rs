use platform_core::Aggregate;

use super::events::{
    InventoryAllocated, InventoryEvent, InventoryReleased, InventoryReservationFailed,
    InventoryReserved, StockAdjusted, StockReceived,
};
use super::{InventoryCommand, InventoryError};

/// Why a reservation failed: fewer units available than asked for.
pub const INSUFFICIENT_STOCK: &str = "insufficient_stock";
/// Why a reservation failed: the product has never had stock.
pub const UNKNOWN_SKU: &str = "unknown_sku";

/// A product's stock, rebuilt from its events (stream `inventory:{sku}`).
///
/// `available = on_hand - reserved` never drops below zero: every decision keeps it so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// The product; empty until the first event.
    pub sku: String,
    /// Units in the warehouse, reserved or not.
    pub on_hand: i64,
    /// Units held for orders: the sum of `reservations`.
    pub reserved: i64,
    /// The open reservations, one per order, oldest first: (order id, units).
    pub reservations: Vec<(String, i64)>,
}

impl Aggregate for Inventory {
    /// Stored with every event: never rename it once events exist.
    const TYPE: &'static str = "Inventory";
    type Command = InventoryCommand;
    type Event = InventoryEvent;
    type Error = InventoryError;

    fn handle(&self, command: InventoryCommand) -> Result<Vec<InventoryEvent>, InventoryError> {
        match command {
            InventoryCommand::Receive { sku, quantity } => self.receive(sku, quantity),
            InventoryCommand::Adjust { delta, reason } => self.adjust(delta, reason),
            InventoryCommand::Reserve {
                sku,
                order_id,
                quantity,
            } => self.reserve(sku, order_id, quantity),
            InventoryCommand::Release { order_id } => Ok(self.release(order_id)),
            InventoryCommand::Allocate { order_id } => self.allocate(order_id),
        }
    }

    fn apply(&mut self, event: &InventoryEvent) {
        if self.sku.is_empty() {
            event.sku().clone_into(&mut self.sku);
        }
        match event {
            InventoryEvent::StockReceived(e) => {
                self.on_hand = self.on_hand.saturating_add(e.quantity)
            }
            InventoryEvent::StockAdjusted(e) => self.on_hand = self.on_hand.saturating_add(e.delta),
            InventoryEvent::InventoryReserved(e) => {
                self.reserved = self.reserved.saturating_add(e.quantity);
                self.reservations.push((e.order_id.clone(), e.quantity));
            }
            InventoryEvent::InventoryReservationFailed(_) => {}
            InventoryEvent::InventoryReleased(e) => {
                self.reserved = self.reserved.saturating_sub(e.quantity);
                self.reservations.retain(|(order, _)| *order != e.order_id);
            }
            InventoryEvent::InventoryAllocated(e) => {
                self.reserved = self.reserved.saturating_sub(e.quantity);
                self.on_hand = self.on_hand.saturating_sub(e.quantity);
                self.reservations.retain(|(order, _)| *order != e.order_id);
            }
        }
    }
}

impl Inventory {
    /// Units free to reserve.
    pub fn available(&self) -> i64 {
        self.on_hand.saturating_sub(self.reserved)
    }

    /// Units held for `order_id`, if it holds any.
    pub fn reserved_for(&self, order_id: &str) -> Option<i64> {
        self.reservations
            .iter()
            .find(|(order, _)| order == order_id)
            .map(|(_, quantity)| *quantity)
    }

    fn receive(&self, sku: String, quantity: i64) -> Result<Vec<InventoryEvent>, InventoryError> {
        self.check_sku(&sku)?;
        positive(quantity)?;
        self.on_hand
            .checked_add(quantity)
            .ok_or(InventoryError::OutOfRange)?;
        Ok(vec![StockReceived { sku, quantity }.into()])
    }

    fn adjust(&self, delta: i64, reason: String) -> Result<Vec<InventoryEvent>, InventoryError> {
        if delta == 0 {
            return Err(InventoryError::ZeroDelta);
        }
        let reason = match reason.trim() {
            "" => return Err(InventoryError::ReasonRequired),
            trimmed => trimmed.to_owned(),
        };
        let on_hand = self
            .on_hand
            .checked_add(delta)
            .ok_or(InventoryError::OutOfRange)?;
        if on_hand < self.reserved {
            return Err(InventoryError::InsufficientStock {
                available: self.available(),
                requested: delta.saturating_neg(),
            });
        }
        Ok(vec![
            StockAdjusted {
                sku: self.sku.clone(),
                delta,
                reason,
            }
            .into(),
        ])
    }

    /// An order's line again decides nothing; more than is available is recorded as a
    /// failure, not refused.
    fn reserve(
        &self,
        sku: String,
        order_id: String,
        quantity: i64,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        self.check_sku(&sku)?;
        positive(quantity)?;
        if self.reserved_for(&order_id).is_some() {
            return Ok(Vec::new());
        }
        let available = self.available();
        if quantity > available {
            let reason = if self.sku.is_empty() {
                UNKNOWN_SKU
            } else {
                INSUFFICIENT_STOCK
            };
            return Ok(vec![
                InventoryReservationFailed {
                    sku,
                    order_id,
                    requested: quantity,
                    available,
                    reason: reason.to_owned(),
                }
                .into(),
            ]);
        }
        Ok(vec![
            InventoryReserved {
                sku,
                order_id,
                quantity,
            }
            .into(),
        ])
    }

    /// An order without a reservation has nothing to release.
    fn release(&self, order_id: String) -> Vec<InventoryEvent> {
        match self.reserved_for(&order_id) {
            Some(quantity) => vec![
                InventoryReleased {
                    sku: self.sku.clone(),
                    order_id,
                    quantity,
                }
                .into(),
            ],
            None => Vec::new(),
        }
    }

    fn allocate(&self, order_id: String) -> Result<Vec<InventoryEvent>, InventoryError> {
        let quantity = self
            .reserved_for(&order_id)
            .ok_or_else(|| InventoryError::NoReservation(order_id.clone()))?;
        Ok(vec![
            InventoryAllocated {
                sku: self.sku.clone(),
                order_id,
                quantity,
            }
            .into(),
        ])
    }

    /// A command naming a SKU must name this stock's (any SKU starts a new stock).
    fn check_sku(&self, sku: &str) -> Result<(), InventoryError> {
        if self.sku.is_empty() || self.sku == sku {
            Ok(())
        } else {
            Err(InventoryError::WrongSku {
                stock: self.sku.clone(),
                asked: sku.to_owned(),
            })
        }
    }
}

fn positive(quantity: i64) -> Result<(), InventoryError> {
    if quantity > 0 {
        Ok(())
    } else {
        Err(InventoryError::InvalidQuantity(quantity))
    }
}
