//! `order-notifier`: subscribes to the order service's events and keeps notifications;
//! see `--help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    order_notifier::service().run()
}
