//! Aggregates of the order domain.

pub mod order;

#[cfg(test)]
mod order_tests;
