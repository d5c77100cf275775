//! Queries of the product service and the view they return.

mod get_product;
mod product_view;

pub use get_product::GetProduct;
pub use product_view::ProductView;
