//! `product-service`: serve (the default), migrate, catchup, republish, print events or import products; see `--help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    product_service::service().run()
}
