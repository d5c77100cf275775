use order_contracts::{GetOrder, OrderView};
use platform_core::Aggregate;
use platform_event_sourcing::StreamRange;
use platform_service::{
    ErrorResponse, HandlerError, QueryContext, QueryHandler, register_query_handler,
};

use super::{order_as_of, view_by_key};
use crate::domain::Order;
use crate::policy::Reach;
use crate::read_models::OrderReadModel;

/// Answers GetOrder from `rm_orders`, or, with `asOf`/`asOfVersion`, from the order's
/// events up to that point. Another customer's order is missing for a customer.
pub struct GetOrderHandler;

impl QueryHandler for GetOrderHandler {
    type Query = GetOrder;

    const ERRORS: &'static [ErrorResponse] = &[ErrorResponse::new(
        404,
        "`not_found`: no such order (or, for a customer, another customer's), or not yet at `asOf`/`asOfVersion`",
    )];

    async fn handle(ctx: QueryContext, query: GetOrder) -> Result<OrderView, HandlerError> {
        let reach = Reach::of(ctx.user());
        let range = match (query.as_of, query.as_of_version) {
            (None, None) => {
                let view: OrderView =
                    view_by_key::<OrderReadModel, _>(&ctx, Order::TYPE, &query.order_id).await?;
                reach.order(&query.order_id, &view.customer_id)?;
                return Ok(view);
            }
            (Some(_), Some(_)) => {
                return Err(HandlerError::Validation(
                    "give asOf or asOfVersion, not both".to_owned(),
                ));
            }
            (Some(time), None) => StreamRange::until(time),
            (None, Some(version)) if version >= 1 => StreamRange::to_version(version),
            (None, Some(version)) => {
                return Err(HandlerError::Validation(format!(
                    "asOfVersion must be at least 1, not {version}"
                )));
            }
        };
        let view = order_as_of(&ctx, &query.order_id, range).await?;
        // Before saying how far the order goes: that would tell it exists.
        reach.order(&query.order_id, &view.customer_id)?;
        match query.as_of_version {
            Some(asked) if view.version < asked => Err(HandlerError::NotFound {
                what: Order::TYPE.to_owned(),
                id: format!("{} at version {asked}", query.order_id),
            }),
            _ => Ok(view),
        }
    }
}

register_query_handler!(GetOrderHandler);
