use std::collections::HashMap;

use platform_core::Aggregate;
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};
use product_contracts::{CategoryProduct, CategoryProducts, ListCategoryProducts};

use crate::domain::{Category, category_stream};
use crate::read_models::{CategoryProductsReadModel, CategoryReadModel, ProductReadModel};

/// Answers ListCategoryProducts: the SKUs from the category's `rm_category_products`
/// row, their names (and whether they are discontinued) from `rm_products`.
pub struct ListCategoryProductsHandler;

impl QueryHandler for ListCategoryProductsHandler {
    type Query = ListCategoryProducts;

    const ERRORS: &'static [ErrorResponse] =
        &[ErrorResponse::new(404, "`not_found`: no such category")];

    async fn handle(
        ctx: QueryContext,
        query: ListCategoryProducts,
    ) -> Result<CategoryProducts, HandlerError> {
        let category = ctx
            .read_model::<CategoryReadModel>()
            .get(&category_stream(&query.category_id))
            .await?;
        if category.is_none() {
            return Err(HandlerError::not_found(Category::TYPE, query.category_id));
        }
        let skus = ctx
            .read_model::<CategoryProductsReadModel>()
            .get(&query.category_id)
            .await?
            .map(|row| row.skus)
            .unwrap_or_default();
        let mut names: HashMap<String, String> = ctx
            .read_model::<ProductReadModel>()
            .get_many(&skus)
            .await?
            .into_iter()
            .filter(|product| !product.discontinued)
            .map(|product| (product.sku, product.name))
            .collect();
        let products = skus
            .into_iter()
            .filter_map(|sku| {
                let name = names.remove(&sku)?;
                Some(CategoryProduct { sku, name })
            })
            .collect();
        Ok(CategoryProducts {
            category_id: query.category_id,
            products,
        })
    }
}

register_query_handler!(ListCategoryProductsHandler);
