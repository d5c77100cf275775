/// What can be asked of a product's stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InventoryCommand {
    /// Units arrived (starts the stock of a SKU that had none).
    Receive {
        /// The product.
        sku: String,
        /// Units; must be positive.
        quantity: i64,
    },
    /// Correct the stock on hand.
    Adjust {
        /// Units added or taken away; not zero, and available stock must stay at or
        /// above zero.
        delta: i64,
        /// Why; must not be blank (surrounding whitespace is dropped).
        reason: String,
    },
    /// Hold units for an order: reserved when available, else a recorded failure.
    Reserve {
        /// The product (a stock that has no events yet learns it from here).
        sku: String,
        /// The order.
        order_id: String,
        /// Units; must be positive.
        quantity: i64,
    },
    /// Give an order's units back (nothing when it holds none).
    Release {
        /// The order.
        order_id: String,
    },
    /// An order's units leave the warehouse.
    Allocate {
        /// The order; it must hold a reservation.
        order_id: String,
    },
}
