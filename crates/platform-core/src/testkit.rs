use std::fmt::Debug;

use crate::aggregate::{Aggregate, BusinessRuleError};

/// Given/when/then tests for an aggregate, with no store and no I/O.
///
/// ```ignore
/// TestFramework::<Order>::given(vec![created()])
///     .when(OrderCommand::PlaceOrder)
///     .then_expect_error_code("order_empty");
/// ```
pub struct TestFramework<A: Aggregate> {
    aggregate: A,
}

impl<A: Aggregate> TestFramework<A> {
    /// Starts from a fresh aggregate with no history.
    pub fn given_no_previous_events() -> Self {
        Self::given(Vec::new())
    }

    /// Starts from the aggregate rebuilt from these past events.
    pub fn given(events: Vec<A::Event>) -> Self {
        let mut aggregate = A::default();
        for event in &events {
            aggregate.apply(event);
        }
        TestFramework { aggregate }
    }

    /// Runs a command against the aggregate.
    pub fn when(self, command: A::Command) -> TestOutcome<A> {
        let result = self.aggregate.handle(command);
        TestOutcome {
            aggregate: self.aggregate,
            result,
        }
    }
}

/// The result of a `when`, ready for assertions.
pub struct TestOutcome<A: Aggregate> {
    aggregate: A,
    result: Result<Vec<A::Event>, A::Error>,
}

impl<A: Aggregate> TestOutcome<A>
where
    A::Event: PartialEq,
{
    /// Asserts the command produced exactly these events.
    #[track_caller]
    pub fn then_expect_events(self, expected: Vec<A::Event>) {
        match self.result {
            Ok(events) => assert_eq!(events, expected, "unexpected events"),
            Err(err) => panic!(
                "expected events {expected:?}, got error {err} ({})",
                err.code()
            ),
        }
    }

    /// Asserts the command produced no event (an idempotent no-op).
    #[track_caller]
    pub fn then_expect_no_events(self) {
        self.then_expect_events(Vec::new());
    }

    /// Asserts the command broke the rule with this code.
    #[track_caller]
    pub fn then_expect_error_code(self, code: &str) {
        match self.result {
            Ok(events) => panic!("expected error {code}, got events {events:?}"),
            Err(err) => assert_eq!(err.code(), code, "unexpected error: {err}"),
        }
    }

    /// Applies the produced events and returns the resulting state for further checks.
    #[track_caller]
    pub fn then_state(self) -> A
    where
        A::Error: Debug,
    {
        let mut aggregate = self.aggregate;
        match self.result {
            Ok(events) => {
                for event in &events {
                    aggregate.apply(event);
                }
                aggregate
            }
            Err(err) => panic!("expected success, got error {err} ({})", err.code()),
        }
    }
}
