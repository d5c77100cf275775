//! The catalog's aggregates: products (keyed by SKU) and categories (keyed by
//! `category:{id}`), their commands and the rules they enforce.

mod category;
mod category_command;
mod category_error;
mod fields;
mod product;
mod product_command;
mod product_error;

pub use category::{Category, category_stream};
pub use category_command::CategoryCommand;
pub use category_error::CategoryError;
pub use fields::{MAX_DESCRIPTION_LEN, MAX_NAME_LEN, is_valid_sku};
pub use product::Product;
pub use product_command::ProductCommand;
pub use product_error::ProductError;

#[cfg(test)]
mod category_tests;
#[cfg(test)]
mod product_tests;
