//! What the hosted modules serve: their handlers, subscribers and broadcast types, the
//! providers their handlers require, and what `/health` shows of each.

use std::collections::HashMap;

use platform_core::{Requirement, upcast_registrations};
use platform_event_sourcing::service_migrations;
use platform_messaging::{SubscriberRegistration, subscribers};
use platform_read_models::{ReadModelRegistration, read_models};

use crate::module::{Hosting, ModuleError};
use crate::registry::{CommandRegistration, QueryRegistration, commands, queries};

impl Hosting {
    /// Every running handler finds the providers it requires.
    pub(crate) fn check_requirements(&self) -> Result<(), ModuleError> {
        let users = self
            .commands()
            .into_iter()
            .map(|r| {
                (
                    format!("command handler {}", r.name),
                    r.module_path,
                    r.requires,
                )
            })
            .chain(self.queries().into_iter().map(|r| {
                (
                    format!("query handler {}", r.name),
                    r.module_path,
                    r.requires,
                )
            }))
            .chain(self.subscribers().into_iter().map(|r| {
                (
                    format!("event handler {}", r.name),
                    r.module_path,
                    r.requires,
                )
            }));
        for (user, path, requires) in users {
            if let Some(missing) = requires.iter().find(|r| !self.providers().satisfies(r)) {
                return Err(missing_provider(missing, user, self.module_name(path)));
            }
        }
        Ok(())
    }

    /// The command handlers this process serves, by name.
    pub fn commands(&self) -> Vec<&'static CommandRegistration> {
        self.running(commands(), |r| (r.name, r.module_path))
    }

    /// The query handlers this process serves, by name.
    pub fn queries(&self) -> Vec<&'static QueryRegistration> {
        self.running(queries(), |r| (r.name, r.module_path))
    }

    /// The registrations of `all` whose module runs here, sorted by name.
    fn running<R>(
        &self,
        all: &HashMap<&'static str, &'static R>,
        name_and_path: fn(&R) -> (&'static str, &'static str),
    ) -> Vec<&'static R> {
        let mut running: Vec<&'static R> = all
            .values()
            .copied()
            .filter(|r| self.runs(name_and_path(r).1))
            .collect();
        running.sort_by_key(|r| name_and_path(r).0);
        running
    }

    /// The event handlers this process runs, by name.
    pub fn subscribers(&self) -> Vec<&'static SubscriberRegistration> {
        subscribers()
            .into_iter()
            .filter(|r| self.runs(r.module_path))
            .collect()
    }

    /// The command served under `name`, if this process serves it.
    pub fn command(&self, name: &str) -> Option<&'static CommandRegistration> {
        commands()
            .get(name)
            .copied()
            .filter(|r| self.runs(r.module_path))
    }

    /// The query served under `name`, if this process serves it.
    pub fn query(&self, name: &str) -> Option<&'static QueryRegistration> {
        queries()
            .get(name)
            .copied()
            .filter(|r| self.runs(r.module_path))
    }

    /// The broadcast event types of the aggregates the hosted modules own (those their
    /// command handlers change, whether or not `MODULES` runs them here): what the
    /// relay publishes from this service's log. Sorted, without duplicates.
    pub fn broadcast_types(&self) -> Vec<&'static str> {
        let mut types: Vec<&'static str> = commands()
            .values()
            .filter(|r| self.module_of(r.module_path).is_some())
            .flat_map(|r| r.broadcast_types.iter().copied())
            .collect();
        types.sort_unstable();
        types.dedup();
        types
    }

    /// What each hosted module holds, for `/health` and the start-up log.
    pub fn describe(&self) -> Vec<ModuleSummary> {
        self.modules()
            .iter()
            .map(|m| {
                let owns = |path: &str| self.module_of(path).is_some_and(|o| o.name == m.name);
                let mut commands: Vec<_> = commands()
                    .values()
                    .filter(|r| owns(r.module_path))
                    .map(|r| r.name)
                    .collect();
                commands.sort_unstable();
                let mut queries: Vec<_> = queries()
                    .values()
                    .filter(|r| owns(r.module_path))
                    .map(|r| r.name)
                    .collect();
                queries.sort_unstable();
                ModuleSummary {
                    name: m.name,
                    enabled: m.enabled,
                    depends_on: m.depends_on.clone(),
                    commands,
                    queries,
                    subscribers: subscribers()
                        .into_iter()
                        .filter(|r| owns(r.module_path))
                        .map(|r| r.name)
                        .collect(),
                    read_models: read_models()
                        .iter()
                        .filter(|r| owns(r.module_path))
                        .map(|r: &&ReadModelRegistration| r.table)
                        .collect(),
                    upcasters: upcast_registrations()
                        .filter(|r| owns(r.module_path))
                        .count(),
                    migrations: service_migrations()
                        .filter(|r| owns(r.module_path))
                        .map(|r| r.migrator.iter().count())
                        .sum(),
                }
            })
            .collect()
    }
}

/// What a hosted module holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleSummary {
    /// Its name.
    pub name: &'static str,
    /// Whether it runs here.
    pub enabled: bool,
    /// The modules it needs.
    pub depends_on: Vec<&'static str>,
    /// Its commands.
    pub commands: Vec<&'static str>,
    /// Its queries.
    pub queries: Vec<&'static str>,
    /// Its subscribers.
    pub subscribers: Vec<&'static str>,
    /// Its read-model tables.
    pub read_models: Vec<&'static str>,
    /// How many upcasters it registers.
    pub upcasters: usize,
    /// How many migrations it registers.
    pub migrations: usize,
}

fn missing_provider(requirement: &Requirement, user: String, module: &'static str) -> ModuleError {
    ModuleError::MissingProvider {
        type_name: requirement.type_name(),
        user,
        module,
    }
}
