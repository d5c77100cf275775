//! The Order aggregate: its state, commands and rules.

use order_contracts::OrderStatus;
use platform_core::{Aggregate, BusinessRuleError};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::events::{
    ItemAdded, ItemRemoved, OrderCancelled, OrderCreated, OrderEvent, OrderPlaced,
};

/// One product line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    /// The product.
    pub product_id: String,
    /// Units ordered.
    pub quantity: i64,
    /// Unit price.
    pub price: Decimal,
}

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
    pub lines: Vec<OrderLine>,
}

/// What can be asked of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderCommand {
    /// Open a new draft order.
    Create {
        /// Id chosen by the caller.
        order_id: String,
        /// Owning customer.
        customer_id: String,
    },
    /// Add units of a product at a unit price.
    AddItem {
        /// The product.
        product_id: String,
        /// Units; must be positive.
        quantity: i64,
        /// Unit price; must not be negative.
        price: Decimal,
    },
    /// Remove a product's line.
    RemoveItem {
        /// The product.
        product_id: String,
    },
    /// Submit the order.
    Place,
    /// Cancel the order.
    Cancel {
        /// Why, if known.
        reason: Option<String>,
    },
}

/// The order rules a command can break (HTTP 422 with the code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// The order already exists.
    #[error("order {0} already exists")]
    AlreadyExists(String),
    /// A customer id is required.
    #[error("customerId must not be empty")]
    MissingCustomer,
    /// A product id is required.
    #[error("productId must not be empty")]
    MissingProduct,
    /// Quantity was zero or negative.
    #[error("quantity must be greater than 0, got {0}")]
    InvalidQuantity(i64),
    /// Price was negative.
    #[error("price must not be negative, got {0}")]
    NegativePrice(Decimal),
    /// The same product was added at a different price.
    #[error("product {product_id} is already in the order at price {existing}, not {requested}")]
    PriceMismatch {
        /// The product.
        product_id: String,
        /// Price already on the line.
        existing: Decimal,
        /// Price requested now.
        requested: Decimal,
    },
    /// Quantity or total would overflow.
    #[error("the order's quantities or total are out of range")]
    OutOfRange,
    /// The product is not in the order.
    #[error("product {0} is not in the order")]
    ItemNotFound(String),
    /// Items change only while the order is a draft.
    #[error("the order is {0}; items can only change while it is a draft")]
    NotDraft(&'static str),
    /// An order without items cannot be placed.
    #[error("an order without items cannot be placed")]
    Empty,
    /// A cancelled order cannot change.
    #[error("the order is cancelled")]
    Cancelled,
}

impl BusinessRuleError for OrderError {
    fn code(&self) -> &'static str {
        match self {
            OrderError::AlreadyExists(_) => "order_already_exists",
            OrderError::MissingCustomer => "customer_required",
            OrderError::MissingProduct => "product_required",
            OrderError::InvalidQuantity(_) => "invalid_quantity",
            OrderError::NegativePrice(_) => "negative_price",
            OrderError::PriceMismatch { .. } => "price_mismatch",
            OrderError::OutOfRange => "out_of_range",
            OrderError::ItemNotFound(_) => "item_not_found",
            OrderError::NotDraft(_) => "order_not_draft",
            OrderError::Empty => "order_empty",
            OrderError::Cancelled => "order_cancelled",
        }
    }
}

impl Order {
    /// Sum of quantity × price over the lines.
    pub fn total(&self) -> Decimal {
        self.lines.iter().fold(Decimal::ZERO, |sum, line| {
            sum.saturating_add(line.price.saturating_mul(Decimal::from(line.quantity)))
        })
    }

    /// The line for a product, if any.
    fn line(&self, product_id: &str) -> Option<&OrderLine> {
        self.lines.iter().find(|l| l.product_id == product_id)
    }

    fn ensure_draft(&self) -> Result<(), OrderError> {
        match self.status {
            OrderStatus::Draft => Ok(()),
            OrderStatus::Cancelled => Err(OrderError::Cancelled),
            status => Err(OrderError::NotDraft(status.as_str())),
        }
    }

    fn add_item(
        &self,
        product_id: String,
        quantity: i64,
        price: Decimal,
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
        let new_quantity = match self.line(&product_id) {
            Some(line) if line.price != price => {
                return Err(OrderError::PriceMismatch {
                    product_id,
                    existing: line.price,
                    requested: price,
                });
            }
            Some(line) => line.quantity.checked_add(quantity),
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
            } => {
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
                    }
                    .into(),
                ])
            }
            OrderCommand::AddItem {
                product_id,
                quantity,
                price,
            } => self.add_item(product_id, quantity, price),
            OrderCommand::RemoveItem { product_id } => {
                self.ensure_draft()?;
                let Some(line) = self.line(&product_id) else {
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
            OrderCommand::Place => match self.status {
                OrderStatus::Placed => Ok(Vec::new()),
                OrderStatus::Cancelled => Err(OrderError::Cancelled),
                OrderStatus::Draft if self.lines.is_empty() => Err(OrderError::Empty),
                OrderStatus::Draft => Ok(vec![
                    OrderPlaced {
                        order_id: self.id.clone(),
                        customer_id: self.customer_id.clone(),
                        total: self.total(),
                    }
                    .into(),
                ]),
            },
            OrderCommand::Cancel { reason } => {
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
        }
    }

    fn apply(&mut self, event: &OrderEvent) {
        match event {
            OrderEvent::OrderCreated(e) => {
                self.id.clone_from(&e.order_id);
                self.customer_id.clone_from(&e.customer_id);
                self.status = OrderStatus::Draft;
            }
            OrderEvent::ItemAdded(e) => {
                match self.lines.iter_mut().find(|l| l.product_id == e.product_id) {
                    Some(line) => line.quantity = line.quantity.saturating_add(e.quantity),
                    None => self.lines.push(OrderLine {
                        product_id: e.product_id.clone(),
                        quantity: e.quantity,
                        price: e.price,
                    }),
                }
            }
            OrderEvent::ItemRemoved(e) => self.lines.retain(|l| l.product_id != e.product_id),
            OrderEvent::OrderPlaced(_) => self.status = OrderStatus::Placed,
            OrderEvent::OrderCancelled(_) => self.status = OrderStatus::Cancelled,
        }
    }
}
