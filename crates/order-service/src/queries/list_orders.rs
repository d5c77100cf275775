use order_contracts::{ListOrders, OrderList, OrderView};
use platform_read_models::PageRequest;
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};

use crate::policy::Reach;
use crate::read_models::OrderReadModel;

/// Answers ListOrders from `rm_orders`, newest first, paged: a customer's own orders
/// (another customer's id is a 403), every order of the tenant for staff.
pub struct ListOrdersHandler;

impl QueryHandler for ListOrdersHandler {
    type Query = ListOrders;

    const ERRORS: &'static [ErrorResponse] = &[ErrorResponse::new(
        403,
        "`forbidden`: a customer named another customer",
    )];

    async fn handle(ctx: QueryContext, query: ListOrders) -> Result<OrderList, HandlerError> {
        let orders = ctx.read_model::<OrderReadModel>();
        let page = PageRequest {
            limit: query.limit,
            cursor: query.cursor,
        };
        let customer_id = Reach::of(ctx.user()).listed_customer(query.customer_id)?;
        let page = match customer_id {
            Some(customer_id) => {
                OrderReadModel::find_by_customer_id(&orders, customer_id, &page).await?
            }
            None => orders.list(&page).await?,
        };
        Ok(OrderList {
            orders: page.items.into_iter().map(OrderView::from).collect(),
            next_cursor: page.next_cursor,
        })
    }
}

register_query_handler!(ListOrdersHandler);
