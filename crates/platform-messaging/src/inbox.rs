//! The inbox: which events a subscriber has handled, in the subscriber's database.
//!
//! A handler's transaction first claims the event's id; a second delivery of the same
//! event finds the claim and is acknowledged without running the handler. The claim
//! commits with the handler's writes, or rolls back with them.

use std::collections::HashSet;

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Creates the inbox table when missing (serialised, so concurrent starts agree).
pub async fn ensure_inbox(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('platform.inbox.ddl'))")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS platform_inbox (
             subscriber  text        NOT NULL,
             event_id    uuid        NOT NULL,
             event_type  text        NOT NULL,
             received_at timestamptz NOT NULL DEFAULT now(),
             PRIMARY KEY (subscriber, event_id)
         )",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Claims an event for a subscriber in the caller's transaction; false when an earlier
/// delivery already committed it. A concurrent claim of the same event waits for the
/// other transaction and then sees its outcome.
pub async fn claim(
    conn: &mut PgConnection,
    subscriber: &str,
    event_id: Uuid,
    event_type: &str,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO platform_inbox (subscriber, event_id, event_type) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(subscriber)
    .bind(event_id)
    .bind(event_type)
    .execute(&mut *conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Claims a batch of events for a subscriber in the caller's transaction; the ids of
/// those no earlier delivery committed (an id twice in the batch is claimed once).
pub async fn claim_all(
    conn: &mut PgConnection,
    subscriber: &str,
    event_ids: &[Uuid],
    event_types: &[&str],
) -> Result<HashSet<Uuid>, sqlx::Error> {
    let claimed: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO platform_inbox (subscriber, event_id, event_type)
         SELECT $1, e.id, e.type FROM unnest($2::uuid[], $3::text[]) AS e(id, type)
         ON CONFLICT DO NOTHING
         RETURNING event_id",
    )
    .bind(subscriber)
    .bind(event_ids)
    .bind(event_types)
    .fetch_all(&mut *conn)
    .await?;
    Ok(claimed.into_iter().collect())
}
