//! The one error type of handlers and the HTTP layer, answered as RFC 9457 problem+json.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use platform_event_sourcing::{ExecuteError, StoreError};
use platform_read_models::ReadModelError;
use serde_json::json;

/// Why a request failed. Each variant says what the client sees.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The body is not JSON at all (400 `malformed_json`).
    #[error("request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The JSON does not fit the request type: a wrong type, a missing field (400 `validation_failed`).
    #[error("{0}")]
    Validation(String),
    /// No command or query of that name (404 `unknown_command` / `unknown_query`).
    #[error("unknown {kind} {name:?}")]
    Unknown {
        /// `command` or `query`.
        kind: &'static str,
        /// The name asked for.
        name: String,
    },
    /// The addressed entity does not exist (404 `not_found`).
    #[error("{what} {id} not found")]
    NotFound {
        /// What was looked for, e.g. `Order`.
        what: String,
        /// Its id.
        id: String,
    },
    /// A business rule was broken (422 with the rule's own code).
    #[error("{message}")]
    Rule {
        /// The rule's stable code.
        code: &'static str,
        /// What was wrong.
        message: String,
    },
    /// Concurrent writers kept winning; retry the request (409 `concurrency_conflict`).
    #[error("{0}")]
    Conflict(String),
    /// The Idempotency-Key was used before with another command or body (422
    /// `idempotency_key_reused`).
    #[error("this Idempotency-Key was used with a different request")]
    IdempotencyKeyReused,
    /// The first request with this Idempotency-Key is still running (409
    /// `idempotency_key_in_flight`); retry later.
    #[error("a request with this Idempotency-Key is still in progress")]
    IdempotencyKeyInFlight,
    /// The request has no acceptable credentials where a user is needed, or carries a
    /// bearer token that was refused (401 `unauthenticated`, with a `WWW-Authenticate:
    /// Bearer` challenge saying which); send a valid token.
    #[error("{0}")]
    Unauthenticated(Challenge),
    /// The user is authenticated but has none of the roles the command or query
    /// requires (403 `forbidden`); another token will not help unless it has one.
    #[error("requires one of the roles: {}", .required.join(", "))]
    Forbidden {
        /// The roles any one of which lets the user in.
        required: &'static [&'static str],
    },
    /// The route exists but not for this HTTP method (405 `method_not_allowed`).
    #[error("method not allowed: use POST for commands and queries, GET for health")]
    MethodNotAllowed,
    /// The body is larger than the configured limit (413 `payload_too_large`).
    #[error("request body exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The request ran longer than `REQUEST_TIMEOUT_MS` (503 `timeout`); a command may
    /// still have completed: retry with the same `Idempotency-Key`.
    #[error("the request did not complete within {} ms; a command may still complete: retry it with the same Idempotency-Key", .0.as_millis())]
    Timeout(std::time::Duration),
    /// The body is not declared JSON: no `Content-Type`, or another one than
    /// `application/json` (415 `unsupported_media_type`); send it as JSON.
    #[error("send the body as Content-Type: application/json (got {0})")]
    UnsupportedMediaType(String),
    /// A dependency is down; retry later (503 `unavailable`; the cause is logged).
    #[error("service temporarily unavailable")]
    Unavailable(String),
    /// A bug or an unexpected failure (500 `internal_error`; the cause is logged, not sent).
    #[error("internal error")]
    Internal {
        /// What was being done.
        context: &'static str,
        /// What failed.
        #[source]
        source: InternalError,
    },
}

/// Why a request is unauthenticated, and so its `WWW-Authenticate` challenge (RFC 6750).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Challenge {
    /// No credentials where a user is needed (`Bearer`).
    #[error("authentication required: send Authorization: Bearer <token>")]
    Missing,
    /// Credentials of another scheme, e.g. `Basic` (`Bearer`, no error code: RFC 6750,
    /// section 3.1).
    #[error("unsupported authorization scheme: send Authorization: Bearer <token>")]
    OtherScheme,
    /// An `Authorization` header that is not a readable bearer credential (`Bearer
    /// error="invalid_request"`).
    #[error("malformed Authorization header: {0}")]
    Malformed(String),
    /// A bearer token that was refused, and why (`Bearer error="invalid_token"`).
    #[error("invalid token: {0}")]
    InvalidToken(String),
}

impl Challenge {
    /// The `WWW-Authenticate` header value.
    pub fn www_authenticate(&self) -> String {
        let (error, description) = match self {
            Challenge::Missing | Challenge::OtherScheme => return "Bearer".to_owned(),
            Challenge::Malformed(why) => ("invalid_request", why),
            Challenge::InvalidToken(why) => ("invalid_token", why),
        };
        // A quoted-string of visible ASCII without quotes or backslashes (RFC 6750, 3).
        let description: String = description
            .chars()
            .map(|c| match c {
                ' ' | '!' | '#'..='[' | ']'..='~' => c,
                _ => '?',
            })
            .take(200)
            .collect();
        format!("Bearer error=\"{error}\", error_description=\"{description}\"")
    }
}

/// The cause of a [`HandlerError::Internal`], kept for the log.
#[derive(Debug, thiserror::Error)]
pub enum InternalError {
    /// The event store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A read model failed.
    #[error(transparent)]
    ReadModel(#[from] ReadModelError),
    /// A database statement failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// JSON could not be written or read.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// The handler panicked.
    #[error("the handler panicked")]
    Panic,
    /// A handler asked for settings no `register_settings!` provides.
    #[error("settings {0} are not registered (register_settings!)")]
    MissingSettings(&'static str),
    /// A handler asked for a provider no running module provides.
    #[error(transparent)]
    MissingProvider(#[from] platform_core::MissingProvider),
}

impl HandlerError {
    /// An internal error with its cause, logged when answered.
    pub fn internal(context: &'static str, source: impl Into<InternalError>) -> Self {
        HandlerError::Internal {
            context,
            source: source.into(),
        }
    }

    /// Classifies a serde_json error: syntax → malformed JSON, shape → validation.
    pub fn from_json(err: serde_json::Error) -> Self {
        use serde_json::error::Category;
        match err.classify() {
            Category::Data => HandlerError::Validation(err.to_string()),
            Category::Syntax | Category::Eof | Category::Io => {
                HandlerError::MalformedJson(err.to_string())
            }
        }
    }

    /// A 404 for an entity.
    pub fn not_found(what: impl Into<String>, id: impl Into<String>) -> Self {
        HandlerError::NotFound {
            what: what.into(),
            id: id.into(),
        }
    }

    /// HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            HandlerError::MalformedJson(_) | HandlerError::Validation(_) => StatusCode::BAD_REQUEST,
            HandlerError::Unknown { .. } | HandlerError::NotFound { .. } => StatusCode::NOT_FOUND,
            HandlerError::Rule { .. } | HandlerError::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            HandlerError::Conflict(_) | HandlerError::IdempotencyKeyInFlight => {
                StatusCode::CONFLICT
            }
            HandlerError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            HandlerError::Forbidden { .. } => StatusCode::FORBIDDEN,
            HandlerError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            HandlerError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            HandlerError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HandlerError::Unavailable(_) | HandlerError::Timeout(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            HandlerError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            HandlerError::MalformedJson(_) => "malformed_json",
            HandlerError::Validation(_) => "validation_failed",
            HandlerError::Unknown { kind: "query", .. } => "unknown_query",
            HandlerError::Unknown { .. } => "unknown_command",
            HandlerError::NotFound { .. } => "not_found",
            HandlerError::Rule { code, .. } => code,
            HandlerError::Conflict(_) => "concurrency_conflict",
            HandlerError::IdempotencyKeyReused => "idempotency_key_reused",
            HandlerError::IdempotencyKeyInFlight => "idempotency_key_in_flight",
            HandlerError::Unauthenticated(_) => "unauthenticated",
            HandlerError::Forbidden { .. } => "forbidden",
            HandlerError::MethodNotAllowed => "method_not_allowed",
            HandlerError::PayloadTooLarge { .. } => "payload_too_large",
            HandlerError::UnsupportedMediaType(_) => "unsupported_media_type",
            HandlerError::Unavailable(_) => "unavailable",
            HandlerError::Timeout(_) => "timeout",
            HandlerError::Internal { .. } => "internal_error",
        }
    }
}

impl From<StoreError> for HandlerError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Concurrency(c) => HandlerError::Conflict(c.to_string()),
            StoreError::DuplicateEvent(id) => {
                HandlerError::Conflict(format!("event {id} is already stored"))
            }
            e @ StoreError::Busy(_) => HandlerError::Conflict(e.to_string()),
            e if e.is_unavailable() => HandlerError::Unavailable(e.to_string()),
            e => HandlerError::internal("event store", e),
        }
    }
}

impl From<ReadModelError> for HandlerError {
    fn from(err: ReadModelError) -> Self {
        match err {
            ReadModelError::InvalidCursor(_) => HandlerError::Validation(err.to_string()),
            e if e.is_unavailable() => HandlerError::Unavailable(e.to_string()),
            other => HandlerError::internal("read model", other),
        }
    }
}

impl From<ExecuteError> for HandlerError {
    fn from(err: ExecuteError) -> Self {
        match err {
            ExecuteError::Rule(rule) => HandlerError::Rule {
                code: rule.code,
                message: rule.message,
            },
            ExecuteError::NotFound { aggregate_type, id } => {
                HandlerError::not_found(aggregate_type, id)
            }
            ExecuteError::Conflict(c) => HandlerError::Conflict(c.to_string()),
            ExecuteError::Store(e) => e.into(),
        }
    }
}

impl HandlerError {
    /// The problem+json body of this error (internal causes are left out).
    pub fn problem(&self) -> serde_json::Value {
        let status = self.status();
        json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": self.to_string(),
            "code": self.code(),
        })
    }
}

/// A problem+json response from a status and a problem body.
pub(crate) fn problem_response(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl IntoResponse for HandlerError {
    /// The problem+json response; a 5xx's cause is logged here, once.
    fn into_response(self) -> Response {
        match &self {
            HandlerError::Internal { context, source } => {
                tracing::error!(context, cause = %source, "request failed")
            }
            HandlerError::Unavailable(cause) => tracing::warn!(%cause, "dependency unavailable"),
            _ => {}
        }
        let mut response = problem_response(self.status(), self.problem());
        if let HandlerError::Unauthenticated(challenge) = &self
            && let Ok(value) = HeaderValue::from_str(&challenge.www_authenticate())
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
