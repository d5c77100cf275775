use chrono::Utc;
use platform_core::Aggregate;
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};
use product_contracts::{GetProduct, ProductView};

use super::product_as_of;
use crate::domain::Product;
use crate::read_models::ProductReadModel;

/// Answers GetProduct from `rm_products` (the effective price computed for now), or,
/// with `asOf`, from the product's events up to then (the effective price at then).
pub struct GetProductHandler;

impl QueryHandler for GetProductHandler {
    type Query = GetProduct;

    const ERRORS: &'static [ErrorResponse] = &[ErrorResponse::new(
        404,
        "`not_found`: no such product, or none yet at `asOf`",
    )];

    async fn handle(ctx: QueryContext, query: GetProduct) -> Result<ProductView, HandlerError> {
        if let Some(time) = query.as_of {
            return product_as_of(&ctx, &query.sku, time).await;
        }
        let row = ctx.read_model::<ProductReadModel>().get(&query.sku).await?;
        let mut view = row
            .map(|row| row.view_at(Utc::now()))
            .ok_or_else(|| HandlerError::not_found(Product::TYPE, query.sku))?;
        view.stock = super::stock_of(&ctx, &[view.sku.as_str()])
            .await?
            .remove(&view.sku);
        Ok(view)
    }
}

register_query_handler!(GetProductHandler);
