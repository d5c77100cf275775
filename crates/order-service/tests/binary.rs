//! The real `order-service` binary: start-up, failure messages, graceful shutdown.

use std::process::{Command, Stdio};
use std::time::Duration;

use platform_event_sourcing::testing::TestDatabase;

const BIN: &str = env!("CARGO_BIN_EXE_order-service");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The binary with a clean environment: no inherited DATABASE_URL, quiet logs.
fn command() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("DATABASE_URL")
        .env("CONFIG_DIR", env!("CARGO_MANIFEST_DIR"))
        .env("LOG_LEVEL", "info")
        .stdin(Stdio::null());
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
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(&health).send().await {
            assert_eq!(r.status(), 200);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "service never answered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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
