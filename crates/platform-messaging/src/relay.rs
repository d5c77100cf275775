//! The outbox relay: follows the event log and broadcasts every broadcast event.
//!
//! The event log is the outbox. The relay reads it in gap-safe log order after its
//! checkpoint, publishes a batch with publisher confirms, and only then moves the
//! checkpoint (`relay:{exchange}` in `checkpoints`). A crash between the confirm and the checkpoint
//! publishes the batch again (at least once); nothing is ever skipped.

use std::time::{Duration, Instant};

use chrono::Utc;
use lapin::Connection;
use platform_event_sourcing::{
    Checkpoint, EVENTS_CHANNEL, Lease, LogFilter, LogPosition, Monitor, RecordedEvent,
    across_tenants, custom_plans, log_backlog, read_log,
};
use sqlx::PgConnection;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::connection::{Backoff, BusOptions, connect};
use crate::error::BusError;
use crate::publisher::Publisher;

/// How the relay reads and waits.
#[derive(Debug, Clone, Copy)]
pub struct RelayOptions {
    /// Events per published batch.
    pub batch_size: i64,
    /// Longest wait for new events without a notification.
    pub poll_interval: Duration,
    /// How often a standby process tries to take the lease.
    pub lease_retry: Duration,
}

impl Default for RelayOptions {
    fn default() -> Self {
        RelayOptions {
            batch_size: 500,
            poll_interval: Duration::from_secs(1),
            lease_retry: Duration::from_secs(2),
        }
    }
}

/// What the relay of this process reports (health, metrics).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RelayStatus {
    /// Connected to the broker.
    pub connected: bool,
    /// Holds the lease and publishes (another process may, when false).
    pub active: bool,
    /// Global position of the last confirmed event.
    pub checkpoint: i64,
    /// Broadcast events committed but not yet confirmed (as last measured).
    pub lag_events: i64,
    /// Age of the oldest unpublished broadcast event (0 when caught up).
    pub lag_seconds: f64,
    /// Events this process has published since it started.
    pub published: u64,
    /// The last failure, until the next success.
    pub last_error: Option<String>,
}

/// Shared view of the relay's status.
pub type RelayMonitor = Monitor<RelayStatus>;

/// Broadcasts the event log's broadcast events to the exchange, one process at a time.
#[derive(Debug, Clone)]
pub struct OutboxRelay {
    pool: PgPool,
    bus: BusOptions,
    options: RelayOptions,
    filter: LogFilter,
    monitor: RelayMonitor,
}

enum Stop {
    Shutdown,
    LeaseBusy,
}

impl OutboxRelay {
    /// A relay of `event_types` (usually [`platform_core::broadcast_event_types`]).
    pub fn new(
        pool: PgPool,
        bus: BusOptions,
        options: RelayOptions,
        event_types: &[&str],
        monitor: RelayMonitor,
    ) -> Self {
        OutboxRelay {
            pool,
            bus,
            options,
            filter: LogFilter::event_types(event_types),
            monitor,
        }
    }

    /// The checkpoint of this exchange's relay.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint::new(format!("relay:{}", self.bus.exchange))
    }

    /// Connects (with backoff while the broker is away), takes the lease when free and
    /// publishes while it holds it, until `shutdown`. Never gives up.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut backoff = Backoff::new(self.bus.reconnect_min, self.bus.reconnect_max);
        while !*shutdown.borrow() {
            match self.session(&mut shutdown, &mut backoff).await {
                Ok(()) => break,
                Err(err) => {
                    warn!(exchange = %self.bus.exchange, cause = %err, "outbox relay interrupted; reconnecting");
                    self.monitor.update(|s| {
                        s.connected = false;
                        s.active = false;
                        s.last_error = Some(err.to_string());
                    });
                }
            }
            tokio::select! {
                () = tokio::time::sleep(backoff.next_delay()) => {}
                _ = shutdown.changed() => break,
            }
        }
        self.monitor.update(|s| {
            s.connected = false;
            s.active = false;
        });
    }

    /// One broker connection: lease attempts and publishing until it fails or shutdown.
    async fn session(
        &self,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> Result<(), BusError> {
        let connection = connect(&self.bus, &format!("relay {}", self.bus.exchange)).await?;
        let result = self
            .publish_while_connected(&connection, shutdown, backoff)
            .await;
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            connection.close(200, "relay stopping".into()),
        )
        .await;
        result
    }

    async fn publish_while_connected(
        &self,
        connection: &Connection,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> Result<(), BusError> {
        let publisher = Publisher::open(connection, &self.bus).await?;
        let result = self
            .publish_with(connection, &publisher, shutdown, backoff)
            .await;
        publisher.close().await;
        result
    }

    async fn publish_with(
        &self,
        connection: &Connection,
        publisher: &Publisher,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> Result<(), BusError> {
        info!(exchange = %self.bus.exchange, broker = %self.bus.describe(), "outbox relay connected");
        self.monitor.update(|s| {
            s.connected = true;
            s.last_error = None;
        });
        backoff.reset();
        loop {
            match self
                .lease_and_publish(connection, publisher, shutdown)
                .await
            {
                Ok(Stop::Shutdown) => return Ok(()),
                Ok(Stop::LeaseBusy) => {}
                Err(err) if err.is_broker() => return Err(err),
                Err(err) => {
                    warn!(exchange = %self.bus.exchange, cause = %err, "outbox relay database failure; retrying");
                    self.monitor
                        .update(|s| s.last_error = Some(err.to_string()));
                }
            }
            self.monitor.update(|s| s.active = false);
            if !connection.status().connected() {
                return Err(BusError::Closed);
            }
            tokio::select! {
                () = tokio::time::sleep(self.options.lease_retry) => {}
                _ = shutdown.changed() => return Ok(()),
            }
        }
    }

    async fn lease_and_publish(
        &self,
        connection: &Connection,
        publisher: &Publisher,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Stop, BusError> {
        // The lease is a session advisory lock on a connection of its own: a process
        // that dies releases it with its connection, and a standby takes over.
        let mut db = self.pool.acquire().await?.detach();
        custom_plans(&mut db).await?;
        // The relay publishes every tenant's events.
        across_tenants(&mut db, false).await?;
        let leased = Lease::new(format!("platform.relay:{}", self.bus.exchange))
            .try_acquire(&mut db)
            .await?;
        if !leased {
            return Ok(Stop::LeaseBusy);
        }
        info!(exchange = %self.bus.exchange, "outbox relay lease taken");
        self.monitor.update(|s| s.active = true);
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(EVENTS_CHANNEL).await?;
        let saved = self.checkpoint();
        let mut checkpoint = saved.load(&mut db).await?.unwrap_or(LogPosition::START);
        let mut lag_measured: Option<Instant> = None;
        loop {
            let batch =
                read_log(&mut db, checkpoint, &self.filter, self.options.batch_size).await?;
            if let Some(last) = batch.last().map(|e| e.position) {
                publisher.publish(&batch).await?;
                saved.save(&mut db, last).await?;
                checkpoint = last;
                debug!(exchange = %self.bus.exchange, events = batch.len(), %checkpoint, "published");
                self.monitor.update(|s| {
                    s.checkpoint = last.global_position;
                    s.published += batch.len() as u64;
                });
                if lag_measured.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                    self.measure_lag(&mut db, checkpoint).await?;
                    lag_measured = Some(Instant::now());
                }
                if *shutdown.borrow() {
                    return Ok(Stop::Shutdown);
                }
                continue;
            }
            self.measure_lag(&mut db, checkpoint).await?;
            lag_measured = Some(Instant::now());
            if !connection.status().connected() {
                return Err(BusError::Closed);
            }
            tokio::select! {
                notification = listener.recv() => { notification?; }
                () = tokio::time::sleep(self.options.poll_interval) => {}
                _ = shutdown.changed() => return Ok(Stop::Shutdown),
            }
        }
    }

    async fn measure_lag(&self, db: &mut PgConnection, at: LogPosition) -> Result<(), BusError> {
        let lag = log_backlog(db, at, &self.filter, LAG_COUNT_BOUND).await?;
        self.monitor.update(|s| {
            s.checkpoint = at.global_position;
            s.lag_events = lag.events;
            s.lag_seconds = lag.oldest.map_or(0.0, |t| {
                (Utc::now() - t).num_milliseconds().max(0) as f64 / 1000.0
            });
        });
        Ok(())
    }
}

/// Most unpublished events counted for the lag (counting costs what it reads).
const LAG_COUNT_BOUND: i64 = 1_000_000;

/// Which part of the log to publish again.
#[derive(Debug, Clone, Default)]
pub struct RepublishRange {
    /// First global position (inclusive); the start of the log when `None`.
    pub from_position: Option<i64>,
    /// Last global position (inclusive); the committed head when `None`.
    pub to_position: Option<i64>,
    /// Only these event types; every broadcast type when `None`.
    pub event_types: Option<Vec<String>>,
    /// Only events of this tenant's streams; every tenant's when `None`.
    pub tenant: Option<String>,
}

/// Publishes a range of the log again, with the relay's publisher and envelope, without
/// touching the relay's checkpoint; calls `progress` after each confirmed batch with the
/// running count and the last event. Returns how many events were published.
pub async fn republish(
    pool: &PgPool,
    bus: &BusOptions,
    broadcast_types: &[&str],
    range: &RepublishRange,
    batch_size: i64,
    mut progress: impl FnMut(u64, &RecordedEvent),
) -> Result<u64, BusError> {
    let event_types: Vec<String> = match &range.event_types {
        Some(wanted) => wanted
            .iter()
            .filter(|t| broadcast_types.contains(&t.as_str()))
            .cloned()
            .collect(),
        None => broadcast_types.iter().map(|t| (*t).to_owned()).collect(),
    };
    let filter = LogFilter {
        event_types: Some(event_types),
        from_position: range.from_position,
        to_position: range.to_position,
        tenant: range.tenant.clone(),
        ..LogFilter::default()
    };
    let connection = connect(bus, "republish").await?;
    let publisher = Publisher::open(&connection, bus).await?;
    // A connection of its own, reading every tenant's events on purpose.
    let mut db = pool.acquire().await?.detach();
    across_tenants(&mut db, false).await?;
    let mut after = LogPosition::START;
    let mut published = 0u64;
    loop {
        let batch = read_log(&mut db, after, &filter, batch_size).await?;
        let Some(last) = batch.last() else { break };
        publisher.publish(&batch).await?;
        published += batch.len() as u64;
        after = last.position;
        progress(published, last);
    }
    let _ = connection.close(200, "republish done".into()).await;
    Ok(published)
}
