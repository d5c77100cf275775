//! The generic query API over read-model tables: by key, by indexed column, paged.

use std::marker::PhantomData;

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres};

use super::ReadModelError;
use super::model::{IndexKind, ReadModel};
use super::schema::quoted;

/// Rows per page when the caller gives no limit.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Most rows per page.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Which page to read: newest rows first, `cursor` from the previous page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows per page (default 50, at most 500).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of rows, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<R> {
    /// The rows.
    pub items: Vec<R>,
    /// Cursor of the next page, when there is one.
    pub next_cursor: Option<String>,
}

/// Read access to one read model's table.
#[derive(Debug, Clone)]
pub struct ReadModelStore<R> {
    pool: PgPool,
    _model: PhantomData<fn() -> R>,
}

impl<R: ReadModel> ReadModelStore<R> {
    /// Queries over this pool.
    pub fn new(pool: PgPool) -> Self {
        ReadModelStore {
            pool,
            _model: PhantomData,
        }
    }

    /// The row with this key, if any.
    pub async fn get(&self, key: &str) -> Result<Option<R>, ReadModelError> {
        let sql = format!(
            "SELECT * FROM {} WHERE {} = $1",
            quoted(R::TABLE),
            quoted(R::KEY.column())
        );
        let row = sqlx::query(&sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(R::from_row).transpose()?)
    }

    /// Rows whose `column` (the key or an `#[index]` column) equals `value`, newest first.
    pub async fn find_by<V>(
        &self,
        column: &str,
        value: V,
        page: &PageRequest,
    ) -> Result<Page<R>, ReadModelError>
    where
        V: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send + 'static,
    {
        let queryable = column == R::KEY.column()
            || R::COLUMNS
                .iter()
                .any(|c| c.name == column && c.index != IndexKind::None);
        if !queryable {
            return Err(ReadModelError::NotQueryable {
                read_model: R::NAME,
                column: column.to_owned(),
            });
        }
        let sql = format!(
            "SELECT * FROM {} WHERE {} = $1 AND ($2::bigint IS NULL OR \"_position\" < $2) \
             ORDER BY \"_position\" DESC LIMIT $3",
            quoted(R::TABLE),
            quoted(column)
        );
        let (before, limit) = page_bounds(page)?;
        let rows = sqlx::query(&sql)
            .bind(value)
            .bind(before)
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?;
        paged(rows, limit)
    }

    /// Every row, newest first.
    pub async fn list(&self, page: &PageRequest) -> Result<Page<R>, ReadModelError> {
        let sql = format!(
            "SELECT * FROM {} WHERE ($1::bigint IS NULL OR \"_position\" < $1) \
             ORDER BY \"_position\" DESC LIMIT $2",
            quoted(R::TABLE)
        );
        let (before, limit) = page_bounds(page)?;
        let rows = sqlx::query(&sql)
            .bind(before)
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?;
        paged(rows, limit)
    }
}

fn page_bounds(page: &PageRequest) -> Result<(Option<i64>, u32), ReadModelError> {
    let limit = page
        .limit
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    let before = match page.cursor.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(
            cursor
                .parse::<i64>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| ReadModelError::InvalidCursor(cursor.to_owned()))?,
        ),
    };
    Ok((before, limit))
}

fn paged<R: ReadModel>(rows: Vec<PgRow>, limit: u32) -> Result<Page<R>, ReadModelError> {
    let more = rows.len() > limit as usize;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next_cursor = match (more, rows.last()) {
        (true, Some(last)) => Some(sqlx::Row::try_get::<i64, _>(last, "_position")?.to_string()),
        _ => None,
    };
    let items = rows
        .iter()
        .map(R::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, next_cursor })
}
