use serde::{Deserialize, Serialize};

/// A product was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductCreated {
    /// Its id.
    pub product_id: String,
    /// What it is called.
    pub title: String,
    /// Who it belongs to.
    pub owner_id: String,
}
