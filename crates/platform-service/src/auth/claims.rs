//! A verified token's claims → [`AuthenticatedUser`]: user id, roles and tenant.

use platform_core::{AuthenticatedUser, DEFAULT_TENANT};
use serde_json::{Map, Value};

use super::error::TokenError;
use crate::config::ClaimNames;

/// The longest tenant name.
const MAX_TENANT_LEN: usize = 64;
/// The longest user id.
const MAX_USER_ID_LEN: usize = 255;

/// Whether `tenant` is a tenant name: 1 to 64 characters of `[A-Za-z0-9_.-]`.
///
/// Tenants end up in SQL settings and AMQP headers; nothing else gets that far.
pub fn is_valid_tenant(tenant: &str) -> bool {
    (1..=MAX_TENANT_LEN).contains(&tenant.len())
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// The user a token's claims describe, read from the configured claim names.
pub(super) fn user(
    claims: &Map<String, Value>,
    names: &ClaimNames,
) -> Result<AuthenticatedUser, TokenError> {
    let invalid = |name: &str, problem| TokenError::Claim {
        name: name.to_owned(),
        problem,
    };
    let id = match claim(claims, &names.user) {
        Some(Value::String(id))
            if !id.is_empty()
                && id.len() <= MAX_USER_ID_LEN
                && !id.chars().any(char::is_control) =>
        {
            id.clone()
        }
        Some(_) => {
            return Err(invalid(
                &names.user,
                "must be a string of 1 to 255 characters",
            ));
        }
        None => return Err(invalid(&names.user, "is missing")),
    };
    let roles = match claim(claims, &names.roles) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|role| role.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid(&names.roles, "must be an array of strings"))?,
        Some(_) => return Err(invalid(&names.roles, "must be an array of strings")),
    };
    let tenant = match claim(claims, &names.tenant) {
        None | Some(Value::Null) => DEFAULT_TENANT.to_owned(),
        Some(Value::String(tenant)) if is_valid_tenant(tenant) => tenant.clone(),
        Some(_) => {
            return Err(invalid(
                &names.tenant,
                "must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-'",
            ));
        }
    };
    Ok(AuthenticatedUser { id, roles, tenant })
}

/// The claim `name`: the top-level claim of that name, else a dotted path into nested
/// objects (`realm_access.roles`).
fn claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    claims.get(name).or_else(|| {
        let (first, rest) = name.split_once('.')?;
        rest.split('.')
            .try_fold(claims.get(first)?, |value, part| value.get(part))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn names() -> ClaimNames {
        ClaimNames {
            user: "sub".into(),
            roles: "roles".into(),
            tenant: "tenant".into(),
        }
    }

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("claims are an object"),
        }
    }

    #[test]
    fn sub_roles_and_tenant() {
        let user = user(
            &claims(json!({"sub": "alice", "roles": ["customer", "support"], "tenant": "acme"})),
            &names(),
        )
        .unwrap();
        assert_eq!(user.id, "alice");
        assert_eq!(user.roles, ["customer", "support"]);
        assert_eq!(user.tenant, "acme");
    }

    #[test]
    fn no_tenant_is_the_default_one_and_no_roles_is_none() {
        let user = user(&claims(json!({"sub": "bob"})), &names()).unwrap();
        assert_eq!(user.tenant, DEFAULT_TENANT);
        assert!(user.roles.is_empty());
    }

    #[test]
    fn claim_names_are_configurable_and_may_be_paths() {
        let names = ClaimNames {
            user: "email".into(),
            roles: "realm_access.roles".into(),
            tenant: "https://example.com/tenant".into(),
        };
        let user = user(
            &claims(json!({
                "sub": "ignored",
                "email": "carol@example.com",
                "realm_access": {"roles": ["admin"]},
                "https://example.com/tenant": "t-1"
            })),
            &names,
        )
        .unwrap();
        assert_eq!(
            (
                user.id.as_str(),
                user.roles.as_slice(),
                user.tenant.as_str()
            ),
            ("carol@example.com", ["admin".to_owned()].as_slice(), "t-1")
        );
    }

    #[test]
    fn bad_shapes_are_refused_with_the_claim_named() {
        for (value, name) in [
            (json!({}), "sub"),
            (json!({"sub": ""}), "sub"),
            (json!({"sub": 7}), "sub"),
            (json!({"sub": "a", "roles": "admin"}), "roles"),
            (json!({"sub": "a", "roles": ["admin", 1]}), "roles"),
            (json!({"sub": "a", "tenant": "acme corp"}), "tenant"),
            (
                json!({"sub": "a", "tenant": "'; DROP TABLE events; --"}),
                "tenant",
            ),
            (json!({"sub": "a", "tenant": ""}), "tenant"),
            (json!({"sub": "a", "tenant": "x".repeat(65)}), "tenant"),
            (json!({"sub": "a", "tenant": 3}), "tenant"),
        ] {
            match user(&claims(value.clone()), &names()) {
                Err(TokenError::Claim { name: named, .. }) => assert_eq!(named, name, "{value}"),
                other => panic!("{value} gave {other:?}"),
            }
        }
    }

    #[test]
    fn tenant_names() {
        assert!(is_valid_tenant("acme"));
        assert!(is_valid_tenant("ACME_eu-1.prod"));
        assert!(is_valid_tenant(&"a".repeat(64)));
        assert!(!is_valid_tenant(&"a".repeat(65)));
        assert!(!is_valid_tenant(""));
        assert!(!is_valid_tenant("acmé"));
        assert!(!is_valid_tenant("a/b"));
    }
}
