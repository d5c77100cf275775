//! The command line of a platform service.

use clap::{Parser, Subcommand};

/// An event-sourced service on the platform.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
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
