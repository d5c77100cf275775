//! Fault tests: PostgreSQL restarted and RabbitMQ stopped and started while eight clients
//! send commands over HTTP to a running order service.
//!
//! They restart servers that every other test uses, so they are ignored by a plain
//! `cargo test` and run alone, after the suite (see README.md, "Fault tests"):
//!
//! ```text
//! cargo test -p workspace-tests --test faults -- --ignored --test-threads=1 --nocapture
//! ```
//!
//! The servers are the ones the tests use (`TEST_DATABASE_URL` / `DATABASE_URL`,
//! `TEST_MESSAGE_BUS_URL` / `MESSAGE_BUS_URL`); what to restart is named by
//! `FAULT_PG_CLUSTER` (`<version>/<cluster>` for `pg_ctlcluster`, default: the server's
//! own `cluster_name`, which must match) and `FAULT_RABBITMQ_NODE` (for `rabbitmqctl -n`,
//! default `rabbit@localhost`; its listener must be the broker the tests use).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use order_contracts::events::OrderEvent;
use platform_core::EventEnvelope;
use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_messaging::testing::{TestBus, broker_url};
use platform_messaging::{EventHandler, EventHandlerError, HandlerContext, register_event_handler};
use serde_json::{Value, json};
use uuid::Uuid;
use workspace_tests::TestService;

/// Concurrent HTTP clients.
const CLIENTS: usize = 8;
/// Commands each client sends once the fault is over, before it stops.
const AFTER_FAULT: usize = 10;
/// Commands acknowledged before the fault starts.
const BEFORE_FAULT: usize = 40;
/// Upper bound on the commands one client sends (a stuck fault ends the run).
const MAX_PER_CLIENT: usize = 2_000;
/// Lines per order before a client starts a new order.
const LINES_PER_ORDER: usize = 20;
/// Tries per command (the same Idempotency-Key each time) before a client gives up.
const MAX_TRIES: usize = 300;
/// How long the effects of the run may take to show (servers coming back, deliveries).
const SETTLE: Duration = Duration::from_secs(120);

/// Counts every order event the service's subscriber runtime hands it, one row per
/// handling (a duplicate delivery that got through would be a second row).
struct FaultCounter;

impl EventHandler for FaultCounter {
    type Event = OrderEvent;
    const NAME: &'static str = "fault-counter";
    const BINDINGS: &'static [&'static str] = &["Order.#"];

    async fn handle(
        ctx: &mut HandlerContext<'_>,
        event: EventEnvelope<OrderEvent>,
    ) -> Result<(), EventHandlerError> {
        sqlx::query("INSERT INTO fault_handled (event_id) VALUES ($1)")
            .bind(event.event_id)
            .execute(ctx.db())
            .await?;
        Ok(())
    }
}

register_event_handler!(FaultCounter);

/// What one command's client saw.
#[derive(Debug, Default)]
struct Sent {
    /// Its Idempotency-Key, also its correlation id (so its events can be found).
    key: String,
    /// The first answer's status (`None`: no answer, the connection failed).
    first: Option<u16>,
    /// How many times it was sent.
    tries: usize,
}

/// State shared by the clients and the test driving the fault.
struct Load {
    svc: TestService,
    acknowledged: AtomicUsize,
    fault_over: AtomicBool,
}

impl Load {
    /// Sends `body` to `name` with `key` until the service answers 2xx, the same
    /// Idempotency-Key each time; any 5xx, a lost connection, or a 409 for a key still
    /// in flight is retried. Returns the answer's body.
    async fn send(&self, name: &str, body: &Value, sent: &mut Sent) -> anyhow::Result<Value> {
        let url = format!("{}/api/commands/{name}", self.svc.base_url);
        let mut pause = Duration::from_millis(20);
        while sent.tries < MAX_TRIES {
            sent.tries += 1;
            let answer = self
                .svc
                .http
                .post(&url)
                .timeout(Duration::from_secs(30))
                .header("Idempotency-Key", &sent.key)
                .header("X-Correlation-Id", &sent.key)
                .json(body)
                .send()
                .await;
            let status = answer.as_ref().ok().map(|r| r.status().as_u16());
            if sent.tries == 1 {
                sent.first = status;
            }
            match (status, answer) {
                (Some(200..=299), Ok(response)) => {
                    self.acknowledged.fetch_add(1, Ordering::SeqCst);
                    return Ok(response.json().await.unwrap_or(Value::Null));
                }
                (Some(409), Ok(response)) => {
                    let problem: Value = response.json().await.unwrap_or(Value::Null);
                    ensure!(
                        problem["code"] == "idempotency_key_in_flight",
                        "{name} {}: 409 {problem}",
                        sent.key
                    );
                }
                (Some(400..=499), Ok(response)) => {
                    let problem = response.text().await.unwrap_or_default();
                    bail!("{name} {}: {} {problem}", sent.key, status.unwrap_or(0));
                }
                _ => {}
            }
            // A retry's back-off, not a wait for an effect.
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(500));
        }
        bail!("{name} {} unanswered after {MAX_TRIES} tries", sent.key)
    }

    /// One client: orders of [`LINES_PER_ORDER`] lines, one command at a time, until
    /// it has sent [`AFTER_FAULT`] commands after the fault is over.
    async fn client(self: Arc<Self>, index: usize) -> anyhow::Result<Vec<Sent>> {
        let mut sent = Vec::new();
        let mut order: Option<String> = None;
        let mut lines = 0;
        let mut after_fault = 0;
        for n in 0..MAX_PER_CLIENT {
            if self.fault_over.load(Ordering::SeqCst) {
                after_fault += 1;
                if after_fault > AFTER_FAULT {
                    break;
                }
            }
            let mut command = Sent {
                key: format!("fault-{index}-{n}-{}", Uuid::new_v4().simple()),
                ..Sent::default()
            };
            match &order {
                None => {
                    let body = json!({ "customerId": format!("customer-{index}") });
                    let created = self.send("CreateOrder", &body, &mut command).await?;
                    let id = created["orderId"].as_str().context("orderId")?;
                    order = Some(id.to_owned());
                    lines = 0;
                }
                Some(id) => {
                    let body = json!({
                        "orderId": id,
                        "productId": format!("p-{index}-{n}"),
                        "quantity": 1,
                        "price": "1.00",
                    });
                    self.send("AddItem", &body, &mut command).await?;
                    lines += 1;
                    if lines >= LINES_PER_ORDER {
                        order = None;
                    }
                }
            }
            sent.push(command);
        }
        Ok(sent)
    }

    /// Waits until `more` further commands were acknowledged since `from`.
    async fn acknowledged_past(&self, from: usize, more: usize) -> anyhow::Result<()> {
        eventually(
            SETTLE,
            &format!("{more} more acknowledged commands"),
            || async {
                let now = self.acknowledged.load(Ordering::SeqCst);
                anyhow::Ok((now >= from + more).then_some(()))
            },
        )
        .await
    }
}

/// What the run left in the log, per command.
struct Figures {
    fault: &'static str,
    sent: Vec<Sent>,
    /// Events per correlation id (= Idempotency-Key).
    in_log: BTreeMap<String, i64>,
}

impl Figures {
    async fn read(
        fault: &'static str,
        db: &TestDatabase,
        sent: Vec<Sent>,
    ) -> anyhow::Result<Figures> {
        let rows: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT metadata->>'correlationId', count(*) FROM events \
             WHERE aggregate_type = 'Order' GROUP BY 1",
        )
        .fetch_all(&db.pool)
        .await?;
        let in_log = rows
            .into_iter()
            .map(|(key, n)| (key.unwrap_or_default(), n))
            .collect();
        Ok(Figures {
            fault,
            sent,
            in_log,
        })
    }

    fn events_of(&self, sent: &Sent) -> i64 {
        self.in_log.get(&sent.key).copied().unwrap_or(0)
    }

    /// Prints the figures and checks: every command (acknowledged at once, or retried
    /// after a 5xx or no answer) is in the log exactly once, and nothing else is.
    fn check(&self) -> anyhow::Result<()> {
        let first_2xx = self
            .sent
            .iter()
            .filter(|s| matches!(s.first, Some(200..=299)))
            .count();
        let first_5xx = self
            .sent
            .iter()
            .filter(|s| matches!(s.first, Some(500..=599)))
            .count();
        let no_answer = self.sent.iter().filter(|s| s.first.is_none()).count();
        let retried = self.sent.iter().filter(|s| s.tries > 1).count();
        let in_log = self.sent.iter().filter(|s| self.events_of(s) > 0).count();
        let duplicates: Vec<&str> = self
            .sent
            .iter()
            .filter(|s| self.events_of(s) > 1)
            .map(|s| s.key.as_str())
            .collect();
        let lost: Vec<&str> = self
            .sent
            .iter()
            .filter(|s| self.events_of(s) == 0)
            .map(|s| s.key.as_str())
            .collect();
        let keys: BTreeSet<&str> = self.sent.iter().map(|s| s.key.as_str()).collect();
        let strangers = self
            .in_log
            .keys()
            .filter(|k| !keys.contains(k.as_str()))
            .count();
        println!(
            "fault test {}: commands sent {}, acknowledged {} (2xx at once {first_2xx}, \
             5xx first {first_5xx}, no answer first {no_answer}, retried {retried}), \
             in the log {in_log}, duplicates {}, lost {}",
            self.fault,
            self.sent.len(),
            self.sent.len(),
            duplicates.len(),
            lost.len(),
        );
        ensure!(duplicates.is_empty(), "in the log twice: {duplicates:?}");
        ensure!(lost.is_empty(), "acknowledged but not in the log: {lost:?}");
        ensure!(
            strangers == 0,
            "{strangers} commands in the log nobody sent"
        );
        Ok(())
    }
}

/// Runs eight clients against `svc`; `fault` runs once [`BEFORE_FAULT`] commands were
/// acknowledged, and the clients stop [`AFTER_FAULT`] commands each after it returned.
async fn under_load<F, Fut>(svc: TestService, fault: F) -> anyhow::Result<(TestService, Vec<Sent>)>
where
    F: FnOnce(Arc<Load>) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let load = Arc::new(Load {
        svc,
        acknowledged: AtomicUsize::new(0),
        fault_over: AtomicBool::new(false),
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| tokio::spawn(Arc::clone(&load).client(i)))
        .collect();
    let faulted = async {
        load.acknowledged_past(0, BEFORE_FAULT).await?;
        let outcome = fault(Arc::clone(&load)).await;
        load.fault_over.store(true, Ordering::SeqCst);
        outcome
    }
    .await;
    let mut sent = Vec::new();
    for client in clients {
        sent.extend(client.await??);
    }
    faulted?;
    let load = Arc::into_inner(load).context("the clients are done")?;
    Ok((load.svc, sent))
}

/// A database with the counter's table, and a service on it whose subscriber runtime
/// runs [`FaultCounter`] on a queue of its own.
async fn service() -> anyhow::Result<(TestDatabase, TestService)> {
    let db = TestDatabase::new().await?;
    sqlx::query(
        "CREATE TABLE fault_handled (event_id uuid NOT NULL, handled_at timestamptz NOT NULL DEFAULT now())",
    )
    .execute(&db.pool)
    .await?;
    let mut bus = TestBus::new().await?;
    let service_name = format!("faults-{}", Uuid::new_v4().simple());
    bus.track_queue(&format!("{service_name}.{}", FaultCounter::NAME));
    let svc = TestService::start_on(&db, bus, &[("SERVICE_NAME", &service_name)]).await?;
    // Events published before the counter's queue is bound would go nowhere: wait.
    eventually(SETTLE, "the counter to consume", || async {
        let health = svc.health().await?;
        let consuming = health["subscribers"][FaultCounter::NAME]["consuming"] == true;
        anyhow::Ok(consuming.then_some(()))
    })
    .await?;
    Ok((db, svc))
}

/// Runs a command line (a server's control tool) and fails with its output if it fails.
async fn run(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let (program, args) = (program.to_owned(), args.iter().map(|a| a.to_string()));
    let args: Vec<String> = args.collect();
    let line = format!("{program} {}", args.join(" "));
    let output = tokio::task::spawn_blocking(move || Command::new(&program).args(&args).output())
        .await?
        .with_context(|| format!("running {line}"))?;
    ensure!(
        output.status.success(),
        "{line} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

/// The PostgreSQL cluster to restart: `FAULT_PG_CLUSTER`, which must be the cluster the
/// tests' server is (its `cluster_name`), or that name itself.
async fn pg_cluster(db: &TestDatabase) -> anyhow::Result<(String, String)> {
    let serving: String = sqlx::query_scalar("SELECT current_setting('cluster_name')")
        .fetch_one(&db.pool)
        .await?;
    let cluster = match std::env::var("FAULT_PG_CLUSTER") {
        Ok(named) if named != serving => bail!(
            "FAULT_PG_CLUSTER={named} but the test server is cluster {serving:?}: \
             refusing to restart a cluster the test does not use"
        ),
        Ok(named) => named,
        Err(_) if serving.is_empty() => {
            bail!("the test server has no cluster_name; set FAULT_PG_CLUSTER=<version>/<cluster>")
        }
        Err(_) => serving,
    };
    let (version, name) = cluster
        .split_once('/')
        .context("FAULT_PG_CLUSTER is <version>/<cluster>, e.g. 15/main")?;
    Ok((version.to_owned(), name.to_owned()))
}

/// When the test server's postmaster started (it changes with a restart).
async fn postmaster_start(db: &TestDatabase) -> anyhow::Result<String> {
    Ok(
        sqlx::query_scalar("SELECT pg_postmaster_start_time()::text")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// The RabbitMQ node to stop and start, and the broker's `host:port` (which must stop
/// listening when the node's application stops).
fn rabbitmq_node() -> anyhow::Result<(String, String)> {
    let node =
        std::env::var("FAULT_RABBITMQ_NODE").unwrap_or_else(|_| "rabbit@localhost".to_owned());
    let url = reqwest::Url::parse(&broker_url()).context("the broker URL")?;
    let host = url
        .host_str()
        .context("the broker URL has a host")?
        .to_owned();
    Ok((node, format!("{host}:{}", url.port().unwrap_or(5672))))
}

/// Whether something accepts connections at `addr`.
async fn listening(addr: &str) -> bool {
    tokio::net::TcpStream::connect(addr).await.is_ok()
}

/// Starts the RabbitMQ application again if a test stopped it and failed before it
/// started it (the CI step also checks the broker afterwards).
struct StartAppOnDrop {
    node: String,
    armed: bool,
}

impl Drop for StartAppOnDrop {
    fn drop(&mut self) {
        if self.armed {
            let _ = Command::new("rabbitmqctl")
                .args(["-n", &self.node, "start_app"])
                .output();
        }
    }
}

/// Checks that every order event in the log reached the subscriber and was handled
/// once, waiting for deliveries still on their way; prints the figures.
async fn delivered_once(fault: &str, db: &TestDatabase, svc: &TestService) -> anyhow::Result<()> {
    // Every order event in the log reaches the subscriber, and is handled once.
    let logged: BTreeSet<Uuid> =
        sqlx::query_scalar::<_, Uuid>("SELECT event_id FROM events WHERE aggregate_type = 'Order'")
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .collect();
    let handled = || async {
        let rows: Vec<Uuid> = sqlx::query_scalar("SELECT event_id FROM fault_handled")
            .fetch_all(&db.pool)
            .await?;
        anyhow::Ok(rows)
    };
    let arrived = eventually(SETTLE, "every event to be handled", || async {
        let rows = handled().await?;
        let seen: BTreeSet<Uuid> = rows.iter().copied().collect();
        anyhow::Ok(logged.is_subset(&seen).then_some(rows))
    })
    .await;
    let rows = match arrived {
        Ok(rows) => rows,
        Err(timeout) => {
            let rows = handled().await?;
            let seen: BTreeSet<Uuid> = rows.iter().copied().collect();
            println!(
                "fault test {fault}: events in the log {}, handled {}, lost {}; health {}",
                logged.len(),
                seen.len(),
                logged.difference(&seen).count(),
                svc.health().await.unwrap_or_default()
            );
            let missing: Vec<i64> = sqlx::query_scalar(
                "SELECT global_position FROM events WHERE aggregate_type = 'Order' \
                 AND event_id <> ALL($1) ORDER BY global_position",
            )
            .bind(rows)
            .fetch_all(&db.pool)
            .await?;
            println!("fault test {fault}: missing positions {missing:?}");
            if let Ok((node, _)) = rabbitmq_node() {
                let queues = Command::new("rabbitmqctl")
                    .args(["-n", &node, "-q", "list_queues", "name", "messages_ready"])
                    .args(["messages_unacknowledged", "consumers"])
                    .output();
                if let Ok(out) = queues {
                    println!("{}", String::from_utf8_lossy(&out.stdout));
                }
            }
            return Err(timeout);
        }
    };
    let distinct: BTreeSet<Uuid> = rows.iter().copied().collect();
    let lost = logged.difference(&distinct).count();
    println!(
        "fault test {fault}: events in the log {}, handled {}, \
         handled twice {}, lost {lost}",
        logged.len(),
        distinct.len(),
        rows.len() - distinct.len(),
    );
    ensure!(rows.len() == distinct.len(), "an event was handled twice");
    ensure!(distinct == logged, "handled events that are not in the log");
    Ok(())
}

#[tokio::test]
#[ignore = "restarts PostgreSQL: run alone (README.md, Fault tests)"]
async fn postgres_restarted_under_load_loses_and_duplicates_no_command() -> anyhow::Result<()> {
    let (db, svc) = service().await?;
    let (version, cluster) = pg_cluster(&db).await?;
    let started = postmaster_start(&db).await?;
    let (svc, sent) = under_load(svc, |load| async move {
        let from = load.acknowledged.load(Ordering::SeqCst);
        run(
            "pg_ctlcluster",
            &["--skip-systemctl-redirect", &version, &cluster, "restart"],
        )
        .await?;
        let during = load.acknowledged.load(Ordering::SeqCst) - from;
        println!(
            "fault test postgres-restart: {during} commands acknowledged while the cluster restarted"
        );
        Ok(())
    })
    .await?;
    ensure!(
        postmaster_start(&db).await? != started,
        "the server was not restarted"
    );
    let figures = Figures::read("postgres-restart", &db, sent).await?;
    figures.check()?;
    delivered_once("postgres-restart", &db, &svc).await?;
    svc.stop().await?;
    Ok(())
}

#[tokio::test]
#[ignore = "stops RabbitMQ: run alone (README.md, Fault tests)"]
async fn rabbitmq_stopped_under_load_delivers_every_event_once() -> anyhow::Result<()> {
    let (db, svc) = service().await?;
    let (node, addr) = rabbitmq_node()?;
    let mut guard = StartAppOnDrop {
        node: node.clone(),
        armed: false,
    };
    let (svc, sent) = under_load(svc, |load| {
        let guard = &mut guard;
        async move {
            guard.armed = true;
            run("rabbitmqctl", &["-n", &node, "stop_app"]).await?;
            ensure!(
                !listening(&addr).await,
                "{addr} still accepts connections after stopping {node}: \
                 FAULT_RABBITMQ_NODE does not name the tests' broker"
            );
            // Commands keep committing while the broker is away.
            let from = load.acknowledged.load(Ordering::SeqCst);
            load.acknowledged_past(from, BEFORE_FAULT).await?;
            let during = load.acknowledged.load(Ordering::SeqCst) - from;
            println!("fault test rabbitmq-stop-start: {during} commands acknowledged while the broker was stopped");
            run("rabbitmqctl", &["-n", &node, "start_app"]).await?;
            guard.armed = false;
            Ok(())
        }
    })
    .await?;
    let figures = Figures::read("rabbitmq-stop-start", &db, sent).await?;
    figures.check()?;

    delivered_once("rabbitmq-stop-start", &db, &svc).await?;
    svc.stop().await?;
    Ok(())
}
