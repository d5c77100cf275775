use platform_core::BusinessRuleError;

/// The category rules a command can break (HTTP 422 with the code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryError {
    /// The category already exists.
    #[error("category {0} already exists")]
    AlreadyExists(String),
    /// A name is required.
    #[error("name must not be blank")]
    NameRequired,
    /// The name is too long.
    #[error("name must be at most {} characters", super::MAX_NAME_LEN)]
    NameTooLong,
    /// The move would put the category under itself or one of its descendants.
    #[error(
        "category {category_id} cannot move under {parent_id}: that is itself or one of its descendants"
    )]
    Cycle {
        /// The category moved.
        category_id: String,
        /// The parent asked for.
        parent_id: String,
    },
}

impl BusinessRuleError for CategoryError {
    fn code(&self) -> &'static str {
        match self {
            CategoryError::AlreadyExists(_) => "category_already_exists",
            CategoryError::NameRequired => "name_required",
            CategoryError::NameTooLong => "name_too_long",
            CategoryError::Cycle { .. } => "category_cycle",
        }
    }
}
