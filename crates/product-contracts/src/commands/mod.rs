//! Commands of the product service.

mod create_product;
mod rename_product;

pub use create_product::{CreateProduct, CreateProductResult};
pub use rename_product::RenameProduct;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The answer to a command that changes an existing product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductUpdated {
    /// The product that was changed.
    pub product_id: String,
    /// Its version after the command (unchanged when the command was a no-op).
    pub version: i64,
}
