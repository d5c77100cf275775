use std::future::Future;
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
use crate::notify::EventNotifier;
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
pub struct CommandExecutor<P = PlainAppend> {
    store: PgEventStore,
    cache: Arc<AggregateCache>,
    max_attempts: u32,
    stripes: Arc<[Mutex<()>]>,
    path: P,
    notifier: Option<EventNotifier>,
    snapshot_every: i64,
}

/// A command's decided events, about to be appended by an [`AppendPath`].
#[derive(Debug)]
pub struct PendingAppend<'a, A: Aggregate> {
    /// The tenant the stream belongs to.
    pub tenant: &'a str,
    /// The stream.
    pub stream_id: &'a str,
    /// The version the stream must have.
    pub expected: ExpectedVersion,
    /// Version the first event gets.
    pub first_version: i64,
    /// The events, typed.
    pub events: &'a [A::Event],
    /// The same events, serialized and stamped.
    pub new_events: &'a [NewEvent],
}

impl<A: Aggregate> PendingAppend<'_, A> {
    /// The events as envelopes; global positions are 0 until `positions` are known.
    pub fn envelopes(&self, positions: Option<&[i64]>) -> Vec<EventEnvelope<A::Event>> {
        self.events
            .iter()
            .zip(self.new_events)
            .enumerate()
            .map(|(i, (event, new))| EventEnvelope {
                event_id: new.event_id,
                tenant_id: self.tenant.to_owned(),
                aggregate_type: A::TYPE.to_owned(),
                aggregate_id: self.stream_id.to_owned(),
                version: self.first_version + i as i64,
                global_position: positions.and_then(|p| p.get(i)).copied().unwrap_or(0),
                schema_version: new.schema_version,
                occurred_at: new.occurred_at,
                metadata: new.metadata.clone(),
                event: event.clone(),
            })
            .collect()
    }
}

/// How the executor writes a command's events: [`PlainAppend`] appends them alone; the
/// read-model runtime's inline projection writes its rows in the same transaction.
pub trait AppendPath: Send + Sync + 'static {
    /// Appends the events (and whatever goes with them) atomically, checking
    /// `pending.expected`.
    fn append<A: Aggregate>(
        &self,
        store: &PgEventStore,
        pending: &PendingAppend<'_, A>,
    ) -> impl Future<Output = Result<AppendResult, StoreError>> + Send;
}

/// Appends the events and nothing else.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainAppend;

impl AppendPath for PlainAppend {
    async fn append<A: Aggregate>(
        &self,
        store: &PgEventStore,
        pending: &PendingAppend<'_, A>,
    ) -> Result<AppendResult, StoreError> {
        store
            .append(
                pending.stream_id,
                A::TYPE,
                pending.expected,
                pending.new_events,
            )
            .await
    }
}

/// Number of stream lock stripes per process.
const STRIPES: usize = 1024;

impl CommandExecutor {
    /// An executor over a store with an aggregate cache and a retry bound, appending
    /// events alone.
    pub fn new(store: PgEventStore, cache: Arc<AggregateCache>, max_attempts: u32) -> Self {
        CommandExecutor {
            store,
            cache,
            max_attempts: max_attempts.max(1),
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
            path: PlainAppend,
            notifier: None,
            snapshot_every: 0,
        }
    }
}

impl<P: AppendPath> CommandExecutor<P> {
    /// The same executor, appending through `path` (e.g. with inline read models).
    pub fn with_append_path<Q: AppendPath>(self, path: Q) -> CommandExecutor<Q> {
        CommandExecutor {
            store: self.store,
            cache: self.cache,
            max_attempts: self.max_attempts,
            stripes: self.stripes,
            path,
            notifier: self.notifier,
            snapshot_every: self.snapshot_every,
        }
    }

    /// How events are appended.
    pub fn append_path(&self) -> &P {
        &self.path
    }

    /// The same executor, running commands on `tenant`'s streams.
    pub fn in_tenant(&self, tenant: &str) -> Self
    where
        P: Clone,
    {
        CommandExecutor {
            store: self.store.in_tenant(tenant),
            ..self.clone()
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

    /// Wakes readers of the log (async projectors, the outbox relay) after each append.
    pub fn with_notifier(self, notifier: EventNotifier) -> Self {
        CommandExecutor {
            notifier: Some(notifier),
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
    {
        let _turn = self.stripe(stream_id).lock().await;
        let mut state: Loaded<A> = match expectation {
            StreamExpectation::New => Loaded::default(),
            StreamExpectation::Existing => {
                match self.cache.get::<A>(self.store.tenant(), stream_id) {
                    Some(cached) => cached,
                    None => self.store.load::<A>(stream_id).await?,
                }
            }
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
                    self.cache
                        .put(self.store.tenant(), stream_id, state.clone());
                    self.snapshot_if_due(stream_id, before, &state);
                    return Ok(Executed {
                        aggregate: state.aggregate,
                        version,
                        events,
                    });
                }
                Err(StoreError::Concurrency(conflict)) if attempt < self.max_attempts => {
                    debug!(attempt, %conflict, "concurrency conflict, catching up and retrying");
                    self.cache.remove::<A>(self.store.tenant(), stream_id);
                    state = self.store.catch_up(stream_id, state).await?;
                    from_cache = false;
                    attempt += 1;
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(err) => {
                    self.cache.remove::<A>(self.store.tenant(), stream_id);
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
        (self.store.tenant(), stream_id).hash(&mut hasher);
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
        let pending = PendingAppend::<A> {
            tenant: self.store.tenant(),
            stream_id,
            expected: match state.version {
                0 => ExpectedVersion::NoStream,
                v => ExpectedVersion::Exact(v),
            },
            first_version: state.version + 1,
            events,
            new_events: &new_events,
        };
        let result = self.path.append(&self.store, &pending).await?;
        if let Some(notifier) = &self.notifier {
            notifier.notify();
        }
        debug!(
            version = result.last_version,
            event_types = ?events.iter().map(DomainEvent::event_type).collect::<Vec<_>>(),
            "appended"
        );
        Ok(result.last_version)
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

fn rule<E: BusinessRuleError>(err: E) -> RuleViolation {
    RuleViolation {
        code: err.code(),
        message: err.to_string(),
    }
}
