//! The `order_stock` and `order_stock_lines` tables: every statement of the `order-stock`
//! subscriber, run in its inbox transaction.

use sqlx::PgConnection;
use uuid::Uuid;

/// What became of one line of a placed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineOutcome {
    /// The units were reserved.
    Reserved,
    /// Not enough stock (or none at all): `InventoryReservationFailed` was recorded.
    Failed,
    /// The stock refused the command (a rule, e.g. a quantity that is not positive).
    Refused,
    /// The product id is not a SKU; nothing was recorded on any stock.
    InvalidSku,
    /// The units were given back (the order was cancelled).
    Released,
}

impl LineOutcome {
    fn as_str(self) -> &'static str {
        match self {
            LineOutcome::Reserved => "reserved",
            LineOutcome::Failed => "failed",
            LineOutcome::Refused => "refused",
            LineOutcome::InvalidSku => "invalid_sku",
            LineOutcome::Released => "released",
        }
    }
}

/// Claims a placed order for reservation: `false` when the order is known already
/// (cancelled before its OrderPlaced arrived, or placed before), and nothing is to be
/// reserved. A concurrent claim or cancellation of the same order waits on the row.
pub async fn claim_placed(
    conn: &mut PgConnection,
    tenant: &str,
    order_id: &str,
    event_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO order_stock (tenant_id, order_id, status, placed_event_id)
         VALUES ($1, $2, 'placed', $3)
         ON CONFLICT (tenant_id, order_id) DO NOTHING",
    )
    .bind(tenant)
    .bind(order_id)
    .bind(event_id)
    .execute(&mut *conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Notes why nothing was reserved for a placed order.
pub async fn not_reserved(
    conn: &mut PgConnection,
    tenant: &str,
    order_id: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE order_stock SET not_reserved = $3, updated_at = now()
         WHERE tenant_id = $1 AND order_id = $2",
    )
    .bind(tenant)
    .bind(order_id)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records what became of a line.
pub async fn record_line(
    conn: &mut PgConnection,
    tenant: &str,
    order_id: &str,
    sku: &str,
    quantity: i64,
    outcome: LineOutcome,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO order_stock_lines (tenant_id, order_id, sku, quantity, outcome)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, order_id, sku)
         DO UPDATE SET quantity = EXCLUDED.quantity, outcome = EXCLUDED.outcome",
    )
    .bind(tenant)
    .bind(order_id)
    .bind(sku)
    .bind(quantity)
    .bind(outcome.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks an order cancelled (creating its row when its OrderPlaced has not been seen,
/// so that a late one reserves nothing) and returns the SKUs reserved for it. The
/// upsert holds the order's row, so a concurrent claim has either committed its lines,
/// which the following read sees, or waits and then finds the order cancelled.
pub async fn cancel(
    conn: &mut PgConnection,
    tenant: &str,
    order_id: &str,
    event_id: Uuid,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query(
        "INSERT INTO order_stock (tenant_id, order_id, status, cancelled_event_id)
         VALUES ($1, $2, 'cancelled', $3)
         ON CONFLICT (tenant_id, order_id)
         DO UPDATE SET status = 'cancelled', cancelled_event_id = EXCLUDED.cancelled_event_id,
                       updated_at = now()",
    )
    .bind(tenant)
    .bind(order_id)
    .bind(event_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar(
        "SELECT sku FROM order_stock_lines
         WHERE tenant_id = $1 AND order_id = $2 AND outcome = 'reserved'
         ORDER BY sku",
    )
    .bind(tenant)
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await
}
