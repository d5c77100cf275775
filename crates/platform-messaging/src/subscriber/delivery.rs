//! One delivery to the end: decoded, attempted in a transaction that claims it in the
//! inbox, retried with backoff, and acknowledged, dead-lettered or returned to the queue.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use lapin::Channel;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicPublishOptions};
use lapin::types::AMQPValue;
use tokio::sync::watch;
use tracing::{Instrument, debug, info_span, warn};

use super::consumer::{Consumer, Flow};
use platform_core::AuthenticatedUser;

use super::handler::{DispatchError, HandlerContext};
use super::options::headers;
use crate::connection::{Backoff, with_timeout};
use crate::envelope::BroadcastEnvelope;
use crate::error::BusError;
use crate::inbox::claim;

/// Why an attempt did not commit.
enum Attempt {
    /// The message cannot be decoded: dead-lettered at once.
    Poison(String),
    /// The handler failed or panicked: retried, then dead-lettered.
    Failed(String),
    /// The database failed: retried without spending an attempt.
    Infrastructure(String),
}

impl Consumer {
    /// Handles one delivery to the end: acknowledged, dead-lettered, or (on shutdown
    /// or a database outage) returned to the queue.
    pub(super) async fn process(
        &self,
        dead_letters: &Channel,
        delivery: Delivery,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Flow, BusError> {
        let envelope = match serde_json::from_slice::<BroadcastEnvelope>(&delivery.data) {
            Ok(envelope) => envelope,
            Err(err) => {
                let reason = format!("not an event envelope: {err}");
                self.dead_letter(dead_letters, &delivery, &reason, 0)
                    .await?;
                return Ok(Flow::Continue);
            }
        };
        let span = info_span!(
            "consume",
            subscriber = self.handler.name,
            event_type = %envelope.event_type,
            event_id = %envelope.event_id,
            traceparent = envelope.metadata.traceparent.as_deref().unwrap_or(""),
        );
        if let Some(continue_trace) = self.options.continue_trace {
            continue_trace(&span, envelope.metadata.traceparent.as_deref());
        }
        let mut retry = Backoff::new(self.options.retry_base, self.options.retry_max);
        let mut attempt = 1;
        loop {
            let outcome = self
                .attempt(&envelope, attempt)
                .instrument(span.clone())
                .await;
            let failure = match outcome {
                Ok(handled) => {
                    self.monitor.update_entry(self.handler.name, |s| {
                        if handled {
                            s.handled += 1;
                        } else {
                            s.duplicates += 1;
                        }
                    });
                    delivery.ack(BasicAckOptions::default()).await?;
                    return Ok(Flow::Continue);
                }
                Err(Attempt::Poison(reason)) => {
                    self.dead_letter(dead_letters, &delivery, &reason, attempt)
                        .await?;
                    return Ok(Flow::Continue);
                }
                Err(Attempt::Failed(reason)) if attempt >= self.options.max_attempts => {
                    self.dead_letter(dead_letters, &delivery, &reason, attempt)
                        .await?;
                    return Ok(Flow::Continue);
                }
                Err(Attempt::Failed(reason)) => {
                    attempt += 1;
                    reason
                }
                // Not the handler's fault: wait and try again without spending an attempt.
                Err(Attempt::Infrastructure(reason)) => reason,
            };
            self.monitor.update_entry(self.handler.name, |s| {
                s.retries += 1;
                s.last_error = Some(failure.clone());
            });
            let delay = retry.next_delay();
            warn!(subscriber = self.handler.name, event_id = %envelope.event_id, cause = %failure, retry_in = ?delay, "event handling failed");
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                _ = shutdown.changed() => {
                    // Back to the queue for the next consumer, with no attempt lost.
                    delivery.nack(BasicNackOptions { requeue: true, ..BasicNackOptions::default() }).await?;
                    return Ok(Flow::Stop);
                }
            }
        }
    }

    /// One attempt in one transaction; true when handled, false when a duplicate.
    async fn attempt(&self, envelope: &BroadcastEnvelope, attempt: u32) -> Result<bool, Attempt> {
        let infrastructure = |e: sqlx::Error| Attempt::Infrastructure(e.to_string());
        let mut tx = self.pool.begin().await.map_err(infrastructure)?;
        let claimed = claim(
            &mut tx,
            self.handler.name,
            envelope.event_id,
            &envelope.event_type,
        )
        .await
        .map_err(infrastructure)?;
        if !claimed {
            debug!(subscriber = self.handler.name, event_id = %envelope.event_id, "duplicate skipped");
            return Ok(false);
        }
        let mut ctx = HandlerContext {
            conn: &mut tx,
            subscriber: self.handler.name,
            attempt,
            user: envelope
                .metadata
                .user_id
                .clone()
                .map(|id| AuthenticatedUser {
                    id,
                    roles: Vec::new(),
                    tenant: envelope.tenant_id.clone(),
                }),
            tenant: &envelope.tenant_id,
        };
        // A panicking handler is a failing one: retried, then dead-lettered; the
        // consumer goes on.
        let handled = AssertUnwindSafe((self.handler.dispatch)(&mut ctx, envelope))
            .catch_unwind()
            .await;
        match handled {
            Ok(Ok(())) => {}
            Ok(Err(DispatchError::Decode(reason))) => return Err(Attempt::Poison(reason)),
            Ok(Err(DispatchError::Handler(err))) => return Err(Attempt::Failed(err.to_string())),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                return Err(Attempt::Failed(format!("handler panicked: {message}")));
            }
        }
        tx.commit().await.map_err(infrastructure)?;
        Ok(true)
    }

    /// Publishes a copy to the dead-letter exchange with the reason, waits for the
    /// broker's confirm, then acknowledges the original.
    async fn dead_letter(
        &self,
        channel: &Channel,
        delivery: &Delivery,
        reason: &str,
        attempts: u32,
    ) -> Result<(), BusError> {
        let name = self.handler.name;
        warn!(subscriber = name, routing_key = %delivery.routing_key, %reason, attempts, "dead-lettering message");
        let mut headers = delivery.properties.headers().clone().unwrap_or_default();
        headers.insert(
            headers::FAILURE_REASON.into(),
            AMQPValue::LongString(reason.into()),
        );
        headers.insert(
            headers::FAILURE_ATTEMPTS.into(),
            AMQPValue::LongUInt(attempts),
        );
        headers.insert(
            headers::SUBSCRIBER.into(),
            AMQPValue::LongString(name.into()),
        );
        headers.insert(
            headers::ORIGINAL_ROUTING_KEY.into(),
            AMQPValue::LongString(delivery.routing_key.as_str().into()),
        );
        let properties = delivery.properties.clone().with_headers(headers);
        let bus = &self.options.bus;
        let confirm = with_timeout(
            bus,
            channel.basic_publish(
                self.options.dead_letter_exchange().as_str().into(),
                self.options.queue(name).as_str().into(),
                BasicPublishOptions::default(),
                &delivery.data,
                properties,
            ),
        )
        .await?;
        let confirmation = with_timeout(bus, confirm).await?;
        if !confirmation.is_ack() {
            return Err(BusError::Timeout(format!(
                "dead-letter exchange of {name} refused the message"
            )));
        }
        self.monitor.update_entry(name, |s| s.dead_lettered += 1);
        delivery.ack(BasicAckOptions::default()).await?;
        Ok(())
    }
}
