//! [`ConfigError`]: a setting is missing or malformed, or a config file cannot be read.

/// A setting is missing or malformed, or a config file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value does not parse.
    #[error("invalid {key}={value:?}: {reason}")]
    Invalid {
        /// The variable.
        key: &'static str,
        /// Its value.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// A required value is missing.
    #[error("missing setting {0}")]
    Missing(&'static str),
    /// A TOML file is malformed.
    #[error("cannot read {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}
