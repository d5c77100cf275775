//! `GET /metrics`: Prometheus text exposition of request counts and latencies (see
//! `crate::metrics`), async projector and outbox relay lag, and subscriber counters.

use std::fmt::Write;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use platform_read_models::ProjectorStatus;

use crate::context::AppState;

/// A subscriber counter: name, help text, and how to read it from a status.
type SubscriberCounter = (
    &'static str,
    &'static str,
    fn(&platform_messaging::SubscriberStatus) -> u64,
);

/// A projector gauge: name, help text, and how to read it from a status.
type Gauge = (&'static str, &'static str, fn(&ProjectorStatus) -> f64);

/// The exposition: request metrics and this process's projectors.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut out = String::new();
    state.metrics().render(&mut out);
    let projectors = state.monitor().snapshot();
    let gauges: [Gauge; 3] = [
        (
            "platform_projector_active",
            "1 when this process holds the projector's lease.",
            |s| f64::from(u8::from(s.active)),
        ),
        (
            "platform_projector_lag_positions",
            "Log positions the projector is behind.",
            |s| s.lag_positions as f64,
        ),
        (
            "platform_projector_lag_seconds",
            "Age of the oldest event not yet projected.",
            |s| s.lag_seconds,
        ),
    ];
    for (metric, help, value) in gauges {
        let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} gauge");
        for (table, status) in &projectors {
            let _ = writeln!(out, "{metric}{{read_model=\"{table}\"}} {}", value(status));
        }
    }
    let relay = state.relay().snapshot();
    let relay_metrics: [(&str, &str, &str, f64); 5] = [
        (
            "platform_relay_connected",
            "gauge",
            "1 when the outbox relay is connected to the broker.",
            f64::from(u8::from(relay.connected)),
        ),
        (
            "platform_relay_active",
            "gauge",
            "1 when this process holds the outbox relay's lease.",
            f64::from(u8::from(relay.active)),
        ),
        (
            "platform_relay_lag_events",
            "gauge",
            "Broadcast events committed but not yet confirmed by the broker.",
            relay.lag_events as f64,
        ),
        (
            "platform_relay_lag_seconds",
            "gauge",
            "Age of the oldest broadcast event not yet confirmed.",
            relay.lag_seconds,
        ),
        (
            "platform_relay_published_total",
            "counter",
            "Events this process published and the broker confirmed.",
            relay.published as f64,
        ),
    ];
    for (metric, kind, help, value) in relay_metrics {
        let _ = writeln!(
            out,
            "# HELP {metric} {help}\n# TYPE {metric} {kind}\n{metric} {value}"
        );
    }
    let subscribers = state.subscribers().snapshot();
    let counters: [SubscriberCounter; 4] = [
        (
            "platform_subscriber_handled_total",
            "Events handled and committed.",
            |s| s.handled,
        ),
        (
            "platform_subscriber_duplicates_total",
            "Redeliveries skipped by the inbox.",
            |s| s.duplicates,
        ),
        (
            "platform_subscriber_retries_total",
            "Failed handler attempts retried.",
            |s| s.retries,
        ),
        (
            "platform_subscriber_dead_lettered_total",
            "Messages sent to the dead-letter queue.",
            |s| s.dead_lettered,
        ),
    ];
    for (metric, help, value) in counters {
        let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} counter");
        for (name, status) in &subscribers {
            let _ = writeln!(out, "{metric}{{subscriber=\"{name}\"}} {}", value(status));
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
}
