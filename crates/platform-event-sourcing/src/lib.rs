//! The PostgreSQL event store of the platform.
//!
//! # Layout
//! - `store`: [`PgEventStore`]: append with an expected version, read a stream
//!   (from/up to a version, up to a time), read the global log gap-safely.
//! - `position`: [`LogPosition`], a reader's place in the global log.
//! - `recorded`: [`RecordedEvent`], one stored row, and [`StreamRange`].
//! - `load`: rebuilding an aggregate from its stream.
//! - `cache`: [`AggregateCache`], aggregates kept current in memory between commands.
//! - `executor`: [`CommandExecutor`]: load → decide → append, retried on conflict.
//! - `error`: [`StoreError`] and [`ExecuteError`].
//! - `migrate`: the embedded schema migrations ([`MIGRATOR`]).
//! - `testing` (feature `testing`): a throwaway database per test.

mod cache;
mod error;
mod executor;
mod load;
mod migrate;
mod position;
mod recorded;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use cache::AggregateCache;
pub use error::{ExecuteError, RuleViolation, StoreError};
pub use executor::{CommandExecutor, Executed, StreamExpectation};
pub use load::Loaded;
pub use migrate::MIGRATOR;
pub use position::LogPosition;
pub use recorded::{RecordedEvent, StreamRange};
pub use store::{AppendResult, PgEventStore};
