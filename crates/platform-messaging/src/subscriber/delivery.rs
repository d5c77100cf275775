//! Deliveries to the end. A batch (what the broker had sent ahead) is handled in one
//! transaction: every message claimed in the inbox and handled, one commit, one ack. A
//! batch that fails anywhere is rolled back and its messages handled one at a time:
//! each attempted in a transaction that claims it, retried with backoff, and
//! acknowledged, dead-lettered or returned to the queue on its own.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use lapin::Channel;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicPublishOptions};
use lapin::types::AMQPValue;
use platform_event_sourcing::UnitOfWork;
use tokio::sync::watch;
use tracing::{Instrument, debug, info_span, warn};

use super::consumer::{Consumer, Flow};
use platform_core::AuthenticatedUser;

use super::handler::{DispatchError, HandlerContext};
use super::options::headers;
use crate::connection::{Backoff, with_timeout};
use crate::envelope::BroadcastEnvelope;
use crate::error::BusError;
use crate::inbox::{claim, claim_all};

/// Why an attempt did not commit.
enum Attempt {
    /// The message cannot be decoded: dead-lettered at once.
    Poison(String),
    /// The handler failed or panicked: retried, then dead-lettered.
    Failed(String),
    /// The database failed: retried without spending an attempt.
    Infrastructure(String),
}

/// Why a batch was rolled back.
struct BatchFailed {
    reason: String,
    /// The message whose handler failed (it spent an attempt), if that was the cause.
    spent: Option<usize>,
}

impl BatchFailed {
    fn new(reason: String) -> Self {
        BatchFailed {
            reason,
            spent: None,
        }
    }
}

impl Consumer {
    /// Handles a batch of deliveries in queue order: in one transaction when every one
    /// of them is handled at the first attempt, otherwise one at a time.
    pub(super) async fn process_batch(
        &self,
        dead_letters: &Channel,
        mut batch: Vec<Delivery>,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Flow, BusError> {
        if batch.len() > 1 {
            match self.attempt_batch(&batch).await {
                Ok((handled, duplicates)) => {
                    self.monitor.update_entry(self.handler.name, |s| {
                        s.handled += handled;
                        s.duplicates += duplicates;
                    });
                    // Everything before the last delivery of this channel is settled:
                    // one ack covers the batch.
                    if let Some(last) = batch.last() {
                        with_timeout(
                            &self.options.bus,
                            last.ack(BasicAckOptions { multiple: true }),
                        )
                        .await?;
                    }
                    return Ok(Flow::Continue);
                }
                Err(failed) => {
                    debug!(subscriber = self.handler.name, size = batch.len(), reason = %failed.reason, "batch rolled back; handling its messages one at a time");
                    for (index, delivery) in batch.drain(..).enumerate() {
                        // The message whose handler failed in the batch has spent its
                        // first attempt.
                        let first = if failed.spent == Some(index) { 2 } else { 1 };
                        // Those left when stopping go back to the queue with the channel.
                        if let Flow::Stop = self
                            .process(dead_letters, delivery, shutdown, first)
                            .await?
                        {
                            return Ok(Flow::Stop);
                        }
                    }
                    return Ok(Flow::Continue);
                }
            }
        }
        for delivery in batch {
            if let Flow::Stop = self.process(dead_letters, delivery, shutdown, 1).await? {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    }

    /// Every delivery of `batch` claimed and handled in one transaction; the numbers
    /// handled and skipped as duplicates, or why the batch must go one at a time.
    async fn attempt_batch(&self, batch: &[Delivery]) -> Result<(u64, u64), BatchFailed> {
        let envelopes = batch
            .iter()
            .map(|d| serde_json::from_slice::<BroadcastEnvelope>(&d.data))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| BatchFailed::new(format!("not an event envelope: {err}")))?;
        let database = |e: sqlx::Error| BatchFailed::new(e.to_string());
        let store = |e: platform_event_sourcing::StoreError| BatchFailed::new(e.to_string());
        let Some(first) = envelopes.first() else {
            return Ok((0, 0));
        };
        let mut unit = UnitOfWork::begin(&self.pool, &first.tenant_id)
            .await
            .map_err(store)?;
        let ids: Vec<_> = envelopes.iter().map(|e| e.event_id).collect();
        let types: Vec<_> = envelopes.iter().map(|e| e.event_type.as_str()).collect();
        let mut claimed = claim_all(unit.conn(), self.handler.name, &ids, &types)
            .await
            .map_err(database)?;
        let mut handled = 0;
        for (index, envelope) in envelopes.iter().enumerate() {
            if !claimed.remove(&envelope.event_id) {
                continue;
            }
            unit.switch_tenant(&envelope.tenant_id)
                .await
                .map_err(store)?;
            let span = self.span(envelope);
            let outcome = self.dispatch(&mut unit, envelope, 1).instrument(span).await;
            match outcome {
                Ok(()) => handled += 1,
                Err(Attempt::Failed(reason)) => {
                    return Err(BatchFailed {
                        reason,
                        spent: Some(index),
                    });
                }
                Err(Attempt::Poison(reason) | Attempt::Infrastructure(reason)) => {
                    return Err(BatchFailed::new(reason));
                }
            }
        }
        unit.commit().await.map_err(store)?;
        Ok((handled, envelopes.len() as u64 - handled))
    }

    /// The span of one message's handling, continuing its trace when asked to.
    fn span(&self, envelope: &BroadcastEnvelope) -> tracing::Span {
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
        span
    }

    /// Handles one delivery to the end: acknowledged, dead-lettered, or (on shutdown
    /// or a database outage) returned to the queue.
    pub(super) async fn process(
        &self,
        dead_letters: &Channel,
        delivery: Delivery,
        shutdown: &mut watch::Receiver<bool>,
        first_attempt: u32,
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
        let span = self.span(&envelope);
        let mut retry = Backoff::new(self.options.retry_base, self.options.retry_max);
        let mut attempt = first_attempt.min(self.options.max_attempts).max(1);
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
                    with_timeout(&self.options.bus, delivery.ack(BasicAckOptions::default()))
                        .await?;
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
                    with_timeout(&self.options.bus, delivery.nack(BasicNackOptions { requeue: true, ..BasicNackOptions::default() })).await?;
                    return Ok(Flow::Stop);
                }
            }
        }
    }

    /// One attempt in one transaction; true when handled, false when a duplicate.
    async fn attempt(&self, envelope: &BroadcastEnvelope, attempt: u32) -> Result<bool, Attempt> {
        let infrastructure = |e: sqlx::Error| Attempt::Infrastructure(e.to_string());
        let store = |e: platform_event_sourcing::StoreError| Attempt::Infrastructure(e.to_string());
        let mut unit = UnitOfWork::begin(&self.pool, &envelope.tenant_id)
            .await
            .map_err(store)?;
        let claimed = claim(
            unit.conn(),
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
        self.dispatch(&mut unit, envelope, attempt).await?;
        unit.commit().await.map_err(store)?;
        Ok(true)
    }

    /// Runs the handler on one claimed event in `conn`'s transaction.
    async fn dispatch(
        &self,
        unit: &mut UnitOfWork,
        envelope: &BroadcastEnvelope,
        attempt: u32,
    ) -> Result<(), Attempt> {
        let mut ctx = HandlerContext {
            unit,
            services: &self.services,
            envelope,
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
        };
        // A panicking handler is a failing one: retried, then dead-lettered; the
        // consumer goes on.
        let handled = AssertUnwindSafe((self.handler.dispatch)(&mut ctx, envelope))
            .catch_unwind()
            .await;
        match handled {
            Ok(Ok(())) => {}
            Ok(Err(DispatchError::Decode(reason))) => return Err(Attempt::Poison(reason)),
            Ok(Err(DispatchError::Handler(err))) if err.is_transient() => {
                return Err(Attempt::Infrastructure(err.to_string()));
            }
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
        Ok(())
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
        with_timeout(&self.options.bus, delivery.ack(BasicAckOptions::default())).await?;
        Ok(())
    }
}
