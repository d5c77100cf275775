//! Where a reader of the global log has got to: one row per reader in `checkpoints`,
//! written in the same transaction as the work it covers (or, for the outbox relay,
//! after the broker confirmed it).

use sqlx::PgConnection;

use crate::error::StoreError;
use crate::position::LogPosition;

/// A named checkpoint, optionally valid only for one read-model declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    name: String,
    definition_hash: Option<String>,
}

/// A stored checkpoint row.
#[derive(Debug, sqlx::FromRow)]
struct CheckpointRow {
    transaction_id: i64,
    global_position: i64,
}

impl Checkpoint {
    /// The checkpoint called `name` (e.g. `relay:platform`).
    pub fn new(name: impl Into<String>) -> Self {
        Checkpoint {
            name: name.into(),
            definition_hash: None,
        }
    }

    /// The checkpoint called `name`, valid only while a read model's declaration hash
    /// is `hash`: one saved for another declaration is not found.
    pub fn for_definition(name: impl Into<String>, hash: impl Into<String>) -> Self {
        Checkpoint {
            name: name.into(),
            definition_hash: Some(hash.into()),
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The saved position, if any (for this declaration, when it has one).
    pub async fn load(&self, conn: &mut PgConnection) -> Result<Option<LogPosition>, StoreError> {
        let row: Option<CheckpointRow> = sqlx::query_as(
            "SELECT transaction_id, global_position FROM checkpoints \
             WHERE name = $1 AND definition_hash IS NOT DISTINCT FROM $2",
        )
        .bind(&self.name)
        .bind(self.definition_hash.as_deref())
        .fetch_optional(&mut *conn)
        .await?;
        Ok(row.map(|r| LogPosition {
            transaction_id: r.transaction_id,
            global_position: r.global_position,
        }))
    }

    /// Saves a position, in the caller's transaction when `conn` is one.
    pub async fn save(&self, conn: &mut PgConnection, at: LogPosition) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO checkpoints (name, transaction_id, global_position, definition_hash) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET \
             transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position, \
             definition_hash = EXCLUDED.definition_hash, updated_at = now()",
        )
        .bind(&self.name)
        .bind(at.transaction_id)
        .bind(at.global_position)
        .bind(self.definition_hash.as_deref())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Forgets the checkpoint.
    pub async fn delete(&self, conn: &mut PgConnection) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM checkpoints WHERE name = $1")
            .bind(&self.name)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}
