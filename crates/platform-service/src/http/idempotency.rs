//! `Idempotency-Key` on commands: the first request with a key runs; a retry with the
//! same key and body gets the first response again and appends nothing.
//!
//! Exactly once: the key is claimed, the command run and its answer recorded in one
//! unit of work (one transaction) with the command's events, so the key's outcome and
//! the events commit together or not at all. A retry while the first request runs
//! waits for it on the key's row lock (briefly; then 409 `idempotency_key_in_flight`),
//! then replays its answer; if the first request's process died, its transaction died
//! with it, and the retry runs the command. A reply lost at the commit is answered 503:
//! the database, not a guess, then decides what the retry finds.
//!
//! Keys are scoped by tenant and user ([`KeyScope`]): two users sending the same key
//! run two commands and never see each other's responses.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use tokio::sync::watch;
use tracing::debug;

use crate::context::Caller;
use crate::error::HandlerError;

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The response header on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";
/// How long a retry waits for the first request with its key before a 409.
pub const IN_FLIGHT_WAIT: Duration = Duration::from_secs(2);

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
    /// The first response's status (none: left by an older version, never completed).
    status: Option<i16>,
    /// The first response's body.
    response: Option<Value>,
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

/// Claims `key` in `scope` for `command` with `request` in the caller's unit of work
/// (`conn`), or finds the first request's outcome. The claim is the key's row, locked
/// until the unit ends.
pub async fn claim(
    conn: &mut PgConnection,
    scope: &KeyScope,
    key: &str,
    command: &str,
    request: &Value,
) -> Result<Claim, HandlerError> {
    sqlx::query("SELECT set_config('lock_timeout', $1, true)")
        .bind(format!("{}ms", IN_FLIGHT_WAIT.as_millis()))
        .execute(&mut *conn)
        .await
        .map_err(failed)?;
    loop {
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
        .execute(&mut *conn)
        .await
        .map_err(failed)?;
        if inserted.rows_affected() == 1 {
            // Only the wait for the key is bounded; the command waits as long as any.
            sqlx::query("SET LOCAL lock_timeout TO DEFAULT")
                .execute(&mut *conn)
                .await
                .map_err(failed)?;
            return Ok(Claim::Claimed);
        }
        let stored: StoredKey = sqlx::query_as(
            r#"
            SELECT command, request = $4 AS same_body, status, response
            FROM idempotency_keys
            WHERE tenant_id = $1 AND user_id = $2 AND key = $3
            "#,
        )
        .bind(&scope.tenant)
        .bind(&scope.user)
        .bind(key)
        .bind(request)
        .fetch_one(&mut *conn)
        .await
        .map_err(failed)?;
        if stored.command != command || !stored.same_body {
            return Err(HandlerError::IdempotencyKeyReused);
        }
        let (Some(status), Some(body)) = (stored.status, stored.response) else {
            // Left uncompleted by an older version of the service: nothing holds it.
            sqlx::query(
                "DELETE FROM idempotency_keys \
                 WHERE tenant_id = $1 AND user_id = $2 AND key = $3 AND status IS NULL",
            )
            .bind(&scope.tenant)
            .bind(&scope.user)
            .bind(key)
            .execute(&mut *conn)
            .await
            .map_err(failed)?;
            continue;
        };
        let status = u16::try_from(status)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        return Ok(Claim::Replay { status, body });
    }
}

/// Records the answer of a claimed key in the same unit of work.
pub async fn complete(
    conn: &mut PgConnection,
    scope: &KeyScope,
    key: &str,
    status: StatusCode,
    body: &Value,
) -> Result<(), HandlerError> {
    sqlx::query(
        r#"
        UPDATE idempotency_keys SET status = $4, response = $5, completed_at = now()
        WHERE tenant_id = $1 AND user_id = $2 AND key = $3
        "#,
    )
    .bind(&scope.tenant)
    .bind(&scope.user)
    .bind(key)
    .bind(i16::try_from(status.as_u16()).unwrap_or(500))
    .bind(body)
    .execute(&mut *conn)
    .await
    .map_err(failed)?;
    Ok(())
}

/// A failed statement on the keys: the first request still running (the lock wait ran
/// out), the database away, or a bug.
fn failed(err: sqlx::Error) -> HandlerError {
    match &err {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("55P03") => {
            HandlerError::IdempotencyKeyInFlight
        }
        _ if platform_event_sourcing::is_unavailable(&err) => {
            HandlerError::Unavailable(format!("idempotency keys: {err}"))
        }
        _ => HandlerError::internal("idempotency keys", err),
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
