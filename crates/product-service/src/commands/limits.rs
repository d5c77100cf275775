use platform_service::HandlerError;

/// Longest SKU accepted in a request, in characters (longer ones are never valid).
pub(super) const MAX_SKU_LEN: usize = 64;

/// Longest category or discount id accepted in a request, in characters.
pub(super) const MAX_ID_LEN: usize = 128;

/// Longest discontinuation reason accepted, in characters.
pub(super) const MAX_REASON_LEN: usize = 1000;

/// Refuses an over-long field with a 400 naming it.
pub(super) fn check_len(field: &str, value: &str, max: usize) -> Result<(), HandlerError> {
    if value.chars().count() > max {
        return Err(HandlerError::Validation(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(())
}
