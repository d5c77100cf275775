#[path = "../shop.rs"]
mod shop;

use platform_event_sourcing::ReadModel;

#[derive(Clone, ReadModel)]
#[read_model(table = "carts", aggregate = shop::Cart)]
pub struct CartView {
    #[aggregate_id]
    pub id: String,
    #[map_from_event(ProductAdded)]
    pub count: u64,
    #[index]
    #[map_from_event(ProductAdded, from = "sku")]
    pub skus: Vec<String>,
    pub forgotten: String,
}

fn main() {}
