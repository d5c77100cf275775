use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A product's price as the order service last heard it from the product service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetProductPrice {
    /// The product (its SKU).
    pub product_id: String,
}

/// A product's name and list price, from the product service's events (eventually
/// consistent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductPrice {
    /// The product (its SKU).
    pub product_id: String,
    /// What it is called (as created or imported).
    pub name: String,
    /// Its list price, exact; absent while it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Decimal>,
    /// The price's ISO 4217 currency; absent while it has no price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Whether the product was discontinued (it takes no orders any more).
    pub discontinued: bool,
    /// When the newest event applied to it happened.
    pub updated_at: DateTime<Utc>,
}

platform_contracts::query!(GetProductPrice => ProductPrice);
