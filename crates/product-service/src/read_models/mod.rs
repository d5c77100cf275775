//! Read models, one file each: declarations the platform keeps current.

mod product;

pub use product::ProductReadModel;
