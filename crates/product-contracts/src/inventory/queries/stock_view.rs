use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A product's stock as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockView {
    /// The product.
    pub sku: String,
    /// Units in the warehouse, reserved or not.
    pub on_hand: i64,
    /// Units held for orders.
    pub reserved: i64,
    /// Units free to reserve: `onHand - reserved`.
    pub available: i64,
    /// The open reservations, one per order, oldest first.
    pub reservations: Vec<ReservationView>,
    /// Number of events in the stock's stream.
    pub version: i64,
}

/// Units held for one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReservationView {
    /// The order.
    pub order_id: String,
    /// Units held for it.
    pub quantity: i64,
}
