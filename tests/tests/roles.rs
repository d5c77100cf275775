//! The service's database role may only read and append the log; the log's order
//! cannot be forged; a log restored into a cluster whose transaction ids are behind
//! stops start-up; `/health` names the transaction holding readers back.

use platform_event_sourcing::testing::{StoredEvent, TestDatabase};
use platform_service::{Config, log_immutability_gap};
use serde_json::json;
use sqlx::{PgPool, Row};
use tokio::net::TcpListener;
use workspace_tests::TestService;

/// The SQLSTATE of `statement` run as the pool's role, `None` when it succeeded.
async fn refusal(pool: &PgPool, statement: &str) -> anyhow::Result<Option<String>> {
    match sqlx::query(statement).execute(pool).await {
        Ok(_) => Ok(None),
        Err(sqlx::Error::Database(e)) => Ok(e.code().map(|c| c.into_owned())),
        Err(other) => Err(other.into()),
    }
}

const INSERT_FORGED: &str = "INSERT INTO events (event_id, stream_id, aggregate_type, version, \
     event_type, payload, transaction_id) \
     VALUES (gen_random_uuid(), 'forged', 'Order', 1, 'OrderCreated', '{}', '3'::xid8) \
     RETURNING transaction_id::text AS stored, pg_current_xact_id()::text AS inserting";

#[tokio::test]
async fn the_runtime_role_cannot_change_the_log_or_its_triggers() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    db.insert_events(&[StoredEvent::new(
        "Order",
        "o-1",
        1,
        "OrderCreated",
        json!({"orderId": "o-1", "customerId": "c-1"}),
    )])
    .await?;
    let role = db.runtime_role().await?;
    let pool = &role.pool;

    // 42501: insufficient_privilege, from the grants, not the triggers.
    for statement in [
        "UPDATE events SET payload = '{}'",
        "DELETE FROM events",
        "TRUNCATE events",
        "ALTER TABLE events DISABLE TRIGGER events_immutable_rows",
        "ALTER TABLE events DISABLE TRIGGER ALL",
        "DROP TRIGGER events_transaction_id ON events",
        "CREATE TRIGGER sneak BEFORE INSERT ON events \
         FOR EACH ROW EXECUTE FUNCTION events_stamp_transaction()",
        "ALTER TABLE events ALTER COLUMN transaction_id DROP DEFAULT",
        "DROP TABLE events",
        "SET session_replication_role = replica",
        "TRUNCATE snapshots",
        "DELETE FROM _sqlx_migrations",
        "SELECT platform_grant_runtime(current_user)",
    ] {
        assert_eq!(
            refusal(pool, statement).await?.as_deref(),
            Some("42501"),
            "{statement} was not refused"
        );
    }
    // Row-level security binds the role: it sees a tenant's rows once it names one.
    let unnamed: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await?;
    assert_eq!(unnamed, 0, "no tenant named, no rows");
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('platform.tenant', 'default', true)")
        .execute(&mut *tx)
        .await?;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&mut *tx)
        .await?;
    assert_eq!(count, 1, "the runtime role reads the log");

    // An insert that names its own transaction id gets the inserting one.
    let row = sqlx::query(INSERT_FORGED).fetch_one(&mut *tx).await?;
    let (stored, inserting): (String, String) = (row.try_get("stored")?, row.try_get("inserting")?);
    assert_eq!(stored, inserting);
    tx.commit().await?;
    let kept: String =
        sqlx::query_scalar("SELECT transaction_id::text FROM events WHERE stream_id = 'forged'")
            .fetch_one(&db.pool)
            .await?;
    assert_eq!(kept, inserting);
    assert_ne!(kept, "3");

    // The owner is held back by the trigger alone, and start-up says so.
    assert_eq!(log_immutability_gap(pool).await?, None);
    let owner_gap = log_immutability_gap(&db.pool).await?;
    assert!(
        owner_gap
            .as_deref()
            .is_some_and(|g| g.contains("superuser")),
        "{owner_gap:?}"
    );
    // Even a superuser's forged id is corrected while the trigger is on.
    let row = sqlx::query(&INSERT_FORGED.replace("'forged'", "'forged-too'"))
        .fetch_one(&db.pool)
        .await?;
    let (stored, inserting): (String, String) = (row.try_get("stored")?, row.try_get("inserting")?);
    assert_eq!(stored, inserting);
    Ok(())
}

#[tokio::test]
async fn the_service_runs_as_the_runtime_role() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    // TestService connects as `<database>_runtime` and migrates as the owner.
    let svc = TestService::start(&db).await?;
    let (status, created) = svc
        .command("CreateOrder", json!({"customerId": "c-1"}))
        .await?;
    assert_eq!(status, 200, "{created}");
    let order_id = created["orderId"].as_str().unwrap_or_default().to_owned();
    let (status, body) = svc
        .command(
            "AddItem",
            json!({"orderId": order_id, "productId": "p", "quantity": 2, "price": "1.50"}),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    let (status, order) = svc.query("GetOrder", json!({"orderId": order_id})).await?;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["total"], "3.00");

    let role = db.runtime_role().await?;
    let owners: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, pg_get_userbyid(c.relowner)::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' \
           AND c.relname IN ('events', 'snapshots', 'checkpoints', 'rm_orders') \
         ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await?;
    let owner = role.owner.clone();
    assert_eq!(
        owners,
        vec![
            ("checkpoints".to_owned(), owner.clone()),
            ("events".to_owned(), owner.clone()),
            // The service builds its read models itself, and may rebuild them.
            ("rm_orders".to_owned(), role.name.clone()),
            ("snapshots".to_owned(), owner),
        ]
    );
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE stream_id = $1")
        .bind(&order_id)
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(events, 2);
    svc.stop().await
}

#[tokio::test]
async fn a_restored_log_stops_start_up_with_the_way_out() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    // As a restore into a cluster that is behind leaves it: an event whose transaction
    // id the cluster has not reached (5 billion ids ahead: the next epoch). Writing it
    // takes a superuser with triggers off, as pg_restore loads data.
    let mut tx = db.pool.begin().await?;
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await?;
    let future: String = sqlx::query_scalar(
        "INSERT INTO events (event_id, stream_id, aggregate_type, version, event_type, \
         payload, transaction_id) \
         SELECT gen_random_uuid(), 'o-1', 'Order', 1, 'OrderCreated', \
                '{\"orderId\": \"o-1\", \"customerId\": \"c-1\"}', \
                (pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 5000000000)::text::xid8 \
         RETURNING transaction_id::text",
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;

    let role = db.runtime_role().await?;
    let config = Config::from_defaults_and(
        order_service::DEFAULT_CONFIG,
        &[
            ("DATABASE_URL", role.url.as_str()),
            ("DB_MIGRATION_USERNAME", role.owner.as_str()),
            ("MESSAGE_BUS_ENABLED", "false"),
        ],
    )?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let outcome = platform_service::serve(config, listener, std::future::pending()).await;
    let message = match outcome {
        Ok(()) => anyhow::bail!("the service started on a restored log"),
        Err(err) => format!("{err:#}"),
    };
    for part in [
        future.as_str(),
        "restored from a backup",
        "pg_resetwal",
        "A restored log",
        "never be published or projected",
    ] {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
    // The way out pg_resetwal takes: the next epoch, past the stored id.
    let future: i64 = future.parse()?;
    let epoch = (future + 1) >> 32;
    assert!(
        message.contains(&format!("-e {epoch} -x {}", (future + 1) & 0xffff_ffff)),
        "{message}"
    );
    // Nothing ran: no projector, relay or rebuild checkpoint was written.
    let checkpoints: i64 = sqlx::query_scalar("SELECT count(*) FROM checkpoints")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(checkpoints, 0);
    Ok(())
}

#[tokio::test]
async fn health_shows_the_open_transaction_holding_readers_back() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    // A writer that appended and has not committed.
    let mut open = db.pool.begin().await?;
    let xid: i64 = sqlx::query_scalar(
        "INSERT INTO events (event_id, stream_id, aggregate_type, version, event_type, payload) \
         VALUES (gen_random_uuid(), 'held', 'Order', 1, 'OrderCreated', '{}') \
         RETURNING pg_current_xact_id()::xid::text::bigint",
    )
    .fetch_one(&mut *open)
    .await?;
    let health = svc.health().await?;
    let oldest = &health["oldestOpenTransaction"];
    let age = oldest["ageSeconds"].as_f64();
    // Other tests share the server: the oldest may be theirs, never younger than ours.
    assert!(age.is_some_and(|a| a > 0.0), "{health}");
    assert!(oldest["open"].as_i64().is_some_and(|n| n >= 1), "{health}");
    assert!(oldest["xid"].as_i64().is_some_and(|x| x <= xid), "{health}");
    assert!(oldest["xidAge"].as_i64().is_some(), "{health}");
    open.rollback().await?;
    svc.stop().await
}

#[tokio::test]
async fn read_models_built_before_the_split_are_handed_to_the_service_role() -> anyhow::Result<()> {
    // A database that ran as one role: the owner built the read models.
    let db = TestDatabase::new().await?;
    platform_read_models::prepare_read_models(&db.pool).await?;
    let owner_of = |table: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT pg_get_userbyid(relowner)::text FROM pg_class WHERE relname = $1",
            )
            .bind(table)
            .fetch_one(&pool)
            .await
        }
    };
    let role = db.runtime_role().await?;
    assert_eq!(owner_of("rm_orders").await?, role.owner);
    // Split: the owner grants and hands the tables over at start-up, so the service
    // can rebuild them.
    let svc = TestService::start(&db).await?;
    assert_eq!(owner_of("rm_orders").await?, role.name);
    assert_eq!(owner_of("events").await?, role.owner);
    svc.stop().await
}
