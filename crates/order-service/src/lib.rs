//! The order service.
pub mod domain;
