//! Who may do what in the catalog: changes need the role `catalog` or `admin`;
//! queries are open to every signed-in user. The platform scopes both to the caller's
//! tenant.

use platform_service::Access;

/// The roles that may change the catalog.
pub const CATALOG_EDITORS: &[&str] = &["catalog", "admin"];

/// The access of every catalog command.
pub const CATALOG_CHANGE: Access = Access::Roles(CATALOG_EDITORS);
