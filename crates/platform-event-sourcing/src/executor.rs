use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use platform_core::{
    Aggregate, BusinessRuleError, DomainEvent, EventEnvelope, ExpectedVersion, Metadata, NewEvent,
};
use tracing::{debug, instrument, warn};

use crate::cache::AggregateCache;
use crate::error::{ExecuteError, RuleViolation, StoreError};
use crate::load::Loaded;
use crate::read_model::{
    EventNotifier, FastRow, Projection, ProjectionGate, ReadModelRegistration, read_models_for,
};
use crate::store::{AppendResult, PgEventStore};

/// What the command assumes about the stream before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamExpectation {
    /// The command creates the stream; it must not exist (no load is needed).
    New,
    /// The command changes an existing stream; a missing one is [`ExecuteError::NotFound`].
    Existing,
}

/// The outcome of a command that was executed.
#[derive(Debug, Clone)]
pub struct Executed<A: Aggregate> {
    /// The aggregate after the command.
    pub aggregate: A,
    /// Its version after the command.
    pub version: i64,
    /// The events the command appended (empty for a no-op).
    pub events: Vec<A::Event>,
}

/// Runs commands the one way: load → decide → append, one transaction per command.
///
/// The decision is made on the cached state when there is one; the append expects
/// that exact version, so a stale state is caught by the store, caught up, and the
/// command decided again (at most `max_attempts` times in all).
///
/// Within one process, commands on the same stream take turns (a striped lock keyed by
/// stream id), so they queue instead of conflicting; conflicts then only come from
/// other processes, and retries back off with jitter.
#[derive(Debug, Clone)]
pub struct CommandExecutor {
    store: PgEventStore,
    cache: Arc<AggregateCache>,
    max_attempts: u32,
    stripes: Arc<[Mutex<()>]>,
    inline_projections: bool,
    gate: Arc<ProjectionGate>,
    notifier: Option<EventNotifier>,
    snapshot_every: i64,
}

/// Number of stream lock stripes per process.
const STRIPES: usize = 1024;

impl CommandExecutor {
    /// An executor over a store with an aggregate cache and a retry bound.
    pub fn new(store: PgEventStore, cache: Arc<AggregateCache>, max_attempts: u32) -> Self {
        CommandExecutor {
            store,
            cache,
            max_attempts: max_attempts.max(1),
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
            inline_projections: true,
            gate: Arc::new(ProjectionGate::new()),
            notifier: None,
            snapshot_every: 0,
        }
    }

    /// Snapshots aggregates that declare a snapshot schema each time their stream
    /// passes a multiple of `every` events (0 = never). The snapshot is written after
    /// the command's append committed, in the background: it never delays or fails it.
    pub fn with_snapshots(self, every: u32) -> Self {
        CommandExecutor {
            snapshot_every: i64::from(every),
            ..self
        }
    }

    /// Shares a projection gate (to pause read models under rebuild).
    pub fn with_gate(self, gate: Arc<ProjectionGate>) -> Self {
        CommandExecutor { gate, ..self }
    }

    /// Wakes async projectors after each append.
    pub fn with_notifier(self, notifier: EventNotifier) -> Self {
        CommandExecutor {
            notifier: Some(notifier),
            ..self
        }
    }

    /// The gate pausing inline projection of read models under rebuild.
    pub fn gate(&self) -> &Arc<ProjectionGate> {
        &self.gate
    }

    /// Appends without projecting into read models (they then lag until rebuilt);
    /// for measuring the cost of inline projection.
    pub fn without_inline_projections(self) -> Self {
        CommandExecutor {
            inline_projections: false,
            ..self
        }
    }

    /// The store commands are appended to.
    pub fn store(&self) -> &PgEventStore {
        &self.store
    }

    /// Executes one command against one aggregate.
    #[instrument(skip_all, fields(aggregate_type = A::TYPE, aggregate_id = %stream_id))]
    pub async fn execute<A>(
        &self,
        stream_id: &str,
        expectation: StreamExpectation,
        command: A::Command,
        metadata: &Metadata,
    ) -> Result<Executed<A>, ExecuteError>
    where
        A: Aggregate,
        A::Command: Clone,
    {
        let _turn = self.stripe(stream_id).lock().await;
        let mut state: Loaded<A> = match expectation {
            StreamExpectation::New => Loaded::default(),
            StreamExpectation::Existing => match self.cache.get::<A>(stream_id) {
                Some(cached) => cached,
                None => self.store.load::<A>(stream_id).await?,
            },
        };
        let mut from_cache = expectation == StreamExpectation::Existing && state.exists();
        let mut attempt = 1;
        loop {
            if expectation == StreamExpectation::Existing && !state.exists() {
                return Err(ExecuteError::NotFound {
                    aggregate_type: A::TYPE,
                    id: stream_id.to_owned(),
                });
            }
            let events = state.aggregate.handle(command.clone()).map_err(rule)?;
            let outcome = if events.is_empty() {
                self.confirm_no_op(stream_id, &state, from_cache).await
            } else {
                self.append(stream_id, &state, &events, metadata).await
            };
            match outcome {
                Ok(version) => {
                    let before = state.version;
                    for event in &events {
                        state.aggregate.apply(event);
                    }
                    state.version = version;
                    self.cache.put(stream_id, state.clone());
                    self.snapshot_if_due(stream_id, before, &state);
                    return Ok(Executed {
                        aggregate: state.aggregate,
                        version,
                        events,
                    });
                }
                Err(StoreError::Concurrency(conflict)) if attempt < self.max_attempts => {
                    debug!(attempt, %conflict, "concurrency conflict, catching up and retrying");
                    self.cache.remove::<A>(stream_id);
                    state = self.store.catch_up(stream_id, state).await?;
                    from_cache = false;
                    attempt += 1;
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(err) => {
                    self.cache.remove::<A>(stream_id);
                    return Err(err.into());
                }
            }
        }
    }

    /// Starts writing a snapshot when the command moved the stream past a multiple of
    /// `snapshot_every`; a failure is only logged (loading then replays more events).
    fn snapshot_if_due<A: Aggregate>(&self, stream_id: &str, before: i64, state: &Loaded<A>) {
        let every = self.snapshot_every;
        if every <= 0
            || A::SNAPSHOT_SCHEMA_VERSION.is_none()
            || before / every == state.version / every
        {
            return;
        }
        let store = self.store.clone();
        let stream_id = stream_id.to_owned();
        let state = state.clone();
        tokio::spawn(async move {
            match store.save_snapshot(&stream_id, &state).await {
                Ok(()) => debug!(%stream_id, version = state.version, "snapshot taken"),
                Err(err) => {
                    warn!(%stream_id, cause = %err, "snapshot failed; loads replay more events")
                }
            }
        });
    }

    fn stripe(&self, stream_id: &str) -> &Mutex<()> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        stream_id.hash(&mut hasher);
        &self.stripes[(hasher.finish() % self.stripes.len() as u64) as usize]
    }

    async fn append<A: Aggregate>(
        &self,
        stream_id: &str,
        state: &Loaded<A>,
        events: &[A::Event],
        metadata: &Metadata,
    ) -> Result<i64, StoreError> {
        let new_events = events
            .iter()
            .map(|e| NewEvent::from_event(e, metadata.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let expected = match state.version {
            0 => ExpectedVersion::NoStream,
            v => ExpectedVersion::Exact(v),
        };
        let models = read_models_for(A::TYPE);
        let paused = self.gate.read().await;
        let projections: Vec<_> = models
            .iter()
            .filter(|m| self.inline_projections && m.projection == Projection::Inline)
            .filter(|m| !paused.contains(m.table))
            .filter(|m| {
                events
                    .iter()
                    .any(|e| m.event_types.contains(&e.event_type()))
            })
            .collect();
        let result = if projections.is_empty() {
            self.store
                .append(stream_id, A::TYPE, expected, &new_events)
                .await?
        } else {
            match self
                .append_fast::<A>(
                    stream_id,
                    state.version,
                    expected,
                    events,
                    &new_events,
                    &projections,
                )
                .await?
            {
                Some(result) => result,
                None => {
                    self.append_and_project::<A>(
                        stream_id,
                        expected,
                        events,
                        &new_events,
                        &projections,
                    )
                    .await?
                }
            }
        };
        drop(paused);
        if let Some(notifier) = &self.notifier
            && models.iter().any(|m| m.projection == Projection::Async)
        {
            notifier.notify();
        }
        debug!(
            version = result.last_version,
            event_types = ?events.iter().map(DomainEvent::event_type).collect::<Vec<_>>(),
            "appended"
        );
        Ok(result.last_version)
    }

    /// Events and every read-model row in one statement, when each row can be computed
    /// from the cache; `None` when it cannot, or a cached row proved stale.
    async fn append_fast<A: Aggregate>(
        &self,
        stream_id: &str,
        version: i64,
        expected: ExpectedVersion,
        events: &[A::Event],
        new_events: &[NewEvent],
        projections: &[&&'static ReadModelRegistration],
    ) -> Result<Option<AppendResult>, StoreError> {
        let envelopes = envelopes::<A>(stream_id, events, new_events, version + 1, None);
        let rows: Option<Vec<FastRow>> = projections
            .iter()
            .map(|m| m.prepare_fast(&envelopes, &self.cache))
            .collect();
        let Some(rows) = rows else {
            return Ok(None);
        };
        match self
            .store
            .append_projected(stream_id, A::TYPE, expected, new_events, &rows)
            .await
        {
            Ok(result) => {
                let last_position = result.positions.iter().copied().max().unwrap_or(0);
                for row in &rows {
                    row.written(last_position).cache(&self.cache);
                }
                Ok(Some(result))
            }
            // A stale cached row, or a row the database refused (a constraint): the
            // statement was undone; the transactional path decides and reports precisely.
            Err(StoreError::StaleRow | StoreError::Database(_)) => {
                for row in &rows {
                    self.cache.remove_value(row.table, &row.key);
                }
                Ok(None)
            }
            Err(err) => Err(err),
        }
    }

    /// Events and read-model rows in one transaction, rows loaded as needed.
    async fn append_and_project<A: Aggregate>(
        &self,
        stream_id: &str,
        expected: ExpectedVersion,
        events: &[A::Event],
        new_events: &[NewEvent],
        projections: &[&&'static ReadModelRegistration],
    ) -> Result<AppendResult, StoreError> {
        // Events and read-model rows commit together: a query right after the command
        // sees it, and a failed projection appends nothing.
        let mut tx = self.store.pool().begin().await?;
        let result = self
            .store
            .append_in(&mut tx, stream_id, A::TYPE, expected, new_events)
            .await?;
        let envelopes = envelopes::<A>(
            stream_id,
            events,
            new_events,
            result.first_version,
            Some(&result.positions),
        );
        let mut written = Vec::new();
        for model in projections {
            model
                .project_typed(&mut tx, &envelopes, &self.cache, &mut written)
                .await?;
        }
        tx.commit().await?;
        for row in written {
            row.cache(&self.cache);
        }
        Ok(result)
    }

    /// A no-op decided on a cached state is confirmed against the store's version,
    /// so a state changed by another process is never reported as current.
    async fn confirm_no_op<A: Aggregate>(
        &self,
        stream_id: &str,
        state: &Loaded<A>,
        from_cache: bool,
    ) -> Result<i64, StoreError> {
        if !from_cache {
            return Ok(state.version);
        }
        let expected = ExpectedVersion::Exact(state.version);
        self.store
            .append(stream_id, A::TYPE, expected, &[])
            .await
            .map(|r| r.last_version)
    }
}

/// Jittered exponential backoff: up to 1, 2, 4, … 64 ms.
fn backoff(attempt: u32) -> Duration {
    let cap_ms = 1_u64 << attempt.min(6);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    Duration::from_micros(nanos % (cap_ms * 1000) + 200)
}

/// The events as envelopes, for inline projection; positions are 0 until known.
fn envelopes<A: Aggregate>(
    stream_id: &str,
    events: &[A::Event],
    new_events: &[NewEvent],
    first_version: i64,
    positions: Option<&[i64]>,
) -> Vec<EventEnvelope<A::Event>> {
    events
        .iter()
        .zip(new_events)
        .enumerate()
        .map(|(i, (event, new))| EventEnvelope {
            event_id: new.event_id,
            aggregate_type: A::TYPE.to_owned(),
            aggregate_id: stream_id.to_owned(),
            version: first_version + i as i64,
            global_position: positions.and_then(|p| p.get(i)).copied().unwrap_or(0),
            schema_version: new.schema_version,
            occurred_at: new.occurred_at,
            metadata: new.metadata.clone(),
            event: event.clone(),
        })
        .collect()
}

fn rule<E: BusinessRuleError>(err: E) -> RuleViolation {
    RuleViolation {
        code: err.code(),
        message: err.to_string(),
    }
}
