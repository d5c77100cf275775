//! Read models registered at link time by `#[derive(ReadModel)]`, type-erased.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use futures_util::future::BoxFuture;
use platform_core::{Aggregate, EventEnvelope};
use platform_event_sourcing::{Checkpoint, LogFilter, RecordedEvent};
use sqlx::PgConnection;

use crate::cache::{CachedRow, RowCache};
use crate::error::ReadModelError;
use crate::model::{Column, EventOf, Projection, ReadModel, RowKey};
use crate::project::{Applied, InlineRow, PreparedRow, project_rows};

/// Version of the platform's table layout (its own columns and indexes); folded into
/// every declaration hash, so tables built under another layout are rebuilt.
const TABLE_LAYOUT: &str = "layout=3;";

/// Projects typed envelopes (`&Vec<EventEnvelope<A::Event>>`) into the live table.
type ProjectTyped = for<'a> fn(
    &'a mut PgConnection,
    &'a (dyn Any + Send + Sync),
    &'a mut Vec<CachedRow>,
) -> BoxFuture<'a, Result<usize, ReadModelError>>;

/// One command's row from the cache, for typed envelopes.
type PrepareInline = fn(&(dyn Any + Send + Sync), &RowCache) -> Option<Arc<dyn PreparedRow>>;

/// Projects stored events into a table (`Applied` says whether some may be there).
type ProjectRecorded = for<'a> fn(
    &'a mut PgConnection,
    &'a str,
    &'a [RecordedEvent],
    Applied,
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
    project_typed: ProjectTyped,
    project_recorded: ProjectRecorded,
    prepare_inline: PrepareInline,
    /// The Rust module it was registered in (which service module owns it).
    pub module_path: &'static str,
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
            prepare_inline: prepare_inline::<R>,
            module_path: "",
        }
    }

    /// The same, registered in the Rust module `module_path`.
    pub const fn at(self, module_path: &'static str) -> Self {
        ReadModelRegistration {
            module_path,
            ..self
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

    /// Stable hash of the declaration and the platform's table layout (FNV-1a, hex).
    pub fn definition_hash(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in TABLE_LAYOUT.bytes().chain(self.definition.bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }

    /// The events of the log this model reads.
    pub fn log_filter(&self) -> LogFilter {
        LogFilter::events_of(self.aggregate_type, self.event_types)
    }

    /// The checkpoint of a rebuild of this declaration in progress.
    pub fn rebuild_checkpoint(&self) -> Checkpoint {
        Checkpoint::for_definition(format!("rebuild:{}", self.table), self.definition_hash())
    }

    /// The checkpoint of this declaration's async projector.
    pub fn projector_checkpoint(&self) -> Checkpoint {
        Checkpoint::for_definition(format!("async:{}", self.table), self.definition_hash())
    }

    /// Projects stored events (other aggregates' and unhandled ones are skipped) into `table`.
    pub async fn project_recorded(
        &self,
        conn: &mut PgConnection,
        table: &str,
        events: &[RecordedEvent],
    ) -> Result<usize, ReadModelError> {
        (self.project_recorded)(conn, table, events, Applied::Maybe).await
    }

    /// [`project_recorded`](Self::project_recorded) for events no reader will ever
    /// apply again (a rebuild's gap-safe batches before the swap): group_by models
    /// neither check nor write the per-stream ledger (see docs/architecture.md).
    pub(crate) async fn project_new(
        &self,
        conn: &mut PgConnection,
        table: &str,
        events: &[RecordedEvent],
    ) -> Result<usize, ReadModelError> {
        (self.project_recorded)(conn, table, events, Applied::None).await
    }

    /// Projects a command's typed envelopes (a `Vec<EventEnvelope<A::Event>>` of this
    /// model's aggregate) into the live table, reporting the rows written.
    pub(crate) async fn project_typed(
        &self,
        conn: &mut PgConnection,
        envelopes: &(dyn Any + Send + Sync),
        written: &mut Vec<CachedRow>,
    ) -> Result<usize, ReadModelError> {
        (self.project_typed)(conn, envelopes, written).await
    }

    /// The model's row after a command's typed envelopes, computed from the cache, to
    /// write with the append; `None` when the cache cannot tell.
    pub(crate) fn prepare_inline(
        &self,
        envelopes: &(dyn Any + Send + Sync),
        cache: &RowCache,
    ) -> Option<Arc<dyn PreparedRow>> {
        (self.prepare_inline)(envelopes, cache)
    }
}

fn project_typed<'a, R: ReadModel>(
    conn: &'a mut PgConnection,
    envelopes: &'a (dyn Any + Send + Sync),
    written: &'a mut Vec<CachedRow>,
) -> BoxFuture<'a, Result<usize, ReadModelError>> {
    Box::pin(async move {
        match envelopes.downcast_ref::<Vec<EventEnvelope<EventOf<R>>>>() {
            Some(events) => {
                project_rows::<R>(conn, R::TABLE, events, Some(written), Applied::Maybe).await
            }
            None => Ok(0),
        }
    })
}

fn prepare_inline<R: ReadModel>(
    envelopes: &(dyn Any + Send + Sync),
    cache: &RowCache,
) -> Option<Arc<dyn PreparedRow>> {
    let events = envelopes.downcast_ref::<Vec<EventEnvelope<EventOf<R>>>>()?;
    Some(Arc::new(InlineRow::<R>::from_cache(events, cache)?))
}

fn project_recorded<'a, R: ReadModel>(
    conn: &'a mut PgConnection,
    table: &'a str,
    events: &'a [RecordedEvent],
    applied: Applied,
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
        project_rows::<R>(conn, table, &envelopes, None, applied).await
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
