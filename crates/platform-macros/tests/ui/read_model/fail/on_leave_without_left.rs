#[path = "../shop.rs"] mod shop;

use platform_core::EventEnvelope;
use platform_read_models::ReadModel;

fn count_out(carts: &mut i64, _: &EventEnvelope<shop::CartEvent>) {
    *carts -= 1;
}

#[derive(Clone, ReadModel)] #[read_model(table = "rm_owners", aggregate = shop::Cart, group_by = owner)]
pub struct OwnerView {
    #[map_from_event(CartOpened)] pub owner: String,
    #[on_leave(with = count_out)] pub carts: i64,
}

fn main() {}
