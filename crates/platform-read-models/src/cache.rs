//! Read-model rows kept in memory after a command wrote them, so the next command on
//! the same row can compute it without reading it (see `inline`).

use std::any::Any;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;

use crate::model::ReadModel;

type Entry = (i64, Arc<dyn Any + Send + Sync>);

/// Rows of any read model by table and key, each with the revision it was written at.
///
/// A cached row may be stale (another process wrote it); writes computed from it are
/// guarded by that revision, so a stale row is caught by the database, never stored.
pub struct RowCache {
    entries: Option<Mutex<LruCache<(&'static str, String), Entry>>>,
}

impl std::fmt::Debug for RowCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowCache")
            .field("enabled", &self.entries.is_some())
            .finish()
    }
}

impl RowCache {
    /// A cache of at most `capacity` rows (0 disables caching).
    pub fn new(capacity: usize) -> Self {
        RowCache {
            entries: NonZeroUsize::new(capacity).map(|c| Mutex::new(LruCache::new(c))),
        }
    }

    /// A cached row of `R` and its revision.
    pub(crate) fn get<R: ReadModel>(&self, key: &str) -> Option<(i64, R)> {
        let entries = self.entries.as_ref()?;
        let mut entries = entries.lock().unwrap_or_else(|p| p.into_inner());
        let (revision, row) = entries.get(&(R::TABLE, key.to_owned()))?;
        Some((*revision, row.downcast_ref::<R>()?.clone()))
    }

    /// Remembers a row written at a revision.
    pub(crate) fn put(&self, row: CachedRow) {
        if let Some(entries) = &self.entries {
            let mut entries = entries.lock().unwrap_or_else(|p| p.into_inner());
            entries.put((row.table, row.key), (row.revision, row.row));
        }
    }

    /// Forgets a row.
    pub(crate) fn remove(&self, table: &'static str, key: &str) {
        if let Some(entries) = &self.entries {
            let mut entries = entries.lock().unwrap_or_else(|p| p.into_inner());
            entries.pop(&(table, key.to_owned()));
        }
    }
}

/// A row as written, to cache once its transaction committed.
pub(crate) struct CachedRow {
    /// Its live table.
    pub table: &'static str,
    /// Its key.
    pub key: String,
    /// Its revision.
    pub revision: i64,
    /// The row (of the table's model type).
    pub row: Arc<dyn Any + Send + Sync>,
}
