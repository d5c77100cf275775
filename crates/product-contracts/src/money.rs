//! Money: an exact amount in a currency, shared by the catalog and the inventory.

use std::fmt;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An exact amount of a currency: `{"amount": "19.99", "currency": "EUR"}`.
///
/// The amount is written as a decimal string, as order-contracts writes a price, and
/// read from a string or a number; the currency is an ISO 4217 code, three upper-case
/// letters ([`Money::has_valid_currency`]; the service refuses others with 422).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Money {
    /// The amount, exact.
    #[serde(deserialize_with = "amount")]
    #[schemars(schema_with = "platform_contracts::decimal::schema")]
    pub amount: Decimal,
    /// ISO 4217 currency code, e.g. `EUR`.
    #[schemars(pattern(r"^[A-Z]{3}$"))]
    pub currency: String,
}

impl Money {
    /// `amount` of `currency`.
    pub fn new(amount: Decimal, currency: impl Into<String>) -> Self {
        Money {
            amount,
            currency: currency.into(),
        }
    }

    /// Whether the currency has the form of an ISO 4217 code: three upper-case ASCII
    /// letters.
    pub fn has_valid_currency(&self) -> bool {
        self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase())
    }

    /// Whether the amount is above zero.
    pub fn is_positive(&self) -> bool {
        self.amount > Decimal::ZERO
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Reads an amount, naming it in what it refuses.
fn amount<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    platform_contracts::decimal::read_named(deserializer, "amount")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn money_is_a_decimal_string_and_a_currency() {
        let money = Money::new(Decimal::new(1999, 2), "EUR");
        let body = json!({ "amount": "19.99", "currency": "EUR" });
        assert_eq!(serde_json::to_value(&money).ok(), Some(body.clone()));
        assert_eq!(
            serde_json::from_value::<Money>(body).ok(),
            Some(money.clone())
        );
        let number = json!({ "amount": 19.99, "currency": "EUR" });
        assert_eq!(serde_json::from_value::<Money>(number).ok(), Some(money));
        assert!(
            serde_json::from_value::<Money>(json!({ "amount": "1e3", "currency": "EUR" })).is_err()
        );
    }

    #[test]
    fn currencies_are_three_upper_case_letters() {
        for good in ["EUR", "USD", "JPY"] {
            assert!(
                Money::new(Decimal::ONE, good).has_valid_currency(),
                "{good}"
            );
        }
        for bad in ["eur", "EU", "EURO", "", "E1R", "ÉUR"] {
            assert!(!Money::new(Decimal::ONE, bad).has_valid_currency(), "{bad}");
        }
    }
}
