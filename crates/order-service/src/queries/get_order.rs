use order_contracts::{GetOrder, OrderView};
use platform_core::Aggregate;
use platform_service::{HandlerError, QueryContext, QueryHandler, register_query_handler};

use crate::domain::Order;
use crate::read_models::OrderReadModel;

/// Answers GetOrder from `rm_orders`.
pub struct GetOrderHandler;

impl QueryHandler for GetOrderHandler {
    type Query = GetOrder;

    async fn handle(ctx: QueryContext, query: GetOrder) -> Result<OrderView, HandlerError> {
        let row = ctx
            .read_model::<OrderReadModel>()
            .get(&query.order_id)
            .await?;
        let row = row.ok_or_else(|| HandlerError::not_found(Order::TYPE, &query.order_id))?;
        row.into_view()
            .ok_or_else(|| HandlerError::internal("rm_orders", "unknown status"))
    }
}

register_query_handler!(GetOrderHandler);
