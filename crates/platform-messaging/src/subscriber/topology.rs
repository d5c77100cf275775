//! The broker topology of one subscriber: the broadcast exchange, the dead-letter
//! exchange and queue, and the subscriber's queue with its bindings.

use lapin::options::{QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

use super::handler::SubscriberRegistration;
use super::options::SubscriberOptions;
use crate::connection::{declare_durable, declare_exchange};
use crate::error::BusError;

/// Declares the topology: exchange, dead-letter exchange and queue, the queue and
/// its bindings. Returns the queue's name.
pub(super) async fn declare(
    channel: &Channel,
    options: &SubscriberOptions,
    handler: &SubscriberRegistration,
) -> Result<String, BusError> {
    let name = handler.name;
    let queue = options.queue(name);
    let dlx = options.dead_letter_exchange();
    let dlq = options.dead_letter_queue(name);
    declare_exchange(channel, &options.bus.exchange).await?;
    declare_durable(channel, &dlx, ExchangeKind::Direct).await?;
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(dlq.as_str().into(), durable, FieldTable::default())
        .await?;
    channel
        .queue_bind(
            dlq.as_str().into(),
            dlx.as_str().into(),
            queue.as_str().into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    // Messages the broker itself rejects (expired, or nacked without requeue) go
    // to the same dead-letter queue.
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(dlx.as_str().into()),
    );
    arguments.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(queue.as_str().into()),
    );
    channel
        .queue_declare(queue.as_str().into(), durable, arguments)
        .await?;
    for pattern in handler.bindings {
        channel
            .queue_bind(
                queue.as_str().into(),
                options.bus.exchange.as_str().into(),
                (*pattern).into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    Ok(queue)
}
