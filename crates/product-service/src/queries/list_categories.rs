use crate::commands::limits::{MAX_ID_LEN, check_len, check_limit};
use platform_read_models::PageRequest;
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};
use product_contracts::{CategoryList, CategoryView, ListCategories};

use crate::read_models::CategoryReadModel;

/// Answers ListCategories from `rm_categories`, most recently changed first, paged:
/// all categories, or the children of one.
pub struct ListCategoriesHandler;

impl QueryHandler for ListCategoriesHandler {
    type Query = ListCategories;

    const ERRORS: &'static [ErrorResponse] = &[];

    async fn handle(
        ctx: QueryContext,
        query: ListCategories,
    ) -> Result<CategoryList, HandlerError> {
        check_limit(query.limit)?;
        if let Some(parent_id) = &query.parent_id {
            check_len("parentId", parent_id, MAX_ID_LEN)?;
        }
        let categories = ctx.read_model::<CategoryReadModel>();
        let page = PageRequest {
            limit: query.limit,
            cursor: query.cursor,
        };
        let page = match query.parent_id {
            Some(parent_id) => {
                CategoryReadModel::find_by_parent_id(&categories, parent_id, &page).await?
            }
            None => categories.list(&page).await?,
        };
        Ok(CategoryList {
            categories: page.items.into_iter().map(CategoryView::from).collect(),
            next_cursor: page.next_cursor,
        })
    }
}

register_query_handler!(ListCategoriesHandler);
