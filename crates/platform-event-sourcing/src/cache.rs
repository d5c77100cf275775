use std::any::Any;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use platform_core::Aggregate;

use crate::load::Loaded;

/// Values of any type by kind, tenant and key, each with the version it was stored at;
/// the least recently used go first. The building block of the aggregate cache and of
/// the read-model row cache.
pub struct VersionedCache {
    entries: Option<Mutex<LruCache<Key, Entry>>>,
}

/// Kind, tenant and key.
type Key = (&'static str, String, String);

/// Version and value.
type Entry = (i64, Arc<dyn Any + Send + Sync>);

impl std::fmt::Debug for VersionedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionedCache")
            .field("enabled", &self.entries.is_some())
            .finish()
    }
}

impl VersionedCache {
    /// A cache of at most `capacity` values (0 disables caching).
    pub fn new(capacity: usize) -> Self {
        VersionedCache {
            entries: NonZeroUsize::new(capacity).map(|c| Mutex::new(LruCache::new(c))),
        }
    }

    /// The value of `kind` under a tenant's `key` with its version, if it is a `T`.
    pub fn get<T: Clone + 'static>(
        &self,
        kind: &'static str,
        tenant: &str,
        key: &str,
    ) -> Option<(i64, T)> {
        let entries = self.entries.as_ref()?;
        let mut entries = entries.lock().unwrap_or_else(|p| p.into_inner());
        let (version, value) = entries.get(&(kind, tenant.to_owned(), key.to_owned()))?;
        Some((*version, value.downcast_ref::<T>()?.clone()))
    }

    /// Stores a value of `kind` under a tenant's `key` at a version.
    pub fn put(
        &self,
        kind: &'static str,
        (tenant, key): (String, String),
        version: i64,
        value: Arc<dyn Any + Send + Sync>,
    ) {
        if let Some(entries) = &self.entries {
            let mut entries = entries.lock().unwrap_or_else(|p| p.into_inner());
            entries.put((kind, tenant, key), (version, value));
        }
    }

    /// Forgets the value of `kind` under a tenant's `key`.
    pub fn remove(&self, kind: &'static str, tenant: &str, key: &str) {
        if let Some(entries) = &self.entries {
            let mut entries = entries.lock().unwrap_or_else(|p| p.into_inner());
            entries.pop(&(kind, tenant.to_owned(), key.to_owned()));
        }
    }
}

/// Aggregates kept in memory after a command, so the next command on the same stream
/// needs no reload.
///
/// A cached state may be stale when another process wrote to the stream; that is safe:
/// the append expects the cached version exactly, fails with a conflict, and the
/// executor then catches the state up from the store and decides again.
#[derive(Debug)]
pub struct AggregateCache {
    entries: VersionedCache,
}

impl AggregateCache {
    /// A cache of at most `capacity` aggregates (0 disables caching).
    pub fn new(capacity: usize) -> Self {
        AggregateCache {
            entries: VersionedCache::new(capacity),
        }
    }

    /// The cached state of a tenant's stream, if any.
    pub fn get<A: Aggregate>(&self, tenant: &str, stream_id: &str) -> Option<Loaded<A>> {
        let (version, aggregate) = self.entries.get::<A>(A::TYPE, tenant, stream_id)?;
        Some(Loaded { aggregate, version })
    }

    /// Remembers the state of a tenant's stream at a version.
    pub fn put<A: Aggregate>(&self, tenant: &str, stream_id: &str, loaded: Loaded<A>) {
        self.entries.put(
            A::TYPE,
            (tenant.to_owned(), stream_id.to_owned()),
            loaded.version,
            Arc::new(loaded.aggregate),
        );
    }

    /// Forgets a tenant's stream.
    pub fn remove<A: Aggregate>(&self, tenant: &str, stream_id: &str) {
        self.entries.remove(A::TYPE, tenant, stream_id);
    }
}
