//! Spans are exported over OTLP/HTTP, and the trace recorded in an event's metadata is
//! the one exported: the caller's trace, continued.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use platform_event_sourcing::testing::{TestDatabase, eventually};

mod common;

use common::order_service;

type Received = Arc<Mutex<Vec<Vec<u8>>>>;

/// A collector that keeps every OTLP/HTTP trace export it is sent.
async fn collector() -> anyhow::Result<(String, Received)> {
    let received: Received = Arc::default();
    let app = Router::new()
        .route(
            "/v1/traces",
            post(|State(r): State<Received>, body: Bytes| async move {
                r.lock().expect("lock").push(body.to_vec());
                ""
            }),
        )
        .with_state(Arc::clone(&received));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, received))
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_command_continues_the_callers_trace_and_exports_its_spans() -> anyhow::Result<()> {
    let (endpoint, received) = collector().await?;
    let db = TestDatabase::reserve()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = order_service(&[], Some(&db.url()), "info")
        .env("MESSAGE_BUS_ENABLED", "false")
        .env("HTTP_HOST", "127.0.0.1")
        .env("HTTP_PORT", port.to_string())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
        .stderr(Stdio::piped())
        .spawn()?;
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    eventually(Duration::from_secs(30), "the service to answer", || async {
        let answered = client.get(format!("{base}/health")).send().await.is_ok();
        anyhow::Ok(answered.then_some(()))
    })
    .await?;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let response = client
        .post(format!("{base}/api/commands/CreateOrder"))
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .json(&serde_json::json!({ "customerId": "customer-trace" }))
        .send()
        .await?;
    assert_eq!(response.status(), 200);

    // SIGTERM: the service flushes its spans before it exits.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    assert!(killed.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await??;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let traceparent: String =
        sqlx::query_scalar("SELECT metadata->>'traceparent' FROM events LIMIT 1")
            .fetch_one(&db.pool)
            .await?;
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(
        parts[1], trace_id,
        "the caller's trace is continued: {traceparent}"
    );
    assert_ne!(
        parts[2], "00f067aa0ba902b7",
        "under a span of the service's own"
    );

    let exports = received.lock().expect("lock").concat();
    assert!(!exports.is_empty(), "no spans were exported");
    assert!(
        contains(&exports, &hex_bytes(trace_id)),
        "the trace was exported"
    );
    assert!(
        contains(&exports, &hex_bytes(parts[2])),
        "the span recorded in the event was exported"
    );
    assert!(
        contains(&exports, b"order-service"),
        "the service name is the resource"
    );
    Ok(())
}
