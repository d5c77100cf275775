//! Attribute keywords, named once.

/// `#[domain_event(...)]`
pub const DOMAIN_EVENT: &str = "domain_event";
/// `version = N`
pub const VERSION: &str = "version";
