#[path = "../shop.rs"] mod shop;

use platform_read_models::ReadModel;

#[derive(Clone, ReadModel)] #[read_model(table = "rm_carts", aggregate = shop::Cart)]
pub enum CartView {
    Open { id: String, version: i64 },
}

fn main() {}
