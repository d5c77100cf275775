//! The HTTP surface: `POST /api/commands/{name}`, `POST /api/queries/{name}`,
//! `GET /health`, `GET /metrics`, `GET /api/openapi.json`.

mod auth;
mod dispatch;
mod health;
pub(crate) mod idempotency;
mod input;
mod metrics;
mod openapi;
mod request_meta;
pub(crate) mod server;
mod timeout;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Verifier;
use crate::context::AppState;
use crate::error::{HandlerError, InternalError};

/// The service's router: every registered command and query, health, and the error
/// format; in `jwt` mode, bearer tokens verified (keys read when first needed).
pub fn router(state: AppState) -> Router {
    let verifier = Verifier::from_config(&state.config().auth);
    router_with(state, verifier)
}

/// The router with this verifier (`None`: every request is anonymous).
pub(crate) fn router_with(state: AppState, verifier: Option<Verifier>) -> Router {
    let body_limit = state.config().http.body_limit;
    let routes = Router::new()
        .route("/api/commands/{name}", post(dispatch::command))
        .route("/api/queries/{name}", post(dispatch::query))
        .route("/health", get(health::health))
        .route("/metrics", get(metrics::metrics))
        .route("/api/openapi.json", get(openapi::openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit));
    // Inside `correlate`, so a refused token's 401 still carries the correlation id.
    let routes = match verifier {
        Some(verifier) => routes.layer(axum::middleware::from_fn_with_state(
            verifier,
            auth::authenticate,
        )),
        None => routes,
    };
    // Outside authentication (fetching an issuer's keys counts against the limit), inside
    // `correlate` (a timed-out request's 503 still carries its correlation id).
    routes
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            timeout::limit,
        ))
        .layer(axum::middleware::from_fn(request_meta::correlate))
        .layer(CatchPanicLayer::custom(|_| {
            HandlerError::internal("request", InternalError::Panic).into_response()
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found(uri: Uri) -> Response {
    HandlerError::not_found("route", uri.path()).into_response()
}

async fn method_not_allowed() -> Response {
    HandlerError::MethodNotAllowed.into_response()
}
