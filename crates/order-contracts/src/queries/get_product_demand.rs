use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How many units of a product went into orders (eventually consistent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetProductDemand {
    /// The product.
    pub product_id: String,
}

/// A product's demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductDemand {
    /// The product.
    pub product_id: String,
    /// Units added to orders.
    pub units_added: i64,
    /// Units removed from orders again.
    pub units_removed: i64,
    /// When units were last added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_added_at: Option<DateTime<Utc>>,
}

platform_contracts::query!(GetProductDemand => ProductDemand);
