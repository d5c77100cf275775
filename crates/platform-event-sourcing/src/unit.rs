//! Work that commits together, and connections scoped to one tenant.
//!
//! A [`UnitOfWork`] is one transaction: every command executed in it (appends and their
//! inline read-model rows), and whatever else its owner writes through its connection
//! (an idempotency key's answer, a subscriber's inbox claim). Caches, snapshots and
//! notifications follow only once it committed; the streams it touched stay turned to
//! it until then.

use std::any::Any;
use std::collections::HashMap;

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::error::StoreError;

/// Names a tenant for row-level security in one transaction (`platform.tenant`).
/// Tenants are `[A-Za-z0-9_.-]{1,64}`; the value is bound, never spliced.
pub(crate) async fn set_tenant(conn: &mut PgConnection, tenant: &str) -> Result<(), StoreError> {
    sqlx::query("SELECT set_config('platform.tenant', $1, true)")
        .bind(tenant)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One transaction for a tenant's work.
pub struct UnitOfWork {
    tx: Transaction<'static, Postgres>,
    tenant: String,
    after_commit: Vec<Box<dyn FnOnce() + Send>>,
    holds: Vec<Box<dyn Any + Send>>,
    turns: std::collections::HashSet<usize>,
    states: HashMap<(&'static str, String, String), Box<dyn Any + Send>>,
}

impl std::fmt::Debug for UnitOfWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnitOfWork")
            .field("tenant", &self.tenant)
            .field("after_commit", &self.after_commit.len())
            .finish()
    }
}

impl UnitOfWork {
    /// Begins a transaction for `tenant`'s work (naming the tenant to row-level
    /// security, which then binds every statement of it).
    pub async fn begin(pool: &PgPool, tenant: &str) -> Result<Self, StoreError> {
        let mut tx = pool.begin().await?;
        set_tenant(&mut tx, tenant).await?;
        Ok(UnitOfWork {
            tx,
            tenant: tenant.to_owned(),
            after_commit: Vec::new(),
            holds: Vec::new(),
            turns: std::collections::HashSet::new(),
            states: HashMap::new(),
        })
    }

    /// The tenant whose work this is.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// Turns the rest of the unit to `tenant`'s work (a subscriber's batch holds events
    /// of several tenants): row-level security binds its next statements to that
    /// tenant. What the unit did for the previous one stays in it and commits with it.
    pub async fn switch_tenant(&mut self, tenant: &str) -> Result<(), StoreError> {
        if self.tenant != tenant {
            set_tenant(&mut self.tx, tenant).await?;
            tenant.clone_into(&mut self.tenant);
        }
        Ok(())
    }

    /// The transaction's connection.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Runs `action` once the unit committed (never if it rolls back).
    pub fn after_commit(&mut self, action: impl FnOnce() + Send + 'static) {
        self.after_commit.push(Box::new(action));
    }

    /// Whether the unit holds the turn of stripe `index` (whatever the tenant).
    pub(crate) fn has_turn(&self, index: usize) -> bool {
        self.turns.contains(&index)
    }

    /// Whether the unit holds any stream's turn.
    pub(crate) fn has_turns(&self) -> bool {
        !self.turns.is_empty()
    }

    /// Keeps the turn of stripe `index` until the unit ends.
    pub(crate) fn hold_turn(&mut self, index: usize, guard: impl Any + Send) {
        self.turns.insert(index);
        self.hold(guard);
    }

    /// Keeps `guard` (a stream's turn, a read guard) until the unit ends.
    pub fn hold(&mut self, guard: impl Any + Send) {
        self.holds.push(Box::new(guard));
    }

    /// State this unit left for `key`, if any (so a second command on a stream decides
    /// on the first one's outcome, which no cache has seen yet).
    pub(crate) fn state<T: Clone + 'static>(&self, kind: &'static str, key: &str) -> Option<T> {
        self.states
            .get(&(kind, self.tenant.clone(), key.to_owned()))?
            .downcast_ref::<T>()
            .cloned()
    }

    /// Remembers state for `key` for the rest of the unit.
    pub(crate) fn remember<T: Send + 'static>(&mut self, kind: &'static str, key: &str, state: T) {
        self.states
            .insert((kind, self.tenant.clone(), key.to_owned()), Box::new(state));
    }

    /// Commits, then runs the after-commit actions and releases what it held.
    pub async fn commit(self) -> Result<(), StoreError> {
        let UnitOfWork {
            tx,
            after_commit,
            holds,
            ..
        } = self;
        tx.commit().await?;
        drop(holds);
        for action in after_commit {
            action();
        }
        Ok(())
    }

    /// Rolls back: nothing of the unit happened.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// A connection for one tenant's reads: when row-level security binds the pool's role,
/// a transaction that named the tenant (rolled back if dropped unfinished); otherwise a
/// plain pooled connection.
pub enum TenantConnection {
    /// Row-level security does not bind the role: the service scopes every statement.
    Plain(PoolConnection<Postgres>),
    /// A transaction that named the tenant.
    Scoped(Transaction<'static, Postgres>),
}

impl TenantConnection {
    /// A connection for `tenant`; `row_security` says whether the pool's role is bound
    /// by row-level security (then the tenant is named in a transaction).
    pub async fn acquire(
        pool: &PgPool,
        tenant: &str,
        row_security: bool,
    ) -> Result<Self, StoreError> {
        if row_security {
            let mut tx = pool.begin().await?;
            set_tenant(&mut tx, tenant).await?;
            Ok(TenantConnection::Scoped(tx))
        } else {
            Ok(TenantConnection::Plain(pool.acquire().await?))
        }
    }

    /// The connection.
    pub fn conn(&mut self) -> &mut PgConnection {
        match self {
            TenantConnection::Plain(conn) => conn,
            TenantConnection::Scoped(tx) => tx,
        }
    }

    /// Ends the transaction, if one was begun.
    pub async fn finish(self) -> Result<(), StoreError> {
        if let TenantConnection::Scoped(tx) = self {
            tx.commit().await?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for TenantConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            TenantConnection::Plain(_) => "plain",
            TenantConnection::Scoped(_) => "scoped",
        };
        f.debug_tuple("TenantConnection").field(&kind).finish()
    }
}
