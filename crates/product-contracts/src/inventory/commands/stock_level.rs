use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The answer to a stock command: the product's stock after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockLevel {
    /// The product.
    pub sku: String,
    /// Units in the warehouse, reserved or not.
    pub on_hand: i64,
    /// Units held for orders.
    pub reserved: i64,
    /// Units free to reserve: `onHand - reserved`, never below zero.
    pub available: i64,
    /// The stock's version after the command (unchanged when it was a no-op).
    pub version: i64,
}
