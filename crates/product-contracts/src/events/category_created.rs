use serde::{Deserialize, Serialize};

/// A category was created, at the top or under a parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryCreated {
    /// Its id (its stream is `category:{categoryId}`).
    pub category_id: String,
    /// What it is called (trimmed).
    pub name: String,
    /// The category it is under (`None`: a top-level category).
    #[serde(default)]
    pub parent_id: Option<String>,
}
