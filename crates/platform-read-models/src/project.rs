//! Applying events to a read model's rows, typed.
//!
//! Two ways, one rule (`ReadModel::apply` in event order, skipping what a row has
//! seen): [`project`] loads and locks the rows a batch touches and writes them back in
//! one multi-row upsert (rebuilds, projectors, and commands whose rows are not
//! cached); [`InlineRow`] computes one command's row from its cached state, to be
//! written by the append statement itself, guarded by the revision it was computed
//! from.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use platform_core::EventEnvelope;
use platform_event_sourcing::{CoWrite, CoWriteSql, PgQuery};
use sqlx::PgConnection;

use crate::cache::{CachedRow, RowCache};
use crate::error::{ReadModelError, projection_failed};
use crate::model::{EventOf, ReadModel, RowKey};
use crate::store::rows::RowId;
use crate::store::{ledger, rows};

/// Applies `events` (in log order) to the rows of `table`; returns the events applied
/// (an event that moves a stream between groups counts once per row it changed).
///
/// Idempotent: per-aggregate rows skip events at or below their version; group_by
/// rows skip events at or below the version recorded for their stream.
pub async fn project<R: ReadModel>(
    conn: &mut PgConnection,
    table: &str,
    events: &[EventEnvelope<EventOf<R>>],
) -> Result<usize, ReadModelError> {
    project_rows::<R>(conn, table, events, None, Applied::Maybe).await
}

/// Whether some of the events projected may already be applied to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    /// Some may be: group_by models check and record the per-stream ledger.
    Maybe,
    /// None is, and no reader will apply them again (a rebuild's gap-safe batch
    /// before the swap): the ledger is neither read nor written.
    None,
}

/// [`project`], handing every row written to `written` (to cache after commit).
pub(crate) async fn project_rows<R: ReadModel>(
    conn: &mut PgConnection,
    table: &str,
    events: &[EventEnvelope<EventOf<R>>],
    written: Option<&mut Vec<CachedRow>>,
    applied: Applied,
) -> Result<usize, ReadModelError> {
    let failed = projection_failed(table);
    let mut keyed: Vec<(RowId, Side, &EventEnvelope<EventOf<R>>)> = events
        .iter()
        .flat_map(|e| {
            let key = R::key(e);
            let left = R::left(e).filter(|left| key.as_ref() != Some(left));
            let leave = left.map(|k| ((e.tenant_id.clone(), k), Side::Leave, e));
            let enter = key.map(|k| ((e.tenant_id.clone(), k), Side::Enter, e));
            leave.into_iter().chain(enter)
        })
        .collect();
    if let (RowKey::GroupBy { .. }, Applied::Maybe) = (R::KEY, applied) {
        keyed = skip_applied_streams(conn, table, keyed)
            .await
            .map_err(&failed)?;
    }
    if keyed.is_empty() {
        return Ok(0);
    }

    let per_aggregate = R::KEY.is_per_aggregate();
    let mut applied = 0;
    let mut written = written;
    // Each round locks the rows its events touch, applies them, and writes every row
    // guarded by the revision it was read at. A row another transaction inserted after
    // the lock (a key new to this batch) fails its guard and is not overwritten; the
    // conflict left it locked to this transaction, so the next round reads it and
    // applies this batch on top. Only the events of such rows go round again.
    for _round in 0..MAX_ROUNDS {
        let mut ids: Vec<(&str, &str)> = keyed
            .iter()
            .map(|((tenant, key), ..)| (tenant.as_str(), key.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut touched: HashMap<RowId, Touched<R>> = rows::lock::<R>(conn, table, &ids)
            .await
            .map_err(&failed)?
            .into_iter()
            .map(|s| {
                let touched = Touched {
                    row: s.row,
                    position: s.position,
                    newest: s.revision,
                    guard: Some(s.revision),
                    applied: 0,
                };
                (s.id, touched)
            })
            .collect();

        for (key, side, event) in &keyed {
            let touched = match side {
                Side::Enter => touched
                    .entry(key.clone())
                    .or_insert_with_key(|(_, key)| Touched {
                        row: R::new(key.clone()),
                        position: event.global_position,
                        newest: 0,
                        guard: None,
                        applied: 0,
                    }),
                // A stream leaves a group it entered earlier, so its row exists; a
                // missing one (deleted by hand) is not created empty.
                Side::Leave => match touched.get_mut(key) {
                    Some(touched) => touched,
                    None => continue,
                },
            };
            if per_aggregate && event.version <= touched.row.version() {
                continue;
            }
            match side {
                Side::Enter => touched.row.apply(event),
                Side::Leave => touched.row.leave(event),
            }
            touched.newest = touched.newest.max(event.global_position);
            touched.applied += 1;
        }

        // In identity order: concurrent inserts of new keys cannot deadlock.
        let mut dirty: Vec<(&RowId, &Touched<R>, i64)> = touched
            .iter()
            .filter(|(_, t)| t.applied > 0)
            .map(|(id, t)| (id, t, revision_of(&t.row, t.newest)))
            .collect();
        dirty.sort_unstable_by_key(|(id, ..)| *id);
        let writes: Vec<rows::RowWrite<'_, R>> = dirty
            .iter()
            .map(|((tenant, key), t, revision)| rows::RowWrite {
                tenant: tenant.as_str(),
                key: key.as_str(),
                row: &t.row,
                position: t.position,
                revision: *revision,
                guard: t.guard,
            })
            .collect();
        let stored = rows::upsert::<R>(conn, table, &writes)
            .await
            .map_err(&failed)?;
        let mut refused = HashSet::new();
        for (id, t, revision) in &dirty {
            if !stored.contains(*id) {
                refused.insert((*id).clone());
                continue;
            }
            applied += t.applied;
            if let Some(written) = written.as_deref_mut() {
                written.push(CachedRow {
                    table: R::TABLE,
                    id: (*id).clone(),
                    revision: *revision,
                    row: Arc::new(t.row.clone()),
                });
            }
        }
        if refused.is_empty() {
            return Ok(applied);
        }
        keyed.retain(|(id, ..)| refused.contains(id));
    }
    Err(failed(sqlx::Error::Protocol(format!(
        "rows of {table} kept changing under {MAX_ROUNDS} guarded writes"
    ))))
}

/// Which way an event touches a row: the stream is in (or enters) its group, or leaves
/// it (`left = "field"`; the event is applied with `ReadModel::leave`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// `ReadModel::apply`.
    Enter,
    /// `ReadModel::leave`.
    Leave,
}

/// Rounds of guarded writes before a batch gives up: the second always holds, since
/// the first leaves every row it could not write locked to the transaction.
const MAX_ROUNDS: usize = 3;

/// A row a batch touches: its state, first position, newest position applied, the
/// revision it was read at (`None`: no row yet), and how many events it took.
struct Touched<R> {
    row: R,
    position: i64,
    newest: i64,
    guard: Option<i64>,
    applied: usize,
}

/// The revision a row gets once `last_position` is the newest event applied to it:
/// per-aggregate rows take their version, group_by rows that position. Either way the
/// same events give the same revision, so a rebuilt row that matches a cached one's
/// revision also matches its content.
fn revision_of<R: ReadModel>(row: &R, last_position: i64) -> i64 {
    match R::KEY {
        RowKey::Aggregate { .. } => row.version(),
        RowKey::GroupBy { .. } => last_position,
    }
}

/// Drops events whose stream version was already applied to `table`, and records the
/// new last version of each stream.
async fn skip_applied_streams<'e, E>(
    conn: &mut PgConnection,
    table: &str,
    keyed: Vec<(RowId, Side, &'e EventEnvelope<E>)>,
) -> Result<Vec<(RowId, Side, &'e EventEnvelope<E>)>, sqlx::Error> {
    if keyed.is_empty() {
        return Ok(keyed);
    }
    let mut newest: HashMap<(&str, &str), i64> = HashMap::new();
    for (_, _, e) in &keyed {
        let stream = (e.tenant_id.as_str(), e.aggregate_id.as_str());
        let v = newest.entry(stream).or_insert(e.version);
        *v = (*v).max(e.version);
    }
    let mut streams: Vec<(&str, &str, i64)> =
        newest.into_iter().map(|((t, s), v)| (t, s, v)).collect();
    streams.sort_unstable();
    let known = ledger::applied_versions(conn, table, &streams).await?;
    Ok(keyed
        .into_iter()
        .filter(|(_, _, e)| {
            let stream = (e.tenant_id.clone(), e.aggregate_id.clone());
            e.version > known.get(&stream).copied().unwrap_or(0)
        })
        .collect())
}

/// One command's row of a model computed from its cached state, written by the append
/// statement as a [`CoWrite`] guarded by the revision the stored row must have.
pub(crate) struct InlineRow<R> {
    id: RowId,
    row: Arc<R>,
    /// The revision the stored row must have (0: no row yet).
    guard: i64,
}

/// An [`InlineRow`] of any model.
pub(crate) trait PreparedRow: CoWrite {
    /// The row to cache once the append committed with `last_position` as its newest
    /// event's position.
    fn cached(&self, last_position: i64) -> CachedRow;

    /// The row's live table, tenant and key.
    fn address(&self) -> (&'static str, (&str, &str));
}

impl<R: ReadModel> InlineRow<R> {
    /// The row after one command's freshly appended events (all for one key), from the
    /// cached row or a fresh one; `None` when the cache cannot tell.
    ///
    /// Per-aggregate rows are fresh for a new stream; a group_by row missing from the
    /// cache is taken to be new, and a stored one then fails the guard.
    pub(crate) fn from_cache(
        events: &[EventEnvelope<EventOf<R>>],
        cache: &RowCache,
    ) -> Option<Self> {
        // Global positions are only known once the events are stored.
        if R::READS_GLOBAL_POSITION {
            return None;
        }
        let mut keyed = events.iter().filter_map(|e| R::key(e).map(|k| (k, e)));
        let (key, first) = keyed.next()?;
        let rest: Vec<_> = keyed.collect();
        if rest.iter().any(|(k, _)| *k != key) {
            return None;
        }
        // A stream leaving a group touches two rows: the transactional path writes them.
        if events
            .iter()
            .any(|e| R::left(e).is_some_and(|left| left != key))
        {
            return None;
        }
        let cached = cache.get::<R>(&first.tenant_id, &key);
        let (mut row, guard) = match R::KEY {
            RowKey::Aggregate { .. } => {
                let previous = first.version - 1;
                match cached {
                    _ if previous == 0 => (R::new(key.clone()), 0),
                    Some((revision, row)) if revision == previous && row.version() == previous => {
                        (row, previous)
                    }
                    _ => return None,
                }
            }
            RowKey::GroupBy { .. } => cached
                .map(|(revision, row)| (row, revision))
                .unwrap_or_else(|| (R::new(key.clone()), 0)),
        };
        row.apply(first);
        for (_, event) in &rest {
            row.apply(event);
        }
        Some(InlineRow {
            id: (first.tenant_id.clone(), key),
            row: Arc::new(row),
            guard,
        })
    }
}

impl<R: ReadModel> CoWrite for InlineRow<R> {
    fn table(&self) -> &str {
        R::TABLE
    }

    fn sql(&self, first_param: usize, ins: &str) -> CoWriteSql {
        rows::co_write_sql::<R>(first_param, ins)
    }

    fn row(&self) -> Option<&str> {
        Some(&self.id.1)
    }

    fn bind<'q>(&'q self, query: PgQuery<'q>) -> PgQuery<'q> {
        let query = self.row.bind(query);
        let query = if R::KEY.is_per_aggregate() {
            query.bind(self.row.version())
        } else {
            query
        };
        query.bind(self.guard)
    }
}

impl<R: ReadModel> PreparedRow for InlineRow<R> {
    fn cached(&self, last_position: i64) -> CachedRow {
        CachedRow {
            table: R::TABLE,
            id: self.id.clone(),
            revision: revision_of(self.row.as_ref(), last_position),
            row: Arc::clone(&self.row) as Arc<dyn std::any::Any + Send + Sync>,
        }
    }

    fn address(&self) -> (&'static str, (&str, &str)) {
        (R::TABLE, (&self.id.0, &self.id.1))
    }
}
