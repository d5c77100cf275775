use platform_core::{DomainEvent, EventDecodeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketOpened {
    pub ticket_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketPriced {
    pub price_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketClosed {}

/// Variants wrapping payload structs; some broadcast, some at a later schema version.
#[derive(Debug, Clone, PartialEq, DomainEvent)]
pub enum TicketEvent {
    #[domain_event(broadcast)]
    TicketOpened(TicketOpened),
    #[domain_event(version = 2)]
    TicketPriced(TicketPriced),
    #[domain_event(version = 3, broadcast)]
    TicketClosed(TicketClosed),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeSent {
    pub text: String,
}

/// `broadcast` on the enum: every variant is broadcast.
#[derive(Debug, Clone, PartialEq, DomainEvent)]
#[domain_event(broadcast)]
pub enum NoticeEvent {
    NoticeSent(NoticeSent),
}

fn main() {
    assert_eq!(
        TicketEvent::EVENT_TYPES,
        ["TicketOpened", "TicketPriced", "TicketClosed"]
    );
    assert_eq!(
        TicketEvent::BROADCAST_TYPES,
        ["TicketOpened", "TicketClosed"]
    );
    assert_eq!(NoticeEvent::BROADCAST_TYPES, ["NoticeSent"]);

    let opened = TicketEvent::from(TicketOpened {
        ticket_id: "t-1".to_owned(),
    });
    let priced = TicketEvent::from(TicketPriced { price_cents: 250 });
    let closed = TicketEvent::from(TicketClosed {});
    assert_eq!(priced.event_type(), "TicketPriced");
    assert_eq!(
        [
            opened.schema_version(),
            priced.schema_version(),
            closed.schema_version()
        ],
        [1, 2, 3]
    );

    let payload = priced.to_payload().expect("serializable");
    assert_eq!(payload.to_string(), r#"{"priceCents":250}"#);
    let decoded =
        TicketEvent::from_payload("TicketPriced", &payload.to_string()).expect("decodable");
    assert_eq!(decoded, priced);
    assert!(matches!(
        TicketEvent::from_payload("TicketLost", "{}"),
        Err(EventDecodeError::UnknownType(name)) if name == "TicketLost"
    ));
    assert!(matches!(
        TicketEvent::from_payload("TicketPriced", r#"{"priceCents":"cheap"}"#),
        Err(EventDecodeError::InvalidPayload { .. })
    ));
}
