use std::fmt;

/// What the writer believes the stream's current version is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// Append whatever the current version is (no concurrency check).
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream's last event must have exactly this version (1-based).
    Exact(i64),
}

impl ExpectedVersion {
    /// Whether a stream whose last version is `actual` (0 = no stream) satisfies this expectation.
    pub fn matches(self, actual: i64) -> bool {
        match self {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => actual == 0,
            ExpectedVersion::Exact(v) => actual == v,
        }
    }
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVersion::Any => f.write_str("any"),
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::Exact(v) => write!(f, "{v}"),
        }
    }
}

/// Another writer appended to the stream first; reload and decide again (HTTP 409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("concurrency conflict on stream {stream_id}: expected version {expected}, actual {actual}")]
pub struct ConcurrencyError {
    /// The stream that was written concurrently.
    pub stream_id: String,
    /// The version the writer expected.
    pub expected: ExpectedVersion,
    /// The version the stream had (0 = no stream).
    pub actual: i64,
}
