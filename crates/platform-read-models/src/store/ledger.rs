//! The platform's bookkeeping of read models: `read_models` (which declaration each
//! table was built from, and where its last rebuild swapped in), `read_model_streams`
//! (the last version of each stream applied to a group_by table).

use std::collections::HashMap;

use sqlx::{PgConnection, PgExecutor};

use crate::model::Projection;

/// A model's row in `read_models`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct StoredModel {
    /// Hash of the declaration the table was built from.
    pub definition_hash: String,
    /// Oldest transaction running when the last rebuild swapped in.
    pub rebuilt_transaction_id: Option<i64>,
    /// Global position the last rebuild swapped in at.
    pub rebuilt_global_position: Option<i64>,
    /// Whether its table exists.
    pub table_exists: bool,
}

/// What `read_models` records for the model called `name`, if anything.
pub(crate) async fn stored_model<'e, E: PgExecutor<'e>>(
    executor: E,
    name: &str,
) -> Result<Option<StoredModel>, sqlx::Error> {
    sqlx::query_as(
        "SELECT definition_hash, rebuilt_transaction_id, rebuilt_global_position, \
         to_regclass(table_name) IS NOT NULL AS table_exists \
         FROM read_models WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(executor)
    .await
}

/// A model's table rebuilt from its declaration and swapped in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rebuilt<'a> {
    /// The model's name.
    pub name: &'a str,
    /// Its live table.
    pub table: &'a str,
    /// The aggregate type feeding it.
    pub aggregate_type: &'a str,
    /// Inline or async.
    pub projection: Projection,
    /// Hash of the declaration it was built from.
    pub hash: &'a str,
    /// Oldest transaction running at the swap.
    pub swap_xmin: i64,
    /// Global position it swapped in at.
    pub position: i64,
}

/// Records a rebuilt table in `read_models`.
pub(crate) async fn record_rebuilt(
    conn: &mut PgConnection,
    rebuilt: Rebuilt<'_>,
) -> Result<(), sqlx::Error> {
    let projection = match rebuilt.projection {
        Projection::Inline => "inline",
        Projection::Async => "async",
    };
    sqlx::query(
        "INSERT INTO read_models (name, table_name, aggregate_type, definition_hash, rebuilt_at, \
         rebuilt_transaction_id, rebuilt_global_position, projection) \
         VALUES ($1, $2, $3, $4, now(), $5, $6, $7) \
         ON CONFLICT (name) DO UPDATE SET table_name = EXCLUDED.table_name, \
         aggregate_type = EXCLUDED.aggregate_type, definition_hash = EXCLUDED.definition_hash, \
         rebuilt_at = now(), rebuilt_transaction_id = EXCLUDED.rebuilt_transaction_id, \
         rebuilt_global_position = EXCLUDED.rebuilt_global_position, \
         projection = EXCLUDED.projection, updated_at = now()",
    )
    .bind(rebuilt.name)
    .bind(rebuilt.table)
    .bind(rebuilt.aggregate_type)
    .bind(rebuilt.hash)
    .bind(rebuilt.swap_xmin)
    .bind(rebuilt.position)
    .bind(projection)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The last version of each stream already applied to `table`, locked, while the
/// newest version of this batch (`streams`: tenant, stream, version, sorted) is
/// recorded in the same statement.
pub(crate) async fn applied_versions(
    conn: &mut PgConnection,
    table: &str,
    streams: &[(&str, &str, i64)],
) -> Result<HashMap<(String, String), i64>, sqlx::Error> {
    let tenants: Vec<&str> = streams.iter().map(|s| s.0).collect();
    let ids: Vec<&str> = streams.iter().map(|s| s.1).collect();
    let versions: Vec<i64> = streams.iter().map(|s| s.2).collect();
    let rows: Vec<AppliedVersion> = sqlx::query_as(
        "WITH old AS ( \
             SELECT tenant_id, stream_id, version FROM read_model_streams \
             WHERE table_name = $1 \
               AND (tenant_id, stream_id) IN (SELECT * FROM unnest($2::text[], $3::text[])) \
             ORDER BY tenant_id, stream_id FOR UPDATE \
         ), new AS ( \
             INSERT INTO read_model_streams (table_name, tenant_id, stream_id, version) \
             SELECT $1, t, s, v FROM unnest($2::text[], $3::text[], $4::bigint[]) AS u(t, s, v) \
             ON CONFLICT (table_name, tenant_id, stream_id) DO UPDATE \
             SET version = GREATEST(read_model_streams.version, EXCLUDED.version) \
         ) SELECT tenant_id, stream_id, version FROM old",
    )
    .bind(table)
    .bind(&tenants)
    .bind(&ids)
    .bind(&versions)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ((r.tenant_id, r.stream_id), r.version))
        .collect())
}

/// A stream's last version applied to a table.
#[derive(Debug, sqlx::FromRow)]
struct AppliedVersion {
    tenant_id: String,
    stream_id: String,
    version: i64,
}

/// Forgets every stream version recorded for `table`.
pub(crate) async fn clear_streams(conn: &mut PgConnection, table: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM read_model_streams WHERE table_name = $1")
        .bind(table)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves the stream versions recorded for `from` to `to` (a rebuilt table swapped in).
pub(crate) async fn move_streams(
    conn: &mut PgConnection,
    from: &str,
    to: &str,
) -> Result<(), sqlx::Error> {
    clear_streams(conn, to).await?;
    sqlx::query("UPDATE read_model_streams SET table_name = $1 WHERE table_name = $2")
        .bind(to)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The oldest transaction still running in the cluster, as this transaction sees it.
pub(crate) async fn oldest_running_transaction(
    conn: &mut PgConnection,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        .fetch_one(&mut *conn)
        .await
}
