//! Correlation ids: taken from `X-Correlation-Id` or made, and echoed on the response;
//! W3C trace context: continued from `traceparent` or started, recorded in each event's
//! metadata and carried on to the message bus.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use platform_core::Metadata;

use crate::context::Caller;
use tracing::Instrument;
use uuid::Uuid;

/// Request header carrying the correlation id (echoed on the response).
pub const CORRELATION_ID: &str = "x-correlation-id";
/// W3C trace context header.
pub const TRACEPARENT: &str = "traceparent";

/// What the service knows about one request besides its caller.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    /// The correlation id of the request.
    pub correlation_id: String,
    /// This request's span as W3C trace context (`00-{trace}-{span}-{flags}`).
    pub traceparent: String,
}

impl RequestMeta {
    /// Event metadata for one command of this request by `caller`, caused by a fresh
    /// command id. The user id comes from the caller's verified token, never from a
    /// header.
    pub fn command_metadata(&self, caller: &Caller) -> Metadata {
        Metadata {
            correlation_id: Some(self.correlation_id.clone()),
            causation_id: Some(Uuid::now_v7().to_string()),
            user_id: caller.user().map(|u| u.id.clone()),
            traceparent: Some(self.traceparent.clone()),
        }
    }

    /// Metadata of a query of this request by `caller`.
    pub fn query_metadata(&self, caller: &Caller) -> Metadata {
        Metadata {
            correlation_id: Some(self.correlation_id.clone()),
            user_id: caller.user().map(|u| u.id.clone()),
            ..Metadata::default()
        }
    }
}

/// A header value usable as an id: 1..=128 visible ASCII characters.
fn id_header(value: Option<&HeaderValue>) -> Option<String> {
    let value = value?.to_str().ok()?.trim();
    let ok = !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| value.to_owned())
}

/// A span of this service under the caller's trace when `traceparent` is valid, else
/// the root span of a new trace.
fn child_traceparent(value: Option<&HeaderValue>) -> String {
    let span_id = &Uuid::new_v4().simple().to_string()[..16];
    let parent = value
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .and_then(|v| {
            let parts: Vec<&str> = v.split('-').collect();
            let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
            match parts.as_slice() {
                [version, trace, parent, flags]
                    if hex(version, 2)
                        && *version != "ff"
                        && hex(trace, 32)
                        && *trace != "00000000000000000000000000000000"
                        && hex(parent, 16)
                        && hex(flags, 2) =>
                {
                    Some((trace.to_ascii_lowercase(), flags.to_ascii_lowercase()))
                }
                _ => None,
            }
        });
    let (trace_id, flags) =
        parent.unwrap_or_else(|| (Uuid::new_v4().simple().to_string(), "01".to_owned()));
    format!("00-{trace_id}-{span_id}-{flags}")
}

/// Middleware: runs the request in a span continuing the caller's trace, attaches
/// [`RequestMeta`] to the request and echoes the correlation id.
pub async fn correlate(mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
    );
    let incoming = headers.get(TRACEPARENT);
    crate::telemetry::continue_trace(&span, incoming.and_then(|v| v.to_str().ok()));
    let meta = RequestMeta {
        correlation_id: id_header(headers.get(CORRELATION_ID))
            .unwrap_or_else(|| Uuid::now_v7().to_string()),
        // The exported span's own context; without an exporter, a span id of our own
        // under the caller's trace.
        traceparent: crate::telemetry::traceparent_of(&span)
            .unwrap_or_else(|| child_traceparent(incoming)),
    };
    let echo = HeaderValue::from_str(&meta.correlation_id).ok();
    request.extensions_mut().insert(meta);
    let mut response = next.run(request).instrument(span).await;
    if let Some(echo) = echo {
        response.headers_mut().insert(CORRELATION_ID, echo);
    }
    response
}
