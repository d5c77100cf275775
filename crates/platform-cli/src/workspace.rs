//! The Cargo workspace generated into: its root, the ports its services already take,
//! and its `members` list.
//!
//! The root manifest and the configs are read as plain text, line by line: the few keys
//! looked at (`[workspace]`, `members`, `edition`, `http_port`) do not need a TOML parser.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::ScaffoldError;

/// The glob that makes every crate under `crates/` a member.
const CRATES_GLOB: &str = "crates/*";

/// A Cargo workspace: the directory of a `Cargo.toml` with a `[workspace]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    root: PathBuf,
}

/// A service config that already has a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortOwner {
    /// The crate's directory name, e.g. `order-service`.
    pub owner: String,
    /// Its `config/default.toml`.
    pub config: PathBuf,
}

impl Workspace {
    /// The nearest workspace at or above `start`.
    pub fn find(start: &Path) -> Result<Self, ScaffoldError> {
        start
            .ancestors()
            .find(|dir| is_workspace_root(dir))
            .map(|dir| Workspace {
                root: dir.to_path_buf(),
            })
            .ok_or_else(|| ScaffoldError::NoWorkspace(start.to_path_buf()))
    }

    /// The workspace rooted at `dir` (given with `--workspace`).
    pub fn at(dir: &Path) -> Result<Self, ScaffoldError> {
        if is_workspace_root(dir) {
            Ok(Workspace {
                root: dir.to_path_buf(),
            })
        } else {
            Err(ScaffoldError::NotAWorkspace(dir.to_path_buf()))
        }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where crates live: `<root>/crates`.
    pub fn crates_dir(&self) -> PathBuf {
        self.root.join("crates")
    }

    /// The root `Cargo.toml`.
    pub fn manifest_path(&self) -> PathBuf {
        self.root.join("Cargo.toml")
    }

    /// The root manifest's text.
    pub fn manifest(&self) -> Result<String, ScaffoldError> {
        let path = self.manifest_path();
        fs::read_to_string(&path).map_err(ScaffoldError::io("reading", path))
    }

    /// The crate under `crates/` whose `config/default.toml` has `http_port = port`,
    /// if any (crates are looked at in name order).
    pub fn port_owner(&self, port: u16) -> Result<Option<PortOwner>, ScaffoldError> {
        let crates = self.crates_dir();
        let entries = match fs::read_dir(&crates) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(ScaffoldError::io("listing", crates)(err)),
        };
        let mut configs: Vec<(String, PathBuf)> = entries
            .filter_map(Result::ok)
            .map(|entry| {
                let owner = entry.file_name().to_string_lossy().into_owned();
                (owner, entry.path().join("config").join("default.toml"))
            })
            .filter(|(_, config)| config.is_file())
            .collect();
        configs.sort();
        for (owner, config) in configs {
            let text =
                fs::read_to_string(&config).map_err(ScaffoldError::io("reading", &config))?;
            if http_port(&text) == Some(port) {
                return Ok(Some(PortOwner { owner, config }));
            }
        }
        Ok(None)
    }
}

/// Whether `dir` has a `Cargo.toml` with a `[workspace]` table.
fn is_workspace_root(dir: &Path) -> bool {
    fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
}

/// A line without its comment, trimmed (a `#` inside a string is not looked for: the
/// keys read here hold none).
fn uncommented(line: &str) -> &str {
    line.split('#').next().unwrap_or_default().trim()
}

/// The value of `key = value` on a line, if the line sets that key.
fn value_of<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = uncommented(line).strip_prefix(key)?.trim_start();
    Some(rest.strip_prefix('=')?.trim())
}

/// The `http_port` a service config sets, if any.
pub fn http_port(config: &str) -> Option<u16> {
    config
        .lines()
        .find_map(|line| value_of(line, "http_port"))
        .and_then(|value| value.parse().ok())
}

/// The edition of `[workspace.package]` (what `edition.workspace = true` inherits),
/// 2024 when the manifest does not say.
pub fn workspace_edition(manifest: &str) -> String {
    section(manifest, "workspace.package")
        .and_then(|lines| lines.iter().find_map(|line| value_of(line, "edition")))
        .map(|value| value.trim_matches('"').to_owned())
        .filter(|edition| !edition.is_empty())
        .unwrap_or_else(|| "2024".to_owned())
}

/// The lines of a top-level table, without its header.
fn section<'a>(manifest: &'a str, table: &str) -> Option<Vec<&'a str>> {
    let header = format!("[{table}]");
    let mut lines = manifest.lines();
    lines.find(|line| uncommented(line) == header)?;
    Some(
        lines
            .take_while(|line| !uncommented(line).starts_with('['))
            .collect(),
    )
}

/// Where the `members` array of `[workspace]` is in the manifest: byte offsets of its
/// `[` and its `]`.
fn members_array(manifest: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    let mut in_workspace = false;
    for line in manifest.split_inclusive('\n') {
        let code = uncommented(line);
        if code.starts_with('[')
            && !code.starts_with("[[")
            && code.ends_with(']')
            && !code.contains('=')
        {
            in_workspace = code == "[workspace]";
        } else if in_workspace && value_of(line, "members").is_some() {
            let open = offset + line.find('[')?;
            let close = open + manifest[open..].find(']')?;
            return Some((open, close));
        }
        offset += line.len();
    }
    None
}

/// The quoted entries of `[workspace] members`, if the key is there.
pub fn members(manifest: &str) -> Option<Vec<String>> {
    let (open, close) = members_array(manifest)?;
    Some(
        manifest[open + 1..close]
            .lines()
            .map(uncommented)
            .flat_map(|line| line.split(','))
            .map(|entry| entry.trim().trim_matches('"').to_owned())
            .filter(|entry| !entry.is_empty())
            .collect(),
    )
}

/// Whether `members` already takes in every crate under `crates/` (`"crates/*"`).
pub fn members_cover_crates(manifest: &str) -> bool {
    members(manifest).is_some_and(|members| members.iter().any(|m| m == CRATES_GLOB))
}

/// The manifest with `added` appended to `[workspace] members` (the key is created
/// when missing), keeping the array's layout: one line, or one entry per line.
pub fn with_members(manifest: &str, added: &[String]) -> String {
    let quoted: Vec<String> = added.iter().map(|m| format!("\"{m}\"")).collect();
    let Some((open, close)) = members_array(manifest) else {
        let line = format!("members = [{}]\n", quoted.join(", "));
        return match manifest.find("[workspace]") {
            Some(at) => {
                let after_header = manifest[at..]
                    .find('\n')
                    .map_or(manifest.len(), |end| at + end + 1);
                let mut text = manifest.to_owned();
                if after_header == text.len() && !text.ends_with('\n') {
                    text.push('\n');
                }
                text.insert_str(after_header.min(text.len()), &line);
                text
            }
            None => format!("{manifest}\n[workspace]\n{line}"),
        };
    };
    let inside = &manifest[open + 1..close];
    let last = inside.trim_end();
    let before_close = open + 1 + last.len();
    let needs_comma = !last.trim().is_empty() && !last.ends_with(',');
    let mut text = String::with_capacity(manifest.len() + 64);
    text.push_str(&manifest[..before_close]);
    if inside.contains('\n') {
        if needs_comma {
            text.push(',');
        }
        for entry in &quoted {
            text.push_str("\n    ");
            text.push_str(entry);
            text.push(',');
        }
        text.push_str(&manifest[before_close..]);
    } else {
        if needs_comma {
            text.push_str(", ");
        } else if !last.trim().is_empty() {
            text.push(' ');
        }
        text.push_str(&quoted.join(", "));
        text.push_str(&manifest[close..]);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\", \"tests\"]\n\n\
                        [workspace.package]\nedition = \"2024\"\n";

    fn added() -> Vec<String> {
        vec!["crates/a-contracts".into(), "crates/a-service".into()]
    }

    #[test]
    fn the_crates_glob_covers_new_crates() {
        assert!(members_cover_crates(ROOT));
        assert_eq!(
            members(ROOT),
            Some(vec!["crates/*".to_owned(), "tests".to_owned()])
        );
        assert!(!members_cover_crates(
            "[workspace]\nmembers = [\"crates/one\"]\n"
        ));
        assert!(!members_cover_crates("[workspace]\n"));
        // `members` of another table does not count.
        assert!(!members_cover_crates(
            "[workspace]\n[other]\nmembers = [\"crates/*\"]\n"
        ));
    }

    #[test]
    fn members_are_added_in_the_arrays_own_layout() {
        assert_eq!(
            with_members("[workspace]\nmembers = [\"crates/one\"]\n", &added()),
            "[workspace]\nmembers = [\"crates/one\", \"crates/a-contracts\", \"crates/a-service\"]\n"
        );
        assert_eq!(
            with_members("[workspace]\nmembers = []\n", &added()),
            "[workspace]\nmembers = [\"crates/a-contracts\", \"crates/a-service\"]\n"
        );
        assert_eq!(
            with_members(
                "[workspace]\nmembers = [\n    \"crates/one\"\n]\nresolver = \"3\"\n",
                &added()
            ),
            "[workspace]\nmembers = [\n    \"crates/one\",\n    \"crates/a-contracts\",\n    \
             \"crates/a-service\",\n]\nresolver = \"3\"\n"
        );
        assert_eq!(
            with_members("[workspace]\nresolver = \"3\"\n", &added()),
            "[workspace]\nmembers = [\"crates/a-contracts\", \"crates/a-service\"]\nresolver = \"3\"\n"
        );
        let grown = with_members("[workspace]\nmembers = [\"crates/one\",]\n", &added());
        assert_eq!(
            members(&grown),
            Some(vec![
                "crates/one".to_owned(),
                "crates/a-contracts".to_owned(),
                "crates/a-service".to_owned()
            ])
        );
    }

    #[test]
    fn ports_and_editions_are_read_from_their_lines() {
        assert_eq!(
            http_port("http_host = \"0.0.0.0\"\nhttp_port = 3001 # HTTP\n"),
            Some(3001)
        );
        assert_eq!(http_port("# http_port = 3001\n"), None);
        assert_eq!(http_port("http_port_extra = 3\n"), None);
        assert_eq!(workspace_edition(ROOT), "2024");
        assert_eq!(
            workspace_edition("[workspace]\n[workspace.package]\nedition = \"2021\"\n"),
            "2021"
        );
        assert_eq!(workspace_edition("[workspace]\n"), "2024");
    }
}
