//! `REQUEST_TIMEOUT_MS`: a request still running after it is answered 503 `timeout`.
//!
//! A command runs in a task of its own (`dispatch.rs`), so answering the client does
//! not cut it short: its unit of work still commits or rolls back whole, and a retry
//! with the same `Idempotency-Key` gets its outcome. A query is simply dropped.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::warn;

use crate::context::AppState;
use crate::error::HandlerError;
use crate::registry;

/// Runs the rest of the stack for at most `REQUEST_TIMEOUT_MS`.
pub(super) async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.config().http.request_timeout;
    let path = request.uri().path().to_owned();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            warn!(%path, limit_ms = limit.as_millis(), "request timed out");
            if let Some((kind, name)) = registered(&path) {
                state.metrics().record_timeout(kind, name);
            }
            HandlerError::Timeout(limit).into_response()
        }
    }
}

/// The kind and registered name of a command or query path.
fn registered(path: &str) -> Option<(&'static str, &'static str)> {
    if let Some(name) = path.strip_prefix("/api/commands/") {
        return registry::commands()
            .get(name)
            .map(|registration| ("command", registration.name));
    }
    let name = path.strip_prefix("/api/queries/")?;
    registry::queries()
        .get(name)
        .map(|registration| ("query", registration.name))
}
