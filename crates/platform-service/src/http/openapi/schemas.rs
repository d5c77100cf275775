//! Rewrites of the generated JSON schemas, so the document says exactly what the
//! service accepts and what generators read right.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::http::input::ALLOWED_TEXT_PATTERN;

/// Prefix of a reference to a component schema.
const COMPONENTS: &str = "#/components/schemas/";

/// Turns every `oneOf` of string `const`s (how schemars writes a unit enum whose
/// variants have docs) into a plain `enum` list, the variants' docs folded into the
/// description. Code generators read `oneOf`-of-`const` badly (one generator takes
/// the first `const` as the only value).
pub(super) fn unit_enums_as_lists(schema: &mut Value) {
    match schema {
        Value::Object(fields) => {
            if let Some(values) = string_consts(fields.get("oneOf")) {
                let notes: Vec<String> = values
                    .iter()
                    .filter_map(|(value, doc)| doc.as_ref().map(|doc| format!("`{value}`: {doc}")))
                    .collect();
                let names: Vec<Value> = values.iter().map(|(v, _)| json!(v)).collect();
                fields.remove("oneOf");
                fields.insert("type".to_owned(), json!("string"));
                fields.insert("enum".to_owned(), Value::Array(names));
                if !notes.is_empty() {
                    let notes = notes.join(" ");
                    let description = match fields.get("description").and_then(Value::as_str) {
                        Some(own) => format!("{own} {notes}"),
                        None => notes,
                    };
                    fields.insert("description".to_owned(), json!(description));
                }
            }
            fields.values_mut().for_each(unit_enums_as_lists);
        }
        Value::Array(items) => items.iter_mut().for_each(unit_enums_as_lists),
        _ => {}
    }
}

/// The values (and docs) of a `oneOf` made only of string constants.
fn string_consts(one_of: Option<&Value>) -> Option<Vec<(String, Option<String>)>> {
    let members = one_of?.as_array()?;
    if members.is_empty() {
        return None;
    }
    members
        .iter()
        .map(|member| {
            let member = member.as_object()?;
            let only_const = member
                .keys()
                .all(|key| matches!(key.as_str(), "type" | "const" | "description"));
            let typed = member.get("type").is_none_or(|t| t == "string");
            let value = member.get("const")?.as_str()?;
            (only_const && typed).then(|| {
                let doc = member
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                (value.to_owned(), doc)
            })
        })
        .collect()
}

/// Gives every string of a request schema, and of the component schemas it refers to,
/// the service's text rule as a `pattern` (no control characters but tab, line feed
/// and carriage return), unless it has a pattern, format or fixed values of its own;
/// and every sized integer the bounds of its format.
pub(super) fn restrict_text(
    schema: &mut Value,
    components: &mut Map<String, Value>,
    seen: &mut HashSet<String>,
) {
    let Value::Object(fields) = schema else {
        return;
    };
    if let Some(name) = fields
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(COMPONENTS))
    {
        if seen.insert(name.to_owned())
            && let Some(mut target) = components.remove(name)
        {
            restrict_text(&mut target, components, seen);
            components.insert(name.to_owned(), target);
        }
        return;
    }
    let is_string = match fields.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    let constrained = ["pattern", "format", "enum", "const"]
        .iter()
        .any(|key| fields.contains_key(*key));
    if is_string && !constrained {
        fields.insert("pattern".to_owned(), json!(ALLOWED_TEXT_PATTERN));
    }
    bound_integer(fields);
    if let Some(Value::Object(properties)) = fields.get_mut("properties") {
        for property in properties.values_mut() {
            restrict_text(property, components, seen);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = fields.get_mut(key) {
            restrict_text(inner, components, seen);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(members)) = fields.get_mut(key) {
            for member in members {
                restrict_text(member, components, seen);
            }
        }
    }
}

/// A schema, or the component it refers to.
fn resolve<'a>(schema: &'a Value, components: &'a Map<String, Value>) -> &'a Value {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(COMPONENTS))
        .and_then(|name| components.get(name))
        .unwrap_or(schema)
}

/// Whether an object schema (or the component it refers to) requires any property.
pub(super) fn has_required(schema: &Value, components: &Map<String, Value>) -> bool {
    resolve(schema, components)
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|required| !required.is_empty())
}

/// Gives an integer of a sized format (`int32`, `uint32`, `int64`, `uint64`) the bounds
/// of that format where it has none of its own: generators do not read formats as
/// bounds, and the service refuses what the Rust type cannot hold.
fn bound_integer(fields: &mut Map<String, Value>) {
    let (min, max): (Value, Value) = match fields.get("format").and_then(Value::as_str) {
        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
        Some("uint32") => (0.into(), u32::MAX.into()),
        Some("int64") => (i64::MIN.into(), i64::MAX.into()),
        Some("uint64") => (0.into(), u64::MAX.into()),
        _ => return,
    };
    fields.entry("minimum").or_insert(min);
    fields.entry("maximum").or_insert(max);
}

/// The top-level property names of a schema, following one reference.
pub(super) fn property_names<'a>(
    schema: &'a Value,
    components: &'a Map<String, Value>,
) -> Vec<&'a str> {
    resolve(schema, components)
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_of_of_consts_becomes_an_enum_list() {
        let mut status = json!({
            "description": "Where an order is.",
            "oneOf": [
                { "type": "string", "const": "draft", "description": "Open." },
                { "type": "string", "const": "placed", "description": "Submitted." }
            ]
        });
        unit_enums_as_lists(&mut status);
        assert_eq!(
            status,
            json!({
                "description": "Where an order is. `draft`: Open. `placed`: Submitted.",
                "type": "string",
                "enum": ["draft", "placed"]
            })
        );
        let mut mixed = json!({ "oneOf": [{ "const": "a" }, { "type": "object" }] });
        let before = mixed.clone();
        unit_enums_as_lists(&mut mixed);
        assert_eq!(mixed, before);
    }

    #[test]
    fn request_strings_get_the_text_rule_through_references() {
        let mut components = Map::new();
        components.insert(
            "Req".to_owned(),
            json!({
                "type": "object",
                "properties": {
                    "id": { "type": "string" },
                    "note": { "type": ["string", "null"] },
                    "at": { "type": ["string", "null"], "format": "date-time" },
                    "cursor": { "type": "string", "pattern": "^[0-9]*$" },
                    "n": { "type": "integer" },
                    "limit": { "type": ["integer", "null"], "format": "uint32", "minimum": 1 }
                },
                "not": { "required": ["a", "b"] }
            }),
        );
        let mut request = json!({ "$ref": "#/components/schemas/Req" });
        restrict_text(&mut request, &mut components, &mut HashSet::new());
        let req = &components["Req"]["properties"];
        assert_eq!(req["id"]["pattern"], ALLOWED_TEXT_PATTERN);
        assert_eq!(req["note"]["pattern"], ALLOWED_TEXT_PATTERN);
        assert!(req["at"].get("pattern").is_none());
        assert_eq!(req["cursor"]["pattern"], "^[0-9]*$");
        assert!(req["n"].get("pattern").is_none());
        assert_eq!(req["limit"]["minimum"], 1);
        assert_eq!(req["limit"]["maximum"], u32::MAX);
        assert_eq!(
            property_names(&request, &components),
            vec!["at", "cursor", "id", "limit", "n", "note"]
        );
    }
}
