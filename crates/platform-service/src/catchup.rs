//! `catchup`: rebuilding read models from the command line, with progress.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use platform_read_models::{
    ReadModelRegistration, RebuildOptions, RebuildProgress, read_models, rebuild,
};
use sqlx::PgPool;

use crate::cli::CatchupArgs;
use crate::config::Config;

/// The models named on the command line, or a clear error listing the known ones.
pub fn select(args: &CatchupArgs) -> anyhow::Result<Vec<&'static ReadModelRegistration>> {
    if args.all {
        return Ok(read_models().to_vec());
    }
    let mut selected = Vec::new();
    for name in &args.read_model {
        match ReadModelRegistration::find(name) {
            Some(model)
                if !selected
                    .iter()
                    .any(|m: &&ReadModelRegistration| m.name == model.name) =>
            {
                selected.push(model);
            }
            Some(_) => {}
            None => {
                let known: Vec<String> = read_models()
                    .iter()
                    .map(|m| format!("{} ({})", m.name, m.table))
                    .collect();
                bail!(
                    "unknown read model {name:?}; known read models: {}",
                    known.join(", ")
                );
            }
        }
    }
    Ok(selected)
}

/// Rebuilds each model in turn, showing progress; fails on the first error.
pub async fn run(
    pool: &PgPool,
    config: &Config,
    models: &[&'static ReadModelRegistration],
    batch_size: Option<i64>,
) -> anyhow::Result<()> {
    let options = RebuildOptions {
        batch_size: batch_size.unwrap_or(config.read_models.catchup_batch_size),
        only_if_stale: false,
    };
    if options.batch_size < 1 {
        bail!("--batch-size must be at least 1");
    }
    for model in models {
        let mut display = Display::new(model);
        let report = rebuild(pool, model, options, |p| display.update(p)).await?;
        display.finish();
        let seconds = report.elapsed.as_secs_f64();
        let fresh = report.events - report.resumed_from;
        println!(
            "rebuilt {} ({}): {} events in {:.1}s ({:.0} events/s){}",
            report.name,
            report.table,
            report.events,
            seconds,
            fresh as f64 / seconds.max(f64::EPSILON),
            if report.resumed_from > 0 {
                format!(", resumed after {} events", report.resumed_from)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}

/// A progress bar on a terminal, plain periodic log lines otherwise.
enum Display {
    Bar(ProgressBar),
    Lines {
        table: &'static str,
        started: Instant,
        last: Instant,
        first_done: Option<u64>,
    },
}

impl Display {
    fn new(model: &'static ReadModelRegistration) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template(
                "{prefix} [{bar:40}] {pos}/{len} events, {per_sec}, ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(model.table);
            Display::Bar(bar)
        } else {
            let now = Instant::now();
            Display::Lines {
                table: model.table,
                started: now,
                last: now,
                first_done: None,
            }
        }
    }

    fn update(&mut self, progress: &RebuildProgress) {
        match self {
            Display::Bar(bar) => {
                bar.set_length(progress.total);
                bar.set_position(progress.done);
            }
            Display::Lines {
                table,
                started,
                last,
                first_done,
            } => {
                let base = *first_done.get_or_insert(progress.done);
                if last.elapsed() < Duration::from_secs(2) {
                    return;
                }
                *last = Instant::now();
                let seconds = started.elapsed().as_secs_f64();
                let rate = (progress.done - base) as f64 / seconds.max(f64::EPSILON);
                let left = progress.total.saturating_sub(progress.done) as f64;
                let eta = if rate > 0.0 { left / rate } else { 0.0 };
                eprintln!(
                    "{table}: {}/{} events ({:.0}%), {rate:.0} events/s, ETA {eta:.0}s",
                    progress.done,
                    progress.total,
                    100.0 * progress.done as f64 / progress.total.max(1) as f64
                );
            }
        }
    }

    fn finish(&self) {
        if let Display::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
