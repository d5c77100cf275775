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
use crate::recorded::StreamRange;
use crate::store::{AppendResult, PgEventStore};
use crate::unit::UnitOfWork;

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
    stripes: Arc<[Arc<Mutex<()>>]>,
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

    /// Appends them in a unit of work, which commits them with the rest of its work;
    /// anything to do only after that commit goes to [`UnitOfWork::after_commit`].
    fn append_in<A: Aggregate>(
        &self,
        unit: &mut UnitOfWork,
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
            .append_shared(
                pending.stream_id,
                A::TYPE,
                pending.expected,
                pending.new_events,
                Vec::new(),
            )
            .await
            .and_then(crate::store::appended)
    }

    async fn append_in<A: Aggregate>(
        &self,
        unit: &mut UnitOfWork,
        store: &PgEventStore,
        pending: &PendingAppend<'_, A>,
    ) -> Result<AppendResult, StoreError> {
        store
            .append_in(
                unit.conn(),
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
            stripes: (0..STRIPES).map(|_| Arc::new(Mutex::new(()))).collect(),
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
    ///
    /// Its append is one statement (a transaction naming the tenant where row-level
    /// security binds the store's role), grouped with appends to other streams when
    /// the store commits in groups.
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
        let _turn = self.stripe(self.store.tenant(), stream_id).1.lock().await;
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
            let events = self.decide(stream_id, expectation, &state, command.clone())?;
            let outcome = if events.is_empty() {
                self.confirm_no_op(stream_id, &state, from_cache).await
            } else {
                let new_events = new_events(&events, metadata)?;
                let pending = pending(&self.store, stream_id, &state, &events, &new_events);
                match self.path.append(&self.store, &pending).await {
                    // The reply was lost: the append may have committed. Find out before
                    // anything decides again; unknown stays a retryable error.
                    Err(err) if err.is_unavailable() => {
                        match self.store.find_appended(&new_events).await {
                            Some(found) => Ok(found),
                            None => Err(err),
                        }
                    }
                    outcome => outcome,
                }
            };
            match outcome {
                Ok(result) => {
                    let before = state.version;
                    let (state, version) = self.applied(stream_id, state, &events, &result);
                    self.after_commit(&self.store, stream_id, before, &state)();
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

    /// Executes one command inside a unit of work: its events commit with the unit, and
    /// the stream stays turned to the unit until then. A concurrency conflict is not
    /// retried here (the unit's transaction may be aborted): the unit's owner rolls back
    /// and runs the whole unit again.
    #[instrument(skip_all, fields(aggregate_type = A::TYPE, aggregate_id = %stream_id))]
    pub async fn execute_in<A>(
        &self,
        unit: &mut UnitOfWork,
        stream_id: &str,
        expectation: StreamExpectation,
        command: A::Command,
        metadata: &Metadata,
    ) -> Result<Executed<A>, ExecuteError>
    where
        A: Aggregate,
    {
        let store = self.store.in_tenant(unit.tenant());
        let (index, stripe) = self.stripe(unit.tenant(), stream_id);
        if !unit.has_turn(index) {
            let turn = Arc::clone(stripe).lock_owned();
            let guard = if unit.has_turns() {
                // A unit taking a second stream's turn while another unit may wait for
                // its first: a bounded wait breaks the cycle, the unit's owner rolls
                // back and runs it again.
                tokio::time::timeout(SECOND_TURN_WAIT, turn)
                    .await
                    .map_err(|_| StoreError::Busy(stream_id.to_owned()))?
            } else {
                turn.await
            };
            unit.hold_turn(index, guard);
        }
        let remembered = unit.state::<Loaded<A>>(A::TYPE, stream_id);
        let from_unit = remembered.is_some();
        let state: Loaded<A> = match (expectation, remembered) {
            (StreamExpectation::New, _) => Loaded::default(),
            (StreamExpectation::Existing, Some(state)) => state,
            (StreamExpectation::Existing, None) => {
                match self.cache.get::<A>(store.tenant(), stream_id) {
                    Some(cached) => cached,
                    None => {
                        store
                            .load_at_on(unit.conn(), stream_id, StreamRange::all())
                            .await?
                    }
                }
            }
        };
        let from_cache = expectation == StreamExpectation::Existing && state.exists() && !from_unit;
        let events = self.decide(stream_id, expectation, &state, command)?;
        let outcome = if events.is_empty() {
            if from_cache {
                store
                    .append_in(
                        unit.conn(),
                        stream_id,
                        A::TYPE,
                        ExpectedVersion::Exact(state.version),
                        &[],
                    )
                    .await
            } else {
                Ok(AppendResult {
                    first_version: state.version + 1,
                    last_version: state.version,
                    positions: Vec::new(),
                })
            }
        } else {
            let new_events = new_events(&events, metadata)?;
            let pending = pending(&store, stream_id, &state, &events, &new_events);
            self.path.append_in(unit, &store, &pending).await
        };
        match outcome {
            Ok(result) => {
                let before = state.version;
                let (state, version) = self.applied(stream_id, state, &events, &result);
                unit.remember(A::TYPE, stream_id, state.clone());
                unit.after_commit(self.after_commit(&store, stream_id, before, &state));
                Ok(Executed {
                    aggregate: state.aggregate,
                    version,
                    events,
                })
            }
            Err(err) => {
                self.cache.remove::<A>(store.tenant(), stream_id);
                Err(err.into())
            }
        }
    }

    /// The command's decision on `state`, or why it cannot be made.
    fn decide<A: Aggregate>(
        &self,
        stream_id: &str,
        expectation: StreamExpectation,
        state: &Loaded<A>,
        command: A::Command,
    ) -> Result<Vec<A::Event>, ExecuteError> {
        if expectation == StreamExpectation::Existing && !state.exists() {
            return Err(ExecuteError::NotFound {
                aggregate_type: A::TYPE,
                id: stream_id.to_owned(),
            });
        }
        Ok(state.aggregate.handle(command).map_err(rule)?)
    }

    /// The state after the appended events, and its version.
    fn applied<A: Aggregate>(
        &self,
        stream_id: &str,
        mut state: Loaded<A>,
        events: &[A::Event],
        result: &AppendResult,
    ) -> (Loaded<A>, i64) {
        for event in events {
            state.aggregate.apply(event);
        }
        state.version = result.last_version;
        if !events.is_empty() {
            debug!(
                stream_id,
                version = result.last_version,
                event_types = ?events.iter().map(DomainEvent::event_type).collect::<Vec<_>>(),
                "appended"
            );
        }
        (state, result.last_version)
    }

    /// What follows a committed command on `store`'s tenant: the state cached, a
    /// snapshot when due (the stream was at `before`), log readers woken when events
    /// were appended.
    fn after_commit<A: Aggregate>(
        &self,
        store: &PgEventStore,
        stream_id: &str,
        before: i64,
        state: &Loaded<A>,
    ) -> impl FnOnce() + Send + 'static {
        let (store, cache) = (store.clone(), Arc::clone(&self.cache));
        let (notifier, every) = (self.notifier.clone(), self.snapshot_every);
        let (stream_id, state) = (stream_id.to_owned(), state.clone());
        move || {
            cache.put(store.tenant(), &stream_id, state.clone());
            if state.version > before {
                snapshot_if_due(&store, every, &stream_id, before, &state);
                if let Some(notifier) = &notifier {
                    notifier.notify();
                }
            }
        }
    }

    /// The stripe (and its index) whose turn commands on a tenant's stream take.
    fn stripe(&self, tenant: &str, stream_id: &str) -> (usize, &Arc<Mutex<()>>) {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (tenant, stream_id).hash(&mut hasher);
        let index = (hasher.finish() % self.stripes.len() as u64) as usize;
        (index, &self.stripes[index])
    }

    /// A no-op decided on a cached state is confirmed against the store's version,
    /// so a state changed by another process is never reported as current.
    async fn confirm_no_op<A: Aggregate>(
        &self,
        stream_id: &str,
        state: &Loaded<A>,
        from_cache: bool,
    ) -> Result<AppendResult, StoreError> {
        let expected = ExpectedVersion::Exact(state.version);
        if from_cache {
            self.store.append(stream_id, A::TYPE, expected, &[]).await
        } else {
            Ok(AppendResult {
                first_version: state.version + 1,
                last_version: state.version,
                positions: Vec::new(),
            })
        }
    }
}

/// How long a unit that already holds a stream's turn waits for another one.
const SECOND_TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The events serialized and stamped with the request's metadata.
fn new_events<E: DomainEvent>(
    events: &[E],
    metadata: &Metadata,
) -> Result<Vec<NewEvent>, StoreError> {
    Ok(events
        .iter()
        .map(|e| NewEvent::from_event(e, metadata.clone()))
        .collect::<Result<Vec<_>, _>>()?)
}

/// The events as an append to a tenant's stream (`store`'s), expecting `state`'s version.
fn pending<'a, A: Aggregate>(
    store: &'a PgEventStore,
    stream_id: &'a str,
    state: &Loaded<A>,
    events: &'a [A::Event],
    new_events: &'a [NewEvent],
) -> PendingAppend<'a, A> {
    PendingAppend {
        tenant: store.tenant(),
        stream_id,
        expected: match state.version {
            0 => ExpectedVersion::NoStream,
            v => ExpectedVersion::Exact(v),
        },
        first_version: state.version + 1,
        events,
        new_events,
    }
}

/// Starts writing a snapshot when a command moved the stream past a multiple of
/// `every` (0 = never); a failure is only logged (loading then replays more events).
fn snapshot_if_due<A: Aggregate>(
    store: &PgEventStore,
    every: i64,
    stream_id: &str,
    before: i64,
    state: &Loaded<A>,
) {
    if every <= 0 || A::SNAPSHOT_SCHEMA_VERSION.is_none() || before / every == state.version / every
    {
        return;
    }
    let store = store.clone();
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
