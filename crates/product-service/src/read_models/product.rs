use chrono::{DateTime, Utc};
use platform_read_models::ReadModel;
use product_contracts::ProductView;

use crate::domain::Product;

/// One row per product in `rm_products`: what GetProduct answers from.
///
/// The platform creates the table, writes the row in the transaction of every append,
/// and rebuilds it from the log when this declaration changes.
#[derive(Debug, Clone, PartialEq, ReadModel)]
#[read_model(table = "rm_products", aggregate = Product)]
pub struct ProductReadModel {
    /// The product id (the row key).
    #[aggregate_id]
    pub id: String,
    /// What it is called.
    #[map_from_event(ProductCreated)]
    #[map_from_event(ProductRenamed)]
    pub title: String,
    /// Who it belongs to; indexed, so `ProductReadModel::find_by_owner_id` lists an
    /// owner's products.
    #[index]
    #[map_from_event(ProductCreated)]
    pub owner_id: String,
    /// When it was created.
    #[map_from_event(ProductCreated, envelope = occurred_at)]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[map_from_event(ProductCreated, envelope = occurred_at)]
    #[map_from_event(ProductRenamed, envelope = occurred_at)]
    pub updated_at: DateTime<Utc>,
    /// The last stream version applied.
    #[version]
    pub version: i64,
}

impl From<ProductReadModel> for ProductView {
    fn from(row: ProductReadModel) -> Self {
        ProductView {
            id: row.id,
            title: row.title,
            owner_id: row.owner_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}
