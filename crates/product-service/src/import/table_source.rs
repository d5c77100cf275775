//! `--from-table TABLE --source-url URL`: the rows of a CRUD `products` table in
//! another PostgreSQL database, with the same column names as a CSV header.

use futures_util::StreamExt;
use sqlx::postgres::PgPoolOptions;
use sqlx::{FromRow, PgPool};

use super::{COLUMNS, ImportError, Location, RawProduct, Record, Rows};

/// A row of the source table, every column read as text (`NULL` when the table has no
/// such optional column).
#[derive(Debug, FromRow)]
struct TableRow {
    sku: Option<String>,
    name: Option<String>,
    description: Option<String>,
    category_id: Option<String>,
    price: Option<String>,
    currency: Option<String>,
}

/// A column of the source table.
#[derive(Debug, FromRow)]
struct TableColumn {
    column_name: String,
}

/// `schema.table` or `table`, each part a plain identifier: the name goes into SQL
/// quoted, so it is taken exactly as written (case included).
fn parse_table_name(table: &str) -> Option<(Option<&str>, &str)> {
    let plain = |part: &str| {
        let mut bytes = part.bytes();
        bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && part.len() <= 63
    };
    let (schema, name) = match table.split_once('.') {
        Some((schema, name)) => (Some(schema), name),
        None => (None, table),
    };
    (plain(name) && schema.is_none_or(plain)).then_some((schema, name))
}

/// Connects, checks the table's columns and counts its rows, then reads it in SKU
/// order on a task of its own.
pub(super) async fn open(url: &str, table: &str) -> Result<Rows, ImportError> {
    let table_error = |reason: &str| ImportError::Table {
        table: table.to_owned(),
        reason: reason.to_owned(),
    };
    let (schema, name) = parse_table_name(table).ok_or_else(|| {
        table_error("not a table name (letters, digits and '_', optionally schema.table)")
    })?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .map_err(ImportError::SourceConnect)?;
    let read_error = |source| ImportError::TableRead {
        table: table.to_owned(),
        source,
    };
    let columns: Vec<TableColumn> = sqlx::query_as(
        r#"
        SELECT column_name::text AS column_name
        FROM information_schema.columns
        WHERE table_schema = coalesce($1, current_schema()) AND table_name = $2
        "#,
    )
    .bind(schema)
    .bind(name)
    .fetch_all(&pool)
    .await
    .map_err(read_error)?;
    if columns.is_empty() {
        return Err(table_error("no such table"));
    }
    let has = |column: &str| columns.iter().any(|c| c.column_name == column);
    for required in ["sku", "name"] {
        if !has(required) {
            return Err(table_error(&format!("no {required:?} column")));
        }
    }
    let quoted = match schema {
        Some(schema) => format!(r#""{schema}"."{name}""#),
        None => format!(r#""{name}""#),
    };
    let select: Vec<String> = COLUMNS
        .iter()
        .map(|column| {
            if has(column) {
                format!(r#""{column}"::text AS {column}"#)
            } else {
                format!("NULL::text AS {column}")
            }
        })
        .collect();
    let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {quoted}"))
        .fetch_one(&pool)
        .await
        .map_err(read_error)?;
    let sql = format!(
        r#"SELECT {} FROM {quoted} ORDER BY "sku""#,
        select.join(", ")
    );
    let (sender, rows) = Rows::channel(u64::try_from(count).ok());
    let table = table.to_owned();
    tokio::spawn(async move {
        read(&pool, &sql, &table, sender).await;
        pool.close().await;
    });
    Ok(rows)
}

/// Sends every row of the query, or the error that ended it.
async fn read(
    pool: &PgPool,
    sql: &str,
    table: &str,
    sender: tokio::sync::mpsc::Sender<Result<Record, ImportError>>,
) {
    let mut stream = sqlx::query_as::<_, TableRow>(sql).fetch(pool);
    let mut row = 0;
    while let Some(next) = stream.next().await {
        row += 1;
        let next = match next {
            Ok(found) => {
                let sku = found.sku.unwrap_or_default();
                Ok(Record {
                    location: Location::Table {
                        table: table.to_owned(),
                        row,
                        sku: sku.clone(),
                    },
                    fields: Ok(RawProduct::from_fields(
                        &sku,
                        found.name.as_deref().unwrap_or_default(),
                        found.description.as_deref(),
                        found.category_id.as_deref(),
                        found.price.as_deref(),
                        found.currency.as_deref(),
                    )),
                })
            }
            Err(source) => Err(ImportError::TableRead {
                table: table.to_owned(),
                source,
            }),
        };
        let fatal = next.is_err();
        if sender.send(next).await.is_err() || fatal {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_plain_identifiers() {
        assert_eq!(parse_table_name("products"), Some((None, "products")));
        assert_eq!(
            parse_table_name("legacy.Products_2"),
            Some((Some("legacy"), "Products_2"))
        );
        for bad in ["", "1x", "a.b.c", "p; drop table x", "p\"", ".p", "p."] {
            assert_eq!(parse_table_name(bad), None, "{bad}");
        }
    }
}
