//! An exact decimal in a request (a price, a discount): a decimal string
//! of at most 15 integer and 10 fraction digits, or a JSON number below 10^15 in
//! magnitude. The JSON schema says exactly that, so whatever fits the schema is read
//! and whatever does not is a 400. Written back as a string (`"19.99"`).

use std::str::FromStr;

use rust_decimal::Decimal;
use schemars::{Schema, SchemaGenerator, json_schema};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The pattern of a decimal written as a string.
const PATTERN: &str = r"^-?[0-9]{1,15}(\.[0-9]{1,10})?$";
/// A decimal written as a number is below this in magnitude.
const BOUND: f64 = 1e15;

/// Reads a decimal as [`PATTERN`] text or as a number within [`BOUND`].
pub fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    read_named(deserializer, "value")
}

/// The same, naming the field in what it refuses (`price "1E40" is not a decimal …`):
/// `fn price<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
/// read_named(d, "price") }`.
pub fn read_named<'de, D: Deserializer<'de>>(
    deserializer: D,
    name: &str,
) -> Result<Decimal, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) if is_decimal_text(&text) => {
            Decimal::from_str(&text).map_err(D::Error::custom)
        }
        Value::String(text) => Err(D::Error::custom(format_args!(
            "{name} {text:?} is not a decimal with at most 15 integer and 10 fraction digits"
        ))),
        Value::Number(number) if number.as_f64().is_some_and(|n| n.abs() < BOUND) => {
            <Decimal as Deserialize>::deserialize(Value::Number(number)).map_err(D::Error::custom)
        }
        Value::Number(number) => Err(D::Error::custom(format_args!(
            "{name} {number} is not below 10^15 in magnitude"
        ))),
        other => Err(D::Error::custom(format_args!(
            "{name} must be a decimal string or a number, not {other}"
        ))),
    }
}

fn is_decimal_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits =
        |s: &str, max: usize| (1..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole, 15) && fraction.is_none_or(|f| all_digits(f, 10))
}

/// The schema of what [`read`] accepts.
pub fn schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["string", "number"],
        "pattern": PATTERN,
        "exclusiveMinimum": -BOUND,
        "exclusiveMaximum": BOUND,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(json: &str) -> Option<String> {
        let value: Value = serde_json::from_str(json).ok()?;
        read(value).ok().map(|d| d.to_string())
    }

    #[test]
    fn what_the_schema_allows_is_read_and_nothing_else() {
        assert_eq!(decimal(r#""29.99""#).as_deref(), Some("29.99"));
        assert_eq!(decimal("29.99").as_deref(), Some("29.99"));
        assert_eq!(decimal(r#""-5""#).as_deref(), Some("-5"));
        assert!(decimal("1e-300").is_some());
        assert!(decimal("999999999999999.9").is_some());
        for refused in [
            r#""1E40""#,
            r#""-00060370909E40176950""#,
            r#""1234567890123456""#,
            r#""1.12345678901""#,
            r#"".5""#,
            r#""""#,
            "1e15",
            "-1e300",
            "true",
        ] {
            assert_eq!(decimal(refused), None, "{refused}");
        }
    }
}
