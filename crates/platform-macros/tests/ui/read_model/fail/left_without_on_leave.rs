#[path = "../shop.rs"] mod shop;

use platform_read_models::ReadModel;

#[derive(Clone, ReadModel)] #[read_model(table = "rm_owners", aggregate = shop::Cart, group_by = owner)]
pub struct OwnerView {
    #[map_from_event(CartOpened, left = "cartId")] pub owner: String,
    #[map_from_event(CartOpened, envelope = occurred_at)] pub opened_at: String,
}

fn main() {}
