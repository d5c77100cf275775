use platform_core::Aggregate;
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};
use product_contracts::{GetPriceHistory, PriceHistory};

use crate::domain::Product;
use crate::read_models::PriceHistoryReadModel;

/// Answers GetPriceHistory from `rm_price_history`.
pub struct GetPriceHistoryHandler;

impl QueryHandler for GetPriceHistoryHandler {
    type Query = GetPriceHistory;

    const ERRORS: &'static [ErrorResponse] =
        &[ErrorResponse::new(404, "`not_found`: no such product")];

    async fn handle(
        ctx: QueryContext,
        query: GetPriceHistory,
    ) -> Result<PriceHistory, HandlerError> {
        let row = ctx
            .read_model::<PriceHistoryReadModel>()
            .get(&query.sku)
            .await?;
        row.map(PriceHistory::from)
            .ok_or_else(|| HandlerError::not_found(Product::TYPE, query.sku))
    }
}

register_query_handler!(GetPriceHistoryHandler);
