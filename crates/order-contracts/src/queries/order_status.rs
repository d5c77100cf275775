use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where an order is in its life: `draft`, `placed` or `cancelled`, in JSON and in
/// read models alike.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Open for changes.
    #[default]
    Draft,
    /// Submitted; items can no longer change.
    Placed,
    /// Cancelled; nothing can change any more.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in the order of an order's life.
    const ALL: [OrderStatus; 3] = [
        OrderStatus::Draft,
        OrderStatus::Placed,
        OrderStatus::Cancelled,
    ];

    /// The status as written in JSON and in read models.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Draft => "draft",
            OrderStatus::Placed => "placed",
            OrderStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that names no [`OrderStatus`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOrderStatusError;

impl fmt::Display for ParseOrderStatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected `draft`, `placed` or `cancelled`")
    }
}

impl std::error::Error for ParseOrderStatusError {}

impl FromStr for OrderStatus {
    type Err = ParseOrderStatusError;

    /// Reads the text [`Display`](fmt::Display) writes.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or(ParseOrderStatusError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json_agree_and_read_back() {
        for status in OrderStatus::ALL {
            let text = status.to_string();
            assert_eq!(serde_json::to_value(status).ok(), Some(text.clone().into()));
            assert_eq!(text.parse(), Ok(status));
        }
        assert_eq!("Placed".parse::<OrderStatus>(), Err(ParseOrderStatusError));
    }
}
