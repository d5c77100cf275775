//! Queries of the catalog and the views they return, one file each.

mod category_view;
mod get_category;
mod get_price_history;
mod get_product;
mod list_categories;
mod list_category_products;
mod list_products;
mod product_view;

pub use category_view::CategoryView;
pub use get_category::GetCategory;
pub use get_price_history::{GetPriceHistory, PriceChange, PriceHistory};
pub use get_product::GetProduct;
pub use list_categories::{CategoryList, ListCategories};
pub use list_category_products::{CategoryProduct, CategoryProducts, ListCategoryProducts};
pub use list_products::{ListProducts, ProductList};
pub use product_view::{ProductView, StockSummary};
