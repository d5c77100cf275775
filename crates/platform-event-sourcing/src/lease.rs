//! Roles one process at a time may hold (the outbox relay of an exchange, the projector
//! of a read model, a rebuild): session advisory locks, held as long as the connection
//! that took them, so a process that dies releases its roles with its connection.

use sqlx::PgConnection;

use crate::error::StoreError;

/// A named role, e.g. `platform.relay:orders`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    key: String,
}

impl Lease {
    /// The role called `key`.
    pub fn new(key: impl Into<String>) -> Self {
        Lease { key: key.into() }
    }

    /// Waits until this connection holds the role.
    pub async fn acquire(&self, conn: &mut PgConnection) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
            .bind(&self.key)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Takes the role for this connection if no other holds it.
    pub async fn try_acquire(&self, conn: &mut PgConnection) -> Result<bool, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext($1))")
                .bind(&self.key)
                .fetch_one(&mut *conn)
                .await?,
        )
    }
}
