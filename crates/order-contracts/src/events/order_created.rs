use platform_core::Metadata;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A draft order was opened for a customer.
///
/// Schema version 2. Version 1 had no `createdBy`; [`order_created_v1_to_v2`] reads
/// it from the event's metadata (`userId`), or null.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreated {
    /// The new order's id.
    pub order_id: String,
    /// The customer it belongs to.
    pub customer_id: String,
    /// The user who opened it, when one was signed in.
    pub created_by: Option<String>,
}

/// Upcasts an `OrderCreated` v1 payload to v2: `createdBy` from the metadata's `userId`.
pub fn order_created_v1_to_v2(mut payload: Value, metadata: &Metadata) -> Result<Value, String> {
    let fields = payload
        .as_object_mut()
        .ok_or_else(|| "payload is not an object".to_owned())?;
    let created_by = metadata.user_id.clone().map_or(Value::Null, Value::String);
    fields.entry("createdBy").or_insert(created_by);
    Ok(payload)
}

platform_core::register_upcaster!("OrderCreated", 1, order_created_v1_to_v2, with_metadata);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn created_by_comes_from_the_metadata() {
        let v1 = json!({ "orderId": "o", "customerId": "c" });
        let metadata = Metadata {
            user_id: Some("alice".into()),
            ..Metadata::default()
        };
        let v2 = order_created_v1_to_v2(v1.clone(), &metadata).expect("upcast");
        assert_eq!(
            v2,
            json!({ "orderId": "o", "customerId": "c", "createdBy": "alice" })
        );
        let anonymous = order_created_v1_to_v2(v1, &Metadata::default()).expect("upcast");
        assert_eq!(anonymous["createdBy"], Value::Null);
        let event: OrderCreated = serde_json::from_value(anonymous).expect("a v2 OrderCreated");
        assert_eq!(event.created_by, None);
    }
}
