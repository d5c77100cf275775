use crate::commands::limits::{MAX_ID_LEN, MAX_NAME_PREFIX_LEN, check_len, check_limit};
use chrono::Utc;
use platform_read_models::{Page, PageRequest, ReadModelStore};
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};
use product_contracts::{ListProducts, ProductList};

use crate::read_models::ProductReadModel;

/// Most pages of `rm_products` one request reads when filtering by name prefix;
/// after that it answers what it found with a cursor to go on from.
const MAX_SCANS: usize = 20;

/// Answers ListProducts from `rm_products`, most recently changed first, paged: all
/// products, or a category's (its indexed column).
///
/// `namePrefix` (case-insensitive) filters the rows as they are read: the platform's
/// read-model queries match indexed columns by equality only. Each read asks for as
/// many rows as the page still lacks, so a page never ends in the middle of what was
/// read and the cursor of the last read continues exactly; a rare prefix may answer a
/// short page (even an empty one) with a `nextCursor` after [`MAX_SCANS`] reads.
pub struct ListProductsHandler;

impl QueryHandler for ListProductsHandler {
    type Query = ListProducts;

    const ERRORS: &'static [ErrorResponse] = &[];

    async fn handle(ctx: QueryContext, query: ListProducts) -> Result<ProductList, HandlerError> {
        check_limit(query.limit)?;
        if let Some(category_id) = &query.category_id {
            check_len("categoryId", category_id, MAX_ID_LEN)?;
        }
        if let Some(prefix) = &query.name_prefix {
            check_len("namePrefix", prefix, MAX_NAME_PREFIX_LEN)?;
        }
        let products = ctx.read_model::<ProductReadModel>();
        let limit = query
            .limit
            .unwrap_or(platform_read_models::DEFAULT_PAGE_SIZE)
            .clamp(1, platform_read_models::MAX_PAGE_SIZE) as usize;
        let prefix = query
            .name_prefix
            .map(|p| p.to_lowercase())
            .filter(|p| !p.is_empty());
        let mut found = Vec::new();
        let mut cursor = query.cursor;
        for _ in 0..MAX_SCANS {
            let want = limit - found.len();
            let page = PageRequest {
                limit: u32::try_from(want).ok(),
                cursor: cursor.take(),
            };
            let page = read(&products, query.category_id.as_deref(), &page).await?;
            found.extend(page.items.into_iter().filter(|row| {
                prefix
                    .as_deref()
                    .is_none_or(|prefix| row.name.to_lowercase().starts_with(prefix))
            }));
            cursor = page.next_cursor;
            if found.len() >= limit || cursor.is_none() {
                break;
            }
        }
        let now = Utc::now();
        let skus: Vec<&str> = found.iter().map(|row| row.sku.as_str()).collect();
        let mut stock = super::stock_of(&ctx, &skus).await?;
        let products = found
            .into_iter()
            .map(|row| {
                let mut view = row.view_at(now);
                view.stock = stock.remove(&view.sku);
                view
            })
            .collect();
        Ok(ProductList {
            products,
            next_cursor: cursor,
        })
    }
}

async fn read(
    products: &ReadModelStore<ProductReadModel>,
    category_id: Option<&str>,
    page: &PageRequest,
) -> Result<Page<ProductReadModel>, HandlerError> {
    Ok(match category_id {
        Some(category_id) => {
            ProductReadModel::find_by_category_id(products, category_id.to_owned(), page).await?
        }
        None => products.list(page).await?,
    })
}

register_query_handler!(ListProductsHandler);
