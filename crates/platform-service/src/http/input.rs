//! What every command and query body must be before it is decoded into its contract
//! type, whatever that type: JSON, sent as JSON, and free of control characters.
//!
//! - A body that is not empty must be a JSON object (serde would read a struct from an
//!   array of its fields) and must say `Content-Type: application/json` (or a
//!   `+json` type): anything else is a 415 `unsupported_media_type`. A missing header
//!   counts as not JSON, so a cross-site form (`text/plain`,
//!   `application/x-www-form-urlencoded`) can never send a command. An empty body
//!   means `{}` and needs no header.
//! - No string, key or value, anywhere in the document may hold a control character
//!   other than tab, line feed and carriage return (400 `validation_failed`, naming
//!   where). PostgreSQL cannot store U+0000 in `text` or `jsonb`, and the others have
//!   no place in ids or free text. The OpenAPI document states the same rule as a
//!   `pattern` on every request string ([`ALLOWED_TEXT_PATTERN`]).
//!
//! - A number with a zero fraction (`2.0`) is an integer, as JSON Schema says: it is
//!   handed to the decoder as `2`, so an integer field takes it.
//!
//! The checks run before the `Idempotency-Key` is claimed, so a refused body never
//! takes a key or reaches the database.

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use serde_json::Value;

use crate::error::HandlerError;

/// The JSON Schema `pattern` (ECMA 262) of a string the service accepts: no control
/// character except tab, line feed and carriage return.
pub(crate) const ALLOWED_TEXT_PATTERN: &str =
    r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

/// Checks a request body's media type and text, and gives the body the decoder is to
/// read (the same bytes, unless integral numbers were written as `2.0`).
pub(crate) fn accept(headers: &HeaderMap, body: Bytes) -> Result<Bytes, HandlerError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(body);
    }
    check_media_type(headers)?;
    let mut document: Value = serde_json::from_slice(&body).map_err(HandlerError::from_json)?;
    if !document.is_object() {
        // serde would read a struct from an array of its fields in order.
        return Err(HandlerError::Validation(
            "the body must be a JSON object".to_owned(),
        ));
    }
    check_text(&document, &mut Path::default())?;
    if !integral_floats_as_integers(&mut document) {
        return Ok(body);
    }
    serde_json::to_vec(&document)
        .map(Bytes::from)
        .map_err(|err| HandlerError::internal("request body", err))
}

/// Rewrites every float with a zero fraction that fits an `i64` as an integer;
/// whether any was.
fn integral_floats_as_integers(value: &mut Value) -> bool {
    match value {
        Value::Number(number) => {
            // 2^63 is exactly representable: below it, the cast is exact.
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            match number.as_f64() {
                Some(float)
                    if number.is_f64()
                        && float.fract() == 0.0
                        && (-LIMIT..LIMIT).contains(&float) =>
                {
                    *number = serde_json::Number::from(float as i64);
                    true
                }
                _ => false,
            }
        }
        // Every item is rewritten: no short cut after the first change.
        Value::Array(items) => {
            items
                .iter_mut()
                .map(integral_floats_as_integers)
                .filter(|changed| *changed)
                .count()
                > 0
        }
        Value::Object(fields) => {
            fields
                .values_mut()
                .map(integral_floats_as_integers)
                .filter(|changed| *changed)
                .count()
                > 0
        }
        Value::Null | Value::Bool(_) | Value::String(_) => false,
    }
}

/// A body must be declared JSON: `application/json` or `application/*+json`.
fn check_media_type(headers: &HeaderMap) -> Result<(), HandlerError> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap_or("(not text)"));
    let essence = declared
        .and_then(|value| value.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/json") => Ok(()),
        Some(essence) if essence.starts_with("application/") && essence.ends_with("+json") => {
            Ok(())
        }
        _ => Err(HandlerError::UnsupportedMediaType(
            declared.unwrap_or("none").chars().take(100).collect(),
        )),
    }
}

/// Whether a character may appear in a request string.
fn allowed(c: char) -> bool {
    !c.is_control() || matches!(c, '\t' | '\n' | '\r')
}

/// Refuses the first string (key or value) that holds a forbidden character.
fn check_text(value: &Value, path: &mut Path) -> Result<(), HandlerError> {
    match value {
        Value::String(text) => check_string(text, path, "the value"),
        Value::Array(items) => items.iter().enumerate().try_for_each(|(index, item)| {
            path.push(Step::Index(index));
            let checked = check_text(item, path);
            path.pop();
            checked
        }),
        Value::Object(fields) => fields.iter().try_for_each(|(key, item)| {
            path.push(Step::Key(key.clone()));
            check_string(key, path, "the field name")?;
            let checked = check_text(item, path);
            path.pop();
            checked
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

fn check_string(text: &str, path: &Path, what: &str) -> Result<(), HandlerError> {
    match text.chars().find(|c| !allowed(*c)) {
        None => Ok(()),
        Some(c) => Err(HandlerError::Validation(format!(
            "{what} at {path} holds the control character U+{:04X}; only tab, line feed \
             and carriage return are accepted",
            u32::from(c)
        ))),
    }
}

/// Where a string is in the document, shown as `items[0].productId`.
#[derive(Default)]
struct Path(Vec<Step>);

enum Step {
    Key(String),
    Index(usize),
}

impl Path {
    fn push(&mut self, step: Step) {
        self.0.push(step);
    }

    fn pop(&mut self) {
        self.0.pop();
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("the top level");
        }
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    // The key itself may be what is refused: shown escaped.
                    write!(f, "{}", key.escape_debug())?;
                }
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn json() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers
    }

    fn check(headers: &HeaderMap, body: impl AsRef<[u8]>) -> Result<Bytes, HandlerError> {
        accept(headers, Bytes::copy_from_slice(body.as_ref()))
    }

    fn code(result: Result<Bytes, HandlerError>) -> &'static str {
        result.err().map_or("ok", |err| err.code())
    }

    #[test]
    fn a_body_must_be_declared_json() {
        let body = br#"{"orderId":"o"}"#;
        assert_eq!(code(check(&json(), body)), "ok");
        let mut headers = HeaderMap::new();
        assert_eq!(code(check(&headers, body)), "unsupported_media_type");
        for (value, expected) in [
            ("text/plain", "unsupported_media_type"),
            (
                "application/x-www-form-urlencoded",
                "unsupported_media_type",
            ),
            ("Application/JSON; charset=utf-8", "ok"),
            ("application/problem+json", "ok"),
        ] {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            assert_eq!(code(check(&headers, body)), expected, "{value}");
        }
        // An empty body is `{}` and needs no header.
        assert_eq!(code(check(&HeaderMap::new(), b" \n")), "ok");
    }

    #[test]
    fn control_characters_are_refused_anywhere_and_named() {
        for body in [
            r#"{"customerId":"a\u0000b"}"#,
            r#"{"orderId":"o","extra":{"deep":["\u0001"]}}"#,
            r#"{"a\u0000":1}"#,
            r#"{"reason":"\u007f"}"#,
            r#"{"reason":"\u0085"}"#,
        ] {
            assert_eq!(
                code(check(&json(), body.as_bytes())),
                "validation_failed",
                "{body}"
            );
        }
        let Err(err) = check(&json(), br#"{"o":[1,{"p":"\u0000"}]}"#) else {
            panic!("a NUL is refused");
        };
        assert!(err.to_string().contains("o[1].p"), "{err}");
        assert!(err.to_string().contains("U+0000"), "{err}");
        let text = r#"{"reason":"line one\r\n\tline two","price":1.5,"ok":[true,null]}"#;
        assert_eq!(code(check(&json(), text.as_bytes())), "ok");
    }

    #[test]
    fn integral_floats_become_integers_and_other_bodies_stay_as_sent() {
        let body = check(&json(), br#"{"limit":2315.0,"n":[-1.0,1.5],"price":29.99}"#);
        assert_eq!(
            body.ok().as_deref(),
            Some(br#"{"limit":2315,"n":[-1,1.5],"price":29.99}"#.as_slice())
        );
        let sent = br#"{ "price": 29.99, "limit": 1 }"#;
        assert_eq!(check(&json(), sent).ok().as_deref(), Some(sent.as_slice()));
        let huge = br#"{"n":1e300}"#;
        assert_eq!(check(&json(), huge).ok().as_deref(), Some(huge.as_slice()));
    }

    #[test]
    fn a_body_that_is_not_json_is_malformed() {
        assert_eq!(code(check(&json(), b"{not json")), "malformed_json");
        for body in ["[null, null]", "\"o\"", "1", "null"] {
            assert_eq!(code(check(&json(), body)), "validation_failed", "{body}");
        }
    }

    #[test]
    fn the_pattern_and_the_check_agree() {
        // The pattern's ranges are exactly the refused characters.
        let refused: Vec<u32> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| !allowed(*c))
            .map(u32::from)
            .collect();
        let mut expected: Vec<u32> = (0x00..=0x08).collect();
        expected.extend([0x0B, 0x0C]);
        expected.extend(0x0E..=0x1F);
        expected.extend(0x7F..=0x9F);
        assert_eq!(refused, expected);
        assert!(
            ALLOWED_TEXT_PATTERN.contains(r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F")
        );
    }
}
