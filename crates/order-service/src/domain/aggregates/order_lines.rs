use std::ops::Deref;

use order_contracts::OrderLine;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::events::{ItemAdded, OrderEvent, PlacedLine};

/// An order's lines, one per product, in the order products were first added.
///
/// The one statement of how item events change lines: the [`Order`](super::Order)
/// aggregate folds its events through [`apply`](Self::apply), and so does the `items`
/// column of `rm_orders`. Serialized as the bare array of lines, in snapshots and in
/// jsonb alike.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderLines(Vec<OrderLine>);

impl OrderLines {
    /// Folds an item event: added units join the product's line, or open a line after
    /// the others; a removal drops the product's line. Other events change nothing.
    pub fn apply(&mut self, event: &OrderEvent) {
        match event {
            OrderEvent::ItemAdded(added) => self.add(added),
            OrderEvent::ItemRemoved(removed) => {
                self.0.retain(|line| line.product_id != removed.product_id);
            }
            _ => {}
        }
    }

    /// The line of a product, if the order has one.
    pub fn for_product(&self, product_id: &str) -> Option<&OrderLine> {
        self.0.iter().find(|line| line.product_id == product_id)
    }

    /// Sum of quantity × price over the lines, exact (saturating at `Decimal`'s bounds).
    pub fn total(&self) -> Decimal {
        self.0.iter().fold(Decimal::ZERO, |sum, line| {
            sum.saturating_add(line_amount(line.quantity, line.price))
        })
    }

    /// The lines as an `OrderPlaced` event carries them.
    pub fn placed(&self) -> Vec<PlacedLine> {
        self.0
            .iter()
            .map(|line| PlacedLine {
                product_id: line.product_id.clone(),
                quantity: line.quantity,
                price: line.price,
            })
            .collect()
    }

    fn add(&mut self, added: &ItemAdded) {
        match self.0.iter_mut().find(|l| l.product_id == added.product_id) {
            Some(line) => line.quantity = line.quantity.saturating_add(added.quantity),
            None => self.0.push(OrderLine {
                product_id: added.product_id.clone(),
                quantity: added.quantity,
                price: added.price,
            }),
        }
    }
}

/// What `quantity` units at `price` come to, exact (saturating at `Decimal`'s bounds).
pub fn line_amount(quantity: i64, price: Decimal) -> Decimal {
    price.saturating_mul(Decimal::from(quantity))
}

/// Read access to the lines as a slice (`len`, indexing, `iter`).
impl Deref for OrderLines {
    type Target = [OrderLine];

    fn deref(&self) -> &[OrderLine] {
        &self.0
    }
}

impl From<OrderLines> for Vec<OrderLine> {
    fn from(lines: OrderLines) -> Self {
        lines.0
    }
}
