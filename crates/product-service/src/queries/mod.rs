//! Query handlers, one file each; each registers itself with the platform. Any
//! signed-in user may ask (the default access).

mod get_category;
mod get_price_history;
mod get_product;
mod list_categories;
mod list_category_products;
mod list_products;
mod product_as_of;

pub use get_category::GetCategoryHandler;
pub use get_price_history::GetPriceHistoryHandler;
pub use get_product::GetProductHandler;
pub use list_categories::ListCategoriesHandler;
pub use list_category_products::ListCategoryProductsHandler;
pub use list_products::ListProductsHandler;

use product_as_of::product_as_of;

/// The stock of these products now (`rm_stock`), by SKU.
pub(crate) async fn stock_of(
    ctx: &platform_service::QueryContext,
    skus: &[&str],
) -> Result<
    std::collections::HashMap<String, product_contracts::StockSummary>,
    platform_service::HandlerError,
> {
    let keys: Vec<String> = skus.iter().map(|sku| format!("inventory:{sku}")).collect();
    let rows = ctx
        .read_model::<crate::inventory::read_models::StockReadModel>()
        .get_many(&keys)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let summary = product_contracts::StockSummary {
                on_hand: row.on_hand,
                reserved: row.reserved,
                available: row.available,
            };
            (row.sku, summary)
        })
        .collect())
}
