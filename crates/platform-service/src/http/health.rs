//! `GET /health`: whether the service and its database answer.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use platform_event_sourcing::oldest_open_transaction;
use serde_json::{Value, json};

use crate::context::AppState;

/// 200 with `status: ok` when the database answers within a second, else 503; the
/// status is `degraded` (still 200: commands are accepted and their events published
/// later) while the outbox relay cannot reach the message bus. `oldestOpenTransaction`
/// names the oldest transaction open in the cluster that has written something (its
/// age in seconds and in transaction ids): projectors and the relay do not read past
/// it until it ends; `null` when there is none. `modules` lists the hosted modules,
/// whether each runs here and what it holds.
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = tokio::time::timeout(Duration::from_secs(1), state.store().ping()).await;
    let database_up = matches!(database, Ok(Ok(())));
    let oldest = if database_up {
        tokio::time::timeout(
            Duration::from_secs(1),
            oldest_open_transaction(state.store().pool()),
        )
        .await
        .ok()
        .and_then(Result::ok)
        .flatten()
    } else {
        None
    };
    let config = state.config();
    let projectors: serde_json::Map<String, Value> = state
        .monitor()
        .snapshot()
        .into_iter()
        .map(|(table, s)| {
            let status = json!({
                "active": s.active,
                "checkpoint": s.checkpoint,
                "head": s.head,
                "lagPositions": s.lag_positions,
                "lagSeconds": s.lag_seconds,
                "waitingForRebuild": s.waiting_for_rebuild,
            });
            (table.to_owned(), status)
        })
        .collect();
    let relay = state.relay().snapshot();
    let consumers = state.subscribers().snapshot();
    // Up when what this process does on the bus is connected: its relay, else its
    // subscribers.
    let bus = if !config.message_bus.enabled {
        "disabled"
    } else if crate::messaging::relay_runs(config, state.modules()) {
        if relay.connected { "up" } else { "down" }
    } else if consumers.is_empty() {
        "disabled"
    } else if consumers.values().all(|s| s.consuming) {
        "up"
    } else {
        "down"
    };
    let status = match (database_up, bus) {
        (false, _) => "unavailable",
        (true, "down") => "degraded",
        (true, _) => "ok",
    };
    let subscribers: serde_json::Map<String, Value> = state
        .subscribers()
        .snapshot()
        .into_iter()
        .map(|(name, s)| {
            let status = json!({
                "queue": s.queue,
                "consuming": s.consuming,
                "handled": s.handled,
                "duplicates": s.duplicates,
                "retries": s.retries,
                "deadLettered": s.dead_lettered,
                "lastError": s.last_error,
            });
            (name.to_owned(), status)
        })
        .collect();
    let body = json!({
        "status": status,
        "service": config.service_name,
        "version": config.service_version,
        "checks": { "database": if database_up { "up" } else { "down" }, "messageBus": bus },
        "projectors": projectors,
        "relay": {
            "exchange": config.message_bus.exchange,
            "connected": relay.connected,
            "active": relay.active,
            "checkpoint": relay.checkpoint,
            "lagEvents": relay.lag_events,
            "lagSeconds": relay.lag_seconds,
            "published": relay.published,
            "lastError": relay.last_error,
        },
        "subscribers": subscribers,
        "modules": state.modules().describe(),
        "oldestOpenTransaction": oldest.map(|t| json!({
            "ageSeconds": t.age_seconds,
            "xid": t.xid,
            "xidAge": t.xid_age,
            "pid": t.pid,
            "database": t.database,
            "open": t.open,
        })),
    });
    let status = if database_up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
