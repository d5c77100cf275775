use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OrderView;

/// One order by id: as it is now (from the read model), or as it was at a point of
/// its history (rebuilt from its events) with `as_of` or `as_of_version`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("not" = { "required": ["asOf", "asOfVersion"] }))]
pub struct GetOrder {
    /// The order to fetch.
    pub order_id: String,
    /// The order as it was at this time (RFC 3339); before it existed is a 404.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "platform_contracts::rfc3339::option"
    )]
    pub as_of: Option<DateTime<Utc>>,
    /// The order as it was right after this version (1 = just created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub as_of_version: Option<i64>,
}

platform_contracts::query!(GetOrder => OrderView);
