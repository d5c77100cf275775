//! `GET /api/openapi.json`: an OpenAPI 3.1 document of every registered command and
//! query, with the JSON schemas of their request and result types, who may call each
//! (the `bearerAuth` scheme, with the roles of role-restricted ones), the problem+json
//! error shape, health and metrics.

use axum::Json;
use axum::extract::State;
use platform_core::schemars::SchemaGenerator;
use platform_core::schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::context::AppState;
use crate::registry::{Access, SchemaFn, registrations};

/// The document, built from the registrations (schemas as the service reads requests).
pub async fn openapi(State(state): State<AppState>) -> Json<Value> {
    Json(document(
        &state.config().service_name,
        &state.config().service_version,
    ))
}

/// Builds the OpenAPI document.
pub fn document(title: &str, version: &str) -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let (commands, queries) = registrations();
    let mut paths = Map::new();
    let endpoints = commands
        .iter()
        .map(|c| Endpoint {
            kind: "commands",
            name: c.name,
            access: c.access,
            request: c.request_schema,
            result: c.result_schema,
        })
        .chain(queries.iter().map(|q| Endpoint {
            kind: "queries",
            name: q.name,
            access: q.access,
            request: q.request_schema,
            result: q.result_schema,
        }));
    for endpoint in endpoints {
        let (kind, name) = (endpoint.kind, endpoint.name);
        let op = operation(&mut generator, endpoint);
        paths.insert(format!("/api/{kind}/{name}"), op);
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
    let mut schemas = generator.take_definitions(true);
    schemas.insert("Problem".to_owned(), problem_schema());
    json!({
        "openapi": "3.1.0",
        "info": { "title": title, "version": version },
        "paths": paths,
        "components": {
            "schemas": schemas,
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

/// One command or query, as the document describes it.
struct Endpoint {
    kind: &'static str,
    name: &'static str,
    access: Access,
    request: SchemaFn,
    result: SchemaFn,
}

fn operation(generator: &mut SchemaGenerator, endpoint: Endpoint) -> Value {
    let Endpoint {
        kind,
        name,
        access,
        request,
        result,
    } = endpoint;
    let problem = json!({ "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } });
    let mut responses = json!({
        "200": { "description": "success", "content": { "application/json": { "schema": result(generator) } } },
        "400": { "description": "malformed JSON or a request that does not fit the schema", "content": problem },
        "404": { "description": "not found", "content": problem },
        "413": { "description": "body over the size limit", "content": problem },
        "503": { "description": "a dependency is unavailable; retry later", "content": problem },
    });
    let mut parameters = Vec::new();
    if kind == "commands" {
        responses["409"] = json!({ "description": "concurrency conflict, or this Idempotency-Key is in flight", "content": problem });
        responses["422"] = json!({ "description": "a business rule was broken (its code), or the Idempotency-Key was reused", "content": problem });
        parameters.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Runs the command once per key; a repeat with the same body gets the first response.",
            "schema": { "type": "string", "minLength": 1, "maxLength": 255 }
        }));
    }
    parameters.push(json!({
        "name": "X-Correlation-Id", "in": "header", "required": false,
        "description": "Recorded in event metadata and echoed on the response.",
        "schema": { "type": "string", "maxLength": 128 }
    }));
    let challenge = json!({
        "WWW-Authenticate": {
            "description": "`Bearer`, with `error=\"invalid_token\"` when a token was sent and refused (RFC 6750)",
            "schema": { "type": "string" }
        }
    });
    // Operations open to anyone need no token, but a token that is sent must be valid.
    let (security, who, unauthenticated) = match access {
        Access::Anyone => (
            json!([]),
            "Open to anyone, with or without a token.".to_owned(),
            "a bearer token was sent and refused",
        ),
        Access::Authenticated => (
            json!([{ "bearerAuth": [] }]),
            "Needs a valid bearer token.".to_owned(),
            "no bearer token, or one that was refused",
        ),
        Access::Roles(roles) => {
            responses["403"] = json!({ "description": format!("the user has none of the roles {}", roles.join(", ")), "content": problem });
            (
                json!([{ "bearerAuth": roles }]),
                format!(
                    "Needs a bearer token with one of the roles: {}.",
                    roles.join(", ")
                ),
                "no bearer token, or one that was refused",
            )
        }
    };
    responses["401"] =
        json!({ "description": unauthenticated, "headers": challenge, "content": problem });
    json!({ "post": {
        "operationId": name,
        "tags": [kind],
        "description": who,
        "security": security,
        "parameters": parameters,
        "requestBody": { "required": true, "content": { "application/json": { "schema": request(generator) } } },
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

    fn text(generator: &mut SchemaGenerator) -> platform_core::schemars::Schema {
        generator.subschema_for::<String>()
    }

    fn op(access: Access) -> Value {
        let mut generator = SchemaSettings::draft2020_12().into_generator();
        operation(
            &mut generator,
            Endpoint {
                kind: "queries",
                name: "Audit",
                access,
                request: text,
                result: text,
            },
        )["post"]
            .clone()
    }

    #[test]
    fn a_role_restricted_operation_names_its_roles_and_a_403() {
        let staff = op(Access::Roles(&["support", "admin"]));
        assert_eq!(
            staff["security"],
            json!([{ "bearerAuth": ["support", "admin"] }])
        );
        assert_eq!(
            staff["responses"]["403"]["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
        assert!(staff["responses"].get("401").is_some());
        let any_user = op(Access::Authenticated);
        assert_eq!(any_user["security"], json!([{ "bearerAuth": [] }]));
        assert!(any_user["responses"].get("403").is_none());
    }
}
