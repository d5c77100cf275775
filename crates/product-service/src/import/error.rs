use std::path::PathBuf;

use platform_event_sourcing::StoreError;
use platform_service::HandlerError;

use super::{BadRow, Location};

/// Why an import stopped. Each is printed as one line (with its causes) and the
/// command exits with 1;
/// what was imported before it stays imported (each product is its own command).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The CSV file cannot be opened; check the path and its permissions.
    #[error("cannot open {}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The CSV file could not be read past some point (an I/O error, not a bad row).
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: csv::Error,
    },
    /// The CSV header is missing, names an unknown or repeated column, or lacks a
    /// required one; fix the header line.
    #[error("{}: unreadable header: {reason}", path.display())]
    Header {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The source database cannot be reached; check `--source-url`.
    #[error("cannot connect to the source database")]
    SourceConnect(#[source] sqlx::Error),
    /// The source table is not a usable table (bad name, missing, or a required column
    /// missing).
    #[error("table {table}: {reason}")]
    Table {
        /// The table as named on the command line.
        table: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading the source table failed.
    #[error("cannot read table {table}")]
    TableRead {
        /// The table.
        table: String,
        /// Why.
        source: sqlx::Error,
    },
    /// The catalog's own event store failed (reading a category); retry the import:
    /// products already imported are skipped.
    #[error("the catalog's event store failed")]
    Store(#[from] StoreError),
    /// A product's command failed for a reason other than a rule (the database went
    /// away); retry the import: products already imported are skipped.
    #[error("importing {location} failed")]
    Command {
        /// The row.
        location: Location,
        /// Why.
        source: Box<HandlerError>,
    },
    /// `--strict` and a bad row: the import stopped there.
    #[error(
        "stopped at the first bad row (--strict): {bad}; the {imported} products imported before it stay imported"
    )]
    Strict {
        /// The bad row.
        bad: Box<BadRow>,
        /// Products imported before the import stopped.
        imported: u64,
    },
    /// A task of the import panicked (a bug).
    #[error("an import task failed: {0}")]
    Task(String),
}
