//! [`ServiceSettings`]: the settings a service declares for itself
//! ([`register_settings!`](crate::register_settings)), read with the platform's.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use super::error::ConfigError;
use super::raw::{Raw, parse, positive};

/// A service's own settings, built once at start-up from the same sources as the
/// platform's (`config/*.toml`, `.env`, the environment) and taken from a handler's
/// context by type ([`CommandContext::settings`](crate::CommandContext::settings)).
pub trait Settings: fmt::Debug + Send + Sync + Sized + 'static {
    /// The settings from the raw values; a missing key takes its default, a malformed
    /// one stops start-up with its name.
    fn from_settings(source: &SettingsSource<'_>) -> Result<Self, ConfigError>;
}

/// The raw values [`Settings`] are read from.
#[derive(Debug, Clone, Copy)]
pub struct SettingsSource<'a> {
    raw: &'a Raw,
}

impl SettingsSource<'_> {
    /// The value of `key` parsed, or `default` when it is not set.
    pub fn parse<T>(&self, key: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        parse(self.raw, key, Some(default))
    }

    /// The value of `key`, at least 1, or `default` when it is not set.
    pub fn positive(&self, key: &'static str, default: u32) -> Result<u32, ConfigError> {
        positive(self.raw, key, default)
    }
}

/// How a [`Settings`] type is built; submitted by [`register_settings!`](crate::register_settings).
#[derive(Debug, Clone, Copy)]
pub struct SettingsRegistration {
    build: fn(&SettingsSource<'_>) -> Result<Built, ConfigError>,
}

type Built = (TypeId, Arc<dyn Any + Send + Sync>);

impl SettingsRegistration {
    /// The registration of `T`.
    pub const fn of<T: Settings>() -> Self {
        SettingsRegistration { build: build::<T> }
    }
}

fn build<T: Settings>(source: &SettingsSource<'_>) -> Result<Built, ConfigError> {
    Ok((TypeId::of::<T>(), Arc::new(T::from_settings(source)?)))
}

inventory::collect!(SettingsRegistration);

/// Every registered [`Settings`] of the process, built and validated.
#[derive(Clone, Default)]
pub struct ServiceSettings {
    by_type: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl ServiceSettings {
    /// Builds every registered settings type from `raw`.
    pub(super) fn from_raw(raw: &Raw) -> Result<Self, ConfigError> {
        let source = SettingsSource { raw };
        let by_type = inventory::iter::<SettingsRegistration>
            .into_iter()
            .map(|registration| (registration.build)(&source))
            .collect::<Result<_, _>>()?;
        Ok(ServiceSettings { by_type })
    }

    /// The settings of type `T`, if registered.
    pub fn get<T: Settings>(&self) -> Option<&T> {
        self.by_type.get(&TypeId::of::<T>())?.downcast_ref()
    }
}

impl fmt::Debug for ServiceSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceSettings")
            .field("registered", &self.by_type.len())
            .finish()
    }
}

/// Registers a [`Settings`] type: it is read and validated with the platform's
/// settings at start-up, and handlers take it with `ctx.settings::<T>()`.
#[macro_export]
macro_rules! register_settings {
    ($settings:ty) => {
        $crate::__private::inventory::submit! {
            $crate::SettingsRegistration::of::<$settings>()
        }
    };
}
