//! `product-service`: serve (the default), migrate, catchup, republish or print events; see `--help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    product_service::service().run()
}
