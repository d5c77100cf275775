//! One handler's consumer: connects, declares its topology, consumes until shutdown,
//! and reconnects with backoff when the broker goes away.

use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions,
};
use lapin::types::{FieldTable, ShortString};
use lapin::{Channel, Connection};
use sqlx::PgPool;
use tokio::sync::watch;
use tracing::{error, info, warn};

use super::handler::{HandlerServices, SubscriberRegistration};
use super::options::{SubscriberMonitor, SubscriberOptions};
use super::topology::declare;
use crate::connection::{Backoff, close_channels, connect, with_timeout};
use crate::error::BusError;

/// Whether the consumer goes on after a delivery.
pub(super) enum Flow {
    /// Shutdown came while retrying: stop consuming.
    Stop,
    /// Take the next delivery.
    Continue,
}

/// Consumes the queue of one handler.
pub(super) struct Consumer {
    pub(super) pool: PgPool,
    pub(super) options: SubscriberOptions,
    pub(super) handler: &'static SubscriberRegistration,
    pub(super) services: std::sync::Arc<HandlerServices>,
    pub(super) monitor: SubscriberMonitor,
}

impl Consumer {
    /// Consumes until `shutdown`, reconnecting with backoff after each interruption.
    pub(super) async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let bus = &self.options.bus;
        let mut backoff = Backoff::new(bus.reconnect_min, bus.reconnect_max);
        while !*shutdown.borrow() {
            match self.session(&mut shutdown, &mut backoff).await {
                Ok(()) => break,
                Err(err @ BusError::Topology { .. }) => {
                    // Said once, and the consumer stops: health shows it down with why.
                    error!(subscriber = self.handler.name, cause = %err, "subscriber stopped");
                    self.monitor.update_entry(self.handler.name, |s| {
                        s.consuming = false;
                        s.last_error = Some(err.to_string());
                    });
                    break;
                }
                Err(err) => {
                    warn!(subscriber = self.handler.name, cause = %err, "subscriber interrupted; reconnecting");
                    self.monitor.update_entry(self.handler.name, |s| {
                        s.consuming = false;
                        s.last_error = Some(err.to_string());
                    });
                }
            }
            tokio::select! {
                () = tokio::time::sleep(backoff.next_delay()) => {}
                _ = shutdown.changed() => break,
            }
        }
    }

    async fn session(
        &self,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> Result<(), BusError> {
        let connection = connect(
            &self.options.bus,
            &format!("subscriber {}", self.handler.name),
        )
        .await?;
        let result = self.consume(&connection, shutdown, backoff).await;
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            connection.close(200, "subscriber stopping".into()),
        )
        .await;
        result
    }

    async fn consume(
        &self,
        connection: &Connection,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> Result<(), BusError> {
        let bus = &self.options.bus;
        let channel = with_timeout(bus, connection.create_channel()).await?;
        let queue = match with_timeout(bus, declare(&channel, &self.options, self.handler)).await {
            Ok(queue) => queue,
            Err(BusError::Amqp(err)) => return Err(self.refused(err)),
            Err(err) => return Err(err),
        };
        let dead_letters = with_timeout(bus, connection.create_channel()).await?;
        let result = self
            .consume_on(&channel, &queue, &dead_letters, shutdown, backoff)
            .await;
        close_channels(bus, &[&channel, &dead_letters]).await;
        result
    }

    /// A declaration the broker refused: a queue that exists with other arguments (406
    /// PRECONDITION_FAILED) is a [`BusError::Topology`], anything else is retried.
    fn refused(&self, err: lapin::Error) -> BusError {
        match err.kind() {
            lapin::ErrorKind::ProtocolError(amqp) if amqp.get_id() == 406 => BusError::Topology {
                what: self.options.queue(self.handler.name),
                reason: amqp.get_message().to_string(),
            },
            _ => BusError::Amqp(err),
        }
    }

    async fn consume_on(
        &self,
        channel: &Channel,
        queue: &str,
        dead_letters: &Channel,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> Result<(), BusError> {
        let bus = &self.options.bus;
        with_timeout(
            bus,
            dead_letters.confirm_select(ConfirmSelectOptions::default()),
        )
        .await?;
        channel
            .basic_qos(self.options.prefetch, BasicQosOptions::default())
            .await?;
        let tag: ShortString = format!("{}-{}", queue, uuid::Uuid::new_v4()).into();
        let mut deliveries = channel
            .basic_consume(
                queue.into(),
                tag.clone(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        info!(subscriber = self.handler.name, %queue, bindings = ?self.handler.bindings, "subscriber consuming");
        self.monitor
            .update_entry(self.handler.name, |s| s.consuming = true);
        backoff.reset();
        loop {
            tokio::select! {
                biased;
                _ = shutdown.changed() => {
                    let _ = channel.basic_cancel(tag, BasicCancelOptions::default()).await;
                    self.monitor.update_entry(self.handler.name, |s| s.consuming = false);
                    return Ok(());
                }
                next = deliveries.next() => match next {
                    None => return Err(BusError::Closed),
                    Some(Err(err)) => return Err(err.into()),
                    Some(Ok(delivery)) => {
                        // With it, every delivery already here (up to the prefetch):
                        // handled as one batch, in one transaction.
                        let mut batch = vec![delivery];
                        let mut interrupted = None;
                        while batch.len() < usize::from(self.options.prefetch) {
                            match deliveries.next().now_or_never() {
                                Some(Some(Ok(delivery))) => batch.push(delivery),
                                Some(Some(Err(err))) => {
                                    interrupted = Some(err.into());
                                    break;
                                }
                                Some(None) => {
                                    interrupted = Some(BusError::Closed);
                                    break;
                                }
                                None => break,
                            }
                        }
                        if let Flow::Stop = self.process_batch(dead_letters, batch, shutdown).await? {
                            return Ok(());
                        }
                        if let Some(err) = interrupted {
                            return Err(err);
                        }
                    }
                },
            }
        }
    }
}
