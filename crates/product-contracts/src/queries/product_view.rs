use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Money, ProductDiscount};

/// One product as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductView {
    /// Its SKU.
    pub sku: String,
    /// What it is called.
    pub name: String,
    /// What it is.
    pub description: String,
    /// The category it is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    /// Its price, once it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Money>,
    /// Its discounts, in force or not (yet), in the order they were applied.
    pub discounts: Vec<ProductDiscount>,
    /// The price after the best discount in force at the time of the answer (or at
    /// `asOf`): computed when asked, from the price and the discounts, never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_price: Option<Money>,
    /// Whether it is discontinued (it then takes no changes).
    pub discontinued: bool,
    /// Its stock now (`rm_stock`): absent when none was ever received, and with `asOf`
    /// (stock is not folded back in time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<StockSummary>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Number of events in its stream.
    pub version: i64,
}

/// A product's stock in a product view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockSummary {
    /// Units in the warehouse.
    pub on_hand: i64,
    /// Units held for orders.
    pub reserved: i64,
    /// Units free to reserve (on hand less reserved).
    pub available: i64,
}
