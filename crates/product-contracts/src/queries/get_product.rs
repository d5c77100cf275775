use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ProductView;

/// One product by SKU: as it is now (from the read model), or as it was at `asOf`
/// (rebuilt from its events).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetProduct {
    /// The product.
    #[schemars(length(max = 64))]
    pub sku: String,
    /// The product as it was at this time (RFC 3339), its effective price then too;
    /// before it existed is a 404.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "platform_contracts::rfc3339::option"
    )]
    pub as_of: Option<DateTime<Utc>>,
}

platform_contracts::query!(GetProduct => ProductView);
