//! The order service's HTTP surface driven through its router with
//! `tower::ServiceExt::oneshot`, no socket: dispatch by name, the problem+json error
//! format, and idempotency keys, each checked against what PostgreSQL holds.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use platform_event_sourcing::testing::TestDatabase;
use platform_service::{AppState, Config, connect_and_migrate, router};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Body limit of the service under test, small enough to exceed cheaply.
const BODY_LIMIT: usize = 4096;

/// The order service's router over its own database, with nothing listening.
struct App {
    router: Router,
    db: TestDatabase,
}

/// What came back: status, headers and the JSON body.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    /// The problem+json `code`, when the body is a problem.
    fn code(&self) -> Option<&str> {
        self.body["code"].as_str()
    }

    fn content_type(&self) -> Option<&str> {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }
}

impl App {
    async fn start() -> anyhow::Result<Self> {
        let db = TestDatabase::empty().await?;
        let url = db.url();
        let limit = BODY_LIMIT.to_string();
        let config = Config::from_defaults_and(
            order_service::DEFAULT_CONFIG,
            &[
                ("DATABASE_URL", url.as_str()),
                ("DB_MAX_CONNECTIONS", "4"),
                ("HTTP_BODY_LIMIT_BYTES", limit.as_str()),
            ],
        )?;
        let (pool, _) = connect_and_migrate(&config.database).await?;
        let router = router(AppState::new(config, pool));
        Ok(App { router, db })
    }

    async fn send(&self, request: Request<Body>) -> anyhow::Result<Answer> {
        let response = self.router.clone().oneshot(request).await?;
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)?
        };
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// POSTs raw bytes as JSON to `path`, with extra headers.
    async fn post_raw(
        &self,
        path: &str,
        body: impl Into<Body>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<Answer> {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(body.into())?).await
    }

    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Answer> {
        self.post_raw(path, serde_json::to_vec(body)?, &[]).await
    }

    async fn command(&self, name: &str, body: &Value) -> anyhow::Result<Answer> {
        self.post(&format!("/api/commands/{name}"), body).await
    }

    async fn query(&self, name: &str, body: &Value) -> anyhow::Result<Answer> {
        self.post(&format!("/api/queries/{name}"), body).await
    }

    /// Rows in the event store.
    async fn events(&self) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(&self.db.pool)
            .await?)
    }

    /// Creates an order and returns its id.
    async fn create_order(&self, customer: &str) -> anyhow::Result<String> {
        let created = self
            .command("CreateOrder", &json!({ "customerId": customer }))
            .await?;
        anyhow::ensure!(created.status == StatusCode::OK, "{}", created.body);
        Ok(created.body["orderId"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }
}

/// Asserts a problem+json answer with this status and code.
fn assert_problem(answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!(
        (answer.status, answer.code()),
        (status, Some(code)),
        "{}",
        answer.body
    );
    assert_eq!(answer.content_type(), Some("application/problem+json"));
    assert_eq!(answer.body["status"], status.as_u16());
}

#[tokio::test]
async fn a_command_and_a_query_are_dispatched_by_name() -> anyhow::Result<()> {
    let app = App::start().await?;
    let created = app
        .command("CreateOrder", &json!({ "customerId": "customer-r" }))
        .await?;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let order_id = created.body["orderId"].as_str().expect("orderId");
    assert_eq!(app.events().await?, 1, "CreateOrder appended its event");
    let stored: String = sqlx::query_scalar("SELECT stream_id FROM events")
        .fetch_one(&app.db.pool)
        .await?;
    assert_eq!(stored, order_id);

    let order = app
        .query("GetOrder", &json!({ "orderId": order_id }))
        .await?;
    assert_eq!(order.status, StatusCode::OK, "{}", order.body);
    assert_eq!(order.body["id"], order_id);
    assert_eq!(order.body["customerId"], "customer-r");
    assert_eq!(order.body["status"], "draft");
    Ok(())
}

#[tokio::test]
async fn unknown_names_and_methods_are_problems() -> anyhow::Result<()> {
    let app = App::start().await?;
    let command = app.command("ShipOrder", &json!({})).await?;
    assert_problem(&command, StatusCode::NOT_FOUND, "unknown_command");
    let query = app.query("GetInvoice", &json!({})).await?;
    assert_problem(&query, StatusCode::NOT_FOUND, "unknown_query");
    let route = app
        .send(Request::get("/nowhere").body(Body::empty())?)
        .await?;
    assert_problem(&route, StatusCode::NOT_FOUND, "not_found");

    let get = app
        .send(Request::get("/api/commands/CreateOrder").body(Body::empty())?)
        .await?;
    assert_problem(&get, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert_eq!(app.events().await?, 0, "nothing was dispatched");
    Ok(())
}

#[tokio::test]
async fn bad_bodies_are_400_and_append_nothing() -> anyhow::Result<()> {
    let app = App::start().await?;
    let malformed = app
        .post_raw("/api/commands/CreateOrder", "{not json", &[])
        .await?;
    assert_problem(&malformed, StatusCode::BAD_REQUEST, "malformed_json");
    let wrong_type = app
        .command("CreateOrder", &json!({ "customerId": 42 }))
        .await?;
    assert_problem(&wrong_type, StatusCode::BAD_REQUEST, "validation_failed");
    let missing = app.command("PlaceOrder", &json!({})).await?;
    assert_problem(&missing, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(app.events().await?, 0);
    Ok(())
}

#[tokio::test]
async fn a_broken_rule_is_422_with_the_rules_code() -> anyhow::Result<()> {
    let app = App::start().await?;
    // Left out or empty, alike: only a customer's own order fills it in.
    for body in [json!({ "customerId": "" }), json!({})] {
        let no_customer = app.command("CreateOrder", &body).await?;
        assert_problem(
            &no_customer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "customer_required",
        );
    }
    let order_id = app.create_order("customer-r").await?;
    let none = app
        .command(
            "AddItem",
            &json!({ "orderId": order_id, "productId": "p", "quantity": 0, "price": 1 }),
        )
        .await?;
    assert_problem(&none, StatusCode::UNPROCESSABLE_ENTITY, "invalid_quantity");
    let empty = app
        .command("PlaceOrder", &json!({ "orderId": order_id }))
        .await?;
    assert_problem(&empty, StatusCode::UNPROCESSABLE_ENTITY, "order_empty");
    assert_eq!(app.events().await?, 1, "only the creation was appended");
    Ok(())
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() -> anyhow::Result<()> {
    let app = App::start().await?;
    let customer = "x".repeat(BODY_LIMIT);
    let large = app
        .command("CreateOrder", &json!({ "customerId": customer }))
        .await?;
    assert_problem(&large, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let query = app
        .query("ListOrders", &json!({ "customerId": customer }))
        .await?;
    assert_problem(&query, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(app.events().await?, 0);
    Ok(())
}

#[tokio::test]
async fn a_repeated_idempotency_key_replays_the_first_response() -> anyhow::Result<()> {
    let app = App::start().await?;
    let body = serde_json::to_vec(&json!({ "customerId": "customer-i" }))?;
    let key = [("Idempotency-Key", "create-1")];
    let first = app
        .post_raw("/api/commands/CreateOrder", body.clone(), &key)
        .await?;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.headers.get("idempotent-replayed").is_none());

    let again = app
        .post_raw("/api/commands/CreateOrder", body, &key)
        .await?;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, first.body, "the first response, replayed");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(app.events().await?, 1, "the replay appended nothing");
    Ok(())
}

#[tokio::test]
async fn an_idempotency_key_reused_with_another_body_is_422() -> anyhow::Result<()> {
    let app = App::start().await?;
    let key = [("Idempotency-Key", "create-1")];
    let first = app
        .post_raw(
            "/api/commands/CreateOrder",
            serde_json::to_vec(&json!({ "customerId": "customer-i" }))?,
            &key,
        )
        .await?;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);

    let other = app
        .post_raw(
            "/api/commands/CreateOrder",
            serde_json::to_vec(&json!({ "customerId": "customer-j" }))?,
            &key,
        )
        .await?;
    assert_problem(
        &other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    );
    assert_eq!(app.events().await?, 1, "the reused key appended nothing");
    Ok(())
}
