//! OpenAPI links between operations, found by field name: a field of one operation's
//! result feeds the request field of the same name of every other operation (a
//! created order's `orderId` becomes `AddItem`'s, `GetOrder`'s, … `orderId`). Clients
//! and stateful test tools follow them to chain calls on what the service made.

use serde_json::{Map, Value, json};

use super::schemas::property_names;

/// An operation as the links see it: its id and its request and result schemas.
pub(super) struct Shape<'a> {
    /// The operation id (the command or query name).
    pub name: &'a str,
    /// Its request schema.
    pub request: &'a Value,
    /// Its success result schema.
    pub result: &'a Value,
}

/// The links of `source`'s success response: one per other operation that takes a
/// field `source` returns, named after that operation.
pub(super) fn from(
    source: &Shape<'_>,
    all: &[Shape<'_>],
    components: &Map<String, Value>,
) -> Map<String, Value> {
    let returned = property_names(source.result, components);
    let mut links = Map::new();
    for target in all.iter().filter(|t| t.name != source.name) {
        let body: Map<String, Value> = property_names(target.request, components)
            .into_iter()
            .filter(|field| returned.contains(field))
            .map(|field| (field.to_owned(), json!(format!("$response.body#/{field}"))))
            .collect();
        if !body.is_empty() {
            let fields: Vec<&str> = body.keys().map(String::as_str).collect();
            links.insert(
                target.name.to_owned(),
                json!({
                    "operationId": target.name,
                    "description": format!("{} from this result", fields.join(", ")),
                    "requestBody": body,
                }),
            );
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_field_feeds_requests_that_take_it() {
        let created = json!({ "properties": { "orderId": {}, "customerId": {} } });
        let add = json!({ "properties": { "orderId": {}, "productId": {} } });
        let list = json!({ "properties": { "customerId": {}, "limit": {} } });
        let other = json!({ "properties": { "sku": {} } });
        let all = [
            Shape {
                name: "Create",
                request: &list,
                result: &created,
            },
            Shape {
                name: "Add",
                request: &add,
                result: &add,
            },
            Shape {
                name: "List",
                request: &list,
                result: &other,
            },
            Shape {
                name: "Other",
                request: &other,
                result: &other,
            },
        ];
        let links = from(&all[0], &all, &Map::new());
        assert_eq!(
            links["Add"]["requestBody"],
            json!({ "orderId": "$response.body#/orderId" })
        );
        assert_eq!(
            links["List"]["requestBody"],
            json!({ "customerId": "$response.body#/customerId" })
        );
        assert!(links.get("Other").is_none() && links.get("Create").is_none());
    }
}
