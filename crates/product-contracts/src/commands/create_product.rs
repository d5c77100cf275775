use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Creates a product under its SKU; a SKU already taken in the tenant is a 422
/// `sku_taken`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateProduct {
    /// The SKU: `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`; the product's id from now on.
    #[schemars(length(max = 64))]
    pub sku: String,
    /// What it is called; must not be blank (trimmed, at most 200 characters).
    #[schemars(length(max = 200))]
    pub name: String,
    /// What it is (at most 2000 characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(length(max = 2000))]
    pub description: String,
    /// The category to put it in; it must exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 128))]
    pub category_id: Option<String>,
}

/// The new product's SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateProductResult {
    /// Its SKU.
    pub sku: String,
}

platform_contracts::command!(CreateProduct => CreateProductResult);

#[cfg(test)]
mod tests {
    use platform_contracts::Command;
    use serde_json::json;

    use super::*;

    #[test]
    fn the_command_is_named_after_its_type_and_speaks_camel_case() {
        assert_eq!(<CreateProduct as Command>::NAME, "CreateProduct");
        let command = CreateProduct {
            sku: "SKU-1".into(),
            name: "Kettle".into(),
            description: String::new(),
            category_id: Some("c-1".into()),
        };
        let body = json!({ "sku": "SKU-1", "name": "Kettle", "categoryId": "c-1" });
        assert_eq!(serde_json::to_value(&command).ok(), Some(body.clone()));
        assert_eq!(
            serde_json::from_value::<CreateProduct>(body).ok(),
            Some(command)
        );
        let unknown = json!({ "sku": "SKU-1", "name": "Kettle", "extra": 1 });
        assert!(serde_json::from_value::<CreateProduct>(unknown).is_err());
    }
}
