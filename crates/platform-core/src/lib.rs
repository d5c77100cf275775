//! Traits and types shared by every part of the platform.
//!
//! # Layout
//! - `event`: [`DomainEvent`], [`EventEnvelope`], [`NewEvent`].
//! - `aggregate`: [`Aggregate`] (decide with `handle`, evolve with `apply`) and
//!   [`BusinessRuleError`].
//! - `version`: [`ExpectedVersion`] and the typed [`ConcurrencyError`].
//! - `identity`: [`AuthenticatedUser`] and [`DEFAULT_TENANT`].
//! - `memory`: [`InMemoryEventStore`], an event store for tests and tools.
//! - `provider`: [`Providers`], typed dependencies handed to handlers by type, and
//!   the [`Requirement`]s handlers declare.
//! - `testkit`: [`TestFramework`], given/when/then tests for aggregates.
//! - `upcast`: schema evolution of stored events ([`register_upcaster!`], [`upcast`]).
//!
//! [`Command`], [`Query`] and [`Metadata`], the types shared with clients, live in
//! `platform-contracts` (no proc macros, no registries) and are re-exported here.

// Lets the derive macros' absolute `::platform_core` paths resolve inside this crate.
extern crate self as platform_core;

mod aggregate;
mod event;
mod identity;
mod memory;
mod provider;
mod testkit;
mod upcast;
mod version;

pub use aggregate::{Aggregate, BusinessRuleError};
pub use event::{
    BroadcastRegistration, DomainEvent, EventDecodeError, EventEnvelope, NewEvent,
    broadcast_event_types,
};
pub use identity::{AuthenticatedUser, DEFAULT_TENANT};
pub use memory::{InMemoryEventStore, MemoryStoreError};
pub use platform_contracts::{Command, Metadata, Query, command, query};
pub use platform_macros::DomainEvent;
pub use provider::{MissingProvider, Providers, Requirement};
pub use schemars;
pub use testkit::{TestFramework, TestOutcome};
pub use upcast::{
    UpcastFn, UpcasterRegistration, conflicting_upcasters, needs_upcast, upcast,
    upcast_reads_metadata, upcast_registrations,
};
pub use version::{ConcurrencyError, ExpectedVersion};

#[doc(hidden)]
pub mod __private {
    pub use inventory;
    pub use serde_json;
}
