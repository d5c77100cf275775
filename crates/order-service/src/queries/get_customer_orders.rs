use order_contracts::{CustomerOrders, GetCustomerOrders};
use platform_service::{HandlerError, QueryContext, QueryHandler, register_query_handler};

use super::view_by_key;
use crate::read_models::CustomerOrdersReadModel;

/// Answers GetCustomerOrders from `rm_customer_orders`.
pub struct GetCustomerOrdersHandler;

impl QueryHandler for GetCustomerOrdersHandler {
    type Query = GetCustomerOrders;

    async fn handle(
        ctx: QueryContext,
        query: GetCustomerOrders,
    ) -> Result<CustomerOrders, HandlerError> {
        view_by_key::<CustomerOrdersReadModel, _>(&ctx, "Customer", &query.customer_id).await
    }
}

register_query_handler!(GetCustomerOrdersHandler);
