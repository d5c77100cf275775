use serde::{Deserialize, Serialize};

/// A category moved under another parent, or to the top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryMoved {
    /// The category.
    pub category_id: String,
    /// Its parent now (`None`: top level).
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Its parent before (`None`: it was at the top level).
    #[serde(default)]
    pub previous_parent_id: Option<String>,
}
