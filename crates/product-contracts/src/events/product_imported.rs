use serde::{Deserialize, Serialize};

use crate::Money;

/// A product was created from existing data (a CSV file, another table), with its
/// price when the source had one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductImported {
    /// Its SKU, which is also its stream id.
    pub sku: String,
    /// What it is called (trimmed).
    pub name: String,
    /// What it is (may be empty).
    pub description: String,
    /// The category it is in, if any.
    #[serde(default)]
    pub category_id: Option<String>,
    /// Its price, if the source had one.
    #[serde(default)]
    pub price: Option<Money>,
    /// Where it came from, e.g. `legacy-erp.csv`.
    pub source: String,
}
