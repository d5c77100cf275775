use std::any::Any;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use platform_core::Aggregate;

use crate::load::Loaded;

type Entry = (i64, Arc<dyn Any + Send + Sync>);

/// Aggregates kept in memory after a command, so the next command on the same stream
/// needs no reload.
///
/// A cached state may be stale when another process wrote to the stream; that is safe:
/// the append expects the cached version exactly, fails with a conflict, and the
/// executor then catches the state up from the store and decides again.
pub struct AggregateCache {
    entries: Option<Mutex<LruCache<(&'static str, String), Entry>>>,
}

impl std::fmt::Debug for AggregateCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AggregateCache")
            .field("enabled", &self.entries.is_some())
            .finish()
    }
}

impl AggregateCache {
    /// A cache of at most `capacity` aggregates (0 disables caching).
    pub fn new(capacity: usize) -> Self {
        AggregateCache {
            entries: NonZeroUsize::new(capacity).map(|c| Mutex::new(LruCache::new(c))),
        }
    }

    /// The cached state of a stream, if any.
    pub fn get<A: Aggregate>(&self, stream_id: &str) -> Option<Loaded<A>> {
        let entries = self.entries.as_ref()?;
        let mut entries = entries.lock().unwrap_or_else(|p| p.into_inner());
        let (version, state) = entries.get(&(A::TYPE, stream_id.to_owned()))?;
        let aggregate = state.downcast_ref::<A>()?.clone();
        Some(Loaded {
            aggregate,
            version: *version,
        })
    }

    /// Remembers the state of a stream at a version.
    pub fn put<A: Aggregate>(&self, stream_id: &str, loaded: Loaded<A>) {
        if let Some(entries) = &self.entries {
            let mut entries = entries.lock().unwrap_or_else(|p| p.into_inner());
            entries.put(
                (A::TYPE, stream_id.to_owned()),
                (loaded.version, Arc::new(loaded.aggregate)),
            );
        }
    }

    /// Forgets a stream.
    pub fn remove<A: Aggregate>(&self, stream_id: &str) {
        if let Some(entries) = &self.entries {
            let mut entries = entries.lock().unwrap_or_else(|p| p.into_inner());
            entries.pop(&(A::TYPE, stream_id.to_owned()));
        }
    }
}
