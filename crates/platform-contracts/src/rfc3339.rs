//! Timestamps in requests: RFC 3339 exactly, so every one fits PostgreSQL.
//!
//! chrono's own `Deserialize` also takes ISO 8601 forms with more year digits or a
//! sign (`-005000-01-01T00:00:00Z`), which no `timestamptz` can hold. RFC 3339 has
//! four-digit years: with any offset, PostgreSQL's range (4713 BC to 294276 AD) holds
//! them all.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

/// Reads an optional RFC 3339 timestamp (a four-digit year, `T` or a space, an offset
/// or `Z`); anything else is a data error naming the expected form.
pub fn option<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&text)
        .map(|time| Some(time.with_timezone(&Utc)))
        .map_err(|err| {
            serde::de::Error::custom(format_args!(
                "expected an RFC 3339 timestamp such as 2026-01-31T12:00:00Z, with a \
                 four-digit year ({err})"
            ))
        })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct At {
        #[serde(default, deserialize_with = "super::option")]
        at: Option<chrono::DateTime<chrono::Utc>>,
    }

    fn read(json: &str) -> Result<At, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn rfc3339_is_read_and_other_years_are_refused() {
        let at = read(r#"{"at":"2026-01-31T12:00:00+01:00"}"#)
            .ok()
            .and_then(|a| a.at);
        assert_eq!(
            at.map(|t| t.to_rfc3339()),
            Some("2026-01-31T11:00:00+00:00".into())
        );
        assert!(read(r#"{"at":"0000-01-01 00:00:00.5z"}"#).is_ok());
        assert!(read("{}").is_ok_and(|a| a.at.is_none()));
        assert!(read(r#"{"at":null}"#).is_ok_and(|a| a.at.is_none()));
        for refused in [
            r#"{"at":"-005000-01-01T00:00:00Z"}"#,
            r#"{"at":"+275760-09-13T00:00:00Z"}"#,
            r#"{"at":"2026-01-31"}"#,
            r#"{"at":"2026-02-30T00:00:00Z"}"#,
            r#"{"at":1}"#,
        ] {
            let err = read(refused).err().map(|e| e.classify());
            assert_eq!(err, Some(serde_json::error::Category::Data), "{refused}");
        }
    }
}
