//! `platform-cli`: tooling for services on the platform.
//!
//! The templates of a new service, in two crates: `crates/NAME-contracts` (commands,
//! query, view, events) and `crates/NAME-service` (aggregate, handlers, read model,
//! subscriber, tests, config).
//!
//! # Layout
//! - `name`: [`ServiceName`], the validated name and the forms the templates spell it in.
//! - `workspace`: [`Workspace`], the root found from the working directory, the ports its
//!   services take, its `members`.
//! - `templates`: the embedded files of `templates/` and their placeholders.
//! - `error`: [`ScaffoldError`].

mod error;
mod name;
mod templates;
mod workspace;

pub use error::ScaffoldError;
pub use name::{MAX_NAME_LEN, NameRule, ServiceName, plural};
pub use templates::{CONTRACTS, PLACEHOLDERS, Placeholders, SERVICE, Template};
pub use workspace::{
    PortOwner, Workspace, http_port, members, members_cover_crates, with_members, workspace_edition,
};
