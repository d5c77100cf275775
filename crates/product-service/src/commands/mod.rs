//! Command handlers, one file each; each registers itself with the platform. Every
//! one needs the role `catalog` or `admin` ([`crate::policy`]).

mod apply_discount;
mod categorise_product;
mod category_chain;
mod change_product_details;
mod create_category;
mod create_product;
mod discontinue_product;
pub(crate) mod limits;
mod move_category;
mod remove_discount;
mod rename_category;
mod set_price;
mod update;

pub use apply_discount::ApplyDiscountHandler;
pub use categorise_product::CategoriseProductHandler;
pub use change_product_details::ChangeProductDetailsHandler;
pub use create_category::CreateCategoryHandler;
pub use create_product::CreateProductHandler;
pub use discontinue_product::DiscontinueProductHandler;
pub use move_category::MoveCategoryHandler;
pub use remove_discount::RemoveDiscountHandler;
pub use rename_category::RenameCategoryHandler;
pub use set_price::SetPriceHandler;

use category_chain::{ancestors, existing_category};
use limits::{MAX_ID_LEN, MAX_REASON_LEN, MAX_SKU_LEN, check_len};
use update::{update_category, update_product};
