use std::fmt;

use crate::domain::ProductError;

/// The columns an import reads, by name: `sku` and `name` are required, the others
/// optional (`currency` is required when there is a `price`).
pub const COLUMNS: [&str; 6] = [
    "sku",
    "name",
    "description",
    "category_id",
    "price",
    "currency",
];

/// A product as the source wrote it: text, not yet checked. Blank optional fields are
/// `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawProduct {
    /// Its SKU.
    pub sku: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// The id of a category the catalog knows.
    pub category_id: Option<String>,
    /// Its price, a decimal written as text (`19.99`).
    pub price: Option<String>,
    /// The price's ISO 4217 currency code.
    pub currency: Option<String>,
}

impl RawProduct {
    /// A product from its fields as read, blank optional ones taken as absent.
    pub fn from_fields(
        sku: &str,
        name: &str,
        description: Option<&str>,
        category_id: Option<&str>,
        price: Option<&str>,
        currency: Option<&str>,
    ) -> Self {
        let present = |field: Option<&str>| {
            field
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
        };
        RawProduct {
            sku: sku.trim().to_owned(),
            name: name.to_owned(),
            description: description
                .filter(|d| !d.trim().is_empty())
                .map(str::to_owned),
            category_id: present(category_id),
            price: present(price),
            currency: present(currency),
        }
    }
}

/// Where a row is in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A line of a CSV file (the line the record starts on, the header being line 1).
    Csv {
        /// The file as named on the command line.
        file: String,
        /// The line number.
        line: u64,
    },
    /// A row of a table, in SKU order.
    Table {
        /// The table as named on the command line.
        table: String,
        /// The row's number in SKU order, from 1.
        row: u64,
        /// The row's SKU.
        sku: String,
    },
}

impl Location {
    /// The causation recorded with the row's event, and its `source`:
    /// `csv:FILE:LINE` or `table:TABLE:SKU`.
    pub fn causation(&self) -> String {
        match self {
            Location::Csv { file, line } => format!("csv:{file}:{line}"),
            Location::Table { table, sku, .. } => format!("table:{table}:{sku}"),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Csv { file, line } => write!(f, "{file}:{line}"),
            Location::Table { table, row, sku } => write!(f, "{table} row {row} (sku {sku:?})"),
        }
    }
}

/// One row of a source: where it is, and what it holds (or why it cannot be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Where it is.
    pub location: Location,
    /// The product, or why the row is unreadable (a wrong number of fields, bytes
    /// that are not UTF-8).
    pub fields: Result<RawProduct, String>,
}

/// Why a row is skipped (reported with its location; `--strict` stops there).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowProblem {
    /// The row cannot be read as fields.
    #[error("unreadable row: {0}")]
    Unreadable(String),
    /// The price is not a decimal.
    #[error(
        "price {0:?} is not a decimal (digits, an optional '.' and at most 10 decimals, no thousands separators)"
    )]
    MalformedPrice(String),
    /// A price without a currency.
    #[error("price {0} has no currency")]
    CurrencyRequired(String),
    /// The same SKU earlier in the source.
    #[error("duplicate SKU {sku}: already at {first}")]
    DuplicateSku {
        /// The SKU.
        sku: String,
        /// Where it first appeared.
        first: String,
    },
    /// A category the catalog does not know.
    #[error("category {0} does not exist in the catalog")]
    UnknownCategory(String),
    /// A product rule: an invalid SKU, a blank or long name, a long description, a
    /// price ≤ 0, a currency that is not an ISO 4217 code.
    #[error("{0} ({code})", code = platform_core::BusinessRuleError::code(.0))]
    Rule(ProductError),
    /// A rule broken when the command ran (other than "already there").
    #[error("{message} ({code})")]
    Rejected {
        /// The rule's code.
        code: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// A skipped row: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {problem}")]
pub struct BadRow {
    /// Where it is.
    pub location: Location,
    /// Why it is skipped.
    pub problem: RowProblem,
}
