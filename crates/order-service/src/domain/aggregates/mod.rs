//! The order aggregate: its state and decisions, the commands it takes, the rules it
//! enforces and its lines.

mod order;
mod order_command;
mod order_error;
mod order_lines;

pub use order::Order;
pub use order_command::{DEFAULT_MAX_LINES, OrderCommand};
pub use order_error::OrderError;
pub use order_lines::{OrderLines, line_amount};

#[cfg(test)]
mod order_tests;
