use order_contracts::{CustomerOrders, GetCustomerOrders};
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};

use super::view_by_key;
use crate::policy::Reach;
use crate::read_models::CustomerOrdersReadModel;

/// Answers GetCustomerOrders from `rm_customer_orders`: a customer asks only for their
/// own totals (another customer's id is a 403).
pub struct GetCustomerOrdersHandler;

impl QueryHandler for GetCustomerOrdersHandler {
    type Query = GetCustomerOrders;

    const ERRORS: &'static [ErrorResponse] = &[
        ErrorResponse::new(403, "`forbidden`: a customer named another customer"),
        ErrorResponse::new(404, "`not_found`: the customer has no orders"),
    ];

    async fn handle(
        ctx: QueryContext,
        query: GetCustomerOrders,
    ) -> Result<CustomerOrders, HandlerError> {
        Reach::of(ctx.user()).customer(&query.customer_id)?;
        view_by_key::<CustomerOrdersReadModel, _>(&ctx, "Customer", &query.customer_id).await
    }
}

register_query_handler!(GetCustomerOrdersHandler);
