//! `GET /api/openapi.json`: an OpenAPI 3.1 document of every registered command and
//! query, with the JSON schemas of their request and result types, the problem+json
//! error shape, health and metrics.

use axum::Json;
use axum::extract::State;
use platform_core::schemars::SchemaGenerator;
use platform_core::schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::context::AppState;
use crate::registry::{SchemaFn, registrations};

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
        .map(|c| ("commands", c.name, c.request_schema, c.result_schema))
        .chain(
            queries
                .iter()
                .map(|q| ("queries", q.name, q.request_schema, q.result_schema)),
        );
    for (kind, name, request, result) in endpoints {
        let op = operation(&mut generator, kind, name, request, result);
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
        "components": { "schemas": schemas },
    })
}

fn operation(
    generator: &mut SchemaGenerator,
    kind: &str,
    name: &str,
    request: SchemaFn,
    result: SchemaFn,
) -> Value {
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
    json!({ "post": {
        "operationId": name,
        "tags": [kind],
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
