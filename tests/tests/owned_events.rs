//! A service broadcasts the events of the aggregates it owns (those its command handlers
//! change), not those of another service's contracts it links in to subscribe to them.

use std::time::Duration;

use platform_core::{DomainEvent, broadcast_event_types};
use platform_event_sourcing::testing::TestDatabase;
use platform_messaging::testing::TestBus;
use serde::{Deserialize, Serialize};
use serde_json::json;
use workspace_tests::TestService;

/// Another service's event, linked into this binary as a subscriber would link it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceIssued {
    /// The invoice.
    pub invoice_id: String,
}

/// Another service's events, declared broadcast by that service.
#[derive(Debug, Clone, PartialEq, Eq, DomainEvent)]
#[domain_event(broadcast)]
pub enum InvoiceEvent {
    /// An invoice was issued.
    InvoiceIssued(InvoiceIssued),
}

#[test]
fn only_the_events_of_owned_aggregates_are_the_services_to_broadcast() {
    assert!(
        broadcast_event_types().contains(&"InvoiceIssued"),
        "linked in"
    );
    assert_eq!(
        platform_service::owned_broadcast_types(),
        [
            "ItemAdded",
            "ItemRemoved",
            "OrderCancelled",
            "OrderCreated",
            "OrderPlaced"
        ]
    );
}

#[tokio::test]
async fn the_relay_publishes_owned_events_and_not_a_linked_contracts() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let bus = TestBus::new().await?;
    let mut queue = bus.watch(&["#"]).await?;
    let svc = TestService::start_on(&db, bus, &[]).await?;
    // An event of the linked type in this service's log, before the order's.
    sqlx::query(
        "INSERT INTO events (event_id, stream_id, aggregate_type, version, event_type, payload) \
         VALUES (gen_random_uuid(), 'invoice-1', 'Invoice', 1, 'InvoiceIssued', $1)",
    )
    .bind(json!({ "invoiceId": "invoice-1" }))
    .execute(&db.pool)
    .await?;
    let (status, created) = svc
        .command("CreateOrder", json!({ "customerId": "customer-1" }))
        .await?;
    assert_eq!(status, 200, "{created}");

    // The relay reads the log in order: the invoice event, had it been published,
    // would have come first.
    let first = queue
        .next(Duration::from_secs(15))
        .await?
        .ok_or_else(|| anyhow::anyhow!("nothing was broadcast"))?;
    assert_eq!(first.routing_key.as_str(), "Order.OrderCreated");
    assert!(
        queue.next(Duration::from_millis(500)).await?.is_none(),
        "only the order's event is broadcast"
    );
    Ok(())
}
