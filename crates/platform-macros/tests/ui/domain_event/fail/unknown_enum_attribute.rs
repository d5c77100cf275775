use platform_core::DomainEvent;

#[derive(Debug, Clone)]
pub struct TicketOpened {
    pub ticket_id: String,
}

#[derive(Debug, Clone, DomainEvent)]
#[domain_event(version = 2)]
pub enum TicketEvent {
    TicketOpened(TicketOpened),
}

fn main() {}
