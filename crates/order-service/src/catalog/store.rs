//! The `product_prices` table: every statement of the `catalog` module.
//!
//! Each field keeps the product stream version it came from (`name_version`,
//! `price_version`), and an update takes a field only from a newer version: events of
//! one product may arrive again (a redelivery, a republish) or out of order (several
//! consumers), and an older one never overwrites what a newer one said.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;

/// What one product event says about a product; `None` fields it does not touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductChange<'a> {
    /// The tenant the product belongs to.
    pub tenant: &'a str,
    /// The product.
    pub sku: &'a str,
    /// The product stream version of the event.
    pub version: i64,
    /// When the event happened.
    pub occurred_at: DateTime<Utc>,
    /// Its name, when the event names it.
    pub name: Option<&'a str>,
    /// Its price and currency, when the event sets them (`Some(None)`: no price).
    pub price: Option<Option<(Decimal, &'a str)>>,
    /// Whether the event discontinues it.
    pub discontinued: bool,
}

/// One row, as a query reads it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProductPriceRow {
    /// The product.
    pub sku: String,
    /// Its name (`None` until its creation arrived).
    pub name: Option<String>,
    /// Its list price.
    pub price: Option<Decimal>,
    /// The price's currency.
    pub currency: Option<String>,
    /// Whether it was discontinued.
    pub discontinued: bool,
    /// When the newest event applied happened.
    pub updated_at: DateTime<Utc>,
}

/// Applies what a product event says, field by field where it is newer than what the
/// row holds, in the caller's transaction. Returns whether the row changed.
pub async fn apply(
    conn: &mut PgConnection,
    change: &ProductChange<'_>,
) -> Result<bool, sqlx::Error> {
    let name_version = if change.name.is_some() {
        change.version
    } else {
        0
    };
    let price_version = if change.price.is_some() {
        change.version
    } else {
        0
    };
    let price = change.price.flatten();
    let done = sqlx::query(
        r#"
        INSERT INTO product_prices AS p
            (tenant_id, sku, name, name_version, price, currency, price_version,
             discontinued, last_event_version, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (tenant_id, sku) DO UPDATE SET
            name = CASE WHEN EXCLUDED.name_version > p.name_version
                        THEN EXCLUDED.name ELSE p.name END,
            name_version = GREATEST(p.name_version, EXCLUDED.name_version),
            price = CASE WHEN EXCLUDED.price_version > p.price_version
                         THEN EXCLUDED.price ELSE p.price END,
            currency = CASE WHEN EXCLUDED.price_version > p.price_version
                            THEN EXCLUDED.currency ELSE p.currency END,
            price_version = GREATEST(p.price_version, EXCLUDED.price_version),
            discontinued = p.discontinued OR EXCLUDED.discontinued,
            updated_at = CASE WHEN EXCLUDED.last_event_version > p.last_event_version
                              THEN EXCLUDED.updated_at ELSE p.updated_at END,
            last_event_version = GREATEST(p.last_event_version, EXCLUDED.last_event_version)
        WHERE EXCLUDED.name_version > p.name_version
           OR EXCLUDED.price_version > p.price_version
           OR (EXCLUDED.discontinued AND NOT p.discontinued)
        "#,
    )
    .bind(change.tenant)
    .bind(change.sku)
    .bind(change.name)
    .bind(name_version)
    .bind(price.map(|(amount, _)| amount))
    .bind(price.map(|(_, currency)| currency))
    .bind(price_version)
    .bind(change.discontinued)
    .bind(change.version)
    .bind(change.occurred_at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The row of `sku` in `tenant`, if any.
pub async fn get(
    conn: &mut PgConnection,
    tenant: &str,
    sku: &str,
) -> Result<Option<ProductPriceRow>, sqlx::Error> {
    sqlx::query_as(
        r#"
        SELECT sku, name, price, currency, discontinued, updated_at
        FROM product_prices
        WHERE tenant_id = $1 AND sku = $2
        "#,
    )
    .bind(tenant)
    .bind(sku)
    .fetch_optional(&mut *conn)
    .await
}
