use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OrderView;

/// Orders, newest first, optionally of one customer, one page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListOrders {
    /// Only this customer's orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Orders per page (default 50, at most 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// `nextCursor` of the previous page (empty: the first page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(r"^([1-9][0-9]{0,17})?$"))]
    pub cursor: Option<String>,
}

/// One page of orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderList {
    /// The orders, newest first.
    pub orders: Vec<OrderView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

platform_contracts::query!(ListOrders => OrderList);
