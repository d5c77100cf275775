//! `events <aggregate-id>`: an aggregate's stream as a table (or JSON lines).

use std::io::Write;

use anyhow::{Context, bail};
use platform_event_sourcing::{PgEventStore, RecordedEvent, StreamRange};
use sqlx::PgPool;

use crate::cli::EventsArgs;

/// Events read per round trip.
const PAGE: i64 = 1000;

/// Prints the stream; a stream with no events is an error.
pub async fn print(pool: &PgPool, args: &EventsArgs) -> anyhow::Result<()> {
    if args.after_version < 0 || args.limit.is_some_and(|l| l < 1) {
        bail!("--after-version must not be negative and --limit must be at least 1");
    }
    let store = PgEventStore::new(pool.clone()).in_tenant(&args.tenant);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut after = args.after_version;
    let mut left = args.limit.unwrap_or(i64::MAX);
    let mut printed = 0u64;
    if !args.json {
        writeln!(
            out,
            "{:>7}  {:<20}  {:>6}  {:<30}  {:<36}  PAYLOAD",
            "VERSION", "TYPE", "SCHEMA", "OCCURRED AT", "CORRELATION ID"
        )?;
    }
    while left > 0 {
        let page = left.min(PAGE);
        let range = StreamRange {
            after_version: after,
            to_version: Some(after.saturating_add(page)),
            until: None,
        };
        let events = store
            .read_stream(&args.aggregate_id, range)
            .await
            .with_context(|| format!("reading stream {}", args.aggregate_id))?;
        let Some(last) = events.last() else { break };
        after = last.version;
        left -= events.len() as i64;
        for event in &events {
            write_event(&mut out, event, args.json)?;
            printed += 1;
        }
    }
    if printed == 0 {
        if store.stream_version(&args.aggregate_id).await? == 0 {
            bail!("no events for aggregate {:?}", args.aggregate_id);
        }
        bail!(
            "aggregate {:?} has no events after version {}",
            args.aggregate_id,
            args.after_version
        );
    }
    Ok(())
}

fn write_event(out: &mut impl Write, event: &RecordedEvent, json: bool) -> anyhow::Result<()> {
    if json {
        let line = serde_json::json!({
            "eventId": event.event_id,
            "eventType": event.event_type,
            "aggregateType": event.aggregate_type,
            "aggregateId": event.stream_id,
            "version": event.version,
            "globalPosition": event.position.global_position,
            "occurredAt": event.occurred_at,
            "schemaVersion": event.schema_version,
            "payload": event.payload,
            "metadata": event.metadata,
        });
        writeln!(out, "{line}")?;
    } else {
        writeln!(
            out,
            "{:>7}  {:<20}  {:>6}  {:<30}  {:<36}  {}",
            event.version,
            event.event_type,
            event.schema_version,
            event
                .occurred_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            event.metadata.correlation_id.as_deref().unwrap_or("-"),
            event.payload.get(),
        )?;
    }
    Ok(())
}
