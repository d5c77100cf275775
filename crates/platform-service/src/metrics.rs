//! Request counts and latency histograms of this process, recorded by dispatch and
//! rendered by `GET /metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

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
    /// (kind, name) → requests answered 503 `timeout`.
    timeouts: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
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

    /// Records a command or query answered 503 `timeout`. Apart from [`record`](Self::record),
    /// which counts what the handler produced: a timed-out command still ends, and is
    /// counted then with its own outcome.
    pub fn record_timeout(&self, kind: &'static str, name: &'static str) {
        let mut timeouts = self.timeouts.lock().unwrap_or_else(|p| p.into_inner());
        *timeouts.entry((kind, name)).or_default() += 1;
    }

    /// Writes the request metrics as Prometheus text.
    pub(crate) fn render(&self, out: &mut String) {
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
        let timeouts = self
            .timeouts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        out.push_str("# HELP platform_request_timeouts_total Commands and queries answered 503 timeout after REQUEST_TIMEOUT_MS, by name.\n");
        out.push_str("# TYPE platform_request_timeouts_total counter\n");
        for ((kind, name), count) in timeouts {
            let _ = writeln!(
                out,
                "platform_request_timeouts_total{{kind=\"{kind}\",name=\"{name}\"}} {count}"
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
