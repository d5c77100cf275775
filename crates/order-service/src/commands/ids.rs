use platform_service::HandlerError;

/// Longest id accepted in a request (ids are stored and indexed).
const MAX_ID_LEN: usize = 128;

/// Refuses an over-long identifier with a 400.
pub(super) fn check_id(field: &str, value: &str) -> Result<(), HandlerError> {
    if value.len() > MAX_ID_LEN {
        return Err(HandlerError::Validation(format!(
            "{field} must be at most {MAX_ID_LEN} bytes"
        )));
    }
    Ok(())
}
