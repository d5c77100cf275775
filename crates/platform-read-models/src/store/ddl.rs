//! Tables and indexes from read-model declarations, and swapping a rebuilt table in.

use sqlx::PgConnection;

use crate::model::{Column, IndexKind, RowKey};

/// A double-quoted identifier. Names come only from derive declarations, which the
/// macro has validated as `[a-z_][a-z0-9_]*`; anything else is refused here again.
pub(crate) fn quoted(name: &str) -> String {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    assert!(
        valid,
        "invalid SQL identifier {name:?} in a read-model declaration"
    );
    format!("\"{name}\"")
}

/// `CREATE TABLE`, `CREATE INDEX` and row-level security statements of a table of
/// these columns. Rows are keyed by tenant and key; every index leads with the tenant,
/// so each tenant's rows are a range of their own.
fn statements(table: &str, declared: &[Column], key: RowKey) -> Vec<String> {
    let quoted_table = quoted(table);
    let mut columns: Vec<String> = declared
        .iter()
        .map(|c| {
            let null = if c.nullable { "" } else { " NOT NULL" };
            // Keys compare bytewise: cheaper than the database's locale in every index
            // probe, and equality (all a key is used for) is the same.
            let collate = if c.name == key.column() && c.sql_type == "text" {
                " COLLATE \"C\""
            } else {
                ""
            };
            format!("{} {}{collate}{null}", quoted(c.name), c.sql_type)
        })
        .collect();
    columns.push("\"_tenant\" text COLLATE \"C\" NOT NULL".to_owned());
    columns.push("\"_position\" bigint NOT NULL".to_owned());
    columns.push("\"_revision\" bigint NOT NULL DEFAULT 0".to_owned());
    columns.push(format!(
        "PRIMARY KEY (\"_tenant\", {})",
        quoted(key.column())
    ));
    let mut statements = vec![
        // Room on each page for the new version of an updated row: an update that
        // changes no indexed column (a row's counters, its revision) stays on its page
        // and writes no index entry (a HOT update).
        format!(
            "CREATE TABLE {quoted_table} ({}) WITH (fillfactor = 70)",
            columns.join(", ")
        ),
        format!(
            "CREATE INDEX {} ON {quoted_table} (\"_tenant\", \"_position\")",
            quoted(&format!("{table}__position_idx")),
        ),
        format!("ALTER TABLE {quoted_table} ENABLE ROW LEVEL SECURITY"),
        format!(
            "CREATE POLICY tenant_isolation ON {quoted_table} \
             USING (platform_tenant_visible(\"_tenant\")) \
             WITH CHECK (platform_tenant_visible(\"_tenant\"))"
        ),
    ];
    for column in declared {
        let index = quoted(&format!("{table}_{}_idx", column.name));
        match column.index {
            IndexKind::None => {}
            IndexKind::Plain => statements.push(format!(
                "CREATE INDEX {index} ON {quoted_table} (\"_tenant\", {}, \"_position\")",
                quoted(column.name)
            )),
            IndexKind::Unique => statements.push(format!(
                "CREATE UNIQUE INDEX {index} ON {quoted_table} (\"_tenant\", {})",
                quoted(column.name)
            )),
        }
    }
    statements
}

/// Whether a table exists.
pub(crate) async fn table_exists(
    conn: &mut PgConnection,
    table: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(table)
        .fetch_one(&mut *conn)
        .await
}

/// Creates a table of a model's columns and key, with its indexes, replacing one left
/// over.
pub(crate) async fn create_table(
    conn: &mut PgConnection,
    table: &str,
    columns: &[Column],
    key: RowKey,
) -> Result<(), sqlx::Error> {
    drop_table(conn, table).await?;
    for statement in statements(table, columns, key) {
        sqlx::query(&statement).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Drops a table if it exists.
pub(crate) async fn drop_table(conn: &mut PgConnection, table: &str) -> Result<(), sqlx::Error> {
    // Checked first: `DROP TABLE IF EXISTS` of a missing table raises a notice.
    if table_exists(conn, table).await? {
        sqlx::query(&format!("DROP TABLE {}", quoted(table)))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Takes the live table away from readers and writers until the transaction ends.
pub(crate) async fn lock_exclusive(
    conn: &mut PgConnection,
    table: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
        quoted(table)
    ))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces the live table by the shadow one: table, indexes and stream ledger.
pub(crate) async fn swap_in(
    conn: &mut PgConnection,
    live: &str,
    shadow: &str,
) -> Result<(), sqlx::Error> {
    drop_table(conn, live).await?;
    sqlx::query(&format!(
        "ALTER TABLE {} RENAME TO {}",
        quoted(shadow),
        quoted(live)
    ))
    .execute(&mut *conn)
    .await?;
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() \
         AND tablename = $1 AND indexname LIKE $2",
    )
    .bind(live)
    .bind(format!("{shadow}%"))
    .fetch_all(&mut *conn)
    .await?;
    for index in indexes {
        let renamed = format!("{live}{}", &index[shadow.len()..]);
        sqlx::query(&format!(
            "ALTER INDEX {} RENAME TO {}",
            quoted(&index),
            quoted(&renamed)
        ))
        .execute(&mut *conn)
        .await?;
    }
    super::ledger::move_streams(conn, shadow, live).await
}
