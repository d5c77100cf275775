//! The platform schema, embedded at compile time from `migrations/`, and the
//! migrations services add to it.

use std::borrow::Cow;

use sqlx::migrate::{MigrateError, Migration, Migrator};

/// Migrations of the platform schema (`events`, `snapshots`, …), in order.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// A service's own migrations (tables it keeps besides the platform's), applied with
/// the platform's; register with [`register_migrations!`](crate::register_migrations).
#[derive(Debug)]
pub struct ServiceMigrations {
    /// The service's embedded migrations (`sqlx::migrate!()`).
    pub migrator: &'static Migrator,
    /// The Rust module it was registered in (which service module owns it).
    pub module_path: &'static str,
}

inventory::collect!(ServiceMigrations);

/// Every service's registered migrations.
pub fn service_migrations() -> impl Iterator<Item = &'static ServiceMigrations> {
    inventory::iter::<ServiceMigrations>.into_iter()
}

/// Registers a service's embedded migrations, applied after the platform's by version.
///
/// Versions share one sequence with the platform's: take timestamps later than every
/// platform migration the service was built against.
#[macro_export]
macro_rules! register_migrations {
    ($migrator:path) => {
        $crate::__private::inventory::submit! {
            $crate::ServiceMigrations {
                migrator: &$migrator,
                module_path: module_path!(),
            }
        }
    };
}

/// The platform's migrations and every registered service's, in version order; two
/// migrations with one version are an error, never a silent skip.
pub fn migrator() -> Result<Migrator, MigrateError> {
    let mut all: Vec<Migration> = MIGRATOR.iter().cloned().collect();
    for service in inventory::iter::<ServiceMigrations> {
        all.extend(service.migrator.iter().cloned());
    }
    all.sort_by_key(|m| m.version);
    if let Some(pair) = all.windows(2).find(|w| w[0].version == w[1].version) {
        return Err(MigrateError::Execute(sqlx::Error::Protocol(format!(
            "two migrations have version {}: {:?} and {:?}",
            pair[0].version, pair[0].description, pair[1].description
        ))));
    }
    // The fields `sqlx::migrate!` itself fills in; sqlx offers no constructor from a list.
    Ok(Migrator {
        migrations: Cow::Owned(all),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    })
}
