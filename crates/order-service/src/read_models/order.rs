use chrono::{DateTime, Utc};
use order_contracts::{OrderItem, OrderStatus, OrderView};
use platform_read_models::ReadModel;
use rust_decimal::Decimal;

use super::reducers;
use crate::domain::Order;

/// One row per order in `rm_orders`: what GetOrder and ListOrders answer from.
#[derive(Debug, Clone, PartialEq, ReadModel)]
#[read_model(table = "rm_orders", aggregate = Order)]
pub struct OrderReadModel {
    /// The order id.
    #[aggregate_id]
    pub id: String,
    /// The customer it belongs to.
    #[index]
    #[map_from_event(OrderCreated)]
    pub customer_id: String,
    /// draft, placed or cancelled.
    #[map_from_event(OrderCreated, value = "draft")]
    #[map_from_event(OrderPlaced, value = "placed")]
    #[map_from_event(OrderCancelled, value = "cancelled")]
    pub status: String,
    /// The lines (jsonb).
    #[reduce(ItemAdded, ItemRemoved, with = reducers::items)]
    pub items: Vec<OrderItem>,
    /// Sum of the lines, exact (numeric); the placed total once placed.
    #[reduce(ItemAdded, ItemRemoved, with = reducers::total)]
    #[map_from_event(OrderPlaced)]
    pub total: Decimal,
    /// When the order was created.
    #[map_from_event(OrderCreated, envelope = occurred_at)]
    pub created_at: DateTime<Utc>,
    /// When it was placed.
    #[map_from_event(OrderPlaced, envelope = occurred_at)]
    pub placed_at: Option<DateTime<Utc>>,
    /// When it was cancelled.
    #[map_from_event(OrderCancelled, envelope = occurred_at)]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The last stream version applied.
    #[version]
    pub version: i64,
}

impl OrderReadModel {
    /// The client view; `None` if the stored status is not one this code knows.
    pub fn into_view(self) -> Option<OrderView> {
        Some(OrderView {
            status: OrderStatus::parse(&self.status)?,
            id: self.id,
            customer_id: self.customer_id,
            items: self.items,
            total: self.total,
            created_at: self.created_at,
            placed_at: self.placed_at,
            cancelled_at: self.cancelled_at,
            version: self.version,
        })
    }
}
