//! Query handlers, one file each; each registers itself with the platform.

mod get_product;

pub use get_product::GetProductHandler;
