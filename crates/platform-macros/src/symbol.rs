//! Attribute keywords, named once.

/// `#[domain_event(...)]`
pub const DOMAIN_EVENT: &str = "domain_event";
/// `version = N` in `domain_event`
pub const VERSION: &str = "version";
/// `broadcast` in `domain_event`: the event is published on the message bus.
pub const BROADCAST: &str = "broadcast";
/// `#[read_model(...)]`
pub const READ_MODEL: &str = "read_model";
/// `table = "rm_..."`
pub const TABLE: &str = "table";
/// `aggregate = Type`
pub const AGGREGATE: &str = "aggregate";
/// `projection = "inline" | "async"`
pub const PROJECTION: &str = "projection";
/// `group_by = field`
pub const GROUP_BY: &str = "group_by";
/// `#[aggregate_id]`: the row key of a per-aggregate read model.
pub const AGGREGATE_ID: &str = "aggregate_id";
/// `#[version]`: the last stream version applied to the row.
pub const VERSION_FIELD: &str = "version";
/// `#[map_from_event(Event, ...)]`
pub const MAP_FROM_EVENT: &str = "map_from_event";
/// `from = "payloadField"`
pub const FROM: &str = "from";
/// `value = <expr>`
pub const VALUE: &str = "value";
/// `envelope = name`
pub const ENVELOPE: &str = "envelope";
/// `left = "payloadField"` in a group_by field's `map_from_event`: the group the
/// stream leaves.
pub const LEFT: &str = "left";
/// `#[on_leave(with = path)]`: what leaving a group does to a field of its row.
pub const ON_LEAVE: &str = "on_leave";
/// `#[reduce(Event, ..., with = path)]`
pub const REDUCE: &str = "reduce";
/// `with = path`
pub const WITH: &str = "with";
/// `#[index]` / `#[index(unique)]`
pub const INDEX: &str = "index";
/// `unique` in `index`
pub const UNIQUE: &str = "unique";
/// `#[column(...)]`: how a field's values are stored.
pub const COLUMN: &str = "column";
/// `text` in `column`: stored as text, written with `Display` and read with `FromStr`.
pub const TEXT: &str = "text";

/// Envelope values a field can be mapped from.
pub const ENVELOPE_FIELDS: &[&str] = &[
    "aggregate_id",
    "aggregate_type",
    "version",
    "global_position",
    "occurred_at",
    "event_id",
];
