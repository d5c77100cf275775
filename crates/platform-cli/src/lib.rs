//! `platform-cli`: tooling for services on the platform.
//!
//! # Layout
//! - `name`: [`ServiceName`], the validated name and the forms the templates spell it in.
//! - `workspace`: [`Workspace`], the root found from the working directory, the ports its
//!   services take, its `members`.
//! - `error`: [`ScaffoldError`].

mod error;
mod name;
mod workspace;

pub use error::ScaffoldError;
pub use name::{MAX_NAME_LEN, NameRule, ServiceName, plural};
pub use workspace::{
    PortOwner, Workspace, http_port, members, members_cover_crates, with_members, workspace_edition,
};
