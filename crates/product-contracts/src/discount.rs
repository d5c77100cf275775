//! Discounts on a product's price and the price they leave.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Money;

/// How much a discount takes off, written as one of two objects:
/// `{"percentage": "15"}` (0 < p < 100, of the price) or
/// `{"amount": {"amount": "5.00", "currency": "EUR"}}` (in the price's currency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Discount {
    /// A percentage of the price, above 0 and below 100.
    Percentage(
        #[serde(deserialize_with = "percentage")]
        #[schemars(schema_with = "platform_contracts::decimal::schema")]
        Decimal,
    ),
    /// A fixed amount, in the price's currency.
    Amount(Money),
}

impl Discount {
    /// What `price` comes to with this discount, exact (not rounded to the currency's
    /// minor unit); `None` for an amount in another currency.
    pub fn apply_to(&self, price: &Money) -> Option<Money> {
        let amount = match self {
            Discount::Percentage(percent) => {
                let kept = Decimal::ONE_HUNDRED.checked_sub(*percent)?;
                price
                    .amount
                    .checked_mul(kept)?
                    .checked_div(Decimal::ONE_HUNDRED)?
            }
            Discount::Amount(off) if off.currency == price.currency => {
                price.amount.checked_sub(off.amount)?
            }
            Discount::Amount(_) => return None,
        };
        // Exact, never rounded; written with at least the price's decimals (20.00 less
        // 15 % is 17.00, not 17).
        let mut amount = amount.normalize();
        if amount.scale() < price.amount.scale() {
            amount.rescale(price.amount.scale());
        }
        Some(Money::new(amount, price.currency.clone()))
    }
}

/// A discount applied to a product, with the window in which it is in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductDiscount {
    /// Its id, given when it was applied.
    pub discount_id: String,
    /// What it takes off.
    pub discount: Discount,
    /// In force from this time on.
    pub valid_from: DateTime<Utc>,
    /// In force until this time (exclusive); open-ended when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<DateTime<Utc>>,
}

impl ProductDiscount {
    /// Whether it is in force at `now`: `validFrom <= now < validUntil`.
    pub fn in_force_at(&self, now: DateTime<Utc>) -> bool {
        self.valid_from <= now && self.valid_until.is_none_or(|until| now < until)
    }

    /// Whether it has expired by `now` (its `validUntil` is past).
    pub fn expired_at(&self, now: DateTime<Utc>) -> bool {
        self.valid_until.is_some_and(|until| until <= now)
    }
}

/// The price after the best discount in force at `now` (the lowest price a discount
/// in force leaves above zero); the price itself when none is.
pub fn effective_price(price: &Money, discounts: &[ProductDiscount], now: DateTime<Utc>) -> Money {
    discounts
        .iter()
        .filter(|d| d.in_force_at(now))
        .filter_map(|d| d.discount.apply_to(price))
        .filter(Money::is_positive)
        .min_by(|a, b| a.amount.cmp(&b.amount))
        .unwrap_or_else(|| price.clone())
}

/// Reads a percentage, naming it in what it refuses.
fn percentage<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    platform_contracts::decimal::read_named(deserializer, "percentage")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn eur(amount: &str) -> Money {
        Money::new(amount.parse().expect("decimal literal"), "EUR")
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0)
            .single()
            .expect("a date")
    }

    fn discount(id: &str, discount: Discount, from: u32, until: Option<u32>) -> ProductDiscount {
        ProductDiscount {
            discount_id: id.into(),
            discount,
            valid_from: at(from),
            valid_until: until.map(at),
        }
    }

    #[test]
    fn discounts_are_tagged_objects() {
        let percent = Discount::Percentage("15".parse().expect("decimal"));
        assert_eq!(
            serde_json::to_value(&percent).ok(),
            Some(json!({ "percentage": "15" }))
        );
        let amount = Discount::Amount(eur("5"));
        let body = json!({ "amount": { "amount": "5", "currency": "EUR" } });
        assert_eq!(serde_json::to_value(&amount).ok(), Some(body.clone()));
        assert_eq!(serde_json::from_value::<Discount>(body).ok(), Some(amount));
        assert_eq!(
            serde_json::from_value::<Discount>(json!({ "percentage": 15 })).ok(),
            Some(percent)
        );
        assert!(serde_json::from_value::<Discount>(json!({ "percent": 15 })).is_err());
    }

    #[test]
    fn the_best_discount_in_force_wins() {
        let price = eur("100");
        let discounts = [
            discount(
                "a",
                Discount::Percentage("10".parse().expect("decimal")),
                1,
                None,
            ),
            discount("b", Discount::Amount(eur("30")), 5, Some(10)),
            discount("c", Discount::Amount(Money::new(50.into(), "USD")), 1, None),
        ];
        assert_eq!(effective_price(&price, &discounts, at(2)), eur("90"));
        assert_eq!(effective_price(&price, &discounts, at(5)), eur("70"));
        assert_eq!(
            effective_price(&price, &discounts, at(10)),
            eur("90"),
            "b expired"
        );
        assert_eq!(effective_price(&price, &[], at(10)), price);
    }

    #[test]
    fn a_discounted_price_keeps_the_prices_decimals_and_is_never_rounded() {
        let fifteen = Discount::Percentage("15".parse().expect("decimal literal"));
        let kept = fifteen
            .apply_to(&eur("20.00"))
            .map(|m| m.amount.to_string());
        assert_eq!(kept.as_deref(), Some("17.00"));
        let exact = fifteen
            .apply_to(&eur("19.99"))
            .map(|m| m.amount.to_string());
        assert_eq!(exact.as_deref(), Some("16.9915"));
    }
}
