//! Read models, one file each: declarations the platform keeps current.

mod category;
mod price_history;
mod product;
mod reducers;

pub use category::CategoryReadModel;
pub use price_history::PriceHistoryReadModel;
pub use product::ProductReadModel;
