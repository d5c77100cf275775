use platform_service::HandlerError;

/// Longest SKU accepted in a request, in characters (longer ones are never valid).
pub(super) const MAX_SKU_LEN: usize = 64;

/// Longest category or discount id accepted in a request, in characters.
pub(crate) const MAX_ID_LEN: usize = 128;

/// Longest discontinuation reason accepted, in characters.
pub(super) const MAX_REASON_LEN: usize = 1000;

/// Refuses an over-long field with a 400 naming it.
pub(crate) fn check_len(field: &str, value: &str, max: usize) -> Result<(), HandlerError> {
    if value.chars().count() > max {
        return Err(HandlerError::Validation(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(())
}

/// Longest name prefix a product listing accepts, in characters.
pub(crate) const MAX_NAME_PREFIX_LEN: usize = 200;

/// Refuses a page size outside what the listing declares (1 to 500) with a 400.
pub(crate) fn check_limit(limit: Option<u32>) -> Result<(), HandlerError> {
    match limit {
        Some(limit) if !(1..=platform_read_models::MAX_PAGE_SIZE).contains(&limit) => {
            Err(HandlerError::Validation(format!(
                "limit must be between 1 and {}, not {limit}",
                platform_read_models::MAX_PAGE_SIZE
            )))
        }
        _ => Ok(()),
    }
}
