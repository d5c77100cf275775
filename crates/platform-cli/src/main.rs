//! `platform-cli`: `new service NAME --port N [--workspace DIR]` scaffolds a service;
//! see `--help`.

use std::process::ExitCode;

use clap::Parser;
use platform_cli::{Cli, ScaffoldError};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = std::env::current_dir()
        .map_err(ScaffoldError::io_in_working_directory)
        .and_then(|cwd| cli.run(&cwd));
    match outcome {
        Ok(created) => {
            print!("{created}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
