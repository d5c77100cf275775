use rust_decimal::Decimal;

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
