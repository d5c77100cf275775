use order_contracts::{GetProductDemand, ProductDemand};
use platform_service::{
    Access, ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};

use super::view_by_key;
use crate::read_models::ProductDemandReadModel;

/// Answers GetProductDemand from `rm_product_demand` (eventually consistent). Open to
/// anyone: demand per product is catalogue data, nobody's order.
pub struct GetProductDemandHandler;

impl QueryHandler for GetProductDemandHandler {
    type Query = GetProductDemand;

    const ERRORS: &'static [ErrorResponse] = &[ErrorResponse::new(
        404,
        "`not_found`: no order ever had the product (or the projection has not got there yet)",
    )];

    const ACCESS: Access = Access::Anyone;

    async fn handle(
        ctx: QueryContext,
        query: GetProductDemand,
    ) -> Result<ProductDemand, HandlerError> {
        view_by_key::<ProductDemandReadModel, _>(&ctx, "Product", &query.product_id).await
    }
}

register_query_handler!(GetProductDemandHandler);
