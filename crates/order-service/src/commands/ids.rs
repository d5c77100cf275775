use platform_service::HandlerError;

/// Longest id accepted in a request, in characters (ids are stored and indexed); the
/// contracts declare it as `maxLength`, which counts characters too.
const MAX_ID_LEN: usize = 128;

/// Refuses an over-long identifier with a 400.
pub(super) fn check_id(field: &str, value: &str) -> Result<(), HandlerError> {
    if value.chars().count() > MAX_ID_LEN {
        return Err(HandlerError::Validation(format!(
            "{field} must be at most {MAX_ID_LEN} characters"
        )));
    }
    Ok(())
}
