//! The message bus in a service: the outbox relay and subscribers started by `serve`,
//! and the `republish` subcommand.

use anyhow::{Context, bail};
use platform_messaging::{
    HandlerServices, OutboxRelay, RelayOptions, RepublishRange, SubscriberRuntime,
};
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::cli::RepublishArgs;
use crate::config::Config;
use crate::context::AppState;
use crate::module::Hosting;

/// Whether this process runs the outbox relay: the bus is on and the aggregates the
/// service owns broadcast some event type. A service that only subscribes, like the
/// notifier, owns none; the events of other services' contracts it links in to
/// subscribe to them are not its to broadcast.
pub fn relay_runs(config: &Config, hosting: &Hosting) -> bool {
    config.message_bus.enabled && !hosting.broadcast_types().is_empty()
}

/// Starts the relay (see [`relay_runs`]) and the subscriber runtime (when any handler
/// is registered), unless the bus is turned off.
pub fn spawn(
    state: &AppState,
    pool: &PgPool,
    stopped: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let config = state.config();
    let bus = &config.message_bus;
    if !bus.enabled {
        info!("message bus disabled (MESSAGE_BUS_ENABLED=false): nothing is broadcast");
        return Vec::new();
    }
    let mut tasks = Vec::new();
    let event_types = state.modules().broadcast_types();
    if relay_runs(config, state.modules()) {
        let options = RelayOptions {
            batch_size: bus.relay_batch_size,
            poll_interval: config.read_models.projector_poll_interval,
            ..RelayOptions::default()
        };
        let relay = OutboxRelay::new(
            pool.clone(),
            bus.bus_options(&config.service_name),
            options,
            &event_types,
            state.relay().clone(),
        );
        info!(exchange = %bus.exchange, ?event_types, "starting the outbox relay");
        tasks.push(tokio::spawn(relay.run(stopped.clone())));
    }
    let handlers = state.modules().subscribers();
    if !handlers.is_empty() {
        let services = HandlerServices {
            executor: state.executor().clone(),
            providers: state.modules().providers().clone(),
        };
        let options = bus.subscriber_options(&config.service_name);
        let runtime = SubscriberRuntime::with_handlers(pool.clone(), options, handlers)
            .with_monitor(state.subscribers().clone())
            .with_services(services);
        let stopped = stopped.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(err) = runtime.run(stopped).await {
                warn!(cause = %err, "subscriber runtime failed to start");
            }
        }));
    }
    tasks
}

/// `republish`: publishes a range of the log again and reports what it sent.
pub async fn republish(
    pool: &PgPool,
    config: &Config,
    hosting: &Hosting,
    args: &RepublishArgs,
) -> anyhow::Result<()> {
    let broadcast = hosting.broadcast_types();
    if broadcast.is_empty() {
        bail!("this service broadcasts no event type");
    }
    if let Some(unknown) = args
        .event_type
        .iter()
        .find(|t| !broadcast.contains(&t.as_str()))
    {
        bail!(
            "{unknown:?} is not a broadcast event type; expected one of: {}",
            broadcast.join(", ")
        );
    }
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from > to
    {
        bail!("--from {from} is after --to {to}");
    }
    let mut bus = config.message_bus.bus_options(&config.service_name);
    if let Some(exchange) = &args.exchange {
        bus.exchange.clone_from(exchange);
    }
    let range = RepublishRange {
        from_position: args.from,
        to_position: args.to,
        event_types: (!args.event_type.is_empty()).then(|| args.event_type.clone()),
        tenant: args.tenant.clone(),
    };
    let batch_size = args
        .batch_size
        .unwrap_or(config.message_bus.relay_batch_size)
        .max(1);
    let published =
        platform_messaging::republish(pool, &bus, &broadcast, &range, batch_size, |n, last| {
            info!(
                published = n,
                position = last.position.global_position,
                "republishing"
            );
        })
        .await
        .with_context(|| {
            format!(
                "republish to exchange {} at {}",
                bus.exchange,
                bus.describe()
            )
        })?;
    println!(
        "republished {published} events to exchange {} at {}",
        bus.exchange,
        bus.describe()
    );
    Ok(())
}
