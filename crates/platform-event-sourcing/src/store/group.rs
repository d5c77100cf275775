//! Group commit: appends to different streams that arrive together go to PostgreSQL as
//! one statement (per shape of co-writes) and one commit.
//!
//! Each append is a request to a small set of writer tasks. A writer takes what is
//! waiting, groups requests of one tenant whose streams and co-written rows are all
//! distinct, and writes them together: every block checks its own stream's expected
//! version, so a conflict on one stream fails that append only. Requests whose blocks
//! have the same co-write shape share one statement (so a handful of statement texts
//! is prepared and reused); different shapes are separate statements of one
//! transaction. A reply is sent only after the commit.
//!
//! When the grouped statement fails for a reason that belongs to one request (a guard
//! on a stale cached row, a constraint, a duplicate event id) nothing of the group is
//! stored, and each request is appended on its own to get its own answer. When the
//! database is unavailable every request gets an unavailable error: the caller looks
//! its events up by id, as after any lost reply.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, OnceLock};

use platform_core::{ExpectedVersion, NewEvent};
use sqlx::{PgConnection, Row};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::PgEventStore;
use super::append::{AppendOutcome, AppendResult, CoWrite, Columns, statement};
use crate::error::StoreError;

/// Most appends one group writes.
const MAX_GROUP: usize = 64;

/// Requests waiting for a writer, at most.
const QUEUE: usize = 4096;

/// One append handed to the writers.
pub(super) struct Request {
    pub(super) tenant: Arc<str>,
    pub(super) stream_id: String,
    pub(super) aggregate_type: &'static str,
    pub(super) expected: ExpectedVersion,
    pub(super) events: Vec<NewEvent>,
    pub(super) co_writes: Vec<Arc<dyn CoWrite>>,
    pub(super) reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
}

impl Request {
    /// The co-write shape: requests with the same one share a statement text.
    fn shape(&self) -> Vec<&str> {
        self.co_writes.iter().map(|c| c.table()).collect()
    }
}

/// The writers of one pool, started on first use.
#[derive(Debug)]
pub(super) struct GroupCommit {
    writers: usize,
    queue: OnceLock<mpsc::Sender<Request>>,
}

impl GroupCommit {
    /// Group commit through `writers` writer tasks (at least one).
    pub(super) fn new(writers: usize) -> Self {
        GroupCommit {
            writers: writers.max(1),
            queue: OnceLock::new(),
        }
    }

    /// Hands `request` to a writer; the writers are started on the first call (on the
    /// caller's runtime), writing through `store`.
    pub(super) async fn submit(&self, store: &PgEventStore, request: Request) {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            let rx = Arc::new(Mutex::new(rx));
            let store = PgEventStore {
                group: None,
                ..store.clone()
            };
            for _ in 0..self.writers {
                tokio::spawn(write(store.clone(), Arc::clone(&rx)));
            }
            tx
        });
        if let Err(mpsc::error::SendError(request)) = queue.send(request).await {
            let _ = request.reply.send(Err(gone()));
        }
    }
}

/// The error a request gets when no writer is left to answer it.
fn gone() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

/// A writer: takes what is waiting, writes one group, repeats until the queue closes.
async fn write(store: PgEventStore, queue: Arc<Mutex<mpsc::Receiver<Request>>>) {
    let mut waiting: VecDeque<Request> = VecDeque::new();
    loop {
        {
            let mut queue = queue.lock().await;
            if waiting.is_empty() {
                match queue.recv().await {
                    Some(request) => waiting.push_back(request),
                    None => return,
                }
            }
            while waiting.len() < MAX_GROUP {
                match queue.try_recv() {
                    Ok(request) => waiting.push_back(request),
                    Err(_) => break,
                }
            }
        }
        let group = take_group(&mut waiting);
        store.commit_group(group).await;
    }
}

/// The first waiting request and every later one of its tenant that touches neither a
/// stream nor a co-written row of the group; the rest stay waiting, in order.
fn take_group(waiting: &mut VecDeque<Request>) -> Vec<Request> {
    let Some(first) = waiting.pop_front() else {
        return Vec::new();
    };
    let mut streams: HashSet<String> = HashSet::new();
    let mut rows: HashSet<(String, Option<String>)> = HashSet::new();
    let mut tables: HashSet<String> = HashSet::new();
    let mut fits = |request: &Request| {
        if streams.contains(&request.stream_id) {
            return false;
        }
        let touched: Vec<(String, Option<String>)> = request
            .co_writes
            .iter()
            .map(|c| (c.table().to_owned(), c.row().map(str::to_owned)))
            .collect();
        let clash = touched.iter().any(|(table, row)| match row {
            Some(_) => {
                rows.contains(&(table.clone(), None))
                    || rows.contains(&(table.clone(), row.clone()))
            }
            None => tables.contains(table),
        });
        if clash {
            return false;
        }
        streams.insert(request.stream_id.clone());
        for (table, row) in touched {
            tables.insert(table.clone());
            rows.insert((table, row));
        }
        true
    };
    fits(&first);
    let tenant = Arc::clone(&first.tenant);
    let mut group = vec![first];
    let mut rest = VecDeque::with_capacity(waiting.len());
    while let Some(request) = waiting.pop_front() {
        if group.len() < MAX_GROUP && request.tenant == tenant && fits(&request) {
            group.push(request);
        } else {
            rest.push_back(request);
        }
    }
    *waiting = rest;
    group
}

/// What the grouped statements said of one request: its events' versions and
/// positions, or nothing when its expected version did not hold.
type Written = Option<AppendResult>;

impl PgEventStore {
    /// Appends events with co-writes that the caller hands over: through the group
    /// commit writers when the store has them (see
    /// [`with_group_commit`](Self::with_group_commit)), otherwise as
    /// [`append_with`](Self::append_with) does. Acknowledged only after the commit.
    pub async fn append_shared(
        &self,
        stream_id: &str,
        aggregate_type: &'static str,
        expected: ExpectedVersion,
        events: &[NewEvent],
        co_writes: Vec<Arc<dyn CoWrite>>,
    ) -> Result<AppendOutcome, StoreError> {
        let Some(group) = self.group.as_ref().filter(|_| !events.is_empty()) else {
            let borrowed: Vec<&dyn CoWrite> = co_writes.iter().map(|c| c.as_ref()).collect();
            return self
                .append_with(stream_id, aggregate_type, expected, events, &borrowed)
                .await;
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let request = Request {
            tenant: Arc::clone(&self.tenant),
            stream_id: stream_id.to_owned(),
            aggregate_type,
            expected,
            events: events.to_vec(),
            co_writes,
            reply,
        };
        group.submit(self, request).await;
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Database(sqlx::Error::Io(
                std::io::Error::other("the group commit writer stopped before answering"),
            )))
        })
    }

    /// Writes a group of one tenant's requests and answers each.
    async fn commit_group(&self, mut group: Vec<Request>) {
        let Some(tenant) = group.first().map(|r| Arc::clone(&r.tenant)) else {
            return;
        };
        let store = self.in_tenant(&tenant);
        // Same shapes next to each other (arrival order kept within a shape).
        group.sort_by_cached_key(|r| r.shape().join(","));
        match store.write_group(&group).await {
            Ok(written) => {
                for (request, written) in group.into_iter().zip(written) {
                    let answer = match written {
                        Some(result) => Ok(AppendOutcome::Appended(result)),
                        None => store
                            .stream_version(&request.stream_id)
                            .await
                            .and_then(|actual| {
                                Err(super::append::conflict(
                                    &request.stream_id,
                                    request.expected,
                                    actual,
                                ))
                            }),
                    };
                    let _ = request.reply.send(answer);
                }
            }
            Err(err) if err.is_unavailable() => {
                let cause = err.to_string();
                for request in group {
                    let _ = request.reply.send(Err(StoreError::Database(sqlx::Error::Io(
                        std::io::Error::other(cause.clone()),
                    ))));
                }
            }
            // Nothing of the group is stored: each request on its own gets its answer.
            Err(_) => {
                for request in group {
                    let co_writes: Vec<&dyn CoWrite> =
                        request.co_writes.iter().map(|c| c.as_ref()).collect();
                    let answer = store
                        .append_with(
                            &request.stream_id,
                            request.aggregate_type,
                            request.expected,
                            &request.events,
                            &co_writes,
                        )
                        .await;
                    let _ = request.reply.send(answer);
                }
            }
        }
    }

    /// The group's statements, in a transaction when there are several or row-level
    /// security wants the tenant named; what each request wrote, in order.
    async fn write_group(&self, group: &[Request]) -> Result<Vec<Written>, StoreError> {
        let mut chunks: Vec<&[Request]> = Vec::new();
        let mut start = 0;
        for end in 1..=group.len() {
            if end == group.len() || group[end].shape() != group[start].shape() {
                chunks.push(&group[start..end]);
                start = end;
            }
        }
        if chunks.len() == 1 && !self.row_security {
            let mut conn = self.pool.acquire().await?;
            return Ok(write_chunk(&mut conn, self.tenant(), chunks[0]).await?);
        }
        let mut tx = self.begin().await?;
        let mut written = Vec::with_capacity(group.len());
        for chunk in chunks {
            written.extend(write_chunk(&mut tx, self.tenant(), chunk).await?);
        }
        tx.commit().await?;
        Ok(written)
    }
}

/// One statement appending every request of `chunk` (all of one co-write shape).
async fn write_chunk(
    conn: &mut PgConnection,
    tenant: &str,
    chunk: &[Request],
) -> Result<Vec<Written>, sqlx::Error> {
    let co_writes: Vec<Vec<&dyn CoWrite>> = chunk
        .iter()
        .map(|r| r.co_writes.iter().map(|c| c.as_ref()).collect())
        .collect();
    let blocks: Vec<&[&dyn CoWrite]> = co_writes.iter().map(Vec::as_slice).collect();
    let sql = statement(&blocks);
    let columns: Vec<Columns<'_>> = chunk
        .iter()
        .map(|r| Columns::new(r.expected, &r.events))
        .collect();
    let mut query = sqlx::query(&sql);
    for ((request, columns), co_writes) in chunk.iter().zip(&columns).zip(&co_writes) {
        query = columns.bind(
            query,
            tenant,
            &request.stream_id,
            request.aggregate_type,
            co_writes,
        );
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut written: Vec<Written> = vec![None; chunk.len()];
    for row in rows {
        let k: i32 = row.try_get("k")?;
        let version: i64 = row.try_get("version")?;
        let position: i64 = row.try_get("global_position")?;
        let slot = written
            .get_mut(usize::try_from(k).unwrap_or(usize::MAX))
            .ok_or_else(|| sqlx::Error::Protocol(format!("append block {k} out of range")))?;
        let result = slot.get_or_insert_with(|| AppendResult {
            first_version: version,
            last_version: version,
            positions: Vec::new(),
        });
        result.last_version = version;
        result.positions.push(position);
    }
    Ok(written)
}
