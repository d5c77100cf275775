//! The product aggregate: its state and decisions, the commands it takes and the
//! rules it enforces.

mod product;
mod product_command;
mod product_error;

pub use product::Product;
pub use product_command::ProductCommand;
pub use product_error::ProductError;

#[cfg(test)]
mod product_tests;
