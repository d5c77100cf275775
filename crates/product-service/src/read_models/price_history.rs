use platform_read_models::ReadModel;
use product_contracts::{PriceChange, PriceHistory};

use super::reducers;
use crate::domain::Product;

/// One row per product in `rm_price_history`: its price changes as a jsonb list,
/// oldest first.
///
/// One row per product rather than one row per change: GetPriceHistory asks for a
/// product's whole history, which is then one key lookup, and the platform's
/// per-aggregate rows are version-guarded (an event is never applied twice). A
/// product's price changes are few, so the list stays small; a row per change would
/// need a key per event, which the derive does not offer for per-aggregate models.
#[derive(Debug, Clone, PartialEq, ReadModel)]
#[read_model(table = "rm_price_history", aggregate = Product)]
pub struct PriceHistoryReadModel {
    /// The SKU (the row key).
    #[aggregate_id]
    pub sku: String,
    /// Every price change, oldest first.
    #[reduce(ProductImported, PriceSet, with = reducers::price_changes)]
    pub changes: Vec<PriceChange>,
    /// The last stream version applied.
    #[version]
    pub version: i64,
}

impl From<PriceHistoryReadModel> for PriceHistory {
    fn from(row: PriceHistoryReadModel) -> Self {
        PriceHistory {
            sku: row.sku,
            changes: row.changes,
        }
    }
}
