//! The `notifications` table: every statement of the notifier.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::contract::Notification;

/// A notification to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification<'a> {
    /// The event it is made from.
    pub event_id: Uuid,
    /// The order.
    pub order_id: &'a str,
    /// The customer told.
    pub customer_id: &'a str,
    /// `order_placed` or `order_cancelled`.
    pub kind: &'a str,
    /// The text sent.
    pub message: String,
    /// When the order event happened.
    pub occurred_at: DateTime<Utc>,
}

/// Records a notification in the caller's transaction.
pub async fn insert(conn: &mut PgConnection, new: &NewNotification<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notifications (event_id, order_id, customer_id, kind, message, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new.event_id)
    .bind(new.order_id)
    .bind(new.customer_id)
    .bind(new.kind)
    .bind(&new.message)
    .bind(new.occurred_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Up to `limit` notifications of a customer and/or an order, newest first.
pub async fn list(
    pool: &PgPool,
    customer_id: Option<&str>,
    order_id: Option<&str>,
    limit: i64,
) -> Result<Vec<Notification>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, event_id, order_id, customer_id, kind, message, occurred_at
         FROM notifications
         WHERE ($1::text IS NULL OR customer_id = $1) AND ($2::text IS NULL OR order_id = $2)
         ORDER BY id DESC LIMIT $3",
    )
    .bind(customer_id)
    .bind(order_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}
