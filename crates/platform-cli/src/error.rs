//! [`ScaffoldError`]: why nothing was generated.

use std::path::PathBuf;

use crate::rule::NameRule;

/// Why `new service` generated nothing. Each message is one line; the refusals
/// (everything but [`Io`](ScaffoldError::Io)) exit with status 2.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The service name breaks a rule: pick another.
    #[error("invalid service name `{name}`: {rule}")]
    InvalidName {
        /// The name given.
        name: String,
        /// The rule it breaks.
        rule: NameRule,
    },
    /// No `Cargo.toml` with `[workspace]` above the starting directory: run it inside
    /// the workspace or pass `--workspace DIR`.
    #[error(
        "no Cargo workspace found from {}: run inside one or pass --workspace DIR",
        .0.display()
    )]
    NoWorkspace(PathBuf),
    /// `--workspace DIR` names a directory without a workspace manifest.
    #[error("{} is not a Cargo workspace root (no Cargo.toml with [workspace])", .0.display())]
    NotAWorkspace(PathBuf),
    /// A crate directory to create is already there: pick another name or remove it.
    #[error("{} already exists; nothing was written", .0.display())]
    TargetExists(PathBuf),
    /// Another service's `config/default.toml` already has this `http_port`.
    #[error("port {port} is already the http_port of {owner} ({}); pick another with --port", .config.display())]
    PortTaken {
        /// The port asked for.
        port: u16,
        /// The crate whose config has it.
        owner: String,
        /// That config file.
        config: PathBuf,
    },
    /// Reading or writing a file failed; whatever was written is removed again.
    #[error("{action} {}: {source}", .path.display())]
    Io {
        /// What was being done (`writing`, `renaming`…).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl ScaffoldError {
    /// The process exit status: 2 for a refusal (bad input or a clash with the
    /// workspace), 1 for an I/O failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            ScaffoldError::Io { .. } => 1,
            _ => 2,
        }
    }

    /// The working directory could not be read.
    pub fn io_in_working_directory(source: std::io::Error) -> Self {
        ScaffoldError::Io {
            action: "reading the working directory",
            path: PathBuf::from("."),
            source,
        }
    }

    /// An I/O failure while doing `action` to `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| ScaffoldError::Io {
            action,
            path,
            source,
        }
    }
}
