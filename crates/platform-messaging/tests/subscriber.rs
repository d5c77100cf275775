//! The subscriber runtime against the real broker and database: delivery, dedupe,
//! retry, dead-lettering, batches and graceful shutdown.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use lapin::BasicProperties;
use lapin::message::Delivery;
use lapin::types::AMQPValue;
use platform_core::{DomainEvent, EventEnvelope, Metadata};
use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_messaging::testing::{TestBus, WatchQueue};
use platform_messaging::{
    BroadcastEnvelope, EventHandler, EventHandlerError, HandlerContext, SubscriberOptions,
    SubscriberRuntime, headers, register_event_handler, subscribers,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// A test event: the handler fails its first `fail_times` attempts, and sleeps
/// `sleep_ms` before writing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ping {
    label: String,
    #[serde(default)]
    fail_times: u32,
    #[serde(default)]
    sleep_ms: u64,
    #[serde(default)]
    panic: bool,
}

#[derive(Debug, Clone, PartialEq, DomainEvent)]
enum TestEvent {
    Ping(Ping),
}

/// Attempts seen per event id, across parallel tests (event ids are unique).
fn attempts() -> &'static Mutex<HashMap<Uuid, u32>> {
    static ATTEMPTS: OnceLock<Mutex<HashMap<Uuid, u32>>> = OnceLock::new();
    ATTEMPTS.get_or_init(Mutex::default)
}

fn attempts_of(id: Uuid) -> u32 {
    attempts()
        .lock()
        .expect("lock")
        .get(&id)
        .copied()
        .unwrap_or(0)
}

struct Recorder;

impl EventHandler for Recorder {
    type Event = TestEvent;
    const NAME: &'static str = "recorder";
    const BINDINGS: &'static [&'static str] = &["Test.Ping"];

    async fn handle(
        ctx: &mut HandlerContext<'_>,
        event: EventEnvelope<TestEvent>,
    ) -> Result<(), EventHandlerError> {
        let TestEvent::Ping(ping) = &event.event;
        let seen = {
            let mut all = attempts().lock().expect("lock");
            let n = all.entry(event.event_id).or_default();
            *n += 1;
            *n
        };
        assert!(!ping.panic, "told to panic on {}", ping.label);
        if ping.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(ping.sleep_ms)).await;
        }
        let (tenant, user) = (ctx.tenant().to_owned(), ctx.user().map(|u| u.id.clone()));
        sqlx::query(
            "INSERT INTO handled (event_id, label, attempt, tenant, user_id) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(event.event_id)
        .bind(&ping.label)
        .bind(i64::from(ctx.attempt()))
        .bind(tenant)
        .bind(user)
        .execute(ctx.db())
        .await?;
        if seen <= ping.fail_times {
            // The row above is rolled back with the failed attempt.
            return Err(EventHandlerError::Failed(format!(
                "refusing {} (attempt {seen})",
                ping.label
            )));
        }
        Ok(())
    }
}

register_event_handler!(Recorder);

struct Harness {
    db: TestDatabase,
    bus: TestBus,
    stop: watch::Sender<bool>,
    runtime: JoinHandle<()>,
    options: SubscriberOptions,
}

impl Harness {
    async fn start() -> anyhow::Result<Self> {
        let db = TestDatabase::empty().await?;
        sqlx::query(
            "CREATE TABLE handled (event_id uuid NOT NULL, label text NOT NULL, attempt bigint NOT NULL, \
             tenant text NOT NULL, user_id text, \
             seq bigserial, tx bigint NOT NULL DEFAULT txid_current())",
        )
        .execute(&db.pool)
        .await?;
        let mut bus = TestBus::new().await?;
        let mut options = SubscriberOptions::new(bus.options.clone(), bus.exchange().to_owned());
        options.max_attempts = 3;
        options.retry_base = Duration::from_millis(20);
        options.retry_max = Duration::from_millis(50);
        bus.track_queue(&options.queue(Recorder::NAME));
        let handlers = subscribers()
            .into_iter()
            .filter(|s| s.name == Recorder::NAME)
            .collect();
        let runtime = SubscriberRuntime::with_handlers(db.pool.clone(), options.clone(), handlers);
        let (stop, stopped) = watch::channel(false);
        let runtime = tokio::spawn(async move {
            runtime.run(stopped).await.expect("the runtime starts");
        });
        let harness = Harness {
            db,
            bus,
            stop,
            runtime,
            options,
        };
        harness.wait_for_queue().await?;
        Ok(harness)
    }

    /// Waits until the runtime has declared and bound its queue (a passive declare of
    /// the queue succeeds, and a probe message routed to it is consumed).
    async fn wait_for_queue(&self) -> anyhow::Result<()> {
        let probe = Uuid::now_v7();
        eventually(
            Duration::from_secs(10),
            "the subscriber to consume from its queue",
            || async {
                self.publish(probe, ping("probe")).await?;
                anyhow::Ok((self.handled(probe).await? > 0).then_some(()))
            },
        )
        .await
    }

    /// A queue receiving what the runtime dead-letters.
    async fn dead_letters(&self) -> anyhow::Result<WatchQueue> {
        let queue = self.options.queue(Recorder::NAME);
        Ok(self
            .bus
            .watch_exchange(&self.options.dead_letter_exchange(), &[&queue])
            .await?)
    }

    async fn publish(&self, event_id: Uuid, ping: Ping) -> anyhow::Result<()> {
        self.publish_for(event_id, ping, platform_core::DEFAULT_TENANT, None)
            .await
    }

    /// Publishes on the ping's routing key an envelope whose event type is `event_type`
    /// (what a binding like `Test.#` brings when the producer has more types).
    async fn publish_as(&self, event_id: Uuid, event_type: &str, ping: Ping) -> anyhow::Result<()> {
        let envelope = envelope(
            event_id,
            event_type,
            ping,
            platform_core::DEFAULT_TENANT,
            None,
        )?;
        self.bus
            .publish_raw(
                "Test.Ping",
                &serde_json::to_vec(&envelope)?,
                envelope.properties("test"),
            )
            .await?;
        Ok(())
    }

    /// Publishes a ping recorded for a tenant and, when given, a user.
    async fn publish_for(
        &self,
        event_id: Uuid,
        ping: Ping,
        tenant: &str,
        user: Option<&str>,
    ) -> anyhow::Result<()> {
        let envelope = envelope(event_id, "Ping", ping, tenant, user)?;
        self.bus
            .publish_raw(
                &envelope.routing_key(),
                &serde_json::to_vec(&envelope)?,
                envelope.properties("test"),
            )
            .await?;
        Ok(())
    }

    async fn handled(&self, event_id: Uuid) -> anyhow::Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM handled WHERE event_id = $1")
                .bind(event_id)
                .fetch_one(&self.db.pool)
                .await?,
        )
    }

    async fn inbox(&self, event_id: Uuid) -> anyhow::Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM platform_inbox WHERE event_id = $1")
                .bind(event_id)
                .fetch_one(&self.db.pool)
                .await?,
        )
    }

    /// Polls until the event has `rows` handled rows, up to 10 s.
    async fn wait_handled(&self, event_id: Uuid, rows: i64) -> anyhow::Result<()> {
        eventually(
            Duration::from_secs(10),
            &format!("event {event_id} to have {rows} handled rows"),
            || async { anyhow::Ok((self.handled(event_id).await? == rows).then_some(())) },
        )
        .await
    }

    async fn stop(self) -> anyhow::Result<()> {
        self.stop.send(true)?;
        tokio::time::timeout(Duration::from_secs(10), self.runtime).await??;
        self.bus.cleanup().await?;
        Ok(())
    }
}

/// A broadcast envelope of a test event.
fn envelope(
    event_id: Uuid,
    event_type: &str,
    ping: Ping,
    tenant: &str,
    user: Option<&str>,
) -> anyhow::Result<BroadcastEnvelope> {
    Ok(BroadcastEnvelope {
        event_id,
        tenant_id: tenant.to_owned(),
        event_type: event_type.to_owned(),
        aggregate_type: "Test".to_owned(),
        aggregate_id: "test-1".to_owned(),
        version: 1,
        global_position: 1,
        occurred_at: chrono::Utc::now(),
        schema_version: 1,
        payload: RawValue::from_string(serde_json::to_string(&ping)?)?,
        metadata: Metadata {
            user_id: user.map(str::to_owned),
            ..Metadata::default()
        },
    })
}

/// The next dead letter, within 10 s.
async fn next_letter(dead: &mut WatchQueue) -> anyhow::Result<Delivery> {
    dead.next(Duration::from_secs(10))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no dead letter within 10 s"))
}

/// The `x-failure-reason` header of a dead letter.
fn failure_reason(letter: &Delivery) -> Option<String> {
    match letter
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(headers::FAILURE_REASON).cloned())
    {
        Some(AMQPValue::LongString(reason)) => Some(reason.to_string()),
        _ => None,
    }
}

fn ping(label: &str) -> Ping {
    Ping {
        label: label.to_owned(),
        fail_times: 0,
        sleep_ms: 0,
        panic: false,
    }
}

#[tokio::test]
async fn a_duplicate_delivery_is_handled_once() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let id = Uuid::now_v7();
    h.publish(id, ping("dup")).await?;
    h.publish(id, ping("dup")).await?;
    let after = Uuid::now_v7();
    h.publish(after, ping("after")).await?;
    // Handled in queue order: once `after` is in, both copies of `dup` were processed.
    h.wait_handled(after, 1).await?;
    assert_eq!(h.handled(id).await?, 1, "one row despite two deliveries");
    assert_eq!(attempts_of(id), 1, "the handler ran once");
    assert_eq!(h.inbox(id).await?, 1);
    h.stop().await
}

#[tokio::test]
async fn a_failing_handler_is_retried_then_succeeds() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let id = Uuid::now_v7();
    h.publish(
        id,
        Ping {
            fail_times: 2,
            ..ping("flaky")
        },
    )
    .await?;
    h.wait_handled(id, 1).await?;
    assert_eq!(attempts_of(id), 3);
    let attempt: i64 = sqlx::query_scalar("SELECT attempt FROM handled WHERE event_id = $1")
        .bind(id)
        .fetch_one(&h.db.pool)
        .await?;
    assert_eq!(attempt, 3, "the context counts attempts");
    assert_eq!(h.inbox(id).await?, 1);
    h.stop().await
}

#[tokio::test]
async fn a_handler_that_keeps_failing_dead_letters_with_the_reason() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let mut dead = h.dead_letters().await?;
    let id = Uuid::now_v7();
    h.publish(
        id,
        Ping {
            fail_times: 99,
            ..ping("doomed")
        },
    )
    .await?;
    let letter = next_letter(&mut dead).await?;
    let body: serde_json::Value = serde_json::from_slice(&letter.data)?;
    assert_eq!(body["eventId"], id.to_string(), "the original message");
    let reason = failure_reason(&letter).expect("a reason");
    assert!(reason.contains("refusing doomed (attempt 3)"), "{reason}");
    let headers = letter.properties.headers().clone().expect("headers");
    let header = |name: &str| headers.inner().get(name).cloned();
    assert_eq!(
        header(headers::FAILURE_ATTEMPTS),
        Some(AMQPValue::LongUInt(3))
    );
    assert_eq!(
        header(headers::ORIGINAL_ROUTING_KEY),
        Some(AMQPValue::LongString("Test.Ping".into()))
    );
    assert_eq!(attempts_of(id), 3, "max_attempts, no more");
    assert_eq!(h.handled(id).await?, 0, "every failed attempt rolled back");
    assert_eq!(h.inbox(id).await?, 0);
    // The queue goes on after the dead letter.
    let next = Uuid::now_v7();
    h.publish(next, ping("next")).await?;
    h.wait_handled(next, 1).await?;
    h.stop().await
}

#[tokio::test]
async fn an_event_type_the_handler_does_not_take_is_ignored_not_dead_lettered() -> anyhow::Result<()>
{
    let h = Harness::start().await?;
    let mut dead = h.dead_letters().await?;
    let other = Uuid::now_v7();
    h.publish_as(other, "Pong", ping("pong")).await?;
    let after = Uuid::now_v7();
    h.publish(after, ping("after")).await?;
    h.wait_handled(after, 1).await?;
    assert_eq!(attempts_of(other), 0, "the handler never saw it");
    assert_eq!(h.handled(other).await?, 0);
    assert_eq!(h.inbox(other).await?, 1, "taken, once");
    assert!(
        dead.next(Duration::from_millis(300)).await?.is_none(),
        "nothing dead-lettered"
    );
    h.stop().await
}

#[tokio::test]
async fn an_undecodable_message_is_dead_lettered_at_once() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let mut dead = h.dead_letters().await?;
    h.bus
        .publish_raw("Test.Ping", b"not json", BasicProperties::default())
        .await?;
    let letter = next_letter(&mut dead).await?;
    assert_eq!(letter.data, b"not json");
    let reason = failure_reason(&letter).expect("a reason");
    assert!(reason.starts_with("not an event envelope"), "{reason}");
    h.stop().await
}

#[tokio::test]
async fn shutdown_finishes_the_message_in_hand() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let id = Uuid::now_v7();
    h.publish(
        id,
        Ping {
            sleep_ms: 700,
            ..ping("slow")
        },
    )
    .await?;
    eventually(
        Duration::from_secs(2),
        "the slow handler to start",
        || async { anyhow::Ok((attempts_of(id) > 0).then_some(())) },
    )
    .await?;
    assert_eq!(attempts_of(id), 1, "the slow handler started");
    h.stop.send(true)?;
    let Harness {
        db, bus, runtime, ..
    } = h;
    tokio::time::timeout(Duration::from_secs(10), runtime).await??;
    bus.cleanup().await?;
    let handled: i64 = sqlx::query_scalar("SELECT count(*) FROM handled WHERE event_id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(
        handled, 1,
        "the in-flight event was committed before the runtime stopped"
    );
    Ok(())
}

#[tokio::test]
async fn a_panicking_handler_is_dead_lettered_and_the_queue_goes_on() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let mut dead = h.dead_letters().await?;
    let id = Uuid::now_v7();
    h.publish(
        id,
        Ping {
            panic: true,
            ..ping("boom")
        },
    )
    .await?;
    let letter = next_letter(&mut dead).await?;
    let reason = failure_reason(&letter).expect("a reason");
    assert!(
        reason.contains("handler panicked: told to panic on boom"),
        "{reason}"
    );
    assert_eq!(attempts_of(id), 3);
    let next = Uuid::now_v7();
    h.publish(next, ping("after-panic")).await?;
    h.wait_handled(next, 1).await?;
    h.stop().await
}

#[tokio::test]
async fn a_handler_sees_the_tenant_and_user_of_the_event() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let id = Uuid::now_v7();
    h.publish_for(id, ping("tenanted"), "acme", Some("alice"))
        .await?;
    h.wait_handled(id, 1).await?;
    let (tenant, user): (String, Option<String>) =
        sqlx::query_as("SELECT tenant, user_id FROM handled WHERE event_id = $1")
            .bind(id)
            .fetch_one(&h.db.pool)
            .await?;
    assert_eq!((tenant.as_str(), user.as_deref()), ("acme", Some("alice")));
    h.stop().await
}

/// Labels of the handled rows in the order they were written, and in how many
/// transactions.
async fn written(h: &Harness, prefix: &str) -> anyhow::Result<(Vec<String>, i64)> {
    let labels = sqlx::query_scalar("SELECT label FROM handled WHERE label LIKE $1 ORDER BY seq")
        .bind(format!("{prefix}%"))
        .fetch_all(&h.db.pool)
        .await?;
    let transactions =
        sqlx::query_scalar("SELECT count(DISTINCT tx) FROM handled WHERE label LIKE $1")
            .bind(format!("{prefix}%"))
            .fetch_one(&h.db.pool)
            .await?;
    Ok((labels, transactions))
}

#[tokio::test]
async fn a_backlog_is_handled_in_batches_once_each_in_queue_order() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    // A slow first message lets the rest pile up in the prefetch.
    h.publish(
        Uuid::now_v7(),
        Ping {
            sleep_ms: 500,
            ..ping("burst-gate")
        },
    )
    .await?;
    let mut ids = Vec::new();
    for n in 0..200 {
        let id = Uuid::now_v7();
        h.publish(id, ping(&format!("burst-{n:03}"))).await?;
        ids.push(id);
    }
    let last = *ids.last().expect("200 ids");
    h.wait_handled(last, 1).await?;
    let (labels, transactions) = written(&h, "burst-").await?;
    let expected: Vec<String> = std::iter::once("burst-gate".to_owned())
        .chain((0..200).map(|n| format!("burst-{n:03}")))
        .collect();
    assert_eq!(labels, expected, "each once, in queue order");
    assert!(
        transactions < 100,
        "201 messages in {transactions} transactions: not batched"
    );
    let inbox: i64 =
        sqlx::query_scalar("SELECT count(*) FROM platform_inbox WHERE event_id = ANY($1)")
            .bind(&ids)
            .fetch_one(&h.db.pool)
            .await?;
    assert_eq!(inbox, 200);
    h.stop().await
}

#[tokio::test]
async fn a_failure_in_a_batch_is_retried_on_its_own_and_the_rest_handled_once() -> anyhow::Result<()>
{
    let h = Harness::start().await?;
    let mut dead = h.dead_letters().await?;
    h.publish(
        Uuid::now_v7(),
        Ping {
            sleep_ms: 500,
            ..ping("mixed-gate")
        },
    )
    .await?;
    let mut ids = Vec::new();
    for n in 0..20 {
        let id = Uuid::now_v7();
        let ping = match n {
            5 => Ping {
                fail_times: 1,
                ..ping("mixed-05")
            },
            10 => Ping {
                fail_times: 99,
                ..ping("mixed-10")
            },
            _ => ping(&format!("mixed-{n:02}")),
        };
        h.publish(id, ping).await?;
        ids.push(id);
    }
    h.wait_handled(ids[19], 1).await?;
    let letter = next_letter(&mut dead).await?;
    let body: serde_json::Value = serde_json::from_slice(&letter.data)?;
    assert_eq!(body["eventId"], ids[10].to_string());
    // The dead-lettered one had its three attempts, the batch's included; the flaky one
    // failed once (in the batch) and was handled at its second attempt.
    assert_eq!(attempts_of(ids[10]), 3);
    assert_eq!(attempts_of(ids[5]), 2);
    let attempt: i64 = sqlx::query_scalar("SELECT attempt FROM handled WHERE event_id = $1")
        .bind(ids[5])
        .fetch_one(&h.db.pool)
        .await?;
    assert_eq!(attempt, 2);
    let (labels, _) = written(&h, "mixed-").await?;
    let expected: Vec<String> = std::iter::once("mixed-gate".to_owned())
        .chain(
            (0..20)
                .filter(|&n| n != 10)
                .map(|n| format!("mixed-{n:02}")),
        )
        .collect();
    assert_eq!(labels, expected, "each handled once, in queue order");
    h.stop().await
}

#[tokio::test]
async fn a_queue_declared_with_other_arguments_stops_the_subscriber_saying_why()
-> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let mut bus = TestBus::new().await?;
    let options = SubscriberOptions::new(bus.options.clone(), bus.exchange().to_owned());
    let queue = options.queue(Recorder::NAME);
    bus.track_queue(&queue);
    // Left by an earlier run with other settings.
    let connection = platform_messaging::connect(&bus.options, "test").await?;
    let channel = connection.create_channel().await?;
    let mut arguments = lapin::types::FieldTable::default();
    arguments.insert("x-max-length".into(), lapin::types::AMQPValue::LongInt(7));
    channel
        .queue_declare(
            queue.as_str().into(),
            lapin::options::QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            arguments,
        )
        .await?;
    let handlers = subscribers()
        .into_iter()
        .filter(|s| s.name == Recorder::NAME)
        .collect();
    let runtime = SubscriberRuntime::with_handlers(db.pool.clone(), options, handlers);
    let monitor = runtime.monitor().clone();
    let (_stop, stopped) = watch::channel(false);
    // It ends by itself: retrying cannot make the broker accept the declaration.
    tokio::time::timeout(Duration::from_secs(20), runtime.run(stopped)).await??;
    let status = monitor
        .snapshot()
        .remove(Recorder::NAME)
        .ok_or_else(|| anyhow::anyhow!("no status"))?;
    assert!(!status.consuming);
    let error = status.last_error.unwrap_or_default();
    assert!(
        error.contains(&format!("{queue} exists with other arguments"))
            && error.contains("rabbitmqctl delete_queue")
            && error.contains("PRECONDITION_FAILED"),
        "{error}"
    );
    let _ = connection.close(200, "done".into()).await;
    bus.cleanup().await?;
    Ok(())
}
