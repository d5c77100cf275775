use platform_service::HandlerError;

/// Longest id accepted in a request, in characters (ids are stored and indexed); the
/// contracts declare it as `maxLength`, which counts characters too.
pub(super) const MAX_ID_LEN: usize = 128;

/// Longest title accepted, in characters.
pub(super) const MAX_TITLE_LEN: usize = 200;

/// Refuses an over-long field with a 400 naming it.
pub(super) fn check_len(field: &str, value: &str, max: usize) -> Result<(), HandlerError> {
    if value.chars().count() > max {
        return Err(HandlerError::Validation(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(())
}
