//! Handler traits and their link-time registration through `inventory`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::OnceLock;

use futures_util::future::BoxFuture;

use platform_core::schemars::{JsonSchema, Schema, SchemaGenerator};
use platform_core::{Aggregate, Command, DomainEvent, Query, Requirement};

use crate::context::{Caller, CommandContext, QueryContext};
use crate::error::{Challenge, HandlerError};

/// Who may call a command or query, declared with its handler (like a route guard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, with or without a token.
    Anyone,
    /// Any user with a valid token (the default).
    Authenticated,
    /// Users with at least one of these roles.
    Roles(&'static [&'static str]),
}

impl Access {
    /// Lets `caller` in, or says why not: no user where one is needed (401), or a user
    /// without any of the roles (403).
    pub fn check(&self, caller: &Caller) -> Result<(), HandlerError> {
        match (self, caller.user()) {
            (Access::Anyone, _) => Ok(()),
            (_, None) => Err(HandlerError::Unauthenticated(Challenge::Missing)),
            (Access::Authenticated, Some(_)) => Ok(()),
            (Access::Roles(required), Some(user)) if user.has_any_role(required) => Ok(()),
            (Access::Roles(required), Some(_)) => Err(HandlerError::Forbidden { required }),
        }
    }
}

/// A problem answer a handler may give besides the platform's own, declared in the
/// OpenAPI document (e.g. 404 for a missing entity, 422 for the rules it enforces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorResponse {
    /// The HTTP status.
    pub status: u16,
    /// When it is given, with its codes.
    pub when: &'static str,
}

impl ErrorResponse {
    /// A problem answered with `status` when `when` says.
    pub const fn new(status: u16, when: &'static str) -> Self {
        ErrorResponse { status, when }
    }
}

/// Handles one command type; register it with [`register_command_handler!`](crate::register_command_handler).
pub trait CommandHandler: Send + Sync + 'static {
    /// The command handled; its `NAME` is the endpoint.
    type Command: Command;

    /// The aggregate the command changes. The service owns it: its broadcast events are
    /// the ones this service's relay publishes (events of aggregates it does not own,
    /// linked in to subscribe to them, are not).
    type Aggregate: Aggregate;

    /// Who may send it (default: any authenticated user).
    const ACCESS: Access = Access::Authenticated;

    /// The problems the handler itself may answer, for the OpenAPI document; the
    /// platform's own (400, 401, 403 of `ACCESS`, 409, 413, 415, 422
    /// `idempotency_key_reused`, 503) need no declaration.
    const ERRORS: &'static [ErrorResponse] = &[];

    /// The providers it takes from its context: a service that hosts it without them
    /// does not start.
    const REQUIRES: &'static [Requirement] = &[];

    /// Executes the command.
    fn handle(
        ctx: CommandContext,
        command: Self::Command,
    ) -> impl Future<Output = Result<<Self::Command as Command>::Result, HandlerError>> + Send;
}

/// Handles one query type; register it with [`register_query_handler!`](crate::register_query_handler).
pub trait QueryHandler: Send + Sync + 'static {
    /// The query handled; its `NAME` is the endpoint.
    type Query: Query;

    /// Who may ask it (default: any authenticated user).
    const ACCESS: Access = Access::Authenticated;

    /// The problems the handler itself may answer, for the OpenAPI document; the
    /// platform's own (400, 401, 403 of `ACCESS`, 413, 415, 503) need no declaration.
    const ERRORS: &'static [ErrorResponse] = &[];

    /// The providers it takes from its context: a service that hosts it without them
    /// does not start.
    const REQUIRES: &'static [Requirement] = &[];

    /// Answers the query.
    fn handle(
        ctx: QueryContext,
        query: Self::Query,
    ) -> impl Future<Output = Result<<Self::Query as Query>::Result, HandlerError>> + Send;
}

/// Type-erased entry point of a command handler: JSON body in, JSON result out.
pub type CommandDispatch =
    fn(CommandContext, &[u8]) -> BoxFuture<'static, Result<serde_json::Value, HandlerError>>;

/// Type-erased entry point of a query handler: JSON body in, JSON result out.
pub type QueryDispatch =
    fn(QueryContext, &[u8]) -> BoxFuture<'static, Result<serde_json::Value, HandlerError>>;

/// Adds a type's JSON schema to a generator and returns a reference to it.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// A command handler registered at link time.
#[derive(Debug)]
pub struct CommandRegistration {
    /// The command name (endpoint).
    pub name: &'static str,
    /// Who may send it.
    pub access: Access,
    /// The problems its handler declares.
    pub errors: &'static [ErrorResponse],
    /// Decodes the body and runs the handler.
    pub dispatch: CommandDispatch,
    /// Schema of the request body.
    pub request_schema: SchemaFn,
    /// Schema of the success response.
    pub result_schema: SchemaFn,
    /// The aggregate type the command changes.
    pub aggregate_type: &'static str,
    /// That aggregate's broadcast event types.
    pub broadcast_types: &'static [&'static str],
    /// The providers its handler takes.
    pub requires: &'static [Requirement],
    /// The Rust module it was registered in (which service module owns it).
    pub module_path: &'static str,
}

/// A query handler registered at link time.
#[derive(Debug)]
pub struct QueryRegistration {
    /// The query name (endpoint).
    pub name: &'static str,
    /// Who may ask it.
    pub access: Access,
    /// The problems its handler declares.
    pub errors: &'static [ErrorResponse],
    /// Decodes the body and runs the handler.
    pub dispatch: QueryDispatch,
    /// Schema of the request body.
    pub request_schema: SchemaFn,
    /// Schema of the success response.
    pub result_schema: SchemaFn,
    /// The providers its handler takes.
    pub requires: &'static [Requirement],
    /// The Rust module it was registered in (which service module owns it).
    pub module_path: &'static str,
}

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

inventory::collect!(CommandRegistration);
inventory::collect!(QueryRegistration);

impl CommandRegistration {
    /// The registration of a handler type.
    pub const fn of<H: CommandHandler>() -> Self {
        CommandRegistration {
            name: <H::Command as Command>::NAME,
            access: H::ACCESS,
            errors: H::ERRORS,
            dispatch: dispatch_command::<H>,
            request_schema: schema_of::<H::Command>,
            result_schema: schema_of::<<H::Command as Command>::Result>,
            aggregate_type: <H::Aggregate as Aggregate>::TYPE,
            broadcast_types: <<H::Aggregate as Aggregate>::Event as DomainEvent>::BROADCAST_TYPES,
            requires: H::REQUIRES,
            module_path: "",
        }
    }

    /// The same, registered in the Rust module `module_path`.
    pub const fn at(self, module_path: &'static str) -> Self {
        CommandRegistration {
            module_path,
            ..self
        }
    }
}

/// The broadcast event types of the aggregates this service owns (those its command
/// handlers change), sorted and deduplicated: what its relay publishes.
pub fn owned_broadcast_types() -> &'static [&'static str] {
    static TYPES: OnceLock<Vec<&'static str>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let mut types: Vec<&'static str> = commands()
            .values()
            .flat_map(|r| r.broadcast_types.iter().copied())
            .collect();
        types.sort_unstable();
        types.dedup();
        types
    })
}

impl QueryRegistration {
    /// The registration of a handler type.
    pub const fn of<H: QueryHandler>() -> Self {
        QueryRegistration {
            name: <H::Query as Query>::NAME,
            access: H::ACCESS,
            errors: H::ERRORS,
            dispatch: dispatch_query::<H>,
            request_schema: schema_of::<H::Query>,
            result_schema: schema_of::<<H::Query as Query>::Result>,
            requires: H::REQUIRES,
            module_path: "",
        }
    }

    /// The same, registered in the Rust module `module_path`.
    pub const fn at(self, module_path: &'static str) -> Self {
        QueryRegistration {
            module_path,
            ..self
        }
    }
}

fn dispatch_command<H: CommandHandler>(
    ctx: CommandContext,
    body: &[u8],
) -> BoxFuture<'static, Result<serde_json::Value, HandlerError>> {
    let command = decode::<H::Command>(body);
    Box::pin(async move {
        let result = H::handle(ctx, command?).await?;
        serde_json::to_value(result).map_err(|e| HandlerError::internal("encode result", e))
    })
}

fn dispatch_query<H: QueryHandler>(
    ctx: QueryContext,
    body: &[u8],
) -> BoxFuture<'static, Result<serde_json::Value, HandlerError>> {
    let query = decode::<H::Query>(body);
    Box::pin(async move {
        let result = H::handle(ctx, query?).await?;
        serde_json::to_value(result).map_err(|e| HandlerError::internal("encode result", e))
    })
}

/// Decodes a request body; an empty body is `{}`.
fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, HandlerError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|err| {
        // serde stops at the first field that does not fit; a body that is not JSON at
        // all is reported as such, whichever error serde met first.
        match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Ok(_) => HandlerError::from_json(err),
            Err(syntax) => HandlerError::from_json(syntax),
        }
    })
}

/// Every registered command, by name (built once).
pub(crate) fn commands() -> &'static HashMap<&'static str, &'static CommandRegistration> {
    static COMMANDS: OnceLock<HashMap<&'static str, &'static CommandRegistration>> =
        OnceLock::new();
    COMMANDS.get_or_init(|| {
        inventory::iter::<CommandRegistration>
            .into_iter()
            .map(|r| (r.name, r))
            .collect()
    })
}

/// Every registered query, by name (built once).
pub(crate) fn queries() -> &'static HashMap<&'static str, &'static QueryRegistration> {
    static QUERIES: OnceLock<HashMap<&'static str, &'static QueryRegistration>> = OnceLock::new();
    QUERIES.get_or_init(|| {
        inventory::iter::<QueryRegistration>
            .into_iter()
            .map(|r| (r.name, r))
            .collect()
    })
}

/// Names of the registered commands, sorted.
pub fn command_names() -> Vec<&'static str> {
    let mut names: Vec<_> = commands().keys().copied().collect();
    names.sort_unstable();
    names
}

/// Names of the registered queries, sorted.
pub fn query_names() -> Vec<&'static str> {
    let mut names: Vec<_> = queries().keys().copied().collect();
    names.sort_unstable();
    names
}

/// Names registered more than once (a start-up error).
pub(crate) fn duplicate_names() -> Vec<&'static str> {
    let mut seen = std::collections::HashSet::new();
    let commands = inventory::iter::<CommandRegistration>
        .into_iter()
        .map(|r| r.name);
    let queries = inventory::iter::<QueryRegistration>
        .into_iter()
        .map(|r| r.name);
    commands
        .chain(queries)
        .filter(|n| !seen.insert(*n))
        .collect()
}

/// Registers a [`CommandHandler`] so the service exposes `POST /api/commands/{NAME}`.
#[macro_export]
macro_rules! register_command_handler {
    ($handler:ty) => {
        $crate::__private::inventory::submit! {
            $crate::CommandRegistration::of::<$handler>().at(module_path!())
        }
    };
}

/// Registers a [`QueryHandler`] so the service exposes `POST /api/queries/{NAME}`.
#[macro_export]
macro_rules! register_query_handler {
    ($handler:ty) => {
        $crate::__private::inventory::submit! {
            $crate::QueryRegistration::of::<$handler>().at(module_path!())
        }
    };
}

#[cfg(test)]
mod tests {
    use platform_core::AuthenticatedUser;

    use super::*;

    fn user(roles: &[&str]) -> Caller {
        Caller::authenticated(AuthenticatedUser {
            id: "alice".into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            tenant: "acme".into(),
        })
    }

    #[test]
    fn access_rules() {
        let staff = Access::Roles(&["support", "admin"]);
        let anonymous = Caller::anonymous();
        assert!(Access::Anyone.check(&anonymous).is_ok());
        assert!(Access::Anyone.check(&user(&[])).is_ok());
        for access in [Access::Authenticated, staff] {
            let err = access.check(&anonymous).unwrap_err();
            assert_eq!(
                (err.status().as_u16(), err.code()),
                (401, "unauthenticated")
            );
        }
        assert!(Access::Authenticated.check(&user(&[])).is_ok());
        assert!(staff.check(&user(&["customer", "admin"])).is_ok());
        let err = staff.check(&user(&["customer"])).unwrap_err();
        assert_eq!((err.status().as_u16(), err.code()), (403, "forbidden"));
        assert_eq!(err.to_string(), "requires one of the roles: support, admin");
    }
}
