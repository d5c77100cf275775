use chrono::{DateTime, Utc};
use platform_read_models::ReadModel;
use product_contracts::inventory::{ReservationView, StockView};

use super::reducers;
use crate::inventory::domain::Inventory;

/// One row per product's stock in `rm_stock`, keyed by its stream (`inventory:{sku}`):
/// what GetStock answers from.
///
/// Kept in the transaction of every append, so a query right after a command (or
/// after the order subscriber reserved) sees it.
#[derive(Debug, Clone, PartialEq, ReadModel)]
#[read_model(table = "rm_stock", aggregate = Inventory)]
pub struct StockReadModel {
    /// The stream id, `inventory:{sku}` (the row key; clients see `sku`).
    #[aggregate_id]
    pub id: String,
    /// The product.
    #[map_from_event(StockReceived)]
    #[map_from_event(StockAdjusted)]
    #[map_from_event(InventoryReserved)]
    #[map_from_event(InventoryReservationFailed)]
    #[map_from_event(InventoryReleased)]
    #[map_from_event(InventoryAllocated)]
    pub sku: String,
    /// Units in the warehouse.
    #[reduce(StockReceived, StockAdjusted, InventoryAllocated, with = reducers::on_hand)]
    pub on_hand: i64,
    /// Units held for orders.
    #[reduce(InventoryReserved, InventoryReleased, InventoryAllocated, with = reducers::reserved)]
    pub reserved: i64,
    /// Units free to reserve.
    #[reduce(
        StockReceived,
        StockAdjusted,
        InventoryReserved,
        InventoryReleased,
        with = reducers::available
    )]
    pub available: i64,
    /// The open reservations (jsonb), oldest first.
    #[reduce(
        InventoryReserved,
        InventoryReleased,
        InventoryAllocated,
        with = reducers::reservations
    )]
    pub reservations: Vec<ReservationView>,
    /// When the stock last changed.
    #[map_from_event(StockReceived, envelope = occurred_at)]
    #[map_from_event(StockAdjusted, envelope = occurred_at)]
    #[map_from_event(InventoryReserved, envelope = occurred_at)]
    #[map_from_event(InventoryReservationFailed, envelope = occurred_at)]
    #[map_from_event(InventoryReleased, envelope = occurred_at)]
    #[map_from_event(InventoryAllocated, envelope = occurred_at)]
    pub updated_at: DateTime<Utc>,
    /// The last stream version applied.
    #[version]
    pub version: i64,
}

impl From<StockReadModel> for StockView {
    fn from(row: StockReadModel) -> Self {
        StockView {
            sku: row.sku,
            on_hand: row.on_hand,
            reserved: row.reserved,
            available: row.available,
            reservations: row.reservations,
            version: row.version,
        }
    }
}
