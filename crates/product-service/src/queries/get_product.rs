use platform_core::Aggregate;
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};
use product_contracts::{GetProduct, ProductView};

use crate::domain::Product;
use crate::read_models::ProductReadModel;

/// Answers GetProduct from `rm_products`.
pub struct GetProductHandler;

impl QueryHandler for GetProductHandler {
    type Query = GetProduct;

    const ERRORS: &'static [ErrorResponse] =
        &[ErrorResponse::new(404, "`not_found`: no such product")];

    async fn handle(ctx: QueryContext, query: GetProduct) -> Result<ProductView, HandlerError> {
        let id = query.product_id;
        let row = ctx.read_model::<ProductReadModel>().get(&id).await?;
        row.map(ProductView::from)
            .ok_or_else(|| HandlerError::not_found(Product::TYPE, id))
    }
}

register_query_handler!(GetProductHandler);
