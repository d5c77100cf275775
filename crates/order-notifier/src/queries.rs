//! The `GetNotifications` handler: a customer's or an order's notifications, newest first.

use platform_service::{HandlerError, QueryContext, QueryHandler, register_query_handler};

use crate::contract::{GetNotifications, NotificationList};
use crate::store;

/// Reads the `notifications` table.
pub struct GetNotificationsHandler;

impl QueryHandler for GetNotificationsHandler {
    type Query = GetNotifications;

    async fn handle(
        ctx: QueryContext,
        query: GetNotifications,
    ) -> Result<NotificationList, HandlerError> {
        if query.customer_id.is_none() && query.order_id.is_none() {
            return Err(HandlerError::Validation(
                "give customerId or orderId".to_owned(),
            ));
        }
        let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 500));
        let notifications = store::list(
            ctx.store().pool(),
            query.customer_id.as_deref(),
            query.order_id.as_deref(),
            limit,
        )
        .await
        .map_err(|e| HandlerError::internal("notifications", e))?;
        Ok(NotificationList { notifications })
    }
}

register_query_handler!(GetNotificationsHandler);
