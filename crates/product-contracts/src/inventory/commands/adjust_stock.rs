use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::StockLevel;

/// Corrects a product's stock on hand (a count, breakage, a found box), with the reason.
///
/// A correction that would leave fewer units available than zero is refused: reserved
/// units cannot be adjusted away.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdjustStock {
    /// The product; its stock must exist.
    #[schemars(
        length(min = 1, max = 64),
        pattern(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    )]
    pub sku: String,
    /// Units added (positive) or taken away (negative); not zero.
    pub delta: i64,
    /// Why; must not be blank.
    #[schemars(length(max = 500))]
    pub reason: String,
}

platform_contracts::command!(AdjustStock => StockLevel);
