use serde::{Deserialize, Serialize};

/// A category got a new name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryRenamed {
    /// The category.
    pub category_id: String,
    /// Its name now.
    pub name: String,
}
