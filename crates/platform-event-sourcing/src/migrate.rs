//! The platform schema, embedded at compile time from `migrations/`.

/// Migrations of the platform schema (`events`, `snapshots`, …), in order.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");
