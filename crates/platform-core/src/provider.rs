//! Providers: typed dependencies (a gateway client, a clock, a mailer) built once at
//! start-up and handed to handlers by type.
//!
//! A service's modules say how to build them; a handler names the ones it needs in its
//! `REQUIRES` ([`Requirement::of`]), so that a missing one stops start-up naming it and
//! its user, and takes them from its context (`ctx.provider::<T>()`). A test replaces
//! one by inserting another value of the same type.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A dependency a handler needs: a provider type, named without being built.
#[derive(Clone, Copy)]
pub struct Requirement {
    type_id: fn() -> TypeId,
    type_name: fn() -> &'static str,
}

impl Requirement {
    /// The requirement of a provider of type `T`.
    pub const fn of<T: Send + Sync + 'static>() -> Self {
        Requirement {
            type_id: TypeId::of::<T>,
            type_name: std::any::type_name::<T>,
        }
    }

    /// The provider's type name, e.g. `invoice_service::Mailer`.
    pub fn type_name(&self) -> &'static str {
        (self.type_name)()
    }

    fn type_id(&self) -> TypeId {
        (self.type_id)()
    }
}

impl fmt::Debug for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Requirement")
            .field(&self.type_name())
            .finish()
    }
}

impl PartialEq for Requirement {
    fn eq(&self, other: &Self) -> bool {
        self.type_id() == other.type_id()
    }
}

impl Eq for Requirement {}

/// A provider asked for by type that is not there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no provider of {type_name} (declare it in the handler's REQUIRES and provide it in a hosted module)"
)]
pub struct MissingProvider {
    /// The type asked for.
    pub type_name: &'static str,
}

struct Provided {
    type_name: &'static str,
    value: Arc<dyn Any + Send + Sync>,
}

/// The providers of a running service, one value per type; cheap to clone.
#[derive(Clone, Default)]
pub struct Providers {
    values: HashMap<TypeId, Arc<Provided>>,
}

impl Providers {
    /// No providers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` as the provider of its type, replacing (and returning whether there
    /// was) another.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) -> bool {
        let provided = Provided {
            type_name: std::any::type_name::<T>(),
            value: Arc::new(value),
        };
        self.values
            .insert(TypeId::of::<T>(), Arc::new(provided))
            .is_some()
    }

    /// Adds every provider of `other`, replacing those of the same types.
    pub fn extend(&mut self, other: Providers) {
        self.values.extend(other.values);
    }

    /// The provider of type `T`.
    pub fn get<T: Send + Sync + 'static>(&self) -> Result<&T, MissingProvider> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|p| p.value.downcast_ref::<T>())
            .ok_or(MissingProvider {
                type_name: std::any::type_name::<T>(),
            })
    }

    /// Whether the requirement is met.
    pub fn satisfies(&self, requirement: &Requirement) -> bool {
        self.values.contains_key(&requirement.type_id())
    }

    /// The type names of the providers, sorted.
    pub fn type_names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.values.values().map(|p| p.type_name).collect();
        names.sort_unstable();
        names
    }
}

impl fmt::Debug for Providers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.type_names()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Clock(u32);

    #[test]
    fn providers_by_type_replaced_by_a_fake() {
        let mut providers = Providers::new();
        assert_eq!(
            providers.get::<Clock>().unwrap_err().to_string(),
            format!(
                "no provider of {} (declare it in the handler's REQUIRES and provide it in a hosted module)",
                std::any::type_name::<Clock>()
            )
        );
        assert!(!providers.satisfies(&Requirement::of::<Clock>()));
        assert!(!providers.insert(Clock(1)));
        assert!(providers.insert(Clock(2)));
        assert_eq!(providers.get::<Clock>(), Ok(&Clock(2)));
        assert!(providers.satisfies(&Requirement::of::<Clock>()));
        assert_eq!(
            Requirement::of::<Clock>().type_name(),
            std::any::type_name::<Clock>()
        );
        assert_ne!(Requirement::of::<Clock>(), Requirement::of::<String>());
    }
}
