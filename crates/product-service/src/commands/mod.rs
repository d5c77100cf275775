//! Command handlers, one file each; each registers itself with the platform.

mod create_product;
mod limits;
mod rename_product;

pub use create_product::CreateProductHandler;
pub use rename_product::RenameProductHandler;

use limits::{MAX_ID_LEN, MAX_TITLE_LEN, check_len};
