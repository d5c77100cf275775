use platform_core::BusinessRuleError;

/// The product rules a command can break (HTTP 422 with the code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProductError {
    /// The product already exists.
    #[error("product {0} already exists")]
    AlreadyExists(String),
    /// A title is required.
    #[error("title must not be blank")]
    TitleRequired,
    /// An owner is required.
    #[error("ownerId must not be blank")]
    OwnerRequired,
}

impl BusinessRuleError for ProductError {
    fn code(&self) -> &'static str {
        match self {
            ProductError::AlreadyExists(_) => "product_already_exists",
            ProductError::TitleRequired => "title_required",
            ProductError::OwnerRequired => "owner_required",
        }
    }
}
