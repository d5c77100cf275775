//! The PostgreSQL event store of the platform, and command execution on it.
//!
//! # Layout
//! - `store`: [`PgEventStore`]: append with an expected version (alone or with
//!   [`CoWrite`]s, rows another table gets in the same statement), stream reads (from/up
//!   to a version, up to a time), snapshots, and the one gap-safe reader of the global
//!   log ([`read_log`], [`LogFilter`]); the log's transaction ids against the
//!   cluster's ([`restored_log`], [`oldest_open_transaction`]). Every statement on
//!   `events` and `snapshots`.
//! - `position`: [`LogPosition`], a reader's place in the global log.
//! - `checkpoint`: [`Checkpoint`], a reader's saved place (rebuilds, projectors, relays).
//! - `recorded`: [`RecordedEvent`], one stored row, and [`StreamRange`].
//! - `notify`: [`EventNotifier`], waking log readers after appends.
//! - `monitor`: [`Monitor`], the status of background work, for health and metrics.
//! - `lease`: [`Lease`], a role one process at a time holds (relay, projector, rebuild).
//! - `load`: rebuilding an aggregate from its snapshot and stream.
//! - `cache`: [`AggregateCache`], aggregates kept current in memory between commands,
//!   on [`VersionedCache`].
//! - `unit`: [`UnitOfWork`], work that commits together, and [`TenantConnection`].
//! - `executor`: [`CommandExecutor`]: load → decide → append through an [`AppendPath`],
//!   retried on conflict.
//! - `error`: [`StoreError`] and [`ExecuteError`].
//! - `migrate`: the embedded schema migrations ([`MIGRATOR`]) and services' own
//!   ([`register_migrations!`], [`migrator`]).
//! - `testing` (feature `testing`): a throwaway database per test, `eventually`,
//!   which polls for an effect until a deadline, and `CutProxy`, a TCP proxy that cuts
//!   a connection after an append reached the database.

mod cache;
mod checkpoint;
mod error;
mod executor;
mod lease;
mod load;
mod migrate;
mod monitor;
mod notify;
mod position;
mod recorded;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod unit;

pub use cache::{AggregateCache, VersionedCache};
pub use checkpoint::Checkpoint;
pub use error::{ExecuteError, ProjectionError, RuleViolation, StoreError, is_unavailable};
pub use executor::{
    AppendPath, CommandExecutor, Executed, PendingAppend, PlainAppend, StreamExpectation,
};
pub use lease::Lease;
pub use load::Loaded;
pub use migrate::{MIGRATOR, ServiceMigrations, migrator, service_migrations};
pub use monitor::Monitor;
pub use notify::{EVENTS_CHANNEL, EventNotifier};
pub use position::LogPosition;
pub use recorded::{RecordedEvent, StreamRange};
pub use store::{
    AppendOutcome, AppendResult, Backlog, CoWrite, CoWriteSql, LogFilter, LogHorizon, Occurrence,
    OpenTransaction, PgEventStore, PgQuery, RestoredLog, across_tenants, count_log, custom_plans,
    log_backlog, log_head, oldest_open_transaction, read_log, restored_log,
};
pub use unit::{TenantConnection, UnitOfWork};

/// Re-exports for [`register_migrations!`]; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use inventory;
}
