#[path = "../shop.rs"] mod shop;

use platform_read_models::ReadModel;

#[derive(Clone, ReadModel)] #[read_model(table = "rm_carts", aggregate = shop::Cart)]
pub struct CartView {
    #[aggregate_id] pub id: String,
    #[index] #[map_from_event(CartOpened, value = Vec::new())] pub tags: Vec<String>,
    #[version] pub version: i64,
}

fn main() {}
