#[path = "../shop.rs"] mod shop;

use platform_read_models::{Projection, ReadModel};
use shop::Cart;

/// Projected from a checkpoint rather than in the append transaction.
#[derive(Clone, ReadModel)] #[read_model(table = "rm_cart_owners", aggregate = Cart, projection = "async")]
pub struct CartOwnerView {
    #[aggregate_id] pub id: String,
    #[map_from_event(CartOpened)] pub owner: String,
    #[version] pub version: i64,
}

/// Inline, said explicitly.
#[derive(Clone, ReadModel)] #[read_model(table = "rm_cart_states", aggregate = Cart, projection = "inline")]
pub struct CartStateView {
    #[aggregate_id] pub id: String,
    #[map_from_event(CartOpened, value = true)] #[map_from_event(CartClosed, value = false)] pub open: bool,
    #[version] pub version: i64,
}

fn main() {
    assert_eq!(CartOwnerView::PROJECTION, Projection::Async);
    assert_eq!(CartStateView::PROJECTION, Projection::Inline);
    assert_eq!(CartStateView::COLUMNS[1].sql_type, "boolean");
}
