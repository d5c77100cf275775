//! Command and query endpoints, dispatched to the registered handlers by name.

use std::collections::HashMap;
use std::time::Instant;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::request_meta::RequestMeta;
use crate::context::AppState;
use crate::error::HandlerError;
use crate::registry::{self, BoxFuture};

/// `POST /api/commands/{name}`.
pub async fn command(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(meta): Extension<RequestMeta>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let ctx = state.command_context(meta.command_metadata());
    run_named(
        &state,
        "command",
        name,
        registry::commands(),
        body,
        |dispatch, body| dispatch(ctx, body),
    )
    .await
}

/// `POST /api/queries/{name}`.
pub async fn query(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(meta): Extension<RequestMeta>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let ctx = state.query_context(meta.query_metadata());
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
    call: impl FnOnce(D, &[u8]) -> BoxFuture<Result<serde_json::Value, HandlerError>>,
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
