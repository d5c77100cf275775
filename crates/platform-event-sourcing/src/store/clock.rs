//! The log's clock: the transaction ids the gap-safe order is made of, against the
//! cluster's own.
//!
//! Each event stores the id of the transaction that wrote it, and every reader keeps
//! its place as such an id. That order only holds while the cluster's ids keep rising
//! past the stored ones. A log restored into another cluster (`pg_dump` / restore, a
//! base backup on a new cluster) or a cluster whose ids were moved back
//! (`pg_resetwal`) gives new events ids below the stored ones: they would sort before
//! every checkpoint and never be read. [`restored_log`] detects it;
//! [`oldest_open_transaction`] names the transaction that holds gap-safe readers back.

use sqlx::PgPool;

use super::log::across_tenants;
use crate::error::StoreError;

/// The log holds transaction ids the cluster has not reached: it was restored into
/// another cluster, or the cluster's ids went back. Followers of the log (projectors,
/// the outbox relay, rebuilds) must not run until the ids are advanced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the event log holds transaction id {newest} but this PostgreSQL cluster has only \
     reached {next}: the database was restored from a backup into another cluster \
     (pg_dump/pg_restore, a base backup) or pg_resetwal moved transaction ids back. \
     Events written now would sort before every checkpoint and never be published or \
     projected. Way out: advance the cluster's \
     transaction ids past {newest} (burn {gap} ids with the DO loop in the README, \
     section \"A restored log\", or stop PostgreSQL and run `pg_resetwal -e {epoch} -x \
     {xid} <data directory>`), then start again"
)]
pub struct RestoredLog {
    /// The newest transaction id stored in the log or a reader's checkpoint.
    pub newest: i64,
    /// The id the cluster will give its next transaction.
    pub next: i64,
    /// How many ids must be used up before the cluster passes `newest`.
    pub gap: i64,
    /// The epoch `pg_resetwal -e` takes to move past `newest`.
    pub epoch: i64,
    /// The transaction id `pg_resetwal -x` takes to move past `newest`.
    pub xid: i64,
}

/// The newest stored transaction ids and the cluster's next one.
#[derive(Debug, sqlx::FromRow)]
struct Clock {
    newest_event: Option<i64>,
    newest_checkpoint: Option<i64>,
    next: i64,
}

/// First transaction id PostgreSQL hands out in an epoch (0 to 2 are reserved).
const FIRST_NORMAL_XID: i64 = 3;

/// `Some` when the log or a checkpoint holds a transaction id at or above the one the
/// cluster gives next (see [`RestoredLog`]); `None` when the log's order holds.
pub async fn restored_log(pool: &PgPool) -> Result<Option<RestoredLog>, StoreError> {
    let mut tx = pool.begin().await?;
    // The newest event of any tenant.
    across_tenants(&mut tx, true).await?;
    let clock: Clock = sqlx::query_as(
        r#"
SELECT (SELECT max(transaction_id)::text::bigint FROM events) AS newest_event,
       (SELECT max(transaction_id) FROM checkpoints) AS newest_checkpoint,
       pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS next
"#,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let newest = clock.newest_event.max(clock.newest_checkpoint);
    Ok(match newest {
        Some(newest) if newest >= clock.next => {
            let mut target = newest + 1;
            if target & 0xffff_ffff < FIRST_NORMAL_XID {
                target = (target & !0xffff_ffff) + FIRST_NORMAL_XID;
            }
            Some(RestoredLog {
                newest,
                next: clock.next,
                gap: target - clock.next,
                epoch: target >> 32,
                xid: target & 0xffff_ffff,
            })
        }
        _ => None,
    })
}

/// The oldest transaction open anywhere in the cluster that has written something:
/// gap-safe readers of the log wait for it to end before they read past its id.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OpenTransaction {
    /// Its backend's process id.
    pub pid: i32,
    /// The database it runs in.
    pub database: Option<String>,
    /// Its transaction id (32-bit, as `pg_stat_activity` shows it).
    pub xid: i64,
    /// How many transaction ids the cluster has handed out since.
    pub xid_age: i32,
    /// Seconds since it began; `None` when this role may not see other roles'
    /// transaction start times (`pg_read_all_stats`).
    pub age_seconds: Option<f64>,
    /// How many transactions with an id are open in all.
    pub open: i64,
}

/// The oldest open transaction that holds gap-safe readers back (see
/// [`OpenTransaction`]), or `None` when no transaction with an id is open.
pub async fn oldest_open_transaction(pool: &PgPool) -> Result<Option<OpenTransaction>, StoreError> {
    Ok(sqlx::query_as(
        r#"
SELECT pid, datname::text AS database, backend_xid::text::bigint AS xid,
       age(backend_xid) AS xid_age,
       extract(epoch FROM clock_timestamp() - xact_start)::float8 AS age_seconds,
       count(*) OVER () AS open
FROM pg_stat_activity
WHERE backend_xid IS NOT NULL
ORDER BY age(backend_xid) DESC
LIMIT 1
"#,
    )
    .fetch_optional(pool)
    .await?)
}
