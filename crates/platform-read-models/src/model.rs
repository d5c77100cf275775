//! The trait `#[derive(ReadModel)]` implements, and what it says about the table.

use platform_core::{Aggregate, EventEnvelope};
use platform_event_sourcing::PgQuery;
use sqlx::postgres::PgRow;

/// The event type of a read model's aggregate.
pub type EventOf<R> = <<R as ReadModel>::Aggregate as Aggregate>::Event;

/// How a column is indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// Not indexed.
    None,
    /// `#[index]`: a btree index (with the row's position, for paging).
    Plain,
    /// `#[index(unique)]`.
    Unique,
}

/// One column of a read-model table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Column name (the field name).
    pub name: &'static str,
    /// PostgreSQL type.
    pub sql_type: &'static str,
    /// Whether NULL is allowed (`Option<T>`).
    pub nullable: bool,
    /// Index declared on it.
    pub index: IndexKind,
}

/// When a read model is projected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// In the append transaction: queries see a command's effect at once.
    Inline,
    /// By a projector following the log from a checkpoint (one per database, leased).
    Async,
}

/// How rows are keyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKey {
    /// One row per aggregate, keyed by its id; the version column records the last
    /// stream version applied, and older events are skipped.
    Aggregate {
        /// The `#[aggregate_id]` column.
        column: &'static str,
        /// The `#[version]` column.
        version_column: &'static str,
    },
    /// One row per value of a column mapped from the events, across aggregates; the
    /// last version applied per stream is kept in `read_model_streams`.
    GroupBy {
        /// The `group_by` column.
        column: &'static str,
    },
}

impl RowKey {
    /// The primary-key column.
    pub fn column(self) -> &'static str {
        match self {
            RowKey::Aggregate { column, .. } | RowKey::GroupBy { column } => column,
        }
    }

    /// Whether rows are one per aggregate.
    pub fn is_per_aggregate(self) -> bool {
        matches!(self, RowKey::Aggregate { .. })
    }
}

/// A read model: a struct whose rows the platform keeps current from events.
///
/// Derive it; do not implement it by hand:
///
/// ```ignore
/// #[derive(ReadModel)]
/// #[read_model(table = "rm_orders", aggregate = Order)]
/// pub struct OrderReadModel {
///     #[aggregate_id]
///     pub id: String,
///     #[index]
///     #[map_from_event(OrderCreated)]                      // same-named payload field
///     pub customer_id: String,
///     #[column(text)]                                       // Display / FromStr
///     #[map_from_event(OrderCreated, value = OrderStatus::Draft)] // a constant
///     #[map_from_event(OrderPlaced, value = OrderStatus::Placed)]
///     pub status: OrderStatus,
///     #[reduce(ItemAdded, ItemRemoved, with = reducers::items)] // hand-written
///     pub items: OrderLines,                                // jsonb
///     #[map_from_event(OrderCreated, envelope = occurred_at)] // envelope value
///     pub created_at: DateTime<Utc>,
///     #[map_from_event(OrderPlaced, envelope = occurred_at)]
///     pub placed_at: Option<DateTime<Utc>>,                 // nullable
///     #[version]
///     pub version: i64,
/// }
/// ```
///
/// `from = "orderId"` copies a differently named payload field; `group_by = field`
/// keys rows by a mapped value across aggregates instead of by aggregate id. A group_by
/// key may be mapped from an `Option<String>` (absent: the event touches no row), and
/// `left = "previousField"` on its mapping names the group the stream leaves: the
/// platform applies the event to that row with the fields' `#[on_leave(with = f)]`
/// reducers as well as to the row it enters.
/// `#[column(text)]` stores a type that would otherwise be jsonb (an enum, an id
/// newtype) as text: written with `Display`, read back with `FromStr` (text that does
/// not parse is `sqlx::Error::ColumnDecode`); on `Option<T>` the column is nullable.
pub trait ReadModel: Clone + Send + Sync + Unpin + 'static {
    /// The aggregate whose events feed the model.
    type Aggregate: Aggregate;
    /// The struct name.
    const NAME: &'static str;
    /// The table, `rm_*`.
    const TABLE: &'static str;
    /// The columns, in field order.
    const COLUMNS: &'static [Column];
    /// How rows are keyed.
    const KEY: RowKey;
    /// The event types the model handles.
    const EVENT_TYPES: &'static [&'static str];
    /// Canonical text of the declaration; its hash tells when a rebuild is due.
    const DEFINITION: &'static str;
    /// Whether a mapping reads an event's global position, which is known only once the
    /// event is stored: such rows are never computed before the append.
    const READS_GLOBAL_POSITION: bool;
    /// Inline (default) or async (`#[read_model(projection = "async")]`).
    const PROJECTION: Projection;

    /// The row an event belongs to (`None` when the model ignores the event).
    fn key(event: &EventEnvelope<EventOf<Self>>) -> Option<String>;

    /// The group a stream leaves with this event (`left = "field"` on a group_by key's
    /// mapping), when it names one other than [`key`](Self::key); `None` otherwise.
    fn left(event: &EventEnvelope<EventOf<Self>>) -> Option<String> {
        let _ = event;
        None
    }

    /// Applies an event to the row of the group its stream leaves (the fields'
    /// `#[on_leave]` reducers; mappings describe the group a stream is in and are not
    /// applied).
    fn leave(&mut self, event: &EventEnvelope<EventOf<Self>>) {
        let _ = event;
    }

    /// A fresh row for a key, every other field at its default.
    fn new(key: String) -> Self;

    /// The last stream version applied (per-aggregate models; 0 otherwise).
    fn version(&self) -> i64;

    /// Applies one event to the row.
    fn apply(&mut self, event: &EventEnvelope<EventOf<Self>>);

    /// Binds every column value, in column order.
    fn bind<'q>(&'q self, query: PgQuery<'q>) -> PgQuery<'q>;

    /// Decodes a row selected with every column.
    fn from_row(row: &PgRow) -> Result<Self, sqlx::Error>;
}

/// A value a group_by key is mapped from: a key, or an optional one (`None`: the event
/// touches no group). Used by the derive; not a public API.
#[doc(hidden)]
pub trait IntoGroupKey {
    /// The group's key, if any.
    fn into_group_key(self) -> Option<String>;
}

impl IntoGroupKey for String {
    fn into_group_key(self) -> Option<String> {
        Some(self)
    }
}

impl IntoGroupKey for &str {
    fn into_group_key(self) -> Option<String> {
        Some(self.to_owned())
    }
}

impl IntoGroupKey for Option<String> {
    fn into_group_key(self) -> Option<String> {
        self
    }
}

impl IntoGroupKey for Option<&str> {
    fn into_group_key(self) -> Option<String> {
        self.map(str::to_owned)
    }
}
