//! Result rows: a table on stdout and a JSON file.

use std::path::Path;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// One measured workload.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Workload id, e.g. `W1`.
    pub workload: &'static str,
    /// Variant, e.g. `command path` or `http`.
    pub variant: String,
    /// Concurrent workers.
    pub workers: usize,
    /// Operations measured.
    pub ops: u64,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Operations per second.
    pub ops_per_sec: f64,
    /// Median latency in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency in milliseconds.
    pub p99_ms: f64,
    /// This row against its limit measured in the same run (see [`Report::relate`]).
    pub ratio: Option<f64>,
    /// The limit's variant.
    pub against: Option<String>,
}

impl Row {
    /// A row from a latency histogram (microseconds) and the wall time.
    pub fn from_histogram(
        workload: &'static str,
        variant: impl Into<String>,
        workers: usize,
        histogram: &Histogram<u64>,
        wall: Duration,
    ) -> Self {
        let ops = histogram.len();
        Row {
            workload,
            variant: variant.into(),
            workers,
            ops,
            seconds: wall.as_secs_f64(),
            ops_per_sec: ops as f64 / wall.as_secs_f64(),
            p50_ms: histogram.value_at_quantile(0.50) as f64 / 1000.0,
            p99_ms: histogram.value_at_quantile(0.99) as f64 / 1000.0,
            ratio: None,
            against: None,
        }
    }

    /// A row of `ops` operations in `wall`, without latencies.
    pub fn throughput(
        workload: &'static str,
        variant: impl Into<String>,
        ops: usize,
        wall: Duration,
    ) -> Self {
        Row {
            workload,
            variant: variant.into(),
            workers: 1,
            ops: ops as u64,
            seconds: wall.as_secs_f64(),
            ops_per_sec: ops as f64 / wall.as_secs_f64(),
            p50_ms: 0.0,
            p99_ms: 0.0,
            ratio: None,
            against: None,
        }
    }
}

/// How a row compares with its limit.
#[derive(Debug, Clone, Copy)]
pub enum Measure {
    /// Operations per second ÷ the limit's (1.0 = as fast as the limit).
    Throughput,
    /// Median time ÷ the limit's (1.0 = as fast as the limit; lower is better).
    Time,
}

/// All rows of a run.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    rows: Vec<Row>,
}

impl Report {
    /// Adds a row and shows it at once.
    pub fn push(&mut self, row: Row) {
        eprintln!(
            "{} {} c={}: {:.0} ops/s",
            row.workload, row.variant, row.workers, row.ops_per_sec
        );
        self.rows.push(row);
    }

    /// Sets the ratio of every `workload` row whose variant starts with `prefix` to
    /// the row of `limit` with the same worker count (or with one worker, when the
    /// limit was measured once).
    pub fn relate(&mut self, workload: &str, prefix: &str, limit: &str, measure: Measure) {
        self.relate_to(workload, prefix, workload, limit, measure);
    }

    /// [`relate`](Self::relate) to the limit of another workload (`limit_workload`),
    /// named `{limit_workload} {limit}` in `against`.
    pub fn relate_to(
        &mut self,
        workload: &str,
        prefix: &str,
        limit_workload: &str,
        limit: &str,
        measure: Measure,
    ) {
        let limits: Vec<Row> = self
            .rows
            .iter()
            .filter(|r| r.workload == limit_workload && r.variant == limit)
            .cloned()
            .collect();
        let against = if workload == limit_workload {
            limit.to_owned()
        } else {
            format!("{limit_workload} {limit}")
        };
        for row in &mut self.rows {
            if row.workload != workload
                || (workload == limit_workload && row.variant == limit)
                || !row.variant.starts_with(prefix)
            {
                continue;
            }
            let Some(base) = limits
                .iter()
                .find(|l| l.workers == row.workers)
                .or_else(|| limits.iter().find(|l| l.workers == 1))
            else {
                continue;
            };
            let ratio = match measure {
                Measure::Throughput => row.ops_per_sec / base.ops_per_sec,
                Measure::Time => row.p50_ms / base.p50_ms,
            };
            if ratio.is_finite() {
                row.ratio = Some(ratio);
                row.against = Some(against.clone());
            }
        }
    }

    /// Prints the table.
    pub fn print(&self) {
        println!(
            "| {:<8} | {:<46} | {:>7} | {:>8} | {:>10} | {:>9} | {:>9} | {:>7} |",
            "workload", "variant", "workers", "ops", "ops/s", "p50 ms", "p99 ms", "× limit"
        );
        println!(
            "|{:-<10}|{:-<48}|{:-<9}|{:-<10}|{:-<12}|{:-<11}|{:-<11}|{:-<9}|",
            "", "", "", "", "", "", "", ""
        );
        for r in &self.rows {
            let ratio = r.ratio.map_or_else(String::new, |x| format!("{x:.2}"));
            println!(
                "| {:<8} | {:<46} | {:>7} | {:>8} | {:>10.0} | {:>9.2} | {:>9.2} | {:>7} |",
                r.workload, r.variant, r.workers, r.ops, r.ops_per_sec, r.p50_ms, r.p99_ms, ratio
            );
        }
    }

    /// Writes the rows as JSON.
    pub fn write_json(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_vec_pretty(self)?)?;
        Ok(())
    }
}

/// A latency histogram from 1 µs to 60 s.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}
