//! The `order-service` binary for tests: a clean environment (no inherited
//! `DATABASE_URL`), this crate's config directory, and no stdin.

use std::process::{Command, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_order-service");

/// The binary with `args`, on `database_url`, logging at `log_level`.
pub fn order_service(args: &[&str], database_url: Option<&str>, log_level: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env("CONFIG_DIR", env!("CARGO_MANIFEST_DIR"))
        .env("LOG_LEVEL", log_level)
        .stdin(Stdio::null());
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd
}
