use chrono::{DateTime, Utc};
use product_contracts::{Discount, Money};

/// What can be asked of a product. Commands that depend on the time carry `now`, so
/// that the aggregate decides without reading a clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductCommand {
    /// Create it under its SKU.
    Create {
        /// Its SKU (the stream id).
        sku: String,
        /// Its name; not blank, trimmed.
        name: String,
        /// Its description.
        description: String,
        /// Its category (the handler checked that it exists).
        category_id: Option<String>,
    },
    /// Create it from existing data (a CSV or table import).
    Import {
        /// Its SKU (the stream id).
        sku: String,
        /// Its name; not blank, trimmed.
        name: String,
        /// Its description.
        description: String,
        /// Its category (the importer checked that it exists).
        category_id: Option<String>,
        /// Its price, if the source has one (above zero, a valid currency).
        price: Option<Money>,
        /// Where the data comes from; not blank.
        source: String,
    },
    /// Change its name and description.
    ChangeDetails {
        /// The new name; not blank, trimmed.
        name: String,
        /// The new description.
        description: String,
    },
    /// Put it into a category, or out of every category.
    Categorise {
        /// The category (the handler checked that it exists).
        category_id: Option<String>,
    },
    /// Set its price.
    SetPrice {
        /// The price.
        price: Money,
        /// The time of the decision: discounts expired by then do not count.
        now: DateTime<Utc>,
    },
    /// Apply a discount for a window of time.
    ApplyDiscount {
        /// The discount's id (chosen by the handler).
        discount_id: String,
        /// What it takes off.
        discount: Discount,
        /// In force from.
        valid_from: DateTime<Utc>,
        /// In force until (exclusive).
        valid_until: Option<DateTime<Utc>>,
    },
    /// Remove a discount.
    RemoveDiscount {
        /// The discount.
        discount_id: String,
    },
    /// Discontinue it.
    Discontinue {
        /// Why, if known.
        reason: Option<String>,
    },
}
