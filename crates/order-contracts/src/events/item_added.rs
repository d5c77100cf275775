use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Units of a product were added to a draft order.
///
/// Schema version 2. Version 1 stored the unit price as integer cents in
/// `unitPriceCents`; [`item_added_v1_to_v2`] reads such rows as `price`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemAdded {
    /// The order changed.
    pub order_id: String,
    /// The product added.
    pub product_id: String,
    /// Units added (positive).
    pub quantity: i64,
    /// Unit price, exact.
    pub price: Decimal,
}

/// Upcasts an `ItemAdded` v1 payload (`unitPriceCents: 2999`) to v2 (`price: "29.99"`).
///
/// A v1 row that already has `price` (as some early writers stored it) passes as is.
pub fn item_added_v1_to_v2(mut payload: Value) -> Result<Value, String> {
    let fields = payload
        .as_object_mut()
        .ok_or_else(|| "payload is not an object".to_owned())?;
    if let Some(cents) = fields.remove("unitPriceCents") {
        let cents = cents
            .as_i64()
            .ok_or_else(|| format!("unitPriceCents {cents} is not an integer"))?;
        fields.insert(
            "price".to_owned(),
            Value::String(Decimal::new(cents, 2).to_string()),
        );
    } else if !fields.contains_key("price") {
        return Err("neither unitPriceCents nor price".to_owned());
    }
    Ok(payload)
}

platform_core::register_upcaster!("ItemAdded", 1, item_added_v1_to_v2);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cents_become_a_decimal_price() {
        let v1 = json!({ "orderId": "o", "productId": "p", "quantity": 2, "unitPriceCents": 2999 });
        let v2 = item_added_v1_to_v2(v1).expect("upcast");
        assert_eq!(
            v2,
            json!({ "orderId": "o", "productId": "p", "quantity": 2, "price": "29.99" })
        );
        let event: ItemAdded = serde_json::from_value(v2).expect("a v2 ItemAdded");
        assert_eq!(event.price, Decimal::new(2999, 2));
    }

    #[test]
    fn a_bad_v1_payload_is_refused_with_the_reason() {
        let err = item_added_v1_to_v2(json!({ "unitPriceCents": "lots" })).expect_err("refused");
        assert!(err.contains("not an integer"), "{err}");
        assert!(item_added_v1_to_v2(json!({ "orderId": "o" })).is_err());
        assert!(item_added_v1_to_v2(json!([1])).is_err());
    }
}
