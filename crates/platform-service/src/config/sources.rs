//! The sources of raw settings: built-in TOML defaults, the config directory's TOML
//! files, `.env` and the process environment, merged in that order.

use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::raw::Raw;

/// Every source over the given TOML defaults, later ones winning (see the module docs
/// of `config`), and the files read.
///
/// The config directory is `CONFIG_DIR` when set, otherwise the service's own
/// (`own_dir`, its crate's `config/`) when it exists; the `.env` read is the one next to
/// that directory. The working directory plays no part: whichever directory a service
/// is started from, it reads its own files.
pub(super) fn layered(
    defaults_toml: &str,
    own_dir: Option<&Path>,
) -> Result<(Raw, Vec<String>), ConfigError> {
    let env: Raw = std::env::vars().collect();
    let mut raw = parse_toml(defaults_toml, "built-in defaults")?;
    let dir = match env.get("CONFIG_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => own_dir.filter(|dir| dir.is_dir()).map(Path::to_path_buf),
    };
    let mut files = Vec::new();
    let Some(dir) = dir else {
        raw.extend(env);
        return Ok((raw, files));
    };
    let dot_env_path = dir
        .parent()
        .map_or_else(|| PathBuf::from(".env"), |parent| parent.join(".env"));
    let dot_env = read_dot_env(&dot_env_path, &mut files)?;
    raw.extend(read_toml_file(&dir.join("default.toml"), &mut files)?);
    let environment = env
        .get("ENVIRONMENT")
        .or_else(|| dot_env.get("ENVIRONMENT"))
        .or_else(|| raw.get("ENVIRONMENT"))
        .cloned()
        .unwrap_or_else(|| "development".to_owned());
    if !environment.is_empty() && environment != "default" {
        raw.extend(read_toml_file(
            &dir.join(format!("{environment}.toml")),
            &mut files,
        )?);
    }
    raw.extend(dot_env);
    raw.extend(env);
    Ok((raw, files))
}

/// The TOML defaults with explicit overrides over them, and nothing else.
pub(super) fn with_overrides(
    defaults_toml: &str,
    overrides: &[(&str, &str)],
) -> Result<Raw, ConfigError> {
    let mut raw = parse_toml(defaults_toml, "built-in defaults")?;
    raw.extend(
        overrides
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Ok(raw)
}

/// The variables of a `.env` file (noted in `files`); none when it does not exist.
fn read_dot_env(path: &Path, files: &mut Vec<String>) -> Result<Raw, ConfigError> {
    if !path.exists() {
        return Ok(Raw::new());
    }
    files.push(path.display().to_string());
    let file_error = |reason: String| ConfigError::File {
        path: path.display().to_string(),
        reason,
    };
    dotenvy::from_path_iter(path)
        .map_err(|e| file_error(e.to_string()))?
        .map(|item| item.map_err(|e| file_error(e.to_string())))
        .collect()
}

/// The settings of a TOML file (noted in `files`); none when it does not exist.
fn read_toml_file(path: &Path, files: &mut Vec<String>) -> Result<Raw, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            files.push(path.display().to_string());
            parse_toml(&text, &path.display().to_string())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Raw::new()),
        Err(e) => Err(ConfigError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
    }
}

/// The settings of a TOML table of plain values, keys in upper case.
fn parse_toml(text: &str, origin: &str) -> Result<Raw, ConfigError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::File {
            path: origin.to_owned(),
            reason: e.to_string(),
        })?;
    table
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(ConfigError::File {
                        path: origin.to_owned(),
                        reason: format!("{key} must be a plain value, not {}", other.type_str()),
                    });
                }
            };
            Ok((key.to_uppercase(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_env_files_are_read() {
        let dir = std::env::temp_dir().join(format!("cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(&path, "HTTP_PORT=4000\n# comment\nDB_NAME=x\n").unwrap();
        let mut files = Vec::new();
        let raw = read_dot_env(&path, &mut files).unwrap();
        assert_eq!(files, [path.display().to_string()]);
        assert_eq!(raw.get("HTTP_PORT").map(String::as_str), Some("4000"));
        assert_eq!(raw.get("DB_NAME").map(String::as_str), Some("x"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
