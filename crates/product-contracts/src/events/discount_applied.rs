use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Discount;

/// A discount was applied to a product's price for a window of time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscountApplied {
    /// The product.
    pub sku: String,
    /// The discount's id within the product.
    pub discount_id: String,
    /// What it takes off.
    pub discount: Discount,
    /// In force from this time on.
    pub valid_from: DateTime<Utc>,
    /// In force until this time (exclusive); open-ended when `None`.
    #[serde(default)]
    pub valid_until: Option<DateTime<Utc>>,
}
