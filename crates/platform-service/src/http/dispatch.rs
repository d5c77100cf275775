//! Command and query endpoints, dispatched to the registered handlers by name.
//!
//! Order of checks: the name (404), who may call it (401/403, in `jwt` mode), then the
//! `Idempotency-Key`, the body (400/413) and the handler.

use std::time::Instant;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;

use super::idempotency::{self, Claim, KeyScope};
use super::request_meta::RequestMeta;
use crate::config::AuthMode;
use crate::context::{AppState, Caller};
use crate::error::{HandlerError, problem_response};
use crate::registry::{self, Access};

/// `POST /api/commands/{name}`; with an `Idempotency-Key`, a retry replays the first
/// response.
pub async fn command(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(meta): Extension<RequestMeta>,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let caller = caller.map(|Extension(c)| c).unwrap_or_default();
    let Some(&registration) = registry::commands().get(name.as_str()) else {
        return HandlerError::Unknown {
            kind: "command",
            name,
        }
        .into_response();
    };
    let name = registration.name;
    if let Err(denied) = permit(&state, registration.access, &caller) {
        return counted(&state, "command", name, Instant::now(), Err(denied));
    }
    let key = match idempotency::key(&headers) {
        Ok(key) => key,
        Err(err) => return err.into_response(),
    };
    let scope = KeyScope::of(&caller);
    let ctx = state.command_context(meta.command_metadata(&caller), caller);
    // Only a JSON body is worth a key; anything else fails as it would without one,
    // and appends nothing.
    let keyed = key.and_then(|key| match &body {
        Ok(bytes) => serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .map(|request| (key, request)),
        Err(_) => None,
    });
    let dispatch = registration.dispatch;
    let Some((key, request)) = keyed else {
        return run(&state, "command", name, body, |body| dispatch(ctx, body)).await;
    };
    let pool = state.store().pool().clone();
    match idempotency::claim(&pool, &scope, &key, name, &request).await {
        Err(err) => err.into_response(),
        Ok(Claim::Replay { status, body }) => {
            let mut response = into_response(status, body);
            idempotency::mark_replayed(response.headers_mut());
            response
        }
        Ok(Claim::Claimed) => {
            let response = run(&state, "command", name, body, |body| dispatch(ctx, body)).await;
            // Responses are small JSON documents, built in memory by `respond`.
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
            idempotency::complete(&pool, &scope, &key, parts.status, &json).await;
            Response::from_parts(parts, axum::body::Body::from(bytes))
        }
    }
}

/// `POST /api/queries/{name}`.
pub async fn query(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(meta): Extension<RequestMeta>,
    caller: Option<Extension<Caller>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let caller = caller.map(|Extension(c)| c).unwrap_or_default();
    let Some(&registration) = registry::queries().get(name.as_str()) else {
        return HandlerError::Unknown {
            kind: "query",
            name,
        }
        .into_response();
    };
    let name = registration.name;
    if let Err(denied) = permit(&state, registration.access, &caller) {
        return counted(&state, "query", name, Instant::now(), Err(denied));
    }
    let ctx = state.query_context(meta.query_metadata(&caller), caller);
    let dispatch = registration.dispatch;
    run(&state, "query", name, body, |body| dispatch(ctx, body)).await
}

/// Whether `caller` may call a handler declared with `access`: always in `none` mode,
/// where nothing is enforced.
fn permit(state: &AppState, access: Access, caller: &Caller) -> Result<(), HandlerError> {
    match state.config().auth.mode {
        AuthMode::None => Ok(()),
        AuthMode::Jwt => access.check(caller),
    }
}

/// Runs a handler on the request body: an unreadable or oversized body is a 400/413;
/// the outcome is counted in the metrics.
async fn run(
    state: &AppState,
    kind: &'static str,
    name: &'static str,
    body: Result<Bytes, BytesRejection>,
    call: impl FnOnce(&[u8]) -> BoxFuture<'static, Result<serde_json::Value, HandlerError>>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(state, rejection).into_response(),
    };
    let started = Instant::now();
    let outcome = call(&body).await;
    counted(state, kind, name, started, outcome)
}

/// The response to an outcome, counted in the metrics.
fn counted(
    state: &AppState,
    kind: &'static str,
    name: &'static str,
    started: Instant,
    outcome: Result<serde_json::Value, HandlerError>,
) -> Response {
    let response = match outcome {
        Ok(value) => Json(value).into_response(),
        Err(err) => err.into_response(),
    };
    state
        .metrics()
        .record(kind, name, response.status().as_u16(), started.elapsed());
    response
}

fn into_response(status: StatusCode, body: serde_json::Value) -> Response {
    if status.is_success() {
        (status, Json(body)).into_response()
    } else {
        problem_response(status, body)
    }
}

fn body_error(state: &AppState, rejection: BytesRejection) -> HandlerError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        HandlerError::PayloadTooLarge {
            limit: state.config().http.body_limit,
        }
    } else {
        HandlerError::MalformedJson(rejection.body_text())
    }
}
