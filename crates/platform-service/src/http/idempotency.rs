//! `Idempotency-Key` on commands: the first request with a key runs; a retry with the
//! same key and body gets the first response again and appends nothing.
//!
//! The key is claimed before the command runs and completed with its response after.
//! Final outcomes (success, 4xx) are kept; transient ones (409 conflict, 5xx) release
//! the key so a retry runs the command. A claim left by a crashed process is taken
//! over after [`ABANDONED_AFTER_SECS`].

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::watch;
use tracing::{debug, warn};

use crate::error::HandlerError;

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The response header on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";
/// A claim older than this with no response is taken over by the next request.
pub const ABANDONED_AFTER_SECS: i32 = 30;

/// What a claim found.
#[derive(Debug)]
pub enum Claim {
    /// This request runs the command.
    Claimed,
    /// The first request's response.
    Replay {
        /// Its HTTP status.
        status: StatusCode,
        /// Its JSON body.
        body: Value,
    },
}

/// A stored key: its command, whether the body matches, status and response once
/// complete, and whether the claim is abandoned.
type StoredKey = (String, bool, Option<i16>, Option<Value>, bool);

/// The key from the headers: none, or 1..=255 visible ASCII characters.
pub fn key(headers: &HeaderMap) -> Result<Option<String>, HandlerError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(HandlerError::Validation(
            "Idempotency-Key must be 1 to 255 visible ASCII characters".to_owned(),
        ));
    }
    Ok(Some(key.to_owned()))
}

/// Claims `key` for `command` with `request`, or finds the first request's outcome.
pub async fn claim(
    pool: &PgPool,
    key: &str,
    command: &str,
    request: &Value,
) -> Result<Claim, HandlerError> {
    let unavailable = |e: sqlx::Error| {
        if platform_event_sourcing::is_unavailable(&e) {
            HandlerError::Unavailable(format!("idempotency keys: {e}"))
        } else {
            HandlerError::internal("idempotency keys", e)
        }
    };
    // A released key can vanish between the insert and the read: try again once.
    for _ in 0..2 {
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (key, command, request) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(command)
        .bind(request)
        .execute(pool)
        .await
        .map_err(unavailable)?;
        if inserted.rows_affected() == 1 {
            return Ok(Claim::Claimed);
        }
        let row: Option<StoredKey> = sqlx::query_as(
            "SELECT command, request = $2, status, response,
                    created_at < now() - make_interval(secs => $3)
             FROM idempotency_keys WHERE key = $1",
        )
        .bind(key)
        .bind(request)
        .bind(ABANDONED_AFTER_SECS)
        .fetch_optional(pool)
        .await
        .map_err(unavailable)?;
        let Some((first_command, same_body, status, response, abandoned)) = row else {
            continue;
        };
        if first_command != command || !same_body {
            return Err(HandlerError::IdempotencyKeyReused);
        }
        match (status, response) {
            (Some(status), Some(body)) => {
                let status = u16::try_from(status)
                    .ok()
                    .and_then(|s| StatusCode::from_u16(s).ok())
                    .unwrap_or(StatusCode::OK);
                return Ok(Claim::Replay { status, body });
            }
            _ if abandoned => {
                let taken = sqlx::query(
                    "UPDATE idempotency_keys SET created_at = now()
                     WHERE key = $1 AND status IS NULL
                       AND created_at < now() - make_interval(secs => $2)",
                )
                .bind(key)
                .bind(ABANDONED_AFTER_SECS)
                .execute(pool)
                .await
                .map_err(unavailable)?;
                if taken.rows_affected() == 1 {
                    warn!(key, "taking over an abandoned idempotency key");
                    return Ok(Claim::Claimed);
                }
                return Err(HandlerError::IdempotencyKeyInFlight);
            }
            _ => return Err(HandlerError::IdempotencyKeyInFlight),
        }
    }
    Err(HandlerError::IdempotencyKeyInFlight)
}

/// Records the outcome of a claimed key: kept when final, released when transient.
pub async fn complete(pool: &PgPool, key: &str, status: StatusCode, body: &Value) {
    let transient = status == StatusCode::CONFLICT || status.is_server_error();
    let done = if transient {
        sqlx::query("DELETE FROM idempotency_keys WHERE key = $1 AND status IS NULL")
            .bind(key)
            .execute(pool)
            .await
    } else {
        sqlx::query(
            "UPDATE idempotency_keys SET status = $2, response = $3, completed_at = now()
             WHERE key = $1 AND status IS NULL",
        )
        .bind(key)
        .bind(i16::try_from(status.as_u16()).unwrap_or(500))
        .bind(body)
        .execute(pool)
        .await
    };
    if let Err(err) = done {
        // The claim stays; it is taken over once abandoned.
        warn!(key, cause = %err, "could not record the idempotency key's outcome");
    }
}

/// Marks a response as a replay.
pub fn mark_replayed(headers: &mut HeaderMap) {
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
}

/// Deletes keys older than `ttl`, every `every`, until shutdown.
pub fn spawn_expiry(
    pool: PgPool,
    ttl: Duration,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let expired = sqlx::query(
                "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1)",
            )
            .bind(ttl.as_secs_f64())
            .execute(&pool)
            .await;
            match expired {
                Ok(done) => debug!(deleted = done.rows_affected(), "idempotency keys expired"),
                Err(err) => debug!(cause = %err, "idempotency key expiry failed; retrying later"),
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
        }
    })
}
