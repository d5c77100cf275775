use serde::{Deserialize, Serialize};

use crate::Money;

/// A product got a (new) price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceSet {
    /// The product.
    pub sku: String,
    /// Its price now (above zero).
    pub price: Money,
    /// Its price before, if it had one.
    #[serde(default)]
    pub previous: Option<Money>,
}
