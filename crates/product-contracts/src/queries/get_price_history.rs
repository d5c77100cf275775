use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Money;

/// Every price a product had, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetPriceHistory {
    /// The product.
    #[schemars(length(max = 64))]
    pub sku: String,
}

/// One change of a product's price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriceChange {
    /// The price from then on.
    pub price: Money,
    /// The price before, if there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Money>,
    /// When it changed.
    pub at: DateTime<Utc>,
}

/// A product's price changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriceHistory {
    /// The product.
    pub sku: String,
    /// Its price changes, oldest first (empty: it never had a price).
    pub changes: Vec<PriceChange>,
}

platform_contracts::query!(GetPriceHistory => PriceHistory);
