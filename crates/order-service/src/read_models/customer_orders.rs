use chrono::{DateTime, Utc};
use order_contracts::CustomerOrders;
use platform_read_models::ReadModel;
use rust_decimal::Decimal;

use super::reducers;
use crate::domain::Order;

/// One row per customer in `rm_customer_orders`: placed orders and what they add up to.
#[derive(Debug, Clone, PartialEq, ReadModel)]
#[read_model(table = "rm_customer_orders", aggregate = Order, group_by = customer_id)]
pub struct CustomerOrdersReadModel {
    /// The customer (the row key).
    #[map_from_event(OrderPlaced)]
    #[map_from_event(OrderCancelled)]
    pub customer_id: String,
    /// Orders placed and not cancelled since.
    #[reduce(OrderPlaced, OrderCancelled, with = reducers::placed_orders)]
    pub orders_placed: i64,
    /// Sum of their totals.
    #[reduce(OrderPlaced, OrderCancelled, with = reducers::spend)]
    pub total_spent: Decimal,
    /// Orders cancelled, draft or placed.
    #[reduce(OrderCancelled, with = reducers::count)]
    pub orders_cancelled: i64,
    /// When the customer last placed an order.
    #[map_from_event(OrderPlaced, envelope = occurred_at)]
    pub last_order_at: Option<DateTime<Utc>>,
}

impl From<CustomerOrdersReadModel> for CustomerOrders {
    fn from(row: CustomerOrdersReadModel) -> Self {
        CustomerOrders {
            customer_id: row.customer_id,
            orders_placed: row.orders_placed,
            total_spent: row.total_spent,
            orders_cancelled: row.orders_cancelled,
            last_order_at: row.last_order_at,
        }
    }
}
