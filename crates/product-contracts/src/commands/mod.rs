//! Commands of the catalog (products and categories), one file each.

mod apply_discount;
mod categorise_product;
mod change_product_details;
mod create_category;
mod create_product;
mod discontinue_product;
mod move_category;
mod remove_discount;
mod rename_category;
mod set_price;

pub use apply_discount::{ApplyDiscount, ApplyDiscountResult};
pub use categorise_product::CategoriseProduct;
pub use change_product_details::ChangeProductDetails;
pub use create_category::{CreateCategory, CreateCategoryResult};
pub use create_product::{CreateProduct, CreateProductResult};
pub use discontinue_product::DiscontinueProduct;
pub use move_category::MoveCategory;
pub use remove_discount::RemoveDiscount;
pub use rename_category::RenameCategory;
pub use set_price::SetPrice;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The answer to a command that changes an existing product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductUpdated {
    /// The product that was changed.
    pub sku: String,
    /// Its version after the command (unchanged when the command was a no-op).
    pub version: i64,
}

/// The answer to a command that changes an existing category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryUpdated {
    /// The category that was changed.
    pub category_id: String,
    /// Its version after the command (unchanged when the command was a no-op).
    pub version: i64,
}
