use chrono::{DateTime, Utc};
use platform_read_models::ReadModel;
use product_contracts::CategoryView;

use crate::domain::Category;

/// One row per category in `rm_categories` (keyed by the stream id,
/// `category:{id}`): what GetCategory and ListCategories answer from.
#[derive(Debug, Clone, PartialEq, ReadModel)]
#[read_model(table = "rm_categories", aggregate = Category)]
pub struct CategoryReadModel {
    /// The stream id, `category:{categoryId}` (the row key).
    #[aggregate_id]
    pub stream_id: String,
    /// The category's id.
    #[map_from_event(CategoryCreated)]
    pub category_id: String,
    /// What it is called.
    #[map_from_event(CategoryCreated)]
    #[map_from_event(CategoryRenamed)]
    pub name: String,
    /// Its parent; indexed, so `find_by_parent_id` lists a category's children.
    #[index]
    #[map_from_event(CategoryCreated)]
    #[map_from_event(CategoryMoved)]
    pub parent_id: Option<String>,
    /// When it was created.
    #[map_from_event(CategoryCreated, envelope = occurred_at)]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[map_from_event(CategoryCreated, envelope = occurred_at)]
    #[map_from_event(CategoryRenamed, envelope = occurred_at)]
    #[map_from_event(CategoryMoved, envelope = occurred_at)]
    pub updated_at: DateTime<Utc>,
    /// The last stream version applied.
    #[version]
    pub version: i64,
}

impl From<CategoryReadModel> for CategoryView {
    fn from(row: CategoryReadModel) -> Self {
        CategoryView {
            category_id: row.category_id,
            name: row.name,
            parent_id: row.parent_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}
