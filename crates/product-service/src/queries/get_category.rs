use platform_core::Aggregate;
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};
use product_contracts::{CategoryView, GetCategory};

use crate::domain::{Category, category_stream};
use crate::read_models::CategoryReadModel;

/// Answers GetCategory from `rm_categories`.
pub struct GetCategoryHandler;

impl QueryHandler for GetCategoryHandler {
    type Query = GetCategory;

    const ERRORS: &'static [ErrorResponse] =
        &[ErrorResponse::new(404, "`not_found`: no such category")];

    async fn handle(ctx: QueryContext, query: GetCategory) -> Result<CategoryView, HandlerError> {
        let row = ctx
            .read_model::<CategoryReadModel>()
            .get(&category_stream(&query.category_id))
            .await?;
        row.map(CategoryView::from)
            .ok_or_else(|| HandlerError::not_found(Category::TYPE, query.category_id))
    }
}

register_query_handler!(GetCategoryHandler);
