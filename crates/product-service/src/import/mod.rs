//! Importing existing products (a CSV file, a table of another database) as
//! `ProductImported` events, one `Import` command per product through the service's
//! executor, so that the inline read models (`rm_products`, `rm_price_history`) are
//! written with the events, exactly as for an HTTP command.
//!
//! # Layout
//! - `error`: [`ImportError`], why an import as a whole failed.
//! - `record`: [`Record`], one row of a source ([`RawProduct`] and its [`Location`]),
//!   and [`BadRow`] / [`RowProblem`], why a row is skipped.
//! - `rows`: [`Rows`], the rows of a source read in order on a task of their own.
//! - `csv_source`: reading a CSV file (`--csv FILE`).
//! - `table_source`: reading a `products` table of another database (`--from-table`).
//! - `run`: [`import_products`], the bounded-concurrency loop and its [`ImportSummary`].
//! - `display`: progress on stderr (a bar on a terminal, lines otherwise).
//! - `tool`: [`ImportProducts`], the `product-service import` subcommand.

mod csv_source;
mod display;
mod error;
mod record;
mod rows;
mod run;
mod table_source;
mod tool;

pub use error::ImportError;
pub use record::{BadRow, COLUMNS, Location, RawProduct, Record, RowProblem};
pub use rows::Rows;
pub use run::{ImportObserver, ImportOptions, ImportSummary, Tally, import_products};
pub use tool::{ImportArgs, ImportProducts};
