//! Async projection: one projector per read model and database, following the log
//! from its checkpoint, woken by LISTEN/NOTIFY with a polling fallback.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use platform_event_sourcing::{
    EVENTS_CHANNEL, Lease, LogPosition, Monitor, across_tenants, custom_plans, log_backlog,
    log_head, read_log,
};
use sqlx::postgres::PgListener;
use sqlx::{Acquire, PgConnection, PgPool};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::error::ReadModelError;
use crate::model::Projection;
use crate::registry::{ReadModelRegistration, read_models};

/// How projectors run.
#[derive(Debug, Clone, Copy)]
pub struct ProjectorOptions {
    /// Events per transaction.
    pub batch_size: i64,
    /// Longest wait for new events without a notification.
    pub poll_interval: Duration,
    /// How often a standby tries to take the lease.
    pub lease_retry: Duration,
}

impl Default for ProjectorOptions {
    fn default() -> Self {
        ProjectorOptions {
            batch_size: 1_000,
            poll_interval: Duration::from_secs(1),
            lease_retry: Duration::from_secs(2),
        }
    }
}

/// What one projector reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectorStatus {
    /// Whether this process holds the lease and projects.
    pub active: bool,
    /// The checkpoint's global position.
    pub checkpoint: i64,
    /// The log's newest global position.
    pub head: i64,
    /// Positions between the checkpoint and the head while events of this model wait
    /// (an upper bound of events behind); 0 when caught up.
    pub lag_positions: i64,
    /// Age of the oldest event not yet projected (0 when caught up).
    pub lag_seconds: f64,
    /// Set when the projector waits for a rebuild (its declaration changed).
    pub waiting_for_rebuild: bool,
}

/// Status of every projector in this process, by table.
pub type ProjectorMonitor = Monitor<BTreeMap<&'static str, ProjectorStatus>>;

/// Starts a projector for every async read model; each runs until `shutdown`.
pub fn spawn_projectors(
    pool: &PgPool,
    options: ProjectorOptions,
    monitor: &ProjectorMonitor,
    shutdown: &watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    read_models()
        .iter()
        .filter(|m| m.projection == Projection::Async)
        .map(|model| {
            let projector = Projector {
                pool: pool.clone(),
                model,
                options,
                monitor: monitor.clone(),
            };
            tokio::spawn(projector.run(shutdown.clone()))
        })
        .collect()
}

/// One async read model's projector.
#[derive(Debug, Clone)]
pub struct Projector {
    pool: PgPool,
    model: &'static ReadModelRegistration,
    options: ProjectorOptions,
    monitor: ProjectorMonitor,
}

enum Outcome {
    Shutdown,
    LeaseBusy,
}

impl Projector {
    /// A projector for one model.
    pub fn new(
        pool: PgPool,
        model: &'static ReadModelRegistration,
        options: ProjectorOptions,
        monitor: ProjectorMonitor,
    ) -> Self {
        Projector {
            pool,
            model,
            options,
            monitor,
        }
    }

    /// Takes the lease when free, projects while it holds it, and stands by otherwise;
    /// errors (a database restart) are logged and retried.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.lease_and_project(&mut shutdown).await {
                Ok(Outcome::Shutdown) => break,
                Ok(Outcome::LeaseBusy) => {}
                Err(err) => {
                    warn!(read_model = self.model.name, cause = %err, "projector failed; retrying")
                }
            }
            self.monitor
                .update_entry(self.model.table, |s| s.active = false);
            tokio::select! {
                () = tokio::time::sleep(self.options.lease_retry) => {}
                _ = shutdown.changed() => break,
            }
        }
        self.monitor
            .update_entry(self.model.table, |s| s.active = false);
    }

    async fn lease_and_project(
        &self,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Outcome, ReadModelError> {
        // The lease is a session advisory lock on a connection of its own: it lasts as
        // long as that connection, so a dead process releases it.
        let mut conn = self.pool.acquire().await?.detach();
        custom_plans(&mut conn).await?;
        // A projector follows every tenant's events.
        across_tenants(&mut conn, false).await?;
        let lease = Lease::new(format!("platform.projector:{}", self.model.table));
        if !lease.try_acquire(&mut conn).await? {
            return Ok(Outcome::LeaseBusy);
        }
        info!(read_model = self.model.name, "projector lease taken");
        self.monitor
            .update_entry(self.model.table, |s| s.active = true);
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(EVENTS_CHANNEL).await?;
        loop {
            let projected = self.step(&mut conn).await?;
            if projected > 0 {
                if *shutdown.borrow() {
                    return Ok(Outcome::Shutdown);
                }
                continue;
            }
            tokio::select! {
                notification = listener.recv() => { notification?; }
                () = tokio::time::sleep(self.options.poll_interval) => {}
                _ = shutdown.changed() => return Ok(Outcome::Shutdown),
            }
        }
    }

    /// Projects one batch after the checkpoint; returns how many events it read.
    async fn step(&self, conn: &mut PgConnection) -> Result<usize, ReadModelError> {
        let model = self.model;
        let checkpoint = model.projector_checkpoint();
        let Some(at) = checkpoint.load(conn).await? else {
            // No checkpoint for this declaration: the table awaits a rebuild.
            self.monitor
                .update_entry(model.table, |s| s.waiting_for_rebuild = true);
            return Ok(0);
        };
        let filter = model.log_filter();
        let batch = read_log(conn, at, &filter, self.options.batch_size).await?;
        if let Some(last) = batch.last() {
            let last = last.position;
            let mut tx = conn.begin().await?;
            model.project_recorded(&mut tx, model.table, &batch).await?;
            checkpoint.save(&mut tx, last).await?;
            tx.commit().await?;
        }
        let position = batch.last().map_or(at, |e| e.position);
        self.report_lag(conn, position).await?;
        Ok(batch.len())
    }

    async fn report_lag(
        &self,
        conn: &mut PgConnection,
        at: LogPosition,
    ) -> Result<(), ReadModelError> {
        let head = log_head(conn).await?;
        let backlog = log_backlog(conn, at, &self.model.log_filter(), 1).await?;
        let lag_seconds = backlog.oldest.map_or(0.0, |t| {
            (Utc::now() - t).num_milliseconds().max(0) as f64 / 1000.0
        });
        // Caught up when no committed event of this model follows the checkpoint, even
        // if the log's head is further on (events the model does not handle).
        let behind = if backlog.events == 0 {
            0
        } else {
            (head - at.global_position).max(0)
        };
        self.monitor.update_entry(self.model.table, |s| {
            s.checkpoint = at.global_position;
            s.head = head;
            s.lag_positions = behind;
            s.lag_seconds = lag_seconds;
            s.waiting_for_rebuild = false;
        });
        Ok(())
    }
}
