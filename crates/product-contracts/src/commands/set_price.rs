use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ProductUpdated;
use crate::Money;

/// Sets a product's price; the price it already has changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetPrice {
    /// The product.
    #[schemars(length(max = 64))]
    pub sku: String,
    /// The price: above zero, in an ISO 4217 currency; no discount not yet expired may
    /// take it to zero or below.
    pub price: Money,
}

platform_contracts::command!(SetPrice => ProductUpdated);
