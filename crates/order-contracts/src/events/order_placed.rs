use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::PlacedLine;

/// The order was submitted with its lines and final total.
///
/// Schema version 2. Version 1 had no `lines`; [`order_placed_v1_to_v2`] reads such
/// rows with `lines: []` (the lines of an old order are not known from the event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    /// The order placed.
    pub order_id: String,
    /// The customer it belongs to.
    pub customer_id: String,
    /// Sum of quantity × price over the lines, exact.
    pub total: Decimal,
    /// The lines placed, in the order products were first added.
    pub lines: Vec<PlacedLine>,
}

/// Upcasts an `OrderPlaced` v1 payload to v2: `lines: []`.
pub fn order_placed_v1_to_v2(mut payload: Value) -> Result<Value, String> {
    let fields = payload
        .as_object_mut()
        .ok_or_else(|| "payload is not an object".to_owned())?;
    fields
        .entry("lines")
        .or_insert_with(|| Value::Array(Vec::new()));
    Ok(payload)
}

platform_core::register_upcaster!("OrderPlaced", 1, order_placed_v1_to_v2);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_v1_order_placed_has_no_lines() {
        let v1 = json!({ "orderId": "o", "customerId": "c", "total": "59.98" });
        let v2 = order_placed_v1_to_v2(v1).expect("upcast");
        assert_eq!(
            v2,
            json!({ "orderId": "o", "customerId": "c", "total": "59.98", "lines": [] })
        );
        let event: OrderPlaced = serde_json::from_value(v2).expect("a v2 OrderPlaced");
        assert!(event.lines.is_empty());
        assert!(order_placed_v1_to_v2(json!([1])).is_err());
    }

    #[test]
    fn lines_are_camel_case_with_exact_prices() {
        let placed = OrderPlaced {
            order_id: "o".into(),
            customer_id: "c".into(),
            total: Decimal::new(5998, 2),
            lines: vec![PlacedLine {
                product_id: "SKU-1".into(),
                quantity: 2,
                price: Decimal::new(2999, 2),
            }],
        };
        assert_eq!(
            serde_json::to_value(&placed).expect("json"),
            json!({
                "orderId": "o", "customerId": "c", "total": "59.98",
                "lines": [{ "productId": "SKU-1", "quantity": 2, "price": "29.99" }],
            })
        );
    }
}
