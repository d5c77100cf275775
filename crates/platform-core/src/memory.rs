use std::sync::Mutex;

use crate::Metadata;
use crate::aggregate::Aggregate;
use crate::event::{DomainEvent, EventDecodeError, EventEnvelope, NewEvent};
use crate::version::{ConcurrencyError, ExpectedVersion};

/// Why the in-memory store refused an operation.
#[derive(Debug, thiserror::Error)]
pub enum MemoryStoreError {
    /// Another writer appended first.
    #[error(transparent)]
    Concurrency(#[from] ConcurrencyError),
    /// An event could not be serialized or deserialized.
    #[error(transparent)]
    Decode(#[from] EventDecodeError),
    /// An event could not be serialized.
    #[error("event serialization failed: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// One stored row of the in-memory log.
#[derive(Debug, Clone)]
struct StoredEvent {
    stream_id: String,
    aggregate_type: &'static str,
    version: i64,
    event: NewEvent,
}

/// An event store held in memory, with the same append semantics as the PostgreSQL one.
///
/// Meant for unit tests, examples and tools; it keeps nothing across restarts.
#[derive(Debug, Default)]
pub struct InMemoryEventStore {
    log: Mutex<Vec<StoredEvent>>,
}

impl InMemoryEventStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends events to a stream if its version matches `expected`; returns the new version.
    pub fn append<A: Aggregate>(
        &self,
        stream_id: &str,
        expected: ExpectedVersion,
        events: &[A::Event],
        metadata: &Metadata,
    ) -> Result<i64, MemoryStoreError> {
        let new_events = events
            .iter()
            .map(|e| NewEvent::from_event(e, metadata.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let actual = log
            .iter()
            .filter(|e| e.stream_id == stream_id)
            .map(|e| e.version)
            .max()
            .unwrap_or(0);
        if !expected.matches(actual) {
            return Err(ConcurrencyError {
                stream_id: stream_id.to_owned(),
                expected,
                actual,
            }
            .into());
        }
        let mut version = actual;
        for event in new_events {
            version += 1;
            log.push(StoredEvent {
                stream_id: stream_id.to_owned(),
                aggregate_type: A::TYPE,
                version,
                event,
            });
        }
        Ok(version)
    }

    /// Reads a stream from the start, decoded as the aggregate's events.
    pub fn read_stream<A: Aggregate>(
        &self,
        stream_id: &str,
    ) -> Result<Vec<EventEnvelope<A::Event>>, MemoryStoreError> {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.iter()
            .enumerate()
            .filter(|(_, e)| e.stream_id == stream_id)
            .map(|(i, e)| {
                let payload = e.event.payload.to_string();
                Ok(EventEnvelope {
                    event_id: e.event.event_id,
                    tenant_id: crate::DEFAULT_TENANT.to_owned(),
                    aggregate_type: e.aggregate_type.to_owned(),
                    aggregate_id: e.stream_id.clone(),
                    version: e.version,
                    global_position: i as i64 + 1,
                    schema_version: e.event.schema_version,
                    occurred_at: e.event.occurred_at,
                    metadata: e.event.metadata.clone(),
                    event: A::Event::from_payload(e.event.event_type, &payload)?,
                })
            })
            .collect()
    }

    /// Rebuilds an aggregate from its stream; returns it with its version (0 = no stream).
    pub fn load<A: Aggregate>(&self, stream_id: &str) -> Result<(A, i64), MemoryStoreError> {
        let mut aggregate = A::default();
        let mut version = 0;
        for envelope in self.read_stream::<A>(stream_id)? {
            aggregate.apply(&envelope.event);
            version = envelope.version;
        }
        Ok((aggregate, version))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::BusinessRuleError;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Added {
        n: i64,
    }

    #[derive(Debug, Clone, PartialEq, crate::DomainEvent)]
    enum TallyEvent {
        Added(Added),
    }

    #[derive(Debug, thiserror::Error)]
    #[error("never")]
    struct Never;

    impl BusinessRuleError for Never {
        fn code(&self) -> &'static str {
            "never"
        }
    }

    #[derive(Debug, Clone, Default)]
    struct Tally(i64);

    impl Aggregate for Tally {
        const TYPE: &'static str = "Tally";
        type Command = i64;
        type Event = TallyEvent;
        type Error = Never;

        fn handle(&self, n: i64) -> Result<Vec<TallyEvent>, Never> {
            Ok(vec![TallyEvent::Added(Added { n })])
        }

        fn apply(&mut self, TallyEvent::Added(e): &TallyEvent) {
            self.0 += e.n;
        }
    }

    #[test]
    fn appends_checks_versions_and_loads() {
        let store = InMemoryEventStore::new();
        let meta = Metadata::default();
        let events = Tally::default().handle(2).unwrap();
        assert_eq!(
            store
                .append::<Tally>("t", ExpectedVersion::NoStream, &events, &meta)
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .append::<Tally>("t", ExpectedVersion::Exact(1), &events, &meta)
                .unwrap(),
            2
        );
        let err = store
            .append::<Tally>("t", ExpectedVersion::Exact(1), &events, &meta)
            .unwrap_err();
        assert!(matches!(
            err,
            MemoryStoreError::Concurrency(ConcurrencyError { actual: 2, .. })
        ));
        let (tally, version) = store.load::<Tally>("t").unwrap();
        assert_eq!((tally.0, version), (4, 2));
        let stream = store.read_stream::<Tally>("t").unwrap();
        assert_eq!(stream[1].version, 2);
        assert_eq!(stream[1].event.event_type(), "Added");
        assert_eq!(store.load::<Tally>("other").unwrap().1, 0);
    }
}
