use chrono::{DateTime, Utc};
use order_contracts::ProductDemand;
use platform_read_models::ReadModel;

use super::reducers;
use crate::domain::Order;

/// One row per product in `rm_product_demand`, projected asynchronously: how many
/// units customers put into orders and took out again.
#[derive(Debug, Clone, PartialEq, ReadModel)]
#[read_model(
    table = "rm_product_demand",
    aggregate = Order,
    group_by = product_id,
    projection = "async"
)]
pub struct ProductDemandReadModel {
    /// The product (the row key).
    #[map_from_event(ItemAdded)]
    #[map_from_event(ItemRemoved)]
    pub product_id: String,
    /// Units added to orders.
    #[reduce(ItemAdded, with = reducers::units)]
    pub units_added: i64,
    /// Units removed from orders again.
    #[reduce(ItemRemoved, with = reducers::units)]
    pub units_removed: i64,
    /// When units were last added.
    #[map_from_event(ItemAdded, envelope = occurred_at)]
    pub last_added_at: Option<DateTime<Utc>>,
}

impl From<ProductDemandReadModel> for ProductDemand {
    fn from(row: ProductDemandReadModel) -> Self {
        ProductDemand {
            product_id: row.product_id,
            units_added: row.units_added,
            units_removed: row.units_removed,
            last_added_at: row.last_added_at,
        }
    }
}
