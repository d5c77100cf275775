//! `platform-cli`: tooling for services on the platform.
//!
//! `platform-cli new service NAME --port N [--workspace DIR]` writes a new service into
//! the workspace in two crates, `crates/NAME-contracts` (commands, query, view, events)
//! and `crates/NAME-service` (aggregate, handlers, read model, subscriber, tests,
//! config), which build, test and run as they are. It refuses, writing nothing, an
//! invalid name, a crate directory that exists, or a port another service's config has.
//!
//! # Layout
//! - `cli`: the command line ([`Cli`]).
//! - `name`: [`ServiceName`], the validated name and the forms the templates spell it in.
//! - `rule`: [`NameRule`], which rule a refused name breaks.
//! - `workspace`: [`Workspace`], the root found from the working directory, the ports its
//!   services take, its `members`.
//! - `templates`: the embedded files of `templates/` and their placeholders.
//! - `scaffold`: [`new_service`]: check, render into a staging directory inside
//!   `crates/`, format, rename into place; [`Created`] says what was written and what to
//!   run next.
//! - `error`: [`ScaffoldError`].

mod cli;
mod error;
mod name;
mod rule;
mod scaffold;
mod templates;
mod workspace;

pub use cli::{Cli, CliCommand, NewCommand, ServiceArgs};
pub use error::ScaffoldError;
pub use name::{ServiceName, plural};
pub use rule::{MAX_NAME_LEN, NameRule};
pub use scaffold::{Created, NewService, new_service};
pub use templates::{CONTRACTS, PLACEHOLDERS, Placeholders, SERVICE, Template};
pub use workspace::{
    PortOwner, Workspace, http_port, members, members_cover_crates, with_members, workspace_edition,
};
