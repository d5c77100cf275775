//! Read models registered at link time by `#[derive(ReadModel)]`.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use platform_core::{Aggregate, EventEnvelope};
use sqlx::PgConnection;

use super::ReadModelError;
use super::model::{Column, EventOf, Projection, ReadModel, RowKey};
use super::project::{FastRow, WrittenRow, prepare_fast, project, project_with_cache};
use crate::cache::AggregateCache;
use crate::recorded::RecordedEvent;

/// A boxed, sendable future borrowing its arguments.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

type ProjectTyped = for<'a> fn(
    &'a mut PgConnection,
    &'a (dyn Any + Send + Sync),
    &'a AggregateCache,
    &'a mut Vec<WrittenRow>,
) -> BoxFuture<'a, Result<usize, ReadModelError>>;

type PrepareFast = fn(&(dyn Any + Send + Sync), &AggregateCache) -> Option<FastRow>;

type ProjectRecorded = for<'a> fn(
    &'a mut PgConnection,
    &'a str,
    &'a [RecordedEvent],
) -> BoxFuture<'a, Result<usize, ReadModelError>>;

/// A read model as the platform sees it, type-erased.
#[derive(Debug)]
pub struct ReadModelRegistration {
    /// Struct name, e.g. `OrderReadModel`.
    pub name: &'static str,
    /// Live table, e.g. `rm_orders`.
    pub table: &'static str,
    /// Aggregate type whose events feed it.
    pub aggregate_type: &'static str,
    /// Event types it handles.
    pub event_types: &'static [&'static str],
    /// Canonical declaration text.
    pub definition: &'static str,
    /// Its columns.
    pub columns: &'static [Column],
    /// How rows are keyed.
    pub key: RowKey,
    /// Inline or async.
    pub projection: Projection,
    pub(crate) project_typed: ProjectTyped,
    pub(crate) project_recorded: ProjectRecorded,
    pub(crate) prepare_fast: PrepareFast,
}

inventory::collect!(ReadModelRegistration);

impl ReadModelRegistration {
    /// The registration of a read model type (used by the derive).
    pub const fn of<R: ReadModel>() -> Self {
        ReadModelRegistration {
            name: R::NAME,
            table: R::TABLE,
            aggregate_type: <R::Aggregate as Aggregate>::TYPE,
            event_types: R::EVENT_TYPES,
            definition: R::DEFINITION,
            columns: R::COLUMNS,
            key: R::KEY,
            projection: R::PROJECTION,
            project_typed: project_typed::<R>,
            project_recorded: project_recorded::<R>,
            prepare_fast: prepare_fast_typed::<R>,
        }
    }

    /// The read model registered under a struct or table name.
    pub fn find(name: &str) -> Option<&'static ReadModelRegistration> {
        read_models()
            .iter()
            .copied()
            .find(|m| m.name == name || m.table == name)
    }

    /// Whether the model handles this stored event.
    pub fn handles(&self, aggregate_type: &str, event_type: &str) -> bool {
        self.aggregate_type == aggregate_type && self.event_types.contains(&event_type)
    }

    /// Stable hash of the declaration (FNV-1a, hex).
    pub fn definition_hash(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.definition.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }

    /// Projects stored events (other aggregates' and unhandled ones are skipped) into `table`.
    pub async fn project_recorded(
        &self,
        conn: &mut PgConnection,
        table: &str,
        events: &[RecordedEvent],
    ) -> Result<usize, ReadModelError> {
        (self.project_recorded)(conn, table, events).await
    }

    /// The model's new row for typed envelopes, from the cache, to write along with them.
    pub(crate) fn prepare_fast(
        &self,
        events: &(dyn Any + Send + Sync),
        cache: &AggregateCache,
    ) -> Option<FastRow> {
        (self.prepare_fast)(events, cache)
    }

    /// Projects typed envelopes (a `Vec<EventEnvelope<A::Event>>` of this model's
    /// aggregate) into the live table, using and reporting cached rows.
    pub(crate) async fn project_typed(
        &self,
        conn: &mut PgConnection,
        events: &(dyn Any + Send + Sync),
        cache: &AggregateCache,
        written: &mut Vec<WrittenRow>,
    ) -> Result<usize, ReadModelError> {
        (self.project_typed)(conn, events, cache, written).await
    }
}

fn project_typed<'a, R: ReadModel>(
    conn: &'a mut PgConnection,
    events: &'a (dyn Any + Send + Sync),
    cache: &'a AggregateCache,
    written: &'a mut Vec<WrittenRow>,
) -> BoxFuture<'a, Result<usize, ReadModelError>> {
    Box::pin(async move {
        match events.downcast_ref::<Vec<EventEnvelope<EventOf<R>>>>() {
            Some(events) => {
                project_with_cache::<R>(conn, R::TABLE, events, Some(cache), written).await
            }
            None => Ok(0),
        }
    })
}

fn prepare_fast_typed<R: ReadModel>(
    events: &(dyn Any + Send + Sync),
    cache: &AggregateCache,
) -> Option<FastRow> {
    prepare_fast::<R>(
        events.downcast_ref::<Vec<EventEnvelope<EventOf<R>>>>()?,
        cache,
    )
}

fn project_recorded<'a, R: ReadModel>(
    conn: &'a mut PgConnection,
    table: &'a str,
    events: &'a [RecordedEvent],
) -> BoxFuture<'a, Result<usize, ReadModelError>> {
    Box::pin(async move {
        let aggregate_type = <R::Aggregate as Aggregate>::TYPE;
        let envelopes = events
            .iter()
            .filter(|e| {
                e.aggregate_type == aggregate_type
                    && R::EVENT_TYPES.contains(&e.event_type.as_str())
            })
            .map(RecordedEvent::decode::<EventOf<R>>)
            .collect::<Result<Vec<_>, _>>()?;
        project::<R>(conn, table, &envelopes).await
    })
}

/// Every registered read model, sorted by name.
pub fn read_models() -> &'static [&'static ReadModelRegistration] {
    static ALL: OnceLock<Vec<&'static ReadModelRegistration>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<_> = inventory::iter::<ReadModelRegistration>
            .into_iter()
            .collect();
        all.sort_by_key(|r| r.name);
        all
    })
}

/// The read models fed by an aggregate type.
pub fn read_models_for(aggregate_type: &str) -> &'static [&'static ReadModelRegistration] {
    static BY_AGGREGATE: OnceLock<HashMap<&'static str, Vec<&'static ReadModelRegistration>>> =
        OnceLock::new();
    BY_AGGREGATE
        .get_or_init(|| {
            let mut map: HashMap<_, Vec<_>> = HashMap::new();
            for model in read_models() {
                map.entry(model.aggregate_type).or_default().push(*model);
            }
            map
        })
        .get(aggregate_type)
        .map_or(&[], Vec::as_slice)
}
