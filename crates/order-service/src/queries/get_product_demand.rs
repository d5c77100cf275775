use order_contracts::{GetProductDemand, ProductDemand};
use platform_service::{HandlerError, QueryContext, QueryHandler, register_query_handler};

use crate::read_models::ProductDemandReadModel;

/// Answers GetProductDemand from `rm_product_demand` (eventually consistent).
pub struct GetProductDemandHandler;

impl QueryHandler for GetProductDemandHandler {
    type Query = GetProductDemand;

    async fn handle(
        ctx: QueryContext,
        query: GetProductDemand,
    ) -> Result<ProductDemand, HandlerError> {
        let row = ctx
            .read_model::<ProductDemandReadModel>()
            .get(&query.product_id)
            .await?;
        row.map(ProductDemand::from)
            .ok_or_else(|| HandlerError::not_found("Product", query.product_id))
    }
}

register_query_handler!(GetProductDemandHandler);
