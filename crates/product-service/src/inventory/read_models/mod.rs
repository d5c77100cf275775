//! The stock read model and its reducers.

mod reducers;
mod stock;

pub use stock::StockReadModel;
