use serde::{Deserialize, Serialize};

use super::OrderView;

/// One order by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetOrder {
    /// The order to fetch.
    pub order_id: String,
}

impl platform_core::Query for GetOrder {
    const NAME: &'static str = "GetOrder";
    type Result = OrderView;
}
