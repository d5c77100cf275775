//! Command and query endpoints, dispatched to the registered handlers by name.

use std::collections::HashMap;
use std::time::Instant;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::idempotency::{self, Claim};
use super::request_meta::RequestMeta;
use crate::context::{AppState, Caller};
use crate::error::{HandlerError, problem_response};
use futures_util::future::BoxFuture;

use crate::registry;

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
    let key = match idempotency::key(&headers) {
        Ok(key) => key,
        Err(err) => return err.into_response(),
    };
    let ctx = state.command_context(meta.command_metadata(&caller), caller);
    // Only a known command with a JSON body is worth a key; anything else fails as
    // it would without one, and appends nothing.
    let keyed = key.and_then(|key| match &body {
        Ok(bytes) if registry::commands().contains_key(name.as_str()) => {
            serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .map(|request| (key, request))
        }
        _ => None,
    });
    let Some((key, request)) = keyed else {
        return run_command(&state, name, ctx, body).await;
    };
    let pool = state.store().pool().clone();
    match idempotency::claim(&pool, &key, &name, &request).await {
        Err(err) => err.into_response(),
        Ok(Claim::Replay { status, body }) => {
            let mut response = into_response(status, body);
            idempotency::mark_replayed(response.headers_mut());
            response
        }
        Ok(Claim::Claimed) => {
            let response = run_command(&state, name, ctx, body).await;
            // Responses are small JSON documents, built in memory by `respond`.
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
            idempotency::complete(&pool, &key, parts.status, &json).await;
            Response::from_parts(parts, axum::body::Body::from(bytes))
        }
    }
}

/// Runs the command registered under `name`.
async fn run_command(
    state: &AppState,
    name: String,
    ctx: crate::context::CommandContext,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    run_named(
        state,
        "command",
        name,
        registry::commands(),
        body,
        |dispatch, body| dispatch(ctx, body),
    )
    .await
}

fn into_response(status: StatusCode, body: serde_json::Value) -> Response {
    if status.is_success() {
        (status, Json(body)).into_response()
    } else {
        problem_response(status, body)
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
    let ctx = state.query_context(meta.query_metadata(&caller), caller);
    run_named(
        &state,
        "query",
        name,
        registry::queries(),
        body,
        |dispatch, body| dispatch(ctx, body),
    )
    .await
}

/// Runs the handler registered under `name`: an unknown name is a 404, an unreadable
/// or oversized body a 400/413; the outcome is counted in the metrics.
async fn run_named<D: Copy>(
    state: &AppState,
    kind: &'static str,
    name: String,
    handlers: &'static HashMap<&'static str, D>,
    body: Result<Bytes, BytesRejection>,
    call: impl FnOnce(D, &[u8]) -> BoxFuture<'static, Result<serde_json::Value, HandlerError>>,
) -> Response {
    let Some((&name, &dispatch)) = handlers.get_key_value(name.as_str()) else {
        return HandlerError::Unknown { kind, name }.into_response();
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(state, rejection).into_response(),
    };
    let started = Instant::now();
    let response = respond(call(dispatch, &body).await);
    state
        .metrics()
        .record(kind, name, response.status().as_u16(), started.elapsed());
    response
}

fn respond(result: Result<serde_json::Value, HandlerError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(err) => err.into_response(),
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
