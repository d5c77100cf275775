// A tiny aggregate shared by the ReadModel cases.
#![allow(dead_code)]

use platform_core::{Aggregate, BusinessRuleError, DomainEvent};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartOpened {
    pub cart_id: String,
    pub owner: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductAdded {
    pub sku: String,
    pub amount: Decimal,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartClosed {}

#[derive(Debug, Clone, PartialEq, DomainEvent)]
pub enum CartEvent {
    CartOpened(CartOpened),
    ProductAdded(ProductAdded),
    CartClosed(CartClosed),
}

#[derive(Debug)]
pub struct No;

impl std::fmt::Display for No {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no")
    }
}

impl std::error::Error for No {}

impl BusinessRuleError for No {
    fn code(&self) -> &'static str {
        "no"
    }
}

#[derive(Debug, Clone, Default)]
pub struct Cart;

impl Aggregate for Cart {
    const TYPE: &'static str = "Cart";
    type Command = ();
    type Event = CartEvent;
    type Error = No;
    fn handle(&self, _: ()) -> Result<Vec<CartEvent>, No> {
        Ok(Vec::new())
    }
    fn apply(&mut self, _: &CartEvent) {}
}
