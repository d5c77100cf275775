use rust_decimal::Decimal;

/// The most distinct lines an order may have unless configured otherwise
/// (`MAX_LINES_PER_ORDER`).
pub const DEFAULT_MAX_LINES: usize = 200;

/// What can be asked of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderCommand {
    /// Open a new draft order.
    Create {
        /// Id chosen by the caller.
        order_id: String,
        /// Owning customer.
        customer_id: String,
        /// The signed-in user opening it, if any.
        created_by: Option<String>,
    },
    /// Add units of a product at a unit price.
    AddItem {
        /// The product.
        product_id: String,
        /// Units; must be positive.
        quantity: i64,
        /// Unit price; must not be negative.
        price: Decimal,
        /// The most distinct lines the order may have after it (a new product beyond
        /// it is refused; more units of a product already there are not).
        max_lines: usize,
    },
    /// Remove a product's line.
    RemoveItem {
        /// The product.
        product_id: String,
    },
    /// Submit the order.
    Place,
    /// Cancel the order.
    Cancel {
        /// Why, if known.
        reason: Option<String>,
    },
}
