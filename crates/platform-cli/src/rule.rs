//! The rules a service name must keep, named so that a refusal can say which.

use std::fmt;

/// Longest name accepted: `rm_<plural>` must stay within the read-model table limit
/// (48 bytes), and `<snake>_eventstore` within PostgreSQL's 63.
pub const MAX_NAME_LEN: usize = 40;

/// Which rule a service name breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameRule {
    /// The name is empty.
    Empty,
    /// The name is longer than [`MAX_NAME_LEN`].
    TooLong(usize),
    /// The first character is not a lowercase ASCII letter.
    Start(char),
    /// A character other than `a-z`, `0-9` or `-`.
    Character(char),
    /// A hyphen at the end, or two in a row.
    Hyphen,
    /// A suffix the generated crate names add themselves.
    Suffix(&'static str),
    /// The snake-case form is a Rust keyword.
    Keyword(String),
    /// The snake-case or PascalCase form is a name the generated code already uses.
    Reserved(String),
}

impl fmt::Display for NameRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameRule::Empty => f.write_str("it is empty"),
            NameRule::TooLong(len) => {
                write!(f, "it has {len} characters, at most {MAX_NAME_LEN} fit")
            }
            NameRule::Start(c) => write!(f, "it must start with a letter a-z, not `{c}`"),
            NameRule::Character(c) => {
                write!(f, "`{c}` is not allowed: use a-z, 0-9 and single hyphens")
            }
            NameRule::Hyphen => f.write_str("hyphens go between words, one at a time"),
            NameRule::Suffix(suffix) => {
                write!(f, "leave out `{suffix}`: the crate names add it")
            }
            NameRule::Keyword(word) => write!(f, "`{word}` is a Rust keyword"),
            NameRule::Reserved(word) => {
                write!(f, "`{word}` is a name the generated code already uses")
            }
        }
    }
}
