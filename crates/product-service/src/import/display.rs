//! Progress of `product-service import` on stderr: a bar on a terminal, a line every
//! [`LOG_EVERY`] rows otherwise; bad rows as they are found.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use super::{BadRow, ImportObserver, Tally};

/// Rows between two progress lines when stderr is not a terminal.
pub(super) const LOG_EVERY: u64 = 1000;

/// How progress is shown.
pub(super) enum Display {
    /// A bar on a terminal.
    Bar(ProgressBar),
    /// A line every `LOG_EVERY` finished rows.
    Lines {
        /// Rows the source holds, when known.
        expected: Option<u64>,
        /// When the import started.
        started: Instant,
        /// The `done` count of the last line.
        last: u64,
    },
}

impl Display {
    /// A bar when stderr is a terminal, lines otherwise.
    pub(super) fn new(expected: Option<u64>) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = expected.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
            let style = ProgressStyle::with_template(
                "import [{bar:40}] {pos}/{len} rows, {per_sec}, ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            Display::Bar(bar)
        } else {
            Display::Lines {
                expected,
                started: Instant::now(),
                last: 0,
            }
        }
    }

    /// Clears the bar.
    pub(super) fn finish(&self) {
        if let Display::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

impl ImportObserver for Display {
    fn bad_row(&mut self, bad: &BadRow) {
        let line = format!("bad row {bad}");
        match self {
            Display::Bar(bar) => bar.println(line),
            Display::Lines { .. } => eprintln!("{line}"),
        }
    }

    fn progress(&mut self, tally: &Tally) {
        match self {
            Display::Bar(bar) => {
                bar.set_position(tally.done);
                bar.set_message(format!(
                    "(imported {}, already there {}, bad {})",
                    tally.imported, tally.already_there, tally.bad
                ));
            }
            Display::Lines {
                expected,
                started,
                last,
            } => {
                if tally.done < *last + LOG_EVERY {
                    return;
                }
                *last = tally.done;
                let of = expected.map_or_else(String::new, |n| format!("/{n}"));
                let rate = tally.done as f64 / started.elapsed().as_secs_f64().max(f64::EPSILON);
                eprintln!(
                    "import: {}{of} rows (imported {}, already there {}, bad {}), {rate:.0} rows/s",
                    tally.done, tally.imported, tally.already_there, tally.bad
                );
            }
        }
    }
}
