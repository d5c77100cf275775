//! Event handlers, one file each: the platform runs each on a queue of its own, bound to
//! the events it names.

mod product_created;

pub use product_created::ProductCreatedLog;
