//! Read models, one file each: declarations the platform keeps current.

mod category;
mod category_products;
mod price_history;
mod product;
mod reducers;

pub use category::CategoryReadModel;
pub use category_products::CategoryProductsReadModel;
pub use price_history::PriceHistoryReadModel;
pub use product::ProductReadModel;
