use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Creates a new product; the service chooses its id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateProduct {
    /// What it is called; must not be blank.
    #[schemars(length(max = 200))]
    pub title: String,
    /// Who it belongs to (a customer, a team, a user id); must not be blank.
    #[schemars(length(max = 128))]
    pub owner_id: String,
}

/// The id of the new product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateProductResult {
    /// Its id.
    pub product_id: String,
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
            title: "First".into(),
            owner_id: "owner-1".into(),
        };
        let body = json!({ "title": "First", "ownerId": "owner-1" });
        assert_eq!(serde_json::to_value(&command).ok(), Some(body.clone()));
        assert_eq!(
            serde_json::from_value::<CreateProduct>(body).ok(),
            Some(command)
        );
        let unknown = json!({ "title": "First", "ownerId": "owner-1", "extra": 1 });
        assert!(serde_json::from_value::<CreateProduct>(unknown).is_err());
    }
}
