//! Publishing stored events with publisher confirms.

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{Channel, Connection};
use platform_event_sourcing::RecordedEvent;
use tracing::instrument;

use crate::connection::{BusOptions, declare_exchange, with_timeout};
use crate::envelope::BroadcastEnvelope;
use crate::error::BusError;

/// Publishes events to the broadcast exchange on a channel in confirm mode.
pub struct Publisher {
    channel: Channel,
    options: BusOptions,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("exchange", &self.options.exchange)
            .finish_non_exhaustive()
    }
}

impl Publisher {
    /// Opens a channel, declares the exchange and turns on publisher confirms.
    pub async fn open(connection: &Connection, options: &BusOptions) -> Result<Self, BusError> {
        let channel = with_timeout(options, connection.create_channel()).await?;
        declare_exchange(&channel, &options.exchange).await?;
        with_timeout(
            options,
            channel.confirm_select(ConfirmSelectOptions::default()),
        )
        .await?;
        Ok(Publisher {
            channel,
            options: options.clone(),
        })
    }

    /// Closes its channel (before the connection closes: see `close_channels`).
    pub async fn close(&self) {
        crate::connection::close_channels(&self.options, &[&self.channel]).await;
    }

    /// Publishes a batch and returns once the broker confirmed every message; fails if
    /// any was refused or the confirms did not arrive in time.
    #[instrument(name = "publish", skip_all, fields(exchange = %self.options.exchange, events = events.len()))]
    pub async fn publish(&self, events: &[RecordedEvent]) -> Result<(), BusError> {
        let mut confirms = Vec::with_capacity(events.len());
        for event in events {
            let envelope = BroadcastEnvelope::from(event);
            let body = serde_json::to_vec(&envelope).map_err(|source| BusError::Encode {
                event_id: event.event_id,
                source,
            })?;
            let confirm = with_timeout(
                &self.options,
                self.channel.basic_publish(
                    self.options.exchange.as_str().into(),
                    envelope.routing_key().into(),
                    BasicPublishOptions::default(),
                    &body,
                    envelope.properties(&self.options.app_id),
                ),
            )
            .await?;
            confirms.push((event.event_id, confirm));
        }
        for (event_id, confirm) in confirms {
            let confirmation = with_timeout(&self.options, confirm).await?;
            if !confirmation.is_ack() {
                return Err(BusError::Nacked { event_id });
            }
        }
        Ok(())
    }
}
