//! Reading, locking and writing `rm_*` rows.
//!
//! Every table has three platform columns after the declared ones: `_tenant`, whose
//! rows they are (the key is unique per tenant); `_position`, the global position of
//! the row's first event (paging is newest-first by it); and `_revision`, the row's
//! version (per-aggregate rows) or the position of the newest event applied (group_by
//! rows): equal revisions mean equal content.

use std::collections::HashSet;

use platform_event_sourcing::CoWriteSql;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, Row};

use super::ddl::quoted;
use crate::model::ReadModel;

/// Most bind parameters of rows in one statement (PostgreSQL allows 65,535; the
/// guards take three more).
const MAX_PARAMS: usize = 60_000;

/// Platform columns after the declared ones.
const PLATFORM_COLUMNS: &str = "\"_tenant\", \"_position\", \"_revision\"";

/// A row's identity: its tenant and key.
pub(crate) type RowId = (String, String);

/// A stored row with its platform columns.
pub(crate) struct StoredRow<R> {
    /// The row's tenant and key.
    pub id: RowId,
    /// The row.
    pub row: R,
    /// Global position of its first event.
    pub position: i64,
    /// Its revision.
    pub revision: i64,
}

/// A row to write.
pub(crate) struct RowWrite<'r, R> {
    /// Its tenant.
    pub tenant: &'r str,
    /// Its key.
    pub key: &'r str,
    /// The row.
    pub row: &'r R,
    /// Global position of its first event.
    pub position: i64,
    /// Its new revision.
    pub revision: i64,
    /// The revision the stored row must still have (`None`: there must be none).
    pub guard: Option<i64>,
}

/// The rows of `table` with these identities, locked for update in identity order
/// (concurrent writers cannot deadlock). `ids` must be sorted.
pub(crate) async fn lock<R: ReadModel>(
    conn: &mut PgConnection,
    table: &str,
    ids: &[(&str, &str)],
) -> Result<Vec<StoredRow<R>>, sqlx::Error> {
    let key_column = quoted(R::KEY.column());
    let select = format!(
        "SELECT * FROM {} WHERE (\"_tenant\", {key_column}) IN \
         (SELECT * FROM unnest($1::text[], $2::text[])) \
         ORDER BY \"_tenant\", {key_column} FOR UPDATE",
        quoted(table)
    );
    let (tenants, keys): (Vec<&str>, Vec<&str>) = ids.iter().copied().unzip();
    let rows = sqlx::query(&select)
        .bind(&tenants)
        .bind(&keys)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredRow {
                id: (row.try_get("_tenant")?, row.try_get(R::KEY.column())?),
                row: R::from_row(row)?,
                position: row.try_get("_position")?,
                revision: row.try_get("_revision")?,
            })
        })
        .collect()
}

/// Writes rows (inserting new identities, replacing every column of existing ones but
/// their first position), in as few statements as the parameter limit allows, each
/// only over a stored row whose revision is still the row's guard. Returns the rows
/// written; a row missing from it was changed by another transaction (and is now
/// locked to this one). `rows` in identity order.
pub(crate) async fn upsert<R: ReadModel>(
    conn: &mut PgConnection,
    table: &str,
    rows: &[RowWrite<'_, R>],
) -> Result<HashSet<RowId>, sqlx::Error> {
    let per_statement = (MAX_PARAMS / (R::COLUMNS.len() + 3)).max(1);
    let mut written = HashSet::with_capacity(rows.len());
    for chunk in rows.chunks(per_statement) {
        let sql = upsert_sql::<R>(table, chunk.len());
        let mut query = sqlx::query(&sql);
        for write in chunk {
            query = write
                .row
                .bind(query)
                .bind(write.tenant)
                .bind(write.position)
                .bind(write.revision);
        }
        let guarded = chunk.iter().filter_map(|w| w.guard.map(|g| (w, g)));
        let (tenants, keys, guards): (Vec<&str>, Vec<&str>, Vec<i64>) = guarded.fold(
            (Vec::new(), Vec::new(), Vec::new()),
            |(mut t, mut k, mut g), (write, guard)| {
                t.push(write.tenant);
                k.push(write.key);
                g.push(guard);
                (t, k, g)
            },
        );
        let stored = query
            .bind(tenants)
            .bind(keys)
            .bind(guards)
            .fetch_all(&mut *conn)
            .await?;
        for row in stored {
            written.insert((row.try_get("_tenant")?, row.try_get("_key")?));
        }
    }
    Ok(written)
}

/// `INSERT … VALUES (…), (…) ON CONFLICT (tenant, key) DO UPDATE SET every column
/// WHERE (tenant, key, revision) is a guarded one RETURNING tenant, key`; each row binds
/// its columns, tenant, position and revision, then three arrays bind the guards.
fn upsert_sql<R: ReadModel>(table: &str, rows: usize) -> String {
    let width = R::COLUMNS.len() + 3;
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let guards = rows * width;
    let quoted_table = quoted(table);
    let key = quoted(R::KEY.column());
    format!(
        "INSERT INTO {quoted_table} ({}, {PLATFORM_COLUMNS}) VALUES {} \
         ON CONFLICT (\"_tenant\", {key}) DO UPDATE SET {} \
         WHERE ({quoted_table}.\"_tenant\", {quoted_table}.{key}::text, \
                {quoted_table}.\"_revision\") \
               IN (SELECT * FROM unnest(${}::text[], ${}::text[], ${}::bigint[])) \
         RETURNING \"_tenant\", {key}::text AS \"_key\"",
        column_list::<R>(),
        values.join(", "),
        update_list::<R>(),
        guards + 1,
        guards + 2,
        guards + 3,
    )
}

/// The upsert of one row as co-write CTEs of an append (see
/// [`platform_event_sourcing::CoWrite`]): in the events' tenant, written only if the
/// events were, positioned at the first of them, and only over a stored row whose
/// revision is the guard (or none); for group_by models, the stream's entry in
/// `read_model_streams` too.
///
/// Parameters from `first`: the row's columns, then its revision (per-aggregate rows;
/// a group_by row's revision is the statement's newest position), then the guard.
pub(crate) fn co_write_sql<R: ReadModel>(first: usize, ins: &str) -> CoWriteSql {
    let columns = R::COLUMNS.len();
    let params: Vec<String> = (0..columns).map(|i| format!("${}", first + i)).collect();
    let per_aggregate = R::KEY.is_per_aggregate();
    let (revision, guard) = if per_aggregate {
        let param = first + columns;
        (format!("${param}"), param + 1)
    } else {
        (
            format!("(SELECT max(global_position) FROM {ins})"),
            first + columns,
        )
    };
    let table = quoted(R::TABLE);
    let mut ctes = vec![format!(
        "INSERT INTO {table} ({}, {PLATFORM_COLUMNS}) \
         SELECT {}, (SELECT min(tenant_id) FROM {ins}), (SELECT min(global_position) FROM {ins}), \
         {revision} WHERE EXISTS (SELECT 1 FROM {ins}) ON CONFLICT (\"_tenant\", {}) DO UPDATE \
         SET {} WHERE {table}.\"_revision\" = ${guard} RETURNING 1",
        column_list::<R>(),
        params.join(", "),
        quoted(R::KEY.column()),
        update_list::<R>(),
    )];
    if !per_aggregate {
        // The events are new: record their stream's last version for this table.
        ctes.push(format!(
            "INSERT INTO read_model_streams (table_name, tenant_id, stream_id, version) \
             SELECT '{}', tenant_id, stream_id, max(version) FROM {ins} \
             GROUP BY tenant_id, stream_id \
             ON CONFLICT (table_name, tenant_id, stream_id) DO UPDATE \
             SET version = GREATEST(read_model_streams.version, EXCLUDED.version)",
            R::TABLE
        ));
    }
    CoWriteSql {
        ctes,
        params: columns + if per_aggregate { 2 } else { 1 },
    }
}

fn column_list<R: ReadModel>() -> String {
    let columns: Vec<String> = R::COLUMNS.iter().map(|c| quoted(c.name)).collect();
    columns.join(", ")
}

/// `column = EXCLUDED.column` for every column but the key, the tenant and the first
/// position.
fn update_list<R: ReadModel>() -> String {
    let mut updates: Vec<String> = R::COLUMNS
        .iter()
        .filter(|c| c.name != R::KEY.column())
        .map(|c| format!("{0} = EXCLUDED.{0}", quoted(c.name)))
        .collect();
    updates.push("\"_revision\" = EXCLUDED.\"_revision\"".to_owned());
    updates.join(", ")
}

/// A tenant's row of `R` with this key.
pub(crate) async fn get<R: ReadModel>(
    conn: &mut PgConnection,
    tenant: &str,
    key: &str,
) -> Result<Option<R>, sqlx::Error> {
    let sql = format!(
        "SELECT * FROM {} WHERE \"_tenant\" = $1 AND {} = $2",
        quoted(R::TABLE),
        quoted(R::KEY.column())
    );
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(R::from_row).transpose()
}

/// A tenant's rows of `R` with any of these keys (in no particular order).
pub(crate) async fn get_many<R: ReadModel>(
    conn: &mut PgConnection,
    tenant: &str,
    keys: &[String],
) -> Result<Vec<R>, sqlx::Error> {
    let sql = format!(
        "SELECT * FROM {} WHERE \"_tenant\" = $1 AND {} = ANY($2::text[])",
        quoted(R::TABLE),
        quoted(R::KEY.column())
    );
    let rows = sqlx::query(&sql)
        .bind(tenant)
        .bind(keys)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(R::from_row).collect()
}

/// Up to `limit` of a tenant's rows of `R` positioned before `before` (all when
/// `None`), newest first, where `column` equals `value` (every row when `column` is
/// `None`); each with its position.
pub(crate) async fn page<R, V>(
    conn: &mut PgConnection,
    tenant: &str,
    filter: Option<(&str, V)>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<(R, i64)>, sqlx::Error>
where
    R: ReadModel,
    V: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send + 'static,
{
    let table = quoted(R::TABLE);
    let rows: Vec<PgRow> = match filter {
        Some((column, value)) => {
            let sql = format!(
                "SELECT * FROM {table} WHERE \"_tenant\" = $1 AND {} = $2 \
                 AND ($3::bigint IS NULL OR \"_position\" < $3) \
                 ORDER BY \"_position\" DESC LIMIT $4",
                quoted(column)
            );
            sqlx::query(&sql)
                .bind(tenant)
                .bind(value)
                .bind(before)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            let sql = format!(
                "SELECT * FROM {table} WHERE \"_tenant\" = $1 \
                 AND ($2::bigint IS NULL OR \"_position\" < $2) \
                 ORDER BY \"_position\" DESC LIMIT $3"
            );
            sqlx::query(&sql)
                .bind(tenant)
                .bind(before)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        }
    };
    rows.iter()
        .map(|row| Ok((R::from_row(row)?, row.try_get("_position")?)))
        .collect()
}

/// Keeps this transaction's row lookups on the key index: a table being rebuilt grows
/// faster than its statistics follow, and would otherwise be scanned once per batch.
pub(crate) async fn prefer_index_lookups(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *conn)
        .await?;
    Ok(())
}
