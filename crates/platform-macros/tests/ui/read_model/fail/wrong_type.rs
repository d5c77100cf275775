#[path = "../shop.rs"] mod shop;

use platform_read_models::ReadModel;
use serde::{Deserialize, Serialize};
use shop::Cart;

/// A type of the read model's own, with no conversion from the payload's `String`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Owner {
    pub name: String,
}

#[derive(Clone, ReadModel)] #[read_model(table = "rm_carts", aggregate = Cart)]
pub struct CartView {
    #[aggregate_id] pub id: String,
    #[map_from_event(CartOpened)] pub owner: Owner,
    #[version] pub version: i64,
}

fn main() {}
