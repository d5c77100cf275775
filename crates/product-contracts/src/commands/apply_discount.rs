use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Discount;

/// Applies a discount to a product's price for a window of time. The product needs a
/// price; the discount must leave it above zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplyDiscount {
    /// The product.
    #[schemars(length(max = 64))]
    pub sku: String,
    /// What it takes off: `{"percentage": "15"}` or `{"amount": {"amount": "5",
    /// "currency": "EUR"}}`.
    pub discount: Discount,
    /// In force from (RFC 3339); now when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "platform_contracts::rfc3339::option"
    )]
    pub valid_from: Option<DateTime<Utc>>,
    /// In force until (RFC 3339, exclusive, after `validFrom`); open-ended when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "platform_contracts::rfc3339::option"
    )]
    pub valid_until: Option<DateTime<Utc>>,
}

/// The applied discount's id and the product's version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplyDiscountResult {
    /// The product.
    pub sku: String,
    /// The new discount's id (for RemoveDiscount).
    pub discount_id: String,
    /// The product's version after the command.
    pub version: i64,
}

platform_contracts::command!(ApplyDiscount => ApplyDiscountResult);
