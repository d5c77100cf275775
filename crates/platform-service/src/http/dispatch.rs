//! Command and query endpoints, dispatched to the registered handlers by name.
//!
//! Order of checks: the name (404), who may call it (401/403, in `jwt` mode), then the
//! `Idempotency-Key`, the body (400/413; its media type and text, 415/400, in `input`)
//! and the handler.

use std::time::Instant;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;

use std::sync::Arc;
use std::time::Duration;

use platform_core::Metadata;
use platform_event_sourcing::UnitOfWork;

use super::idempotency::{self, Claim, KeyScope};
use super::input;
use super::request_meta::RequestMeta;
use crate::config::AuthMode;
use crate::context::{AppState, Caller};
use crate::error::{HandlerError, InternalError, problem_response};
use crate::registry::{Access, CommandDispatch};

/// `POST /api/commands/{name}`; with an `Idempotency-Key`, a retry replays the first
/// response. A command runs to its end in a task of its own, so a client that goes away
/// does not cut it short.
pub async fn command(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(meta): Extension<RequestMeta>,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let caller = caller.map(|Extension(c)| c).unwrap_or_default();
    let Some(registration) = state.modules().command(&name) else {
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
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(&state, rejection).into_response(),
    };
    let body = match input::accept(&headers, body) {
        Ok(body) => body,
        Err(refused) => return counted(&state, "command", name, Instant::now(), Err(refused)),
    };
    // Only a JSON body is worth a key; anything else fails as it would without one,
    // and appends nothing.
    let keyed = key.and_then(|key| {
        serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .map(|request| (key, request))
    });
    let metadata = meta.command_metadata(&caller);
    let task = tokio::spawn(async move {
        let started = Instant::now();
        let command = Command {
            state: &state,
            name,
            dispatch: registration.dispatch,
            body: &body,
        };
        match keyed {
            None => {
                let ctx = state.command_context(metadata, caller);
                let outcome = (command.dispatch)(ctx, &body).await;
                counted(&state, "command", name, started, outcome)
            }
            Some((key, request)) => command.run_keyed(metadata, caller, &key, &request).await,
        }
    });
    task.await
        .unwrap_or_else(|_| HandlerError::internal("request", InternalError::Panic).into_response())
}

/// A command about to run.
struct Command<'a> {
    state: &'a AppState,
    name: &'static str,
    dispatch: CommandDispatch,
    body: &'a [u8],
}

impl Command<'_> {
    /// Runs the command under its `Idempotency-Key`: the claim, the command's events
    /// and its answer in one unit of work, committed together. A concurrency conflict
    /// reruns the whole unit; a 5xx rolls it back (the key was never taken); a reply
    /// lost at the commit is a 503, and the retry finds what the database holds.
    async fn run_keyed(
        &self,
        metadata: Metadata,
        caller: Caller,
        key: &str,
        request: &serde_json::Value,
    ) -> Response {
        let (state, name) = (self.state, self.name);
        let started = Instant::now();
        let scope = KeyScope::of(&caller);
        let attempts = state.config().commands.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let mut unit = match UnitOfWork::begin(state.store().pool(), caller.tenant()).await {
                Ok(unit) => unit,
                Err(err) => return counted(state, "command", name, started, Err(err.into())),
            };
            match idempotency::claim(unit.conn(), &scope, key, name, request).await {
                Err(err) => {
                    let _ = unit.rollback().await;
                    return counted(state, "command", name, started, Err(err));
                }
                Ok(Claim::Replay { status, body }) => {
                    let _ = unit.rollback().await;
                    let mut response = into_response(status, body);
                    idempotency::mark_replayed(response.headers_mut());
                    return response;
                }
                Ok(Claim::Claimed) => {}
            }
            let shared = Arc::new(tokio::sync::Mutex::new(unit));
            let ctx =
                state.command_context_in(metadata.clone(), caller.clone(), Arc::clone(&shared));
            let outcome = (self.dispatch)(ctx, self.body).await;
            let Ok(unit) = Arc::try_unwrap(shared) else {
                // A handler kept its context alive: its unit can be neither committed
                // nor trusted; dropping the last handle rolls it back.
                let err = HandlerError::internal("request", InternalError::Panic);
                return counted(state, "command", name, started, Err(err));
            };
            let mut unit = unit.into_inner();
            match outcome {
                Err(HandlerError::Conflict(_)) if attempt < attempts => {
                    let _ = unit.rollback().await;
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(5 << attempt.min(6))).await;
                }
                Err(err)
                    if err.status().is_server_error() || err.status() == StatusCode::CONFLICT =>
                {
                    let _ = unit.rollback().await;
                    return counted(state, "command", name, started, Err(err));
                }
                outcome => {
                    let (status, answer) = match &outcome {
                        Ok(value) => (StatusCode::OK, value.clone()),
                        Err(err) => (err.status(), err.problem()),
                    };
                    if let Err(err) =
                        idempotency::complete(unit.conn(), &scope, key, status, &answer).await
                    {
                        let _ = unit.rollback().await;
                        return counted(state, "command", name, started, Err(err));
                    }
                    if let Err(err) = unit.commit().await {
                        let err = HandlerError::Unavailable(format!(
                            "the command's outcome is unknown ({err}); retry with the same \
                             Idempotency-Key"
                        ));
                        return counted(state, "command", name, started, Err(err));
                    }
                    return counted(state, "command", name, started, outcome);
                }
            }
        }
    }
}

/// `POST /api/queries/{name}`.
pub async fn query(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(meta): Extension<RequestMeta>,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let caller = caller.map(|Extension(c)| c).unwrap_or_default();
    let Some(registration) = state.modules().query(&name) else {
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
    run(&state, "query", name, &headers, body, |body| {
        dispatch(ctx, body)
    })
    .await
}

/// Whether `caller` may call a handler declared with `access`: always in `none` mode,
/// where nothing is enforced.
fn permit(state: &AppState, access: Access, caller: &Caller) -> Result<(), HandlerError> {
    match state.config().auth.mode {
        AuthMode::None => Ok(()),
        AuthMode::Jwt => access.check(caller),
    }
}

/// Runs a handler on the request body: an unreadable or oversized body is a 400/413,
/// one that is not JSON or holds control characters a 415/400 (`input`); the outcome
/// is counted in the metrics.
async fn run(
    state: &AppState,
    kind: &'static str,
    name: &'static str,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    call: impl FnOnce(&[u8]) -> BoxFuture<'static, Result<serde_json::Value, HandlerError>>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(state, rejection).into_response(),
    };
    let started = Instant::now();
    let body = match input::accept(headers, body) {
        Ok(body) => body,
        Err(refused) => return counted(state, kind, name, started, Err(refused)),
    };
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
