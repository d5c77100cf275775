use order_contracts::{CustomerOrders, GetCustomerOrders};
use platform_service::{HandlerError, QueryContext, QueryHandler, register_query_handler};

use crate::read_models::CustomerOrdersReadModel;

/// Answers GetCustomerOrders from `rm_customer_orders`.
pub struct GetCustomerOrdersHandler;

impl QueryHandler for GetCustomerOrdersHandler {
    type Query = GetCustomerOrders;

    async fn handle(
        ctx: QueryContext,
        query: GetCustomerOrders,
    ) -> Result<CustomerOrders, HandlerError> {
        let row = ctx
            .read_model::<CustomerOrdersReadModel>()
            .get(&query.customer_id)
            .await?;
        row.map(CustomerOrders::from)
            .ok_or_else(|| HandlerError::not_found("Customer", query.customer_id))
    }
}

register_query_handler!(GetCustomerOrdersHandler);
