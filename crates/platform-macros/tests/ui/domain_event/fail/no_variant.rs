use platform_core::DomainEvent;

#[derive(Debug, Clone)]
pub struct TicketOpened {
    pub ticket_id: String,
}

#[derive(Debug, Clone, DomainEvent)]
pub enum TicketEvent {}

fn main() {}
