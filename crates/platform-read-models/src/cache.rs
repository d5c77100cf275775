//! Read-model rows kept in memory after a command wrote them, so the next command on
//! the same row can compute it without reading it (see `inline`).

use std::any::Any;
use std::sync::Arc;

use platform_event_sourcing::VersionedCache;

use crate::model::ReadModel;

/// Rows of any read model by table and key, each with the revision it was written at.
///
/// A cached row may be stale (another process wrote it); writes computed from it are
/// guarded by that revision, so a stale row is caught by the database, never stored.
#[derive(Debug)]
pub struct RowCache {
    entries: VersionedCache,
}

impl RowCache {
    /// A cache of at most `capacity` rows (0 disables caching).
    pub fn new(capacity: usize) -> Self {
        RowCache {
            entries: VersionedCache::new(capacity),
        }
    }

    /// A tenant's cached row of `R` and its revision.
    pub(crate) fn get<R: ReadModel>(&self, tenant: &str, key: &str) -> Option<(i64, R)> {
        self.entries.get::<R>(R::TABLE, tenant, key)
    }

    /// Remembers a row written at a revision.
    pub(crate) fn put(&self, row: CachedRow) {
        self.entries.put(row.table, row.id, row.revision, row.row);
    }

    /// Forgets a tenant's row.
    pub(crate) fn remove(&self, table: &'static str, (tenant, key): (&str, &str)) {
        self.entries.remove(table, tenant, key);
    }
}

/// A row as written, to cache once its transaction committed.
pub(crate) struct CachedRow {
    /// Its live table.
    pub table: &'static str,
    /// Its tenant and key.
    pub id: (String, String),
    /// Its revision.
    pub revision: i64,
    /// The row (of the table's model type).
    pub row: Arc<dyn Any + Send + Sync>,
}
