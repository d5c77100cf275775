use platform_core::BusinessRuleError;

/// The stock rules a command can break (HTTP 422 with the code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    /// A quantity was zero or negative.
    #[error("quantity must be greater than 0, got {0}")]
    InvalidQuantity(i64),
    /// An adjustment of zero units.
    #[error("delta must not be 0")]
    ZeroDelta,
    /// An adjustment without a reason.
    #[error("reason must not be blank")]
    ReasonRequired,
    /// An adjustment would leave fewer than zero units available.
    #[error("only {available} units are available; cannot take away {requested}")]
    InsufficientStock {
        /// Units available.
        available: i64,
        /// Units the adjustment would take away.
        requested: i64,
    },
    /// The order holds no reservation of this product.
    #[error("order {0} holds no reservation of this product")]
    NoReservation(String),
    /// A quantity would overflow.
    #[error("the stock's quantities are out of range")]
    OutOfRange,
    /// The command names another product than the stock's.
    #[error("this stock is of sku {stock}, not {asked}")]
    WrongSku {
        /// The stock's SKU.
        stock: String,
        /// The SKU the command named.
        asked: String,
    },
}

impl BusinessRuleError for InventoryError {
    fn code(&self) -> &'static str {
        match self {
            InventoryError::InvalidQuantity(_) => "invalid_quantity",
            InventoryError::ZeroDelta => "invalid_delta",
            InventoryError::ReasonRequired => "reason_required",
            InventoryError::InsufficientStock { .. } => "insufficient_stock",
            InventoryError::NoReservation(_) => "no_reservation",
            InventoryError::OutOfRange => "out_of_range",
            InventoryError::WrongSku { .. } => "wrong_sku",
        }
    }
}
