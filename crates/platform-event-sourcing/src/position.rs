use std::fmt;

/// A reader's place in the global log: the last event it has seen.
///
/// The log is read in `(transaction_id, global_position)` order, which is the order in
/// which events become visible; [`LogPosition::START`] is before the first event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogPosition {
    /// Id of the transaction that wrote the event.
    pub transaction_id: i64,
    /// The event's global position.
    pub global_position: i64,
}

impl LogPosition {
    /// Before the first event of the log.
    pub const START: LogPosition = LogPosition {
        transaction_id: 0,
        global_position: 0,
    };
}

impl fmt::Display for LogPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.transaction_id, self.global_position)
    }
}
