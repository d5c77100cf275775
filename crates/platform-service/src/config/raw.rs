//! Raw settings by variable name, and the helpers that turn them into typed values.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use super::error::ConfigError;

/// Raw settings by variable name (upper case).
pub(super) type Raw = BTreeMap<String, String>;

/// `url` without its credentials, for messages.
pub(super) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The trimmed value of `key`, or `default`.
pub(super) fn string(
    raw: &Raw,
    key: &'static str,
    default: Option<&str>,
) -> Result<String, ConfigError> {
    match raw.get(key).filter(|v| !v.trim().is_empty()) {
        Some(v) => Ok(v.trim().to_owned()),
        None => default.map(str::to_owned).ok_or(ConfigError::Missing(key)),
    }
}

/// The value of `key` parsed, or `default`.
pub(super) fn parse<T>(raw: &Raw, key: &'static str, default: Option<T>) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match raw.get(key).filter(|v| !v.trim().is_empty()) {
        Some(v) => v.trim().parse().map_err(|e: T::Err| ConfigError::Invalid {
            key,
            value: v.clone(),
            reason: e.to_string(),
        }),
        None => default.ok_or(ConfigError::Missing(key)),
    }
}

/// The value of `key`, at least 1, or `default`.
pub(super) fn positive(raw: &Raw, key: &'static str, default: u32) -> Result<u32, ConfigError> {
    let value: u32 = parse(raw, key, Some(default))?;
    if value == 0 {
        return Err(ConfigError::Invalid {
            key,
            value: "0".to_owned(),
            reason: "must be at least 1".to_owned(),
        });
    }
    Ok(value)
}

/// The value of `key` in milliseconds, or `default_ms`; 0 means none (`None`).
pub(super) fn millis(
    raw: &Raw,
    key: &'static str,
    default_ms: u64,
) -> Result<Option<Duration>, ConfigError> {
    let ms: u64 = parse(raw, key, Some(default_ms))?;
    Ok((ms > 0).then(|| Duration::from_millis(ms)))
}
