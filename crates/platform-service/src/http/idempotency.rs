//! `Idempotency-Key` on commands: the first request with a key runs; a retry with the
//! same key and body gets the first response again and appends nothing.
//!
//! The key is claimed before the command runs and completed with its response after.
//! Final outcomes (success, 4xx) are kept; transient ones (409 conflict, 5xx) release
//! the key so a retry runs the command. A claim left by a crashed process is taken
//! over after [`ABANDONED_AFTER_SECS`].
//!
//! Keys are scoped by tenant and user ([`KeyScope`]): two users sending the same key
//! run two commands and never see each other's responses.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::watch;
use tracing::{debug, warn};

use crate::context::Caller;
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

/// Whose key it is: the caller's tenant and user id (`""` when anonymous).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyScope {
    /// The caller's tenant.
    pub tenant: String,
    /// The caller's user id, `""` for anonymous callers.
    pub user: String,
}

impl KeyScope {
    /// The scope of `caller`'s keys.
    pub fn of(caller: &Caller) -> Self {
        KeyScope {
            tenant: caller.tenant().to_owned(),
            user: caller.user().map(|u| u.id.clone()).unwrap_or_default(),
        }
    }
}

/// A key stored by an earlier request with the same scope.
#[derive(Debug, sqlx::FromRow)]
struct StoredKey {
    /// The command it was first used with.
    command: String,
    /// Whether that request's body equals this one (as jsonb).
    same_body: bool,
    /// The first response's status, once complete.
    status: Option<i16>,
    /// The first response's body, once complete.
    response: Option<Value>,
    /// Whether the claim is older than [`ABANDONED_AFTER_SECS`].
    abandoned: bool,
}

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

/// Claims `key` in `scope` for `command` with `request`, or finds the first request's
/// outcome.
pub async fn claim(
    pool: &PgPool,
    scope: &KeyScope,
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
            r#"
            INSERT INTO idempotency_keys (tenant_id, user_id, key, command, request)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (tenant_id, user_id, key) DO NOTHING
            "#,
        )
        .bind(&scope.tenant)
        .bind(&scope.user)
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
            r#"
            SELECT command, request = $4 AS same_body, status, response,
                   created_at < now() - make_interval(secs => $5) AS abandoned
            FROM idempotency_keys
            WHERE tenant_id = $1 AND user_id = $2 AND key = $3
            "#,
        )
        .bind(&scope.tenant)
        .bind(&scope.user)
        .bind(key)
        .bind(request)
        .bind(ABANDONED_AFTER_SECS)
        .fetch_optional(pool)
        .await
        .map_err(unavailable)?;
        let Some(stored) = row else {
            continue;
        };
        if stored.command != command || !stored.same_body {
            return Err(HandlerError::IdempotencyKeyReused);
        }
        match (stored.status, stored.response) {
            (Some(status), Some(body)) => {
                let status = u16::try_from(status)
                    .ok()
                    .and_then(|s| StatusCode::from_u16(s).ok())
                    .unwrap_or(StatusCode::OK);
                return Ok(Claim::Replay { status, body });
            }
            _ if stored.abandoned => {
                let taken = sqlx::query(
                    r#"
                    UPDATE idempotency_keys SET created_at = now()
                    WHERE tenant_id = $1 AND user_id = $2 AND key = $3 AND status IS NULL
                      AND created_at < now() - make_interval(secs => $4)
                    "#,
                )
                .bind(&scope.tenant)
                .bind(&scope.user)
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
pub async fn complete(
    pool: &PgPool,
    scope: &KeyScope,
    key: &str,
    status: StatusCode,
    body: &Value,
) {
    let transient = status == StatusCode::CONFLICT || status.is_server_error();
    let done = if transient {
        sqlx::query(
            r#"
            DELETE FROM idempotency_keys
            WHERE tenant_id = $1 AND user_id = $2 AND key = $3 AND status IS NULL
            "#,
        )
        .bind(&scope.tenant)
        .bind(&scope.user)
        .bind(key)
        .execute(pool)
        .await
    } else {
        sqlx::query(
            r#"
            UPDATE idempotency_keys SET status = $4, response = $5, completed_at = now()
            WHERE tenant_id = $1 AND user_id = $2 AND key = $3 AND status IS NULL
            "#,
        )
        .bind(&scope.tenant)
        .bind(&scope.user)
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
