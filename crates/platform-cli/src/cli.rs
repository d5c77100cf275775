//! The command line: `platform-cli new service NAME --port N [--workspace DIR]`.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::error::ScaffoldError;
use crate::name::ServiceName;
use crate::scaffold::{Created, NewService, new_service};

/// Tooling for services on the platform.
#[derive(Debug, Parser)]
#[command(name = "platform-cli", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: CliCommand,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Generates something new in the workspace.
    #[command(subcommand)]
    New(NewCommand),
}

/// What `new` generates.
#[derive(Debug, Subcommand)]
pub enum NewCommand {
    /// A service: `crates/NAME-contracts` and `crates/NAME-service`, ready to build,
    /// test and run.
    Service(ServiceArgs),
}

/// The arguments of `new service`.
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// The service's name in kebab case, e.g. `invoice` or `credit-note`.
    pub name: String,
    /// Its HTTP port; no other service's config/default.toml may have it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
    /// The workspace root (default: the nearest Cargo.toml with [workspace] at or
    /// above the working directory).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Leaves the generated sources as rendered instead of running rustfmt over them.
    #[arg(long)]
    pub no_format: bool,
}

impl Cli {
    /// Runs the command from the working directory `cwd`.
    pub fn run(self, cwd: &Path) -> Result<Created, ScaffoldError> {
        match self.command {
            CliCommand::New(NewCommand::Service(args)) => {
                let request = NewService {
                    name: ServiceName::parse(&args.name)?,
                    port: args.port,
                    workspace: args.workspace,
                    format: !args.no_format,
                };
                new_service(&request, cwd)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn new_service_takes_a_name_a_port_and_a_workspace() {
        let cli = Cli::try_parse_from([
            "platform-cli",
            "new",
            "service",
            "invoice",
            "--port",
            "3100",
            "--workspace",
            "/tmp/ws",
        ])
        .expect("parsed");
        let CliCommand::New(NewCommand::Service(args)) = cli.command;
        assert_eq!(args.name, "invoice");
        assert_eq!(args.port, 3100);
        assert_eq!(args.workspace, Some(PathBuf::from("/tmp/ws")));
        assert!(!args.no_format);
    }

    #[test]
    fn a_port_is_required_and_in_range() {
        for args in [
            &["platform-cli", "new", "service", "invoice"][..],
            &["platform-cli", "new", "service", "invoice", "--port", "0"],
            &[
                "platform-cli",
                "new",
                "service",
                "invoice",
                "--port",
                "70000",
            ],
        ] {
            let err = Cli::try_parse_from(args).expect_err("refused");
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn an_invalid_name_is_refused_before_anything_is_looked_at() {
        let cli = Cli::try_parse_from([
            "platform-cli",
            "new",
            "service",
            "Invoice",
            "--port",
            "3100",
        ])
        .expect("parsed");
        let err = cli.run(Path::new("/nonexistent")).expect_err("refused");
        assert!(matches!(err, ScaffoldError::InvalidName { .. }), "{err:?}");
        assert_eq!(err.exit_code(), 2);
    }
}
