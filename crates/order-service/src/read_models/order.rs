use chrono::{DateTime, Utc};
use order_contracts::{OrderStatus, OrderView};
use platform_read_models::ReadModel;
use rust_decimal::Decimal;

use super::reducers;
use crate::domain::{Order, OrderLines};

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
    /// Draft, placed or cancelled (text: `draft`, `placed`, `cancelled`).
    #[column(text)]
    #[map_from_event(OrderCreated, value = OrderStatus::Draft)]
    #[map_from_event(OrderPlaced, value = OrderStatus::Placed)]
    #[map_from_event(OrderCancelled, value = OrderStatus::Cancelled)]
    pub status: OrderStatus,
    /// The lines (jsonb), folded by the aggregate's own rule.
    #[reduce(ItemAdded, ItemRemoved, with = reducers::items)]
    pub items: OrderLines,
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

impl From<OrderReadModel> for OrderView {
    fn from(row: OrderReadModel) -> Self {
        OrderView {
            id: row.id,
            customer_id: row.customer_id,
            status: row.status,
            items: row.items.into(),
            total: row.total,
            created_at: row.created_at,
            placed_at: row.placed_at,
            cancelled_at: row.cancelled_at,
            version: row.version,
        }
    }
}
