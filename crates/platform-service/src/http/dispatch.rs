//! Command and query endpoints, dispatched to the registered handlers by name.

use axum::Extension;
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::request_meta::RequestMeta;
use crate::context::AppState;
use crate::error::HandlerError;
use crate::registry;

/// `POST /api/commands/{name}`.
pub async fn command(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(meta): Extension<RequestMeta>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some((&name, dispatch)) = registry::commands().get_key_value(name.as_str()) else {
        return HandlerError::Unknown {
            kind: "command",
            name,
        }
        .into_response();
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(&state, rejection).into_response(),
    };
    let started = Instant::now();
    let response = respond(dispatch(state.command_context(meta.command_metadata()), &body).await);
    state.metrics().record(
        "command",
        name,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// `POST /api/queries/{name}`.
pub async fn query(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(meta): Extension<RequestMeta>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some((&name, dispatch)) = registry::queries().get_key_value(name.as_str()) else {
        return HandlerError::Unknown {
            kind: "query",
            name,
        }
        .into_response();
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(&state, rejection).into_response(),
    };
    let started = Instant::now();
    let response = respond(dispatch(state.query_context(meta.query_metadata()), &body).await);
    state
        .metrics()
        .record("query", name, response.status().as_u16(), started.elapsed());
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
