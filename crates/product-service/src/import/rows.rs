use std::path::Path;

use tokio::sync::mpsc;

use super::{ImportError, Record};

/// Rows read ahead of the import; a source's reader runs on a task of its own and
/// stops when the import drops its `Rows`.
const READ_AHEAD: usize = 256;

/// The rows of a source, in source order, with their number when known.
#[derive(Debug)]
pub struct Rows {
    receiver: mpsc::Receiver<Result<Record, ImportError>>,
    expected: Option<u64>,
}

impl Rows {
    /// The rows of the CSV file at `path` (named `file` in locations and causations).
    /// The file is opened, counted and its header checked before this returns.
    pub async fn csv(path: &Path, file: &str) -> Result<Self, ImportError> {
        super::csv_source::open(path, file).await
    }

    /// The rows of `table` in the database at `url`, in SKU order. Connects, checks the
    /// table and its columns, and counts the rows before this returns.
    pub async fn table(url: &str, table: &str) -> Result<Self, ImportError> {
        super::table_source::open(url, table).await
    }

    /// Rows already in memory (a test's, a benchmark's).
    pub fn from_records(records: Vec<Record>) -> Self {
        let (sender, receiver) = mpsc::channel(records.len().max(1));
        let expected = Some(records.len() as u64);
        for record in records {
            // The channel holds them all: this cannot fail.
            let _ = sender.try_send(Ok(record));
        }
        Rows { receiver, expected }
    }

    /// A channel a reader task fills, and the `Rows` reading it.
    pub(super) fn channel(
        expected: Option<u64>,
    ) -> (mpsc::Sender<Result<Record, ImportError>>, Self) {
        let (sender, receiver) = mpsc::channel(READ_AHEAD);
        (sender, Rows { receiver, expected })
    }

    /// How many rows the source holds, when known.
    pub fn expected(&self) -> Option<u64> {
        self.expected
    }

    /// The next row, an error that ends the source, or `None` at its end.
    pub async fn next(&mut self) -> Option<Result<Record, ImportError>> {
        self.receiver.recv().await
    }
}
