//! Query handlers, one file each; each registers itself with the platform. Any
//! signed-in user may ask (the default access).

mod get_category;
mod get_price_history;
mod get_product;
mod list_categories;
mod list_category_products;
mod list_products;
mod product_as_of;

pub use get_category::GetCategoryHandler;
pub use get_price_history::GetPriceHistoryHandler;
pub use get_product::GetProductHandler;
pub use list_categories::ListCategoriesHandler;
pub use list_category_products::ListCategoryProductsHandler;
pub use list_products::ListProductsHandler;

use product_as_of::product_as_of;
