//! The real `order-service` binary: start-up, failure messages, graceful shutdown.

use std::process::{Command, Stdio};
use std::time::Duration;

use platform_event_sourcing::testing::{TestDatabase, eventually};

mod common;

use common::order_service;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The binary with a clean environment: no inherited DATABASE_URL, quiet logs, and no
/// broadcast (the message bus has tests of its own, on exchanges of their own).
fn command() -> Command {
    let mut cmd = order_service(&[], None, "info");
    cmd.env("MESSAGE_BUS_ENABLED", "false");
    cmd
}

#[test]
fn an_unreachable_database_is_one_clear_line_and_a_failure_exit() {
    let output = command()
        .args(["serve"])
        .env("DB_PORT", "1")
        .env("DB_CONNECT_TIMEOUT_SECS", "2")
        .env("HTTP_PORT", free_port().to_string())
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: cannot connect to PostgreSQL at 127.0.0.1:1/orders_eventstore"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_bad_setting_is_named() {
    let output = command()
        .env("HTTP_PORT", "lots")
        .output()
        .expect("run the binary");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid HTTP_PORT=\"lots\""), "{stderr}");
}

#[test]
fn modules_names_only_hosted_modules_and_stops_start_up_otherwise() {
    let output = command()
        .args(["serve"])
        .env("MODULES", "orders,billing")
        .env("HTTP_PORT", free_port().to_string())
        .output()
        .expect("run the binary");
    let (code, lines) = failure(&output);
    assert_eq!(code, Some(1));
    assert_eq!(
        lines.last().map(String::as_str),
        Some(
            "error: MODULES names \"billing\", which this service does not host; it hosts: orders, catalog"
        ),
        "{lines:?}"
    );
    let printed = command()
        .arg("config")
        .env("MODULES", "billing")
        .output()
        .expect("run the binary");
    assert!(
        String::from_utf8_lossy(&printed.stdout).contains("modules: orders (off), catalog (off)\n"),
        "{printed:?}"
    );
}

/// Exit code and the lines of stderr.
fn failure(output: &std::process::Output) -> (Option<i32>, Vec<String>) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    (
        output.status.code(),
        stderr.lines().map(str::to_owned).collect(),
    )
}

#[test]
fn production_refuses_to_run_without_authentication() {
    // The built-in defaults say AUTH_MODE=none, which production refuses.
    let output = command()
        .env("ENVIRONMENT", "production")
        .output()
        .expect("run the binary");
    let (code, lines) = failure(&output);
    assert_eq!(code, Some(2), "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("error: configuration: invalid AUTH_MODE=\"none\""),
        "{lines:?}"
    );
    // The service's config/production.toml says jwt: a key is then required.
    let output = command()
        .env("ENVIRONMENT", "production")
        .env("CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
        .output()
        .expect("run the binary");
    let (code, lines) = failure(&output);
    assert_eq!(code, Some(2), "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("AUTH_JWT_SECRET"), "{lines:?}");
}

#[test]
fn token_prints_a_development_token() -> anyhow::Result<()> {
    let secret = "binary-test-secret-that-is-32-bytes";
    let output = command()
        .args(["token", "--sub", "alice", "--roles", "customer,support"])
        .args(["--tenant", "acme", "--ttl-secs", "600"])
        .env("AUTH_JWT_SECRET", secret)
        .env("AUTH_ISSUER", "https://dev.local")
        .env("AUTH_AUDIENCE", "orders")
        .output()
        .expect("run the binary");
    assert!(output.status.success(), "{output:?}");
    let token = String::from_utf8(output.stdout)?;
    let token = token.trim_end();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&["https://dev.local"]);
    validation.set_audience(&["orders"]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )?
    .claims;
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["roles"], serde_json::json!(["customer", "support"]));
    assert_eq!(claims["tenant"], "acme");
    let ttl = claims["exp"].as_u64().unwrap_or(0) - claims["iat"].as_u64().unwrap_or(0);
    assert_eq!(ttl, 600);
    Ok(())
}

#[test]
fn token_is_refused_without_a_secret_and_in_production() {
    let refused = |cmd: &mut Command| {
        let output = cmd
            .args(["token", "--sub", "alice"])
            .output()
            .expect("run the binary");
        assert!(output.stdout.is_empty());
        failure(&output)
    };
    let (code, lines) = refused(&mut command());
    assert_eq!(code, Some(2), "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("needs AUTH_JWT_SECRET"), "{lines:?}");
    let (code, lines) = refused(
        command()
            .env("ENVIRONMENT", "production")
            .env("AUTH_MODE", "jwt")
            .env("AUTH_JWT_SECRET", "binary-test-secret-that-is-32-bytes"),
    );
    assert_eq!(code, Some(2), "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("refused when ENVIRONMENT=production"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn migrate_creates_the_database_and_its_schema() -> anyhow::Result<()> {
    let db = TestDatabase::reserve()?;
    let output = command()
        .arg("migrate")
        .env("DATABASE_URL", db.url())
        .output()?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await?;
    assert!(tables.contains(&"events".to_owned()), "{tables:?}");
    assert!(tables.contains(&"snapshots".to_owned()), "{tables:?}");
    Ok(())
}

#[tokio::test]
async fn serve_answers_then_stops_cleanly_on_sigterm() -> anyhow::Result<()> {
    let db = TestDatabase::reserve()?;
    let port = free_port();
    let child = command()
        .env("DATABASE_URL", db.url())
        .env("HTTP_HOST", "127.0.0.1")
        .env("HTTP_PORT", port.to_string())
        .stderr(Stdio::piped())
        .spawn()?;
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/health");
    let answer = eventually(Duration::from_secs(30), "the service to answer", || async {
        anyhow::Ok(client.get(&health).send().await.ok())
    })
    .await?;
    assert_eq!(answer.status(), 200);
    let created: serde_json::Value = client
        .post(format!("http://127.0.0.1:{port}/api/commands/CreateOrder"))
        .json(&serde_json::json!({ "customerId": "c-1" }))
        .send()
        .await?
        .json()
        .await?;
    assert!(created["orderId"].is_string(), "{created}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    assert!(killed.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await??;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
    assert!(stderr.contains("shut down cleanly"), "{stderr}");
    Ok(())
}

#[tokio::test]
async fn catchup_names_the_known_read_models_when_given_an_unknown_one() {
    let db = TestDatabase::reserve().expect("database name");
    let output = command()
        .args(["catchup", "--read-model", "rm_nope"])
        .env("DATABASE_URL", db.url())
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown read model \"rm_nope\""),
        "{stderr}"
    );
    assert!(stderr.contains("OrderReadModel (rm_orders)"), "{stderr}");
    let output = command().arg("catchup").output().expect("run the binary");
    assert_eq!(
        output.status.code(),
        Some(2),
        "--read-model or --all is required"
    );
}

/// Rows of rm_orders as text, without the platform's position column.
async fn order_rows(pool: &sqlx::PgPool) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT (to_jsonb(t) - '_position' - '_revision')::text FROM rm_orders t ORDER BY 1",
    )
    .fetch_all(pool)
    .await?)
}

#[tokio::test]
async fn a_killed_catchup_resumes_from_its_checkpoint() -> anyhow::Result<()> {
    let db = TestDatabase::reserve()?;
    let migrated = command()
        .arg("migrate")
        .env("DATABASE_URL", db.url())
        .output()?;
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    // 10,000 orders of 3 events each, written straight to the log (not projected).
    sqlx::query(
        "INSERT INTO events (event_id, stream_id, aggregate_type, version, event_type, payload) \
         SELECT gen_random_uuid(), 'bulk-' || o, 'Order', v, \
                CASE v WHEN 1 THEN 'OrderCreated' ELSE 'ItemAdded' END, \
                CASE v WHEN 1 THEN jsonb_build_object('orderId', 'bulk-' || o, 'customerId', 'c-' || (o % 50)) \
                ELSE jsonb_build_object('orderId', 'bulk-' || o, 'productId', 'p-' || v, \
                                        'quantity', v, 'price', '1.25') END \
         FROM generate_series(1, 10000) o, generate_series(1, 3) v ORDER BY o, v",
    )
    .execute(&db.pool)
    .await?;

    let catchup = || {
        let mut cmd = command();
        cmd.args([
            "catchup",
            "--read-model",
            "rm_orders",
            "--batch-size",
            "100",
        ])
        .env("DATABASE_URL", db.url())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        cmd
    };
    let mut child = catchup().spawn()?;
    let checkpoint = || async {
        let position: Option<i64> = sqlx::query_scalar(
            "SELECT global_position FROM checkpoints WHERE name = 'rebuild:rm_orders'",
        )
        .fetch_optional(&db.pool)
        .await?;
        anyhow::Ok(position.unwrap_or(0))
    };
    eventually(
        Duration::from_secs(60),
        "the catch-up to checkpoint",
        || async { anyhow::Ok((checkpoint().await? > 0).then_some(())) },
    )
    .await?;
    child.kill()?; // SIGKILL
    child.wait()?;
    let reached = checkpoint().await?;
    assert!(
        reached > 0 && reached < 30_000,
        "killed half-way, at {reached}"
    );
    let shadow: bool = sqlx::query_scalar("SELECT to_regclass('rm_orders__rebuild') IS NOT NULL")
        .fetch_one(&db.pool)
        .await?;
    assert!(shadow, "the shadow table survives the kill");
    // The live table was never touched: it still has none of the bulk orders.
    assert!(order_rows(&db.pool).await?.is_empty());

    let resumed = catchup().output()?;
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(
        stdout.contains("rebuilt OrderReadModel (rm_orders): 30000 events"),
        "{stdout}"
    );
    assert!(stdout.contains("resumed after"), "{stdout}");
    let rows = order_rows(&db.pool).await?;
    assert_eq!(rows.len(), 10_000);
    let total: String = sqlx::query_scalar("SELECT total::text FROM rm_orders WHERE id = 'bulk-7'")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(total, "6.25", "2 × 1.25 + 3 × 1.25, exactly");

    // A full, uninterrupted rebuild gives exactly the same rows.
    let again = command()
        .args(["catchup", "--all"])
        .env("DATABASE_URL", db.url())
        .output()?;
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(order_rows(&db.pool).await?, rows);
    Ok(())
}

#[tokio::test]
async fn sigterm_drops_a_request_still_open_after_the_shutdown_timeout() -> anyhow::Result<()> {
    let db = TestDatabase::reserve()?;
    let port = free_port();
    let child = command()
        .env("DATABASE_URL", db.url())
        .env("HTTP_HOST", "127.0.0.1")
        .env("HTTP_PORT", port.to_string())
        .env("SHUTDOWN_TIMEOUT_S", "2")
        // Nothing else ends the request first.
        .env("REQUEST_TIMEOUT_MS", "120000")
        .env("DB_STATEMENT_TIMEOUT_MS", "0")
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id().to_string();
    let mut child = Some(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    eventually(Duration::from_secs(30), "the service to answer", || async {
        anyhow::Ok(client.get(format!("{base}/health")).send().await.ok())
    })
    .await?;
    let created: serde_json::Value = client
        .post(format!("{base}/api/commands/CreateOrder"))
        .json(&serde_json::json!({ "customerId": "c-1" }))
        .send()
        .await?
        .json()
        .await?;
    let order_id = created["orderId"].as_str().unwrap_or_default().to_owned();

    // A GetOrder that cannot finish while the test holds this lock.
    let mut blocker = db.pool.begin().await?;
    sqlx::query("LOCK TABLE rm_orders IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await?;
    let open = tokio::spawn({
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .post(format!("{base}/api/queries/GetOrder"))
                .json(&serde_json::json!({ "orderId": order_id }))
                .send()
                .await
        }
    });
    eventually(
        Duration::from_secs(10),
        "the request to wait on the lock",
        || async {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock' \
               AND query LIKE '%rm_orders%'",
            )
            .fetch_one(&db.pool)
            .await?;
            anyhow::Ok((waiting > 0).then_some(()))
        },
    )
    .await?;

    let signalled = std::time::Instant::now();
    let killed = Command::new("kill").args(["-TERM", &pid]).status()?;
    assert!(killed.success());
    let exited = tokio::task::spawn_blocking(move || {
        let mut child = child.take().expect("the child is there");
        // Waits at most 20 s, then kills it: a hang fails the test, not the suite.
        for _ in 0..200 {
            if child.try_wait()?.is_some() {
                return child.wait_with_output().map(Some);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        child.kill()?;
        child.wait_with_output().map(|_| None)
    })
    .await??;
    let elapsed = signalled.elapsed();
    blocker.rollback().await?;
    let output = exited.ok_or_else(|| anyhow::anyhow!("still running 20 s after SIGTERM"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(10),
        "exited {elapsed:?} after SIGTERM with SHUTDOWN_TIMEOUT_S=2: {stderr}"
    );
    assert!(
        stderr.contains("requests still open after SHUTDOWN_TIMEOUT_S"),
        "{stderr}"
    );
    // The open request was dropped, not answered.
    let dropped = open.await?;
    assert!(dropped.is_err(), "{dropped:?}");
    Ok(())
}

/// `config` run from `dir` with nothing in the environment: what it printed.
fn resolved_from(bin: &str, dir: &std::path::Path) -> String {
    let output = Command::new(bin)
        .arg("config")
        .env_clear()
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run the binary");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_working_directory_does_not_change_which_service_you_get() {
    let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = crate_dir.join("../..");
    let elsewhere = std::env::temp_dir();
    let notifier_dir = workspace.join("crates/order-notifier");
    let own_default = crate_dir.join("config/default.toml");
    for dir in [
        &workspace,
        &elsewhere,
        &notifier_dir,
        &crate_dir.to_path_buf(),
    ] {
        let printed = resolved_from(common::BIN, dir);
        assert!(
            printed.contains("service: order-service\n"),
            "{dir:?}: {printed}"
        );
        assert!(
            printed.contains("database: 127.0.0.1:5432/orders_eventstore\n"),
            "{dir:?}: {printed}"
        );
        assert!(
            printed.contains("http: 0.0.0.0:3000\n"),
            "{dir:?}: {printed}"
        );
        assert!(
            printed.contains("exchange: platform\n"),
            "{dir:?}: {printed}"
        );
        assert!(
            printed.contains("modules: orders, catalog\n"),
            "{dir:?}: {printed}"
        );
        assert!(
            printed.contains(&own_default.display().to_string()),
            "{dir:?}: {printed}"
        );
    }
}

#[test]
fn config_dir_names_other_files_and_the_environment_wins() {
    let dir = std::env::temp_dir().join(format!("order-service-config-{}", std::process::id()));
    let config = dir.join("config");
    std::fs::create_dir_all(&config).expect("a config directory");
    std::fs::write(
        config.join("default.toml"),
        "http_port = 4100\ndb_name = \"elsewhere\"\n",
    )
    .expect("a config file");
    std::fs::write(dir.join(".env"), "HTTP_PORT=4200\n").expect("a .env file");
    let output = Command::new(common::BIN)
        .arg("config")
        .env_clear()
        .env("CONFIG_DIR", &config)
        .env("DB_NAME", "from_env")
        .stdin(Stdio::null())
        .output()
        .expect("run the binary");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(output.status.success(), "{output:?}");
    assert!(
        printed.contains("http: 0.0.0.0:4200\n"),
        ".env over the file: {printed}"
    );
    assert!(
        printed.contains("/from_env\n"),
        "the environment over both: {printed}"
    );
    assert!(
        printed.contains(&format!(
            "files: {}, {}",
            dir.join(".env").display(),
            config.join("default.toml").display()
        )),
        "{printed}"
    );
}
