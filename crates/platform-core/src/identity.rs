//! Who acts: the authenticated user of a request, and the tenant whose data it is.

use serde::{Deserialize, Serialize};

/// The tenant of a deployment without tenancy, and of anonymous requests.
pub const DEFAULT_TENANT: &str = "default";

/// A user whose token the service verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatedUser {
    /// The user's id (the token's subject), recorded as `userId` with every event.
    pub id: String,
    /// The user's roles, e.g. `customer`, `support`, `admin`.
    pub roles: Vec<String>,
    /// The tenant the user belongs to; every read and write of the request is scoped
    /// to it.
    pub tenant: String,
}

impl AuthenticatedUser {
    /// Whether the user has this role.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Whether the user has any of these roles.
    pub fn has_any_role(&self, roles: &[&str]) -> bool {
        roles.iter().any(|role| self.has_role(role))
    }
}
