//! Modules and providers, and subscribers that run commands: a second module
//! (`invoicing`, declared here) hosted next to the order service's `orders`. It issues
//! an invoice for each placed order from an event handler, through the service's own
//! executor in the inbox transaction, numbering it with a provider.

use std::time::Duration;

use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_messaging::RepublishRange;
use platform_messaging::testing::TestBus;
use platform_service::{Config, ModuleError, Service};
use serde_json::{Value, json};
use workspace_tests::TestService;

/// The invoicing module: an aggregate, its read model, a query and an event handler.
mod invoicing {
    use order_contracts::events::OrderEvent;
    use platform_core::{Aggregate, BusinessRuleError, DomainEvent, EventEnvelope, Requirement};
    use platform_messaging::{
        EventHandler, EventHandlerError, HandlerContext, register_event_handler,
    };
    use platform_read_models::ReadModel;
    use platform_service::{
        HandlerError, Module, ProviderError, QueryContext, QueryHandler, register_query_handler,
    };
    use serde::{Deserialize, Serialize};

    /// How invoice numbers start: a provider built from the config.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct InvoicePrefix(pub String);

    /// The module, numbering invoices `INV-…`.
    pub fn module() -> Module {
        without_providers().provide(|_config| Ok::<_, ProviderError>(InvoicePrefix("INV".into())))
    }

    /// The module without its provider (as if someone forgot it).
    pub fn without_providers() -> Module {
        platform_service::module!("invoicing").depends_on("orders")
    }

    /// An invoice was issued for a placed order.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct InvoiceIssued {
        /// The invoice.
        pub invoice_id: String,
        /// The order invoiced.
        pub order_id: String,
        /// The amount, as text.
        pub amount: String,
    }

    /// The invoice's events.
    #[derive(Debug, Clone, PartialEq, Eq, DomainEvent)]
    pub enum InvoiceEvent {
        /// Issued.
        InvoiceIssued(InvoiceIssued),
    }

    /// Issue an invoice.
    #[derive(Debug, Clone)]
    pub struct Issue {
        /// Its number.
        pub invoice_id: String,
        /// The order.
        pub order_id: String,
        /// The amount.
        pub amount: String,
    }

    /// An invoice is issued once.
    #[derive(Debug, thiserror::Error)]
    #[error("the invoice is already issued")]
    pub struct AlreadyIssued;

    impl BusinessRuleError for AlreadyIssued {
        fn code(&self) -> &'static str {
            "already_issued"
        }
    }

    /// The invoice aggregate.
    #[derive(Debug, Clone, Default)]
    pub struct Invoice {
        issued: bool,
    }

    impl Aggregate for Invoice {
        const TYPE: &'static str = "Invoice";
        type Command = Issue;
        type Event = InvoiceEvent;
        type Error = AlreadyIssued;

        fn handle(&self, command: Issue) -> Result<Vec<InvoiceEvent>, AlreadyIssued> {
            if self.issued {
                return Err(AlreadyIssued);
            }
            Ok(vec![InvoiceEvent::InvoiceIssued(InvoiceIssued {
                invoice_id: command.invoice_id,
                order_id: command.order_id,
                amount: command.amount,
            })])
        }

        fn apply(&mut self, _event: &InvoiceEvent) {
            self.issued = true;
        }
    }

    /// `rm_test_invoices`, kept inline with the invoice's events.
    #[derive(Debug, Clone, PartialEq, ReadModel)]
    #[read_model(table = "rm_test_invoices", aggregate = Invoice)]
    pub struct InvoiceRow {
        /// The invoice.
        #[aggregate_id]
        pub invoice_id: String,
        /// The order.
        #[index]
        #[map_from_event(InvoiceIssued)]
        pub order_id: String,
        /// The amount.
        #[map_from_event(InvoiceIssued)]
        pub amount: String,
        /// Version.
        #[version]
        pub version: i64,
    }

    /// Issues an invoice for each placed order.
    pub struct IssueInvoices;

    impl EventHandler for IssueInvoices {
        type Event = OrderEvent;
        const NAME: &'static str = "invoices";
        const BINDINGS: &'static [&'static str] = &["Order.OrderPlaced"];
        const REQUIRES: &'static [Requirement] = &[Requirement::of::<InvoicePrefix>()];

        async fn handle(
            ctx: &mut HandlerContext<'_>,
            event: EventEnvelope<OrderEvent>,
        ) -> Result<(), EventHandlerError> {
            let OrderEvent::OrderPlaced(placed) = event.event else {
                return Ok(());
            };
            let prefix = ctx.provider::<InvoicePrefix>()?.0.clone();
            let invoice_id = format!("{prefix}-{}", placed.order_id);
            let issue = Issue {
                invoice_id: invoice_id.clone(),
                order_id: placed.order_id,
                amount: placed.total.to_string(),
            };
            ctx.create::<Invoice>(&invoice_id, issue).await?;
            Ok(())
        }
    }

    register_event_handler!(IssueInvoices);

    /// Which prefix invoices get here.
    #[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
    pub struct GetInvoicePrefix {}

    /// The prefix.
    #[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
    pub struct Prefix {
        /// It.
        pub prefix: String,
    }

    platform_core::query!(GetInvoicePrefix => Prefix);

    /// Answers GetInvoicePrefix from the provider.
    pub struct GetInvoicePrefixHandler;

    impl QueryHandler for GetInvoicePrefixHandler {
        type Query = GetInvoicePrefix;
        const REQUIRES: &'static [Requirement] = &[Requirement::of::<InvoicePrefix>()];

        async fn handle(
            ctx: QueryContext,
            _query: GetInvoicePrefix,
        ) -> Result<Prefix, HandlerError> {
            let prefix = ctx.provider::<InvoicePrefix>()?.0.clone();
            Ok(Prefix { prefix })
        }
    }

    register_query_handler!(GetInvoicePrefixHandler);
}

use invoicing::InvoicePrefix;

/// The order service with the invoicing module next to its own.
fn service() -> Service {
    order_service::service().module(invoicing::module())
}

fn config(settings: &[(&str, &str)]) -> anyhow::Result<Config> {
    Ok(Config::from_defaults_and(
        order_service::DEFAULT_CONFIG,
        settings,
    )?)
}

/// Starts `service` on `db` with a queue and exchange of the test's own.
async fn start(
    service: Service,
    db: &TestDatabase,
    settings: &[(&str, &str)],
) -> anyhow::Result<TestService> {
    let mut bus = TestBus::new().await?;
    let name = format!("svc-{}", bus.exchange());
    bus.track_queue(&format!("{name}.invoices"));
    let mut all = vec![("SERVICE_NAME", name.as_str())];
    all.extend_from_slice(settings);
    TestService::start_hosting(Some(service), db, bus, &all).await
}

async fn openapi(svc: &TestService) -> anyhow::Result<Value> {
    let url = format!("{}/api/openapi.json", svc.base_url);
    Ok(svc.http.get(url).send().await?.json().await?)
}

async fn place_order(svc: &TestService, customer: &str) -> anyhow::Result<String> {
    let (status, created) = svc
        .command("CreateOrder", json!({ "customerId": customer }))
        .await?;
    assert_eq!(status, 200, "{created}");
    let order_id = created["orderId"].as_str().unwrap_or_default().to_owned();
    let item = json!({ "orderId": order_id, "productId": "p-1", "quantity": 2, "price": "9.50" });
    let (status, body) = svc.command("AddItem", item).await?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = svc
        .command("PlaceOrder", json!({ "orderId": order_id }))
        .await?;
    assert_eq!(status, 200, "{body}");
    Ok(order_id)
}

#[tokio::test]
async fn a_subscriber_runs_a_command_once_even_when_the_event_is_delivered_again()
-> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = start(service(), &db, &[]).await?;
    let order_id = place_order(&svc, "customer-1").await?;
    let invoice_id = format!("INV-{order_id}");

    // The invoice's row, written inline with its event, in the inbox transaction.
    let row: (String, String) = eventually(Duration::from_secs(20), "the invoice", || async {
        anyhow::Ok(
            sqlx::query_as::<_, (String, String)>(
                "SELECT order_id, amount FROM rm_test_invoices WHERE invoice_id = $1",
            )
            .bind(&invoice_id)
            .fetch_optional(&db.pool)
            .await?,
        )
    })
    .await?;
    assert_eq!(row, (order_id.clone(), "19.00".to_owned()));

    // Caused by the OrderPlaced event, in its correlation.
    let (placed_id, placed_correlation): (uuid::Uuid, Option<String>) = sqlx::query_as(
        "SELECT event_id, metadata->>'correlationId' FROM events \
         WHERE stream_id = $1 AND event_type = 'OrderPlaced'",
    )
    .bind(&order_id)
    .fetch_one(&db.pool)
    .await?;
    let (causation, correlation): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT metadata->>'causationId', metadata->>'correlationId' FROM events \
         WHERE stream_id = $1 AND event_type = 'InvoiceIssued'",
    )
    .bind(&invoice_id)
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(causation, Some(placed_id.to_string()));
    assert!(placed_correlation.is_some());
    assert_eq!(correlation, placed_correlation);

    // Delivered again: the inbox says handled, nothing runs twice.
    let republished = platform_messaging::republish(
        &db.pool,
        &svc.bus().options,
        &["OrderPlaced"],
        &RepublishRange {
            from_position: None,
            to_position: None,
            event_types: None,
            tenant: None,
        },
        100,
        |_, _| {},
    )
    .await?;
    assert_eq!(republished, 1);
    eventually(
        Duration::from_secs(20),
        "the duplicate to be seen",
        || async {
            let health = svc.health().await?;
            anyhow::Ok((health["subscribers"]["invoices"]["duplicates"] == 1).then_some(()))
        },
    )
    .await?;
    let (events, rows): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM events WHERE event_type = 'InvoiceIssued'), \
                (SELECT count(*) FROM rm_test_invoices)",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!((events, rows), (1, 1));
    let health = svc.health().await?;
    assert_eq!(health["subscribers"]["invoices"]["handled"], 1);
    assert_eq!(health["subscribers"]["invoices"]["deadLettered"], 0);
    svc.stop().await
}

#[tokio::test]
async fn modules_show_in_health_and_openapi_and_a_provider_is_replaced_by_a_fake()
-> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let fake = service().provide(InvoicePrefix("FAKE".into()));
    let svc = start(fake, &db, &[]).await?;
    let (status, body) = svc.query("GetInvoicePrefix", json!({})).await?;
    assert_eq!((status, body), (200, json!({ "prefix": "FAKE" })));

    let health = svc.health().await?;
    let modules = &health["modules"];
    assert_eq!(modules[0]["name"], "orders");
    assert_eq!(modules[0]["enabled"], true);
    assert!(
        modules[0]["commands"]
            .as_array()
            .is_some_and(|c| c.contains(&json!("PlaceOrder")))
    );
    assert!(
        modules[0]["readModels"]
            .as_array()
            .is_some_and(|r| r.contains(&json!("rm_orders")))
    );
    // The order service's own `catalog` module, then the test's.
    assert_eq!(modules[1]["name"], "catalog");
    assert_eq!(modules[1]["subscribers"], json!(["product-prices"]));
    assert_eq!(modules[1]["queries"], json!(["GetProductPrice"]));
    assert_eq!(modules[2]["name"], "invoicing");
    assert_eq!(modules[2]["dependsOn"], json!(["orders"]));
    assert_eq!(modules[2]["subscribers"], json!(["invoices"]));
    assert_eq!(modules[2]["queries"], json!(["GetInvoicePrefix"]));
    assert_eq!(modules[2]["readModels"], json!(["rm_test_invoices"]));

    let doc = openapi(&svc).await?;
    let tags = |path: &str| doc["paths"][path]["post"]["tags"].clone();
    assert_eq!(
        tags("/api/queries/GetInvoicePrefix"),
        json!(["queries", "invoicing"])
    );
    assert_eq!(
        tags("/api/commands/PlaceOrder"),
        json!(["commands", "orders"])
    );
    svc.stop().await
}

#[tokio::test]
async fn a_module_switched_off_by_modules_serves_nothing() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = start(service(), &db, &[("MODULES", "orders")]).await?;
    let (status, body) = svc.query("GetInvoicePrefix", json!({})).await?;
    assert_eq!(
        (status, body["code"].clone()),
        (404, json!("unknown_query"))
    );
    let health = svc.health().await?;
    assert_eq!(health["modules"][1]["name"], "catalog");
    assert_eq!(health["modules"][1]["enabled"], false);
    assert_eq!(health["modules"][2]["name"], "invoicing");
    assert_eq!(health["modules"][2]["enabled"], false);
    assert_eq!(
        health["subscribers"],
        json!({}),
        "its subscriber is not started"
    );
    let doc = openapi(&svc).await?;
    assert!(doc["paths"]["/api/queries/GetInvoicePrefix"].is_null());
    assert!(doc["paths"]["/api/commands/PlaceOrder"].is_object());
    // The order flow goes on without it.
    place_order(&svc, "customer-2").await?;
    svc.stop().await
}

#[test]
fn start_up_stops_on_a_missing_provider_a_missing_dependency_or_an_unknown_module()
-> anyhow::Result<()> {
    let forgot = order_service::service().module(invoicing::without_providers());
    let err = forgot
        .hosting(&config(&[])?)
        .err()
        .ok_or_else(|| anyhow::anyhow!("started without the provider"))?;
    assert!(matches!(err, ModuleError::MissingProvider { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(std::any::type_name::<InvoicePrefix>())
            && message.contains("handler")
            && message.contains("module \"invoicing\""),
        "{message}"
    );
    // The same module with its provider given by the test starts.
    assert!(
        order_service::service()
            .module(invoicing::without_providers())
            .provide(InvoicePrefix("T".into()))
            .hosting(&config(&[])?)
            .is_ok()
    );

    let err = service()
        .hosting(&config(&[("MODULES", "invoicing")])?)
        .err()
        .ok_or_else(|| anyhow::anyhow!("started without orders"))?;
    assert_eq!(
        err.to_string(),
        "module \"invoicing\" needs module \"orders\", which MODULES switched off"
    );
    let err = invoicing_alone()
        .hosting(&config(&[])?)
        .err()
        .ok_or_else(|| anyhow::anyhow!("started without orders"))?;
    assert_eq!(
        err.to_string(),
        "module \"invoicing\" needs module \"orders\", which this service does not host"
    );
    let err = service()
        .hosting(&config(&[("MODULES", "orders,billing")])?)
        .err()
        .ok_or_else(|| anyhow::anyhow!("started with an unknown module"))?;
    assert_eq!(
        err.to_string(),
        "MODULES names \"billing\", which this service does not host; it hosts: orders, catalog, invoicing"
    );
    Ok(())
}

fn invoicing_alone() -> Service {
    Service::new(order_service::DEFAULT_CONFIG).module(invoicing::module())
}

#[test]
fn only_hosted_modules_are_served_and_broadcast() -> anyhow::Result<()> {
    // The invoicing module alone (its dependency check aside): the order handlers
    // linked into this binary belong to no hosted module.
    let hosting = Service::new(order_service::DEFAULT_CONFIG)
        .module(invoicing::module())
        .module(platform_service::module!("orders"))
        .hosting(&config(&[])?)?;
    // `orders` declared here owns nothing: the order handlers live in order_service.
    assert!(hosting.commands().is_empty());
    assert_eq!(
        hosting.queries().iter().map(|q| q.name).collect::<Vec<_>>(),
        ["GetInvoicePrefix"]
    );
    assert!(
        hosting.broadcast_types().is_empty(),
        "no command changes an aggregate here, so nothing is broadcast"
    );
    let full = service().hosting(&config(&[])?)?;
    assert_eq!(
        full.broadcast_types(),
        [
            "ItemAdded",
            "ItemRemoved",
            "OrderCancelled",
            "OrderCreated",
            "OrderPlaced"
        ]
    );
    Ok(())
}
