//! A small aggregate for exercising the store without any real domain.
#![allow(dead_code)]

use platform_core::{Aggregate, BusinessRuleError, DomainEvent, Metadata, NewEvent};
use serde::{Deserialize, Serialize};

/// Counter was opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Opened {
    pub name: String,
}

/// Counter was increased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Increased {
    pub by: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, DomainEvent)]
pub enum CounterEvent {
    Opened(Opened),
    Increased(Increased),
}

#[derive(Debug, Clone)]
pub enum CounterCommand {
    Open(String),
    Increase(i64),
}

#[derive(Debug, thiserror::Error)]
pub enum CounterError {
    #[error("already open")]
    AlreadyOpen,
    #[error("must increase by a positive amount")]
    NotPositive,
}

impl BusinessRuleError for CounterError {
    fn code(&self) -> &'static str {
        match self {
            CounterError::AlreadyOpen => "already_open",
            CounterError::NotPositive => "not_positive",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counter {
    pub name: String,
    pub value: i64,
}

impl Aggregate for Counter {
    const TYPE: &'static str = "Counter";
    type Command = CounterCommand;
    type Event = CounterEvent;
    type Error = CounterError;

    fn handle(&self, command: CounterCommand) -> Result<Vec<CounterEvent>, CounterError> {
        match command {
            CounterCommand::Open(_) if !self.name.is_empty() => Err(CounterError::AlreadyOpen),
            CounterCommand::Open(name) => Ok(vec![CounterEvent::Opened(Opened { name })]),
            CounterCommand::Increase(by) if by <= 0 => Err(CounterError::NotPositive),
            CounterCommand::Increase(by) => Ok(vec![CounterEvent::Increased(Increased { by })]),
        }
    }

    fn apply(&mut self, event: &CounterEvent) {
        match event {
            CounterEvent::Opened(e) => self.name.clone_from(&e.name),
            CounterEvent::Increased(e) => self.value += e.by,
        }
    }
}

/// `n` serialized Increased events.
pub fn increases(n: usize) -> Vec<NewEvent> {
    (0..n)
        .map(|i| {
            NewEvent::from_event(
                &CounterEvent::Increased(Increased { by: i as i64 + 1 }),
                Metadata::default(),
            )
            .expect("serializable")
        })
        .collect()
}
