//! A service's own subcommands (`product-service import …`), next to the platform's.

use std::future::Future;

use clap::{ArgMatches, FromArgMatches};
use futures_util::future::BoxFuture;

use crate::context::AppState;

/// A subcommand of one service: its arguments (clap) and what it does with the service's
/// state (database migrated, modules and providers resolved, the same executor and
/// inline projection as HTTP commands). Host it with [`Service::tool`](crate::Service::tool).
pub trait Tool: Send + Sync + 'static {
    /// Its arguments.
    type Args: clap::Args + Send + 'static;
    /// Why it failed (printed as one line, exit code 1).
    type Error: std::error::Error + Send + Sync + 'static;
    /// The subcommand's name, e.g. `import`.
    const NAME: &'static str;
    /// What it does, for `--help`.
    const ABOUT: &'static str;

    /// Runs it.
    fn run(
        state: AppState,
        args: Self::Args,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// A hosted tool, type-erased.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ToolEntry {
    pub(crate) name: &'static str,
    pub(crate) command: fn() -> clap::Command,
    pub(crate) run: fn(AppState, &ArgMatches) -> BoxFuture<'static, anyhow::Result<()>>,
}

impl ToolEntry {
    pub(crate) fn of<T: Tool>() -> Self {
        ToolEntry {
            name: T::NAME,
            command: command::<T>,
            run: run::<T>,
        }
    }
}

fn command<T: Tool>() -> clap::Command {
    <T::Args as clap::Args>::augment_args(clap::Command::new(T::NAME).about(T::ABOUT))
}

fn run<T: Tool>(state: AppState, matches: &ArgMatches) -> BoxFuture<'static, anyhow::Result<()>> {
    let args = <T::Args as FromArgMatches>::from_arg_matches(matches);
    Box::pin(async move {
        let args = args.map_err(|e| anyhow::anyhow!("{e}"))?;
        T::run(state, args).await.map_err(anyhow::Error::from)
    })
}
