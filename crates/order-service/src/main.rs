//! `order-service`: serve (the default), migrate, catchup, republish or print events; see `--help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    order_service::service().run()
}
