//! The generic query API over read-model tables: by key, by indexed column, paged.

use std::marker::PhantomData;

use platform_core::DEFAULT_TENANT;
use platform_event_sourcing::TenantConnection;
use sqlx::{PgPool, Postgres};

use crate::error::ReadModelError;
use crate::model::{IndexKind, ReadModel};
use crate::store::rows;

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

/// Read access to one tenant's rows of one read model's table.
#[derive(Debug, Clone)]
pub struct ReadModelStore<R> {
    pool: PgPool,
    tenant: String,
    row_security: bool,
    _model: PhantomData<fn() -> R>,
}

impl<R: ReadModel> ReadModelStore<R> {
    /// Queries over this pool, in the default tenant.
    pub fn new(pool: PgPool) -> Self {
        ReadModelStore {
            pool,
            tenant: DEFAULT_TENANT.to_owned(),
            row_security: false,
            _model: PhantomData,
        }
    }

    /// The same queries naming their tenant to row-level security, for a pool whose
    /// role it binds.
    pub fn with_row_security(self, row_security: bool) -> Self {
        ReadModelStore {
            row_security,
            ..self
        }
    }

    async fn connection(&self) -> Result<TenantConnection, ReadModelError> {
        Ok(TenantConnection::acquire(&self.pool, &self.tenant, self.row_security).await?)
    }

    /// The same queries over `tenant`'s rows.
    pub fn in_tenant(self, tenant: &str) -> Self {
        ReadModelStore {
            tenant: tenant.to_owned(),
            ..self
        }
    }

    /// The row with this key, if any.
    pub async fn get(&self, key: &str) -> Result<Option<R>, ReadModelError> {
        let mut conn = self.connection().await?;
        let row = rows::get::<R>(conn.conn(), &self.tenant, key).await?;
        conn.finish().await?;
        Ok(row)
    }

    /// The rows with these keys that exist, in no particular order (one query).
    pub async fn get_many(&self, keys: &[String]) -> Result<Vec<R>, ReadModelError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.connection().await?;
        let rows = rows::get_many::<R>(conn.conn(), &self.tenant, keys).await?;
        conn.finish().await?;
        Ok(rows)
    }

    /// Rows whose `column` (the key or an `#[index]` column) equals `value`, newest
    /// first. Called by the `find_by_<field>` lookups the derive generates for each
    /// `#[index]` field (`OrderReadModel::find_by_customer_id(&store, …)`), which are the
    /// typed way to ask.
    #[doc(hidden)]
    pub async fn find_by_column<V>(
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
        self.page(Some((column, value)), page).await
    }

    /// Every row, newest first.
    pub async fn list(&self, page: &PageRequest) -> Result<Page<R>, ReadModelError> {
        self.page::<&str>(None, page).await
    }

    async fn page<V>(
        &self,
        filter: Option<(&str, V)>,
        page: &PageRequest,
    ) -> Result<Page<R>, ReadModelError>
    where
        V: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send + 'static,
    {
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
        let mut conn = self.connection().await?;
        let mut found = rows::page::<R, V>(
            conn.conn(),
            &self.tenant,
            filter,
            before,
            i64::from(limit) + 1,
        )
        .await?;
        conn.finish().await?;
        let next_cursor = if found.len() > limit as usize {
            found.truncate(limit as usize);
            found.last().map(|(_, position)| position.to_string())
        } else {
            None
        };
        Ok(Page {
            items: found.into_iter().map(|(row, _)| row).collect(),
            next_cursor,
        })
    }
}
