//! GetProductPrice: one product of the caller's tenant, from `product_prices`.

use order_contracts::{GetProductPrice, ProductPrice};
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};

use super::store;

/// Answers GetProductPrice from `product_prices` (eventually consistent: as far as the
/// product service's events have arrived).
pub struct GetProductPriceHandler;

impl QueryHandler for GetProductPriceHandler {
    type Query = GetProductPrice;

    const ERRORS: &'static [ErrorResponse] = &[ErrorResponse::new(
        404,
        "`not_found`: the product's creation has not arrived from the product service",
    )];

    async fn handle(
        ctx: QueryContext,
        query: GetProductPrice,
    ) -> Result<ProductPrice, HandlerError> {
        let tenant = ctx.tenant().to_owned();
        let mut conn = ctx.store().connection().await?;
        let row = store::get(conn.conn(), &tenant, &query.product_id)
            .await
            .map_err(|e| HandlerError::internal("product_prices", e))?;
        conn.finish().await?;
        match row {
            Some(store::ProductPriceRow {
                sku,
                name: Some(name),
                price,
                currency,
                discontinued,
                updated_at,
            }) => Ok(ProductPrice {
                product_id: sku,
                name,
                price,
                currency,
                discontinued,
                updated_at,
            }),
            _ => Err(HandlerError::not_found("Product", query.product_id)),
        }
    }
}

register_query_handler!(GetProductPriceHandler);
