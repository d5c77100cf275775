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

/// Declares a [`Command`] named after its type: `command!(CreateOrder => CreateOrderResult);`
/// is `POST /api/commands/CreateOrder`. `command!(CreateOrder as "OpenOrder" => …)`
/// names it otherwise (e.g. to keep a published name when the type is renamed).
#[macro_export]
macro_rules! command {
    ($command:ident => $result:ty) => {
        $crate::command!($command as stringify!($command) => $result);
    };
    ($command:ident as $name:expr => $result:ty) => {
        impl $crate::Command for $command {
            const NAME: &'static str = $name;
            type Result = $result;
        }
    };
}

/// Declares a [`Query`] named after its type: `query!(GetOrder => OrderView);` is
/// `POST /api/queries/GetOrder`; `query!(GetOrder as "…" => …)` names it otherwise.
#[macro_export]
macro_rules! query {
    ($query:ident => $result:ty) => {
        $crate::query!($query as stringify!($query) => $result);
    };
    ($query:ident as $name:expr => $result:ty) => {
        impl $crate::Query for $query {
            const NAME: &'static str = $name;
            type Result = $result;
        }
    };
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::{Command, Query};

    #[derive(Serialize, Deserialize, schemars::JsonSchema)]
    struct OpenTab;

    #[derive(Serialize, Deserialize, schemars::JsonSchema)]
    struct CloseTab;

    #[derive(Serialize, Deserialize, schemars::JsonSchema)]
    struct GetTab;

    crate::command!(OpenTab => String);
    crate::command!(CloseTab as "SettleTab" => ());
    crate::query!(GetTab => Vec<String>);

    #[test]
    fn contracts_are_named_after_their_type_unless_told_otherwise() {
        assert_eq!(<OpenTab as Command>::NAME, "OpenTab");
        assert_eq!(<CloseTab as Command>::NAME, "SettleTab");
        assert_eq!(<GetTab as Query>::NAME, "GetTab");
    }
}
