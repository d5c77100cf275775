#[path = "../shop.rs"] mod shop;

use platform_core::EventEnvelope;
use platform_read_models::ReadModel;
use shop::{Cart, CartEvent};

fn count_in(carts: &mut i64, _: &EventEnvelope<CartEvent>) {
    *carts += 1;
}

fn count_out(carts: &mut i64, _: &EventEnvelope<CartEvent>) {
    *carts -= 1;
}

/// A stream moves between groups: the key may be absent, and `left` names the group
/// the stream leaves, whose row gets the `#[on_leave]` reducers.
#[derive(Clone, ReadModel)] #[read_model(table = "rm_owner_carts", aggregate = Cart, group_by = owner)]
pub struct OwnerCarts {
    #[map_from_event(CartOpened, left = "cartId")]
    #[map_from_event(ProductAdded, value = None::<String>)]
    pub owner: String,
    #[reduce(CartOpened, with = count_in)] #[on_leave(with = count_out)] pub carts: i64,
}

fn main() {
    assert!(OwnerCarts::DEFINITION.contains("left=cartId)"));
    assert!(OwnerCarts::DEFINITION.contains(":on_leave(count_out)"));
}
