use platform_core::BusinessRuleError;
use product_contracts::Money;

/// The product rules a command can break (HTTP 422 with the code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProductError {
    /// The SKU is already a product of the tenant; choose another SKU.
    #[error("SKU {0} is already taken")]
    SkuTaken(String),
    /// The SKU does not match `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`.
    #[error(
        "SKU {0:?} must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
    )]
    InvalidSku(String),
    /// A name is required.
    #[error("name must not be blank")]
    NameRequired,
    /// The name is too long.
    #[error("name must be at most {} characters", super::MAX_NAME_LEN)]
    NameTooLong,
    /// The description is too long.
    #[error(
        "description must be at most {} characters",
        super::MAX_DESCRIPTION_LEN
    )]
    DescriptionTooLong,
    /// An import must say where its data came from.
    #[error("an import must name its source")]
    SourceRequired,
    /// A price must be above zero.
    #[error("price must be above zero, got {0}")]
    InvalidPrice(Money),
    /// A currency must be an ISO 4217 code.
    #[error("currency {0:?} is not an ISO 4217 code (three upper-case letters)")]
    InvalidCurrency(String),
    /// A discount needs a price to apply to; set one first.
    #[error("the product has no price to discount; set a price first")]
    PriceRequired,
    /// A percentage must be above 0 and below 100; an amount above zero.
    #[error("{0}")]
    InvalidDiscount(String),
    /// An amount discount must be in the price's currency (and a new price in the
    /// currency of the amount discounts not yet expired).
    #[error("currency {found} does not match the price's currency {expected}")]
    CurrencyMismatch {
        /// The price's currency.
        expected: String,
        /// The other currency.
        found: String,
    },
    /// A discount would take the price to zero or below.
    #[error("discount {discount_id} would take the price {price} to zero or below")]
    DiscountTooLarge {
        /// The discount.
        discount_id: String,
        /// The price it applies to.
        price: Money,
    },
    /// A discount's window must end after it starts.
    #[error("validUntil must be after validFrom")]
    InvalidDiscountWindow,
    /// A discount of that id is already applied.
    #[error("discount {0} is already applied")]
    DiscountExists(String),
    /// No discount of that id is applied.
    #[error("discount {0} is not applied to the product")]
    DiscountNotFound(String),
    /// A discontinued product takes no changes.
    #[error("product {0} is discontinued and takes no changes")]
    Discontinued(String),
}

impl BusinessRuleError for ProductError {
    fn code(&self) -> &'static str {
        match self {
            ProductError::SkuTaken(_) => "sku_taken",
            ProductError::InvalidSku(_) => "invalid_sku",
            ProductError::NameRequired => "name_required",
            ProductError::NameTooLong => "name_too_long",
            ProductError::DescriptionTooLong => "description_too_long",
            ProductError::SourceRequired => "source_required",
            ProductError::InvalidPrice(_) => "invalid_price",
            ProductError::InvalidCurrency(_) => "invalid_currency",
            ProductError::PriceRequired => "price_required",
            ProductError::InvalidDiscount(_) => "invalid_discount",
            ProductError::CurrencyMismatch { .. } => "currency_mismatch",
            ProductError::DiscountTooLarge { .. } => "discount_too_large",
            ProductError::InvalidDiscountWindow => "invalid_discount_window",
            ProductError::DiscountExists(_) => "discount_exists",
            ProductError::DiscountNotFound(_) => "discount_not_found",
            ProductError::Discontinued(_) => "product_discontinued",
        }
    }
}
