use crate::event::DomainEvent;

/// A consistency boundary: decides on commands and evolves from its own events.
///
/// `handle` is a pure decision (no I/O, no clock, no randomness): everything it needs
/// is in `self` and the command. `apply` folds one event into the state and cannot
/// fail: an event is a fact that already happened.
pub trait Aggregate: Default + Clone + Send + Sync + 'static {
    /// Stable name of the aggregate type, stored with every event (never rename it).
    const TYPE: &'static str;
    /// The commands this aggregate decides on (cloned when a conflict makes the
    /// executor decide again).
    type Command: Clone + Send;
    /// The events this aggregate emits and is rebuilt from.
    type Event: DomainEvent;
    /// The business rules a command can break.
    type Error: BusinessRuleError;

    /// Decides which events a command produces, or which rule it breaks.
    fn handle(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error>;

    /// Folds one event into the state.
    fn apply(&mut self, event: &Self::Event);

    /// Schema version of the snapshot state; `None` (the default) takes no snapshots.
    /// Bump it whenever the snapshot's shape changes: older snapshots are then ignored.
    const SNAPSHOT_SCHEMA_VERSION: Option<i32> = None;

    /// The state as a snapshot (used only when `SNAPSHOT_SCHEMA_VERSION` is set).
    fn to_snapshot(&self) -> Result<serde_json::Value, serde_json::Error> {
        Ok(serde_json::Value::Null)
    }

    /// The state from a snapshot of the current schema version.
    fn from_snapshot(state: serde_json::Value) -> Result<Self, serde_json::Error> {
        let _ = state;
        Ok(Self::default())
    }
}

/// A broken business rule: a stable machine-readable code plus a human message.
///
/// The HTTP layer answers it with `422 Unprocessable Content` and the code.
pub trait BusinessRuleError: std::error::Error + Send + Sync + 'static {
    /// A stable, snake_case code clients can match on (e.g. `order_not_draft`).
    fn code(&self) -> &'static str;
}
