use schemars::JsonSchema;
use serde::{Serialize, de::DeserializeOwned};

/// A command request type shared by a service and its clients. Its JSON schema (and
/// its result's) is published in the service's OpenAPI document.
///
/// The name is the path segment of `POST /api/commands/{NAME}`.
pub trait Command: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static {
    /// The command's stable name, e.g. `CreateOrder`.
    const NAME: &'static str;
    /// What the service answers on success.
    type Result: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static;
}

/// A query request type shared by a service and its clients.
///
/// The name is the path segment of `POST /api/queries/{NAME}`.
pub trait Query: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static {
    /// The query's stable name, e.g. `GetOrder`.
    const NAME: &'static str;
    /// What the service answers on success.
    type Result: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static;
}
