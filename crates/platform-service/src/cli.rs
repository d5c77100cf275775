//! The command line of a platform service.

use clap::{Parser, Subcommand};

/// The command line shared by every platform service (`--help` shows the service's own about).
#[derive(Debug, Parser)]
#[command(version)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

/// Subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum CliCommand {
    /// Create the database if missing, migrate it, and serve HTTP until SIGINT/SIGTERM.
    Serve,
    /// Create the database if missing, apply the migrations, and exit.
    Migrate,
}
