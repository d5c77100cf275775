//! Modules: what a service binary hosts, and the providers they build.
//!
//! A [`Module`] is declared in a Rust module of the service crate with
//! [`module!`](crate::module) and owns every command and query handler, subscriber, read
//! model, upcaster and migration registered in that Rust module or below it (the
//! longest declared path wins). The binary names the modules it hosts
//! ([`Service::module`](crate::Service::module)); `MODULES` can switch hosted ones off.
//! A module switched off serves none of its commands, queries or subscribers and builds
//! none of its providers; its read models, upcasters and migrations stay, since the data
//! they keep belongs to the database, not to one process.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use platform_core::Providers;

use crate::config::Config;

/// Declares a module owning the handlers, read models and subscribers registered in
/// this Rust module and below: `platform_service::module!("orders")`.
#[macro_export]
macro_rules! module {
    ($name:literal) => {
        $crate::Module::new($name, module_path!())
    };
}

/// Building a provider failed (a gateway's key missing from the config, say).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(Box<dyn std::error::Error + Send + Sync>);

impl ProviderError {
    /// A failure with its cause.
    pub fn new(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ProviderError(cause.into())
    }
}

type Build = Arc<dyn Fn(&Config, &mut Providers) -> Result<(), ProviderError> + Send + Sync>;

/// A provider a module builds at start-up.
#[derive(Clone)]
struct ProviderFactory {
    type_name: &'static str,
    build: Build,
}

/// A group of handlers, read models, subscribers, upcasters, migrations and providers
/// that a service hosts as one piece.
#[derive(Clone)]
pub struct Module {
    name: &'static str,
    path: &'static str,
    depends_on: Vec<&'static str>,
    providers: Vec<ProviderFactory>,
}

impl fmt::Debug for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("depends_on", &self.depends_on)
            .field(
                "providers",
                &self
                    .providers
                    .iter()
                    .map(|p| p.type_name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Module {
    /// A module named `name` owning what is registered under the Rust module `path`
    /// (use [`module!`](crate::module), which passes `module_path!()`).
    pub fn new(name: &'static str, path: &'static str) -> Self {
        Module {
            name,
            path,
            depends_on: Vec::new(),
            providers: Vec::new(),
        }
    }

    /// Needs module `name` to run in the same process (checked at start-up).
    pub fn depends_on(mut self, name: &'static str) -> Self {
        self.depends_on.push(name);
        self
    }

    /// Provides a `T`, built at start-up from the configuration; handlers take it by
    /// type.
    pub fn provide<T, F>(mut self, build: F) -> Self
    where
        T: Send + Sync + 'static,
        F: Fn(&Config) -> Result<T, ProviderError> + Send + Sync + 'static,
    {
        self.providers.push(ProviderFactory {
            type_name: std::any::type_name::<T>(),
            build: Arc::new(move |config, providers| {
                providers.insert(build(config)?);
                Ok(())
            }),
        });
        self
    }

    /// The module's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// Why the hosted modules cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    /// Two hosted modules share a name.
    #[error("module {0:?} is hosted twice")]
    Duplicate(&'static str),
    /// `MODULES` names a module the binary does not host.
    #[error("MODULES names {name:?}, which this service does not host; it hosts: {hosted}")]
    Unknown {
        /// The name given.
        name: String,
        /// The hosted modules.
        hosted: String,
    },
    /// A running module needs one that is not running.
    #[error("module {module:?} needs module {needs:?}, which {why}")]
    Dependency {
        /// The module.
        module: &'static str,
        /// The module it needs.
        needs: &'static str,
        /// Not hosted, or switched off by `MODULES`.
        why: &'static str,
    },
    /// A provider could not be built.
    #[error("module {module:?} could not build its provider {type_name}: {source}")]
    Provider {
        /// The module.
        module: &'static str,
        /// The provider's type.
        type_name: &'static str,
        /// Why.
        #[source]
        source: ProviderError,
    },
    /// A running handler needs a provider nobody provides.
    #[error(
        "no provider of {type_name}, needed by {user} (module {module:?}): provide it in a hosted module"
    )]
    MissingProvider {
        /// The provider's type.
        type_name: &'static str,
        /// The handler, e.g. `command handler CreateInvoice`.
        user: String,
        /// The handler's module.
        module: &'static str,
    },
}

/// A hosted module, as resolved at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedModule {
    /// Its name.
    pub name: &'static str,
    /// The Rust module path it owns.
    pub path: &'static str,
    /// Whether it runs (not switched off by `MODULES`).
    pub enabled: bool,
    /// The modules it needs.
    pub depends_on: Vec<&'static str>,
}

/// The modules a process hosts, which of them run, and the providers they built.
#[derive(Debug, Clone)]
pub struct Hosting {
    modules: Arc<[HostedModule]>,
    providers: Providers,
}

/// Whether `path` is `prefix` or below it.
fn under(path: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with("::"))
}

impl Hosting {
    /// Resolves `modules` against `MODULES`, checks their dependencies, builds their
    /// providers (then `overrides`, e.g. a test's fakes) and checks that every running
    /// handler finds the providers it requires. No module: one module named after the
    /// service, owning everything registered.
    pub fn resolve(
        modules: &[Module],
        config: &Config,
        overrides: &Providers,
    ) -> Result<Hosting, ModuleError> {
        let implicit;
        let modules = if modules.is_empty() {
            implicit = [Module::new(leak(&config.service_name), "")];
            &implicit[..]
        } else {
            modules
        };
        let mut names = HashSet::new();
        for module in modules {
            if !names.insert(module.name) {
                return Err(ModuleError::Duplicate(module.name));
            }
        }
        let hosted_list = || {
            modules
                .iter()
                .map(|m| m.name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(wanted) = &config.modules
            && let Some(unknown) = wanted.iter().find(|w| !names.contains(w.as_str()))
        {
            return Err(ModuleError::Unknown {
                name: unknown.clone(),
                hosted: hosted_list(),
            });
        }
        let enabled = |name: &str| {
            config
                .modules
                .as_ref()
                .is_none_or(|wanted| wanted.iter().any(|w| w == name))
        };
        for module in modules.iter().filter(|m| enabled(m.name)) {
            for &needs in &module.depends_on {
                let why = if !names.contains(needs) {
                    "this service does not host"
                } else if !enabled(needs) {
                    "MODULES switched off"
                } else {
                    continue;
                };
                return Err(ModuleError::Dependency {
                    module: module.name,
                    needs,
                    why,
                });
            }
        }
        let mut providers = Providers::new();
        for module in modules.iter().filter(|m| enabled(m.name)) {
            for factory in &module.providers {
                (factory.build)(config, &mut providers).map_err(|source| {
                    ModuleError::Provider {
                        module: module.name,
                        type_name: factory.type_name,
                        source,
                    }
                })?;
            }
        }
        providers.extend(overrides.clone());
        let hosting = Hosting {
            modules: modules
                .iter()
                .map(|m| HostedModule {
                    name: m.name,
                    path: m.path,
                    enabled: enabled(m.name),
                    depends_on: m.depends_on.clone(),
                })
                .collect(),
            providers,
        };
        hosting.check_requirements()?;
        Ok(hosting)
    }

    /// One module named after the service, owning everything registered, with no
    /// providers and no check of what handlers require (for tools and tests).
    pub fn everything(config: &Config) -> Hosting {
        Hosting {
            modules: Arc::new([HostedModule {
                name: leak(&config.service_name),
                path: "",
                enabled: true,
                depends_on: Vec::new(),
            }]),
            providers: Providers::new(),
        }
    }

    /// The hosted modules, in the order the binary names them.
    pub fn modules(&self) -> &[HostedModule] {
        &self.modules
    }

    /// The providers of the running modules (with any overrides).
    pub fn providers(&self) -> &Providers {
        &self.providers
    }

    /// The hosted module owning what is registered in the Rust module `path`.
    pub fn module_of(&self, path: &str) -> Option<&HostedModule> {
        self.modules
            .iter()
            .filter(|m| under(path, m.path))
            .max_by_key(|m| m.path.len())
    }

    pub(crate) fn module_name(&self, path: &str) -> &'static str {
        self.module_of(path).map_or("none", |m| m.name)
    }

    /// Whether what is registered in `path` runs here: its module is hosted and on.
    pub fn runs(&self, path: &str) -> bool {
        self.module_of(path).is_some_and(|m| m.enabled)
    }
}

/// The implicit module's name lives as long as the process (one per start).
fn leak(name: &str) -> &'static str {
    Box::leak(name.to_owned().into_boxed_str())
}
