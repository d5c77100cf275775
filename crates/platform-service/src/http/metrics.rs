//! `GET /metrics`: Prometheus text exposition of request counts and latencies and of
//! async projector and outbox relay lag.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use platform_read_models::ProjectorStatus;

use crate::context::AppState;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// One histogram: a count per bucket, the sum and the count.
#[derive(Debug, Clone, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// Request counters and latency histograms of this process.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (kind, name, status) → count.
    requests: Mutex<BTreeMap<(&'static str, &'static str, u16), u64>>,
    /// kind → latency histogram.
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
}

impl Metrics {
    /// Records one dispatched command or query.
    pub fn record(&self, kind: &'static str, name: &'static str, status: u16, elapsed: Duration) {
        {
            let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            *requests.entry((kind, name, status)).or_default() += 1;
        }
        let seconds = elapsed.as_secs_f64();
        let mut latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let histogram = latency.entry(kind).or_default();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.sum += seconds;
        histogram.count += 1;
    }

    fn render(&self, out: &mut String) {
        let requests = self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let latency = self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        out.push_str("# HELP platform_requests_total Commands and queries handled, by name and HTTP status.\n");
        out.push_str("# TYPE platform_requests_total counter\n");
        for ((kind, name, status), count) in requests {
            let _ = writeln!(
                out,
                "platform_requests_total{{kind=\"{kind}\",name=\"{name}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str(
            "# HELP platform_request_duration_seconds Time to handle a command or query.\n",
        );
        out.push_str("# TYPE platform_request_duration_seconds histogram\n");
        for (kind, h) in latency {
            for (bound, count) in BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(
                    out,
                    "platform_request_duration_seconds_bucket{{kind=\"{kind}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "platform_request_duration_seconds_bucket{{kind=\"{kind}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "platform_request_duration_seconds_sum{{kind=\"{kind}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "platform_request_duration_seconds_count{{kind=\"{kind}\"}} {}",
                h.count
            );
        }
    }
}

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
