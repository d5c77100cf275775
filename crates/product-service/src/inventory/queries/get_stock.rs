use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};
use product_contracts::inventory::{GetStock, StockView};

use crate::inventory::domain::Sku;
use crate::inventory::read_models::StockReadModel;

/// Answers GetStock from `rm_stock`.
pub struct GetStockHandler;

impl QueryHandler for GetStockHandler {
    type Query = GetStock;

    const ERRORS: &'static [ErrorResponse] = &[ErrorResponse::new(
        404,
        "`not_found`: the product has no stock",
    )];

    async fn handle(ctx: QueryContext, query: GetStock) -> Result<StockView, HandlerError> {
        let sku = Sku::parse(&query.sku).map_err(|e| HandlerError::Validation(e.to_string()))?;
        let row = ctx
            .read_model::<StockReadModel>()
            .get(&sku.stream_id())
            .await?;
        row.map(StockView::from)
            .ok_or_else(|| HandlerError::not_found("Inventory", sku.as_str()))
    }
}

register_query_handler!(GetStockHandler);
