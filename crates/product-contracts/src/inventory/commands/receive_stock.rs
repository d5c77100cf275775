use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::StockLevel;

/// Records units of a product arriving in the warehouse.
///
/// The SKU need not be in the catalog yet: stock may arrive before the product's
/// catalog entry, so receiving stock for an unknown SKU starts its stock.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReceiveStock {
    /// The product (`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`).
    #[schemars(
        length(min = 1, max = 64),
        pattern(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    )]
    pub sku: String,
    /// Units received; must be positive.
    pub quantity: i64,
}

platform_contracts::command!(ReceiveStock => StockLevel);

#[cfg(test)]
mod tests {
    use platform_contracts::Command;
    use serde_json::json;

    use super::*;

    #[test]
    fn the_command_is_named_after_its_type_and_speaks_camel_case() {
        assert_eq!(<ReceiveStock as Command>::NAME, "ReceiveStock");
        let body = json!({ "sku": "SKU-1", "quantity": 5 });
        let command = ReceiveStock {
            sku: "SKU-1".into(),
            quantity: 5,
        };
        assert_eq!(serde_json::to_value(&command).ok(), Some(body.clone()));
        assert_eq!(
            serde_json::from_value::<ReceiveStock>(body).ok(),
            Some(command)
        );
        let unknown = json!({ "sku": "SKU-1", "quantity": 5, "extra": 1 });
        assert!(serde_json::from_value::<ReceiveStock>(unknown).is_err());
    }
}
