use order_contracts::OrderStatus;
use platform_core::BusinessRuleError;
use rust_decimal::Decimal;

/// The order rules a command can break (HTTP 422 with the code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// The order already exists.
    #[error("order {0} already exists")]
    AlreadyExists(String),
    /// A customer id is required.
    #[error("customerId must not be empty")]
    MissingCustomer,
    /// A product id is required.
    #[error("productId must not be empty")]
    MissingProduct,
    /// Quantity was zero or negative.
    #[error("quantity must be greater than 0, got {0}")]
    InvalidQuantity(i64),
    /// Price was negative.
    #[error("price must not be negative, got {0}")]
    NegativePrice(Decimal),
    /// The same product was added at a different price.
    #[error("product {product_id} is already in the order at price {existing}, not {requested}")]
    PriceMismatch {
        /// The product.
        product_id: String,
        /// Price already on the line.
        existing: Decimal,
        /// Price requested now.
        requested: Decimal,
    },
    /// Quantity or total would overflow.
    #[error("the order's quantities or total are out of range")]
    OutOfRange,
    /// A new product would give the order more lines than allowed.
    #[error("an order has at most {0} lines; remove one before adding another product")]
    TooManyLines(usize),
    /// The product is not in the order.
    #[error("product {0} is not in the order")]
    ItemNotFound(String),
    /// Items change only while the order is a draft.
    #[error("the order is {0}; items can only change while it is a draft")]
    NotDraft(OrderStatus),
    /// An order without items cannot be placed.
    #[error("an order without items cannot be placed")]
    Empty,
    /// A cancelled order cannot change.
    #[error("the order is cancelled")]
    Cancelled,
}

impl BusinessRuleError for OrderError {
    fn code(&self) -> &'static str {
        match self {
            OrderError::AlreadyExists(_) => "order_already_exists",
            OrderError::MissingCustomer => "customer_required",
            OrderError::MissingProduct => "product_required",
            OrderError::InvalidQuantity(_) => "invalid_quantity",
            OrderError::NegativePrice(_) => "negative_price",
            OrderError::PriceMismatch { .. } => "price_mismatch",
            OrderError::OutOfRange => "out_of_range",
            OrderError::TooManyLines(_) => "too_many_lines",
            OrderError::ItemNotFound(_) => "item_not_found",
            OrderError::NotDraft(_) => "order_not_draft",
            OrderError::Empty => "order_empty",
            OrderError::Cancelled => "order_cancelled",
        }
    }
}
