//! Command handlers, one file each; each registers itself with the platform.

mod add_item;
mod cancel_order;
mod create_order;
mod place_order;
mod remove_item;

pub use add_item::AddItemHandler;
pub use cancel_order::CancelOrderHandler;
pub use create_order::CreateOrderHandler;
pub use place_order::PlaceOrderHandler;
pub use remove_item::RemoveItemHandler;

use platform_service::HandlerError;

/// Longest id accepted in a request (ids are stored and indexed).
const MAX_ID_LEN: usize = 128;

/// Refuses an over-long identifier with a 400.
pub(crate) fn check_id(field: &str, value: &str) -> Result<(), HandlerError> {
    if value.len() > MAX_ID_LEN {
        return Err(HandlerError::Validation(format!(
            "{field} must be at most {MAX_ID_LEN} bytes"
        )));
    }
    Ok(())
}
