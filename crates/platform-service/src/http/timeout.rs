//! `REQUEST_TIMEOUT_MS`: a request still running after it is answered 503 `timeout`.
//!
//! A command runs in a task of its own (`dispatch.rs`), so answering the client does
//! not cut it short: its unit of work still commits or rolls back whole, and a retry
//! with the same `Idempotency-Key` gets its outcome. A query is simply dropped.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::warn;

use crate::error::HandlerError;

/// Runs the rest of the stack for at most `limit`.
pub(super) async fn limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            warn!(%path, limit_ms = limit.as_millis(), "request timed out");
            HandlerError::Timeout(limit).into_response()
        }
    }
}
