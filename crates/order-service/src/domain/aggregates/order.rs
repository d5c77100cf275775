use order_contracts::OrderStatus;
use platform_core::Aggregate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{OrderCommand, OrderError, OrderLines};
use crate::domain::events::{
    ItemAdded, ItemRemoved, OrderCancelled, OrderCreated, OrderEvent, OrderPlaced,
};

/// An order, rebuilt from its events (or from a snapshot of this state, schema 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// Order id; empty until created.
    pub id: String,
    /// Owning customer.
    pub customer_id: String,
    /// Lifecycle status.
    pub status: OrderStatus,
    /// Product lines, in the order they were first added.
    pub lines: OrderLines,
}

impl Aggregate for Order {
    const TYPE: &'static str = "Order";
    type Command = OrderCommand;
    type Event = OrderEvent;
    type Error = OrderError;

    /// The snapshot is this struct as JSON; bump when its shape changes.
    const SNAPSHOT_SCHEMA_VERSION: Option<i32> = Some(1);

    fn to_snapshot(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(self)
    }

    fn from_snapshot(state: serde_json::Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(state)
    }

    fn handle(&self, command: OrderCommand) -> Result<Vec<OrderEvent>, OrderError> {
        match command {
            OrderCommand::Create {
                order_id,
                customer_id,
                created_by,
            } => self.create(order_id, customer_id, created_by),
            OrderCommand::AddItem {
                product_id,
                quantity,
                price,
                max_lines,
            } => self.add_item(product_id, quantity, price, max_lines),
            OrderCommand::RemoveItem { product_id } => self.remove_item(product_id),
            OrderCommand::Place => self.place(),
            OrderCommand::Cancel { reason } => self.cancel(reason),
        }
    }

    fn apply(&mut self, event: &OrderEvent) {
        match event {
            OrderEvent::OrderCreated(e) => {
                self.id.clone_from(&e.order_id);
                self.customer_id.clone_from(&e.customer_id);
                self.status = OrderStatus::Draft;
            }
            OrderEvent::ItemAdded(_) | OrderEvent::ItemRemoved(_) => self.lines.apply(event),
            OrderEvent::OrderPlaced(_) => self.status = OrderStatus::Placed,
            OrderEvent::OrderCancelled(_) => self.status = OrderStatus::Cancelled,
        }
    }
}

impl Order {
    /// Sum of quantity × price over the lines.
    pub fn total(&self) -> Decimal {
        self.lines.total()
    }

    fn create(
        &self,
        order_id: String,
        customer_id: String,
        created_by: Option<String>,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        if !self.id.is_empty() {
            return Err(OrderError::AlreadyExists(self.id.clone()));
        }
        if customer_id.trim().is_empty() {
            return Err(OrderError::MissingCustomer);
        }
        Ok(vec![
            OrderCreated {
                order_id,
                customer_id,
                created_by,
            }
            .into(),
        ])
    }

    fn add_item(
        &self,
        product_id: String,
        quantity: i64,
        price: Decimal,
        max_lines: usize,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        self.ensure_draft()?;
        if product_id.trim().is_empty() {
            return Err(OrderError::MissingProduct);
        }
        if quantity <= 0 {
            return Err(OrderError::InvalidQuantity(quantity));
        }
        if price.is_sign_negative() && !price.is_zero() {
            return Err(OrderError::NegativePrice(price));
        }
        let new_quantity = match self.lines.for_product(&product_id) {
            Some(line) if line.price != price => {
                return Err(OrderError::PriceMismatch {
                    product_id,
                    existing: line.price,
                    requested: price,
                });
            }
            Some(line) => line.quantity.checked_add(quantity),
            None if self.lines.len() >= max_lines => {
                return Err(OrderError::TooManyLines(max_lines));
            }
            None => Some(quantity),
        };
        // Every line must stay computable exactly, and so must the total.
        let line_total = new_quantity.and_then(|q| price.checked_mul(Decimal::from(q)));
        line_total
            .and_then(|t| t.checked_add(self.total()))
            .ok_or(OrderError::OutOfRange)?;
        Ok(vec![
            ItemAdded {
                order_id: self.id.clone(),
                product_id,
                quantity,
                price,
            }
            .into(),
        ])
    }

    fn remove_item(&self, product_id: String) -> Result<Vec<OrderEvent>, OrderError> {
        self.ensure_draft()?;
        let Some(line) = self.lines.for_product(&product_id) else {
            return Err(OrderError::ItemNotFound(product_id));
        };
        Ok(vec![
            ItemRemoved {
                order_id: self.id.clone(),
                product_id,
                quantity: line.quantity,
                price: line.price,
            }
            .into(),
        ])
    }

    /// Placing a placed order again decides nothing.
    fn place(&self) -> Result<Vec<OrderEvent>, OrderError> {
        match self.status {
            OrderStatus::Placed => Ok(Vec::new()),
            OrderStatus::Cancelled => Err(OrderError::Cancelled),
            OrderStatus::Draft if self.lines.is_empty() => Err(OrderError::Empty),
            OrderStatus::Draft => Ok(vec![
                OrderPlaced {
                    order_id: self.id.clone(),
                    customer_id: self.customer_id.clone(),
                    total: self.total(),
                    lines: self.lines.placed(),
                }
                .into(),
            ]),
        }
    }

    fn cancel(&self, reason: Option<String>) -> Result<Vec<OrderEvent>, OrderError> {
        if self.status == OrderStatus::Cancelled {
            return Err(OrderError::Cancelled);
        }
        let placed_total = (self.status == OrderStatus::Placed).then(|| self.total());
        Ok(vec![
            OrderCancelled {
                order_id: self.id.clone(),
                customer_id: self.customer_id.clone(),
                reason,
                placed_total,
            }
            .into(),
        ])
    }

    fn ensure_draft(&self) -> Result<(), OrderError> {
        match self.status {
            OrderStatus::Draft => Ok(()),
            OrderStatus::Cancelled => Err(OrderError::Cancelled),
            status => Err(OrderError::NotDraft(status)),
        }
    }
}
