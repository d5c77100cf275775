//! The document: every registered command and query with the JSON schemas of their
//! request and result types, every answer each can give (its problems included), who
//! may call each (the `bearerAuth` scheme, with the roles of role-restricted ones),
//! links between operations, health and metrics.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet};

use axum::Json;
use axum::extract::State;
use platform_core::schemars::SchemaGenerator;
use platform_core::schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::links::{self, Shape};
use super::schemas;
use crate::context::AppState;
use crate::module::Hosting;
use crate::registry::{Access, ErrorResponse, SchemaFn};

/// `GET /api/openapi.json`: the document, built from the registrations (schemas as
/// the service reads requests).
pub async fn openapi(State(state): State<AppState>) -> Json<Value> {
    Json(document(
        &state.config().service_name,
        &state.config().service_version,
        state.modules(),
    ))
}

/// Builds the OpenAPI document of what `hosting` serves; each operation is tagged with
/// its kind and its module.
pub fn document(title: &str, version: &str, hosting: &Hosting) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let module = |path: &str| hosting.module_of(path).map_or("", |m| m.name);
    let registered = hosting
        .commands()
        .into_iter()
        .map(|c| {
            let schemas = (c.request_schema, c.result_schema);
            let what = (Kind::Command, c.name, module(c.module_path));
            (what, c.access, c.errors, schemas)
        })
        .chain(hosting.queries().into_iter().map(|q| {
            let schemas = (q.request_schema, q.result_schema);
            let what = (Kind::Query, q.name, module(q.module_path));
            (what, q.access, q.errors, schemas)
        }));
    let mut endpoints: Vec<Endpoint> = registered
        .map(
            |((kind, name, module), access, errors, (request, result))| Endpoint {
                kind,
                name,
                module,
                access,
                errors,
                request: schema_value(&mut generator, request),
                result: schema_value(&mut generator, result),
                body_required: false,
            },
        )
        .collect();
    let mut components = generator.take_definitions(true);
    for endpoint in &mut endpoints {
        endpoint.body_required = schemas::has_required(&endpoint.request, &components);
    }
    components
        .values_mut()
        .for_each(schemas::unit_enums_as_lists);
    let mut seen = HashSet::new();
    for endpoint in &mut endpoints {
        schemas::unit_enums_as_lists(&mut endpoint.request);
        schemas::unit_enums_as_lists(&mut endpoint.result);
        schemas::restrict_text(&mut endpoint.request, &mut components, &mut seen);
    }
    let shapes: Vec<Shape> = endpoints
        .iter()
        .map(|e| Shape {
            name: e.name,
            request: &e.request,
            result: &e.result,
        })
        .collect();
    let mut paths = Map::new();
    for (endpoint, shape) in endpoints.iter().zip(&shapes) {
        let links = links::from(shape, &shapes, &components);
        paths.insert(
            format!("/api/{}/{}", endpoint.kind.path(), endpoint.name),
            operation(endpoint, links),
        );
    }
    paths.insert(
        "/health".to_owned(),
        json!({ "get": {
            "operationId": "health",
            "summary": "Database, message bus, projectors, relay and subscribers",
            "responses": {
                "200": { "description": "ok or degraded", "content": { "application/json": { "schema": { "type": "object" } } } },
                "503": { "description": "the database is unreachable", "content": { "application/json": { "schema": { "type": "object" } } } }
            }
        }}),
    );
    paths.insert(
        "/metrics".to_owned(),
        json!({ "get": {
            "operationId": "metrics",
            "summary": "Prometheus text exposition",
            "responses": { "200": { "description": "metrics", "content": { "text/plain": { "schema": { "type": "string" } } } } }
        }}),
    );
    components.insert("Problem".to_owned(), problem_schema());
    let tags: Vec<Value> = hosting
        .modules()
        .iter()
        .filter(|m| m.enabled)
        .map(|m| json!({ "name": m.name, "description": format!("Module {}", m.name) }))
        .chain([
            json!({ "name": "commands", "description": "Commands: POST /api/commands/{name}" }),
            json!({ "name": "queries", "description": "Queries: POST /api/queries/{name}" }),
        ])
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": { "title": title, "version": version },
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A JWT from the issuer (AUTH_MODE=jwt): `sub` is the user, `roles` their roles, `tenant` their tenant."
                }
            }
        },
    })
}

/// The schema of a type, as JSON (a reference for named types).
fn schema_value(generator: &mut SchemaGenerator, schema: SchemaFn) -> Value {
    schema(generator).to_value()
}

/// A command or a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Command,
    Query,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Command => "commands",
            Kind::Query => "queries",
        }
    }
}

/// One command or query, as the document describes it.
struct Endpoint {
    kind: Kind,
    name: &'static str,
    /// The module serving it.
    module: &'static str,
    access: Access,
    errors: &'static [ErrorResponse],
    request: Value,
    result: Value,
    /// Whether the request has required fields (an empty body, `{}`, would not do).
    body_required: bool,
}

/// The answers every command and query can give, whatever its handler: a body that is
/// not JSON or does not fit (400), too big (413), not sent as JSON (415), a dependency
/// down (503).
const PLATFORM_ERRORS: &[ErrorResponse] = &[
    ErrorResponse::new(
        400,
        "`malformed_json`: the body is not JSON; `validation_failed`: it does not fit the schema (a wrong type, a missing or unknown field, a control character, a bad Idempotency-Key)",
    ),
    ErrorResponse::new(413, "`payload_too_large`: the body is over the size limit"),
    ErrorResponse::new(
        415,
        "`unsupported_media_type`: the body is not sent as Content-Type: application/json",
    ),
    ErrorResponse::new(
        503,
        "`unavailable`: a dependency is unavailable; `timeout`: the request ran longer than REQUEST_TIMEOUT_MS (a command may still complete: retry with the same Idempotency-Key); retry later",
    ),
];

/// What the platform adds to every command: its `Idempotency-Key` and retries.
const COMMAND_ERRORS: &[ErrorResponse] = &[
    ErrorResponse::new(
        409,
        "`concurrency_conflict`: other writers kept winning, retry; `idempotency_key_in_flight`: the first request with this Idempotency-Key is still running",
    ),
    ErrorResponse::new(
        422,
        "`idempotency_key_reused`: this Idempotency-Key came with another command or body",
    ),
];

fn operation(endpoint: &Endpoint, links: Map<String, Value>) -> Value {
    let problem = json!({ "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } });
    let mut success = json!({ "description": "success", "content": { "application/json": { "schema": endpoint.result } } });
    if !links.is_empty() {
        success["links"] = Value::Object(links);
    }
    let mut parameters = Vec::new();
    let mut errors: Vec<(u16, Cow<'static, str>)> = PLATFORM_ERRORS
        .iter()
        .map(|e| (e.status, e.when.into()))
        .collect();
    if endpoint.kind == Kind::Command {
        errors.extend(COMMAND_ERRORS.iter().map(|e| (e.status, e.when.into())));
        parameters.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Runs the command once per key; a repeat with the same body gets the first response.",
            "schema": { "type": "string", "pattern": "^[!-~]{1,255}$" }
        }));
    }
    parameters.push(json!({
        "name": "X-Correlation-Id", "in": "header", "required": false,
        "description": "Recorded in event metadata and echoed on the response; one that is empty, longer than 128 characters or not visible ASCII is replaced by a new id.",
        "schema": { "type": "string" }
    }));
    // Operations open to anyone need no token, but a token that is sent must be valid.
    let (security, who, unauthenticated) = match endpoint.access {
        Access::Anyone => (
            json!([]),
            "Open to anyone, with or without a token.".to_owned(),
            "`unauthenticated`: a bearer token was sent and refused",
        ),
        Access::Authenticated => (
            json!([{ "bearerAuth": [] }]),
            "Needs a valid bearer token.".to_owned(),
            "`unauthenticated`: no bearer token, or one that was refused",
        ),
        Access::Roles(roles) => (
            json!([{ "bearerAuth": roles }]),
            format!(
                "Needs a bearer token with one of the roles: {}.",
                roles.join(", ")
            ),
            "`unauthenticated`: no bearer token, or one that was refused",
        ),
    };
    errors.push((401, unauthenticated.into()));
    if let Access::Roles(roles) = endpoint.access {
        let when = format!(
            "`forbidden`: the user has none of the roles {}",
            roles.join(", ")
        );
        errors.push((403, when.into()));
    }
    errors.extend(endpoint.errors.iter().map(|e| (e.status, e.when.into())));
    let mut responses = Map::new();
    responses.insert("200".to_owned(), success);
    let statuses: BTreeSet<u16> = errors.iter().map(|(status, _)| *status).collect();
    for status in statuses {
        let when: Vec<&str> = errors
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, when)| when.as_ref())
            .collect();
        let mut response = json!({ "description": when.join("; "), "content": problem });
        if status == 401 {
            response["headers"] = json!({
                "WWW-Authenticate": {
                    "description": "`Bearer`, with `error=\"invalid_token\"` when a token was sent and refused (RFC 6750)",
                    "schema": { "type": "string" }
                }
            });
        }
        responses.insert(status.to_string(), response);
    }
    json!({ "post": {
        "operationId": endpoint.name,
        "tags": [endpoint.kind.path(), endpoint.module],
        "description": who,
        "security": security,
        "parameters": parameters,
        // An empty body is `{}`: optional where no field is required.
        "requestBody": { "required": endpoint.body_required, "content": { "application/json": { "schema": endpoint.request } } },
        "responses": responses,
    }})
}

fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "RFC 9457 problem details with a stable code",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": { "type": "string" },
            "title": { "type": "string" },
            "status": { "type": "integer" },
            "detail": { "type": "string" },
            "code": { "type": "string" }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(kind: Kind, access: Access, errors: &'static [ErrorResponse]) -> Value {
        let endpoint = Endpoint {
            kind,
            name: "Audit",
            module: "audit",
            access,
            errors,
            request: json!({ "type": "object" }),
            result: json!({ "type": "object" }),
            body_required: true,
        };
        operation(&endpoint, Map::new())["post"].clone()
    }

    fn statuses(op: &Value) -> Vec<&str> {
        op["responses"]
            .as_object()
            .map(|r| r.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_role_restricted_operation_names_its_roles_and_a_403() {
        let staff = op(Kind::Query, Access::Roles(&["support", "admin"]), &[]);
        assert_eq!(
            staff["security"],
            json!([{ "bearerAuth": ["support", "admin"] }])
        );
        assert_eq!(
            staff["responses"]["403"]["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
        assert!(staff["responses"].get("401").is_some());
        let any_user = op(Kind::Query, Access::Authenticated, &[]);
        assert_eq!(any_user["security"], json!([{ "bearerAuth": [] }]));
        assert!(any_user["responses"].get("403").is_none());
    }

    #[test]
    fn every_answer_is_declared_and_the_handlers_are_merged_in() {
        let query = op(Kind::Query, Access::Anyone, &[]);
        assert_eq!(statuses(&query), ["200", "400", "401", "413", "415", "503"]);
        const RULES: &[ErrorResponse] = &[
            ErrorResponse::new(404, "no such order"),
            ErrorResponse::new(422, "`order_empty`"),
        ];
        let command = op(Kind::Command, Access::Authenticated, RULES);
        assert_eq!(
            statuses(&command),
            [
                "200", "400", "401", "404", "409", "413", "415", "422", "503"
            ]
        );
        let rules = command["responses"]["422"]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(rules.contains("idempotency_key_reused") && rules.contains("order_empty"));
    }
}
