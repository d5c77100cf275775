use serde::{Deserialize, Serialize};

/// A product got a new title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductRenamed {
    /// Its id.
    pub product_id: String,
    /// The new title.
    pub title: String,
}
