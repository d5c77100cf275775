#[path = "../shop.rs"] mod shop;

use platform_read_models::ReadModel;

#[derive(Clone, ReadModel)] #[read_model(table = "rm_counts", aggregate = shop::Cart, group_by = count)]
pub struct CountView {
    #[map_from_event(ProductAdded)] pub count: i64,
}

fn main() {}
