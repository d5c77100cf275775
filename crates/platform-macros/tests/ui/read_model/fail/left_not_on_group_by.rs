#[path = "../shop.rs"] mod shop;

use platform_read_models::ReadModel;

#[derive(Clone, ReadModel)] #[read_model(table = "rm_carts", aggregate = shop::Cart)]
pub struct CartView {
    #[aggregate_id] pub id: String,
    #[map_from_event(CartOpened, left = "cartId")] pub owner: String,
    #[version] pub version: i64,
}

fn main() {}
