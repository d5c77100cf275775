//! The README's two services side by side: `order-service` and `order-notifier` started
//! from the workspace root with their own configs, an order placed over HTTP on the
//! first, its notification answered by the second. Only what must differ per test is
//! set: each database, the exchange, the notifier's queue name and the ports.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_messaging::testing::TestBus;
use serde_json::{Value, json};

const NOTIFIER: &str = env!("CARGO_BIN_EXE_order-notifier");

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The order service's binary, next to the notifier's (built when missing, e.g. when
/// only this crate's tests run).
fn order_service_binary() -> anyhow::Result<PathBuf> {
    let binary = Path::new(NOTIFIER).with_file_name("order-service");
    if !binary.exists() {
        let built = Command::new(env!("CARGO"))
            .args(["build", "-p", "order-service"])
            .current_dir(workspace_root())
            .status()?;
        anyhow::ensure!(built.success(), "cargo build -p order-service failed");
    }
    Ok(binary)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A service binary run from the workspace root, killed if the test fails early.
struct Running {
    name: &'static str,
    child: Option<Child>,
    url: String,
}

impl Running {
    fn start(
        name: &'static str,
        binary: &Path,
        port: u16,
        settings: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let mut command = Command::new(binary);
        command
            .current_dir(workspace_root())
            .env_remove("CONFIG_DIR")
            .env_remove("DATABASE_URL")
            .env_remove("MODULES")
            .env("HTTP_HOST", "127.0.0.1")
            .env("HTTP_PORT", port.to_string())
            .env("LOG_LEVEL", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in settings {
            command.env(key, value);
        }
        Ok(Running {
            name,
            child: Some(command.spawn()?),
            url: format!("http://127.0.0.1:{port}"),
        })
    }

    async fn health(&self, http: &reqwest::Client) -> anyhow::Result<Value> {
        Ok(http
            .get(format!("{}/health", self.url))
            .send()
            .await?
            .json()
            .await?)
    }

    /// SIGTERM, then its log; fails unless it exited cleanly.
    fn stop(mut self) -> anyhow::Result<String> {
        let child = self
            .child
            .take()
            .ok_or_else(|| anyhow::anyhow!("{} was stopped already", self.name))?;
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        anyhow::ensure!(killed.success());
        let output = child.wait_with_output()?;
        let log = String::from_utf8_lossy(&output.stderr).into_owned();
        anyhow::ensure!(
            output.status.success(),
            "{} exited with an error:\n{log}",
            self.name
        );
        Ok(log)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> anyhow::Result<(u16, Value)> {
    let response = http.post(url).json(&body).send().await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await?))
}

#[tokio::test]
async fn the_order_service_and_the_notifier_run_side_by_side_as_the_readme_says()
-> anyhow::Result<()> {
    let orders_db = TestDatabase::empty().await?;
    let notifier_db = TestDatabase::empty().await?;
    let mut bus = TestBus::new().await?;
    let notifier_name = format!("order-notifier-{}", bus.exchange());
    bus.track_queue(&format!("{notifier_name}.notifications"));
    // The order service subscribes too (its `catalog` module, to product events): its
    // queue is the test's own as well.
    let orders_name = format!("order-service-{}", bus.exchange());
    bus.track_queue(&format!("{orders_name}.product-prices"));
    let exchange = bus.exchange().to_owned();
    let http = reqwest::Client::new();

    let orders = Running::start(
        "order-service",
        &order_service_binary()?,
        free_port()?,
        &[
            ("DATABASE_URL", &orders_db.url()),
            ("MESSAGE_BUS_EXCHANGE", &exchange),
            ("SERVICE_NAME", &orders_name),
        ],
    )?;
    let notifier = Running::start(
        "order-notifier",
        Path::new(NOTIFIER),
        free_port()?,
        &[
            ("DATABASE_URL", &notifier_db.url()),
            ("MESSAGE_BUS_EXCHANGE", &exchange),
            ("SERVICE_NAME", &notifier_name),
        ],
    )?;
    // Each is itself: its own service name, module and database.
    let (orders_health, notifier_health) = eventually(
        Duration::from_secs(60),
        "both services to be up, the relay connected and the notifier consuming",
        || async {
            let (Ok(o), Ok(n)) = (orders.health(&http).await, notifier.health(&http).await) else {
                return anyhow::Ok(None);
            };
            let ready = o["checks"]["messageBus"] == "up"
                && n["subscribers"]["notifications"]["consuming"] == true;
            Ok(ready.then_some((o, n)))
        },
    )
    .await?;
    assert_eq!(orders_health["service"], orders_name);
    assert_eq!(orders_health["modules"][0]["name"], "orders");
    assert_eq!(notifier_health["service"], notifier_name);
    assert_eq!(notifier_health["modules"][0]["name"], "notifications");
    assert_eq!(
        notifier_health["relay"]["active"], false,
        "it owns no events to relay"
    );

    // The README's curl session, then the notifier's query.
    let command = |name: &str| format!("{}/api/commands/{name}", orders.url);
    let (status, created) = post(
        &http,
        command("CreateOrder"),
        json!({ "customerId": "customer-123" }),
    )
    .await?;
    assert_eq!(status, 200, "{created}");
    let order_id = created["orderId"].as_str().unwrap_or_default().to_owned();
    let item =
        json!({ "orderId": order_id, "productId": "product-1", "quantity": 2, "price": "29.99" });
    let (status, body) = post(&http, command("AddItem"), item).await?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&http, command("PlaceOrder"), json!({ "orderId": order_id })).await?;
    assert_eq!(status, 200, "{body}");

    let notifications = format!("{}/api/queries/GetNotifications", notifier.url);
    let list = eventually(Duration::from_secs(20), "the notification", || async {
        let (status, body) = post(
            &http,
            notifications.clone(),
            json!({ "customerId": "customer-123" }),
        )
        .await?;
        anyhow::ensure!(status == 200, "{body}");
        let found = body["notifications"]
            .as_array()
            .is_some_and(|n| !n.is_empty());
        Ok(found.then_some(body))
    })
    .await?;
    assert_eq!(
        list["notifications"][0]["message"],
        format!("Your order {order_id} was placed; total 59.98.")
    );
    // Each wrote its own database.
    let (orders_rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM events")
        .fetch_one(&orders_db.pool)
        .await?;
    let (notifier_rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM notifications")
        .fetch_one(&notifier_db.pool)
        .await?;
    assert_eq!((orders_rows, notifier_rows), (3, 1));

    for log in [notifier.stop()?, orders.stop()?] {
        assert!(log.contains("shut down cleanly"), "{log}");
        assert!(
            !log.contains("ERROR"),
            "a clean shutdown logs no error:\n{log}"
        );
    }
    bus.cleanup().await?;
    Ok(())
}
