//! `order-service`: serve (default) or migrate; see `--help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    order_service::service().run()
}
