//! `GET /api/openapi.json` describes every command and query with real schemas.

use platform_event_sourcing::testing::TestDatabase;
use serde_json::Value;
use workspace_tests::TestService;

/// Every `$ref` in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Follows a `#/components/schemas/X` reference.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[tokio::test]
async fn the_document_lists_every_endpoint_with_resolvable_schemas() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let response = svc
        .http
        .get(format!("{}/api/openapi.json", svc.base_url))
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await?;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], svc.service_name());

    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .collect();
    for name in [
        "CreateOrder",
        "AddItem",
        "RemoveItem",
        "PlaceOrder",
        "CancelOrder",
    ] {
        assert!(
            paths.contains(&format!("/api/commands/{name}").as_str()),
            "{paths:?}"
        );
    }
    for name in [
        "GetOrder",
        "ListOrders",
        "GetOrderEvents",
        "GetCustomerOrders",
        "GetProductDemand",
        "GetProductPrice",
    ] {
        assert!(
            paths.contains(&format!("/api/queries/{name}").as_str()),
            "{paths:?}"
        );
    }

    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} does not resolve"
        );
    }

    let create = &doc["paths"]["/api/commands/CreateOrder"]["post"];
    let request = resolve(
        &doc,
        &create["requestBody"]["content"]["application/json"]["schema"],
    );
    // A customer may leave the customer out (their own order).
    assert!(
        request["properties"].get("customerId").is_some(),
        "{request}"
    );
    assert!(
        request
            .get("required")
            .and_then(Value::as_array)
            .is_none_or(|required| required.is_empty()),
        "{request}"
    );
    let result = resolve(
        &doc,
        &create["responses"]["200"]["content"]["application/json"]["schema"],
    );
    assert!(result["properties"].get("orderId").is_some(), "{result}");
    assert!(create["responses"].get("422").is_some());
    let add = resolve(
        &doc,
        &doc["paths"]["/api/commands/AddItem"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"],
    );
    assert!(add["properties"].get("price").is_some(), "{add}");
    let get = resolve(
        &doc,
        &doc["paths"]["/api/queries/GetOrder"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"],
    );
    assert!(
        get["properties"].get("asOf").is_some() && get["properties"].get("asOfVersion").is_some()
    );
    svc.stop().await
}

#[tokio::test]
async fn each_operation_says_who_may_call_it() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let doc: Value = svc
        .http
        .get(format!("{}/api/openapi.json", svc.base_url))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"],
        "JWT"
    );
    let op = |path: &str| doc["paths"][path]["post"].clone();
    let problem = serde_json::json!("#/components/schemas/Problem");

    // Any user: a token needed, 401 without one; no roles, but the ownership rule's
    // 403 (a customer naming another customer), declared by the handler.
    let create = op("/api/commands/CreateOrder");
    assert_eq!(
        create["security"],
        serde_json::json!([{ "bearerAuth": [] }])
    );
    assert_eq!(
        create["responses"]["401"]["content"]["application/problem+json"]["schema"]["$ref"],
        problem
    );
    assert!(
        create["responses"]["401"]["headers"]
            .get("WWW-Authenticate")
            .is_some()
    );
    assert!(
        create["responses"]["403"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("another customer")),
        "{}",
        create["responses"]
    );

    // Any user too: who sees which order's events is the handler's rule.
    let events = op("/api/queries/GetOrderEvents");
    assert_eq!(
        events["security"],
        serde_json::json!([{ "bearerAuth": [] }])
    );

    // Anyone: no security requirement, no 403.
    assert!(events["responses"].get("403").is_none());
    let demand = op("/api/queries/GetProductDemand");
    assert_eq!(demand["security"], serde_json::json!([]));
    assert!(demand["responses"].get("403").is_none());
    svc.stop().await
}

#[tokio::test]
async fn the_document_is_exact_for_generators_and_fuzzers() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let doc: Value = svc
        .http
        .get(format!("{}/api/openapi.json", svc.base_url))
        .send()
        .await?
        .json()
        .await?;
    let schemas = &doc["components"]["schemas"];
    let statuses = |path: &str| -> Vec<String> {
        doc["paths"][path]["post"]["responses"]
            .as_object()
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default()
    };

    // Every answer declared, with the problem schema.
    assert_eq!(
        statuses("/api/commands/AddItem"),
        [
            "200", "400", "401", "404", "409", "413", "415", "422", "503"
        ]
    );
    assert_eq!(
        statuses("/api/queries/GetOrder"),
        ["200", "400", "401", "404", "413", "415", "503"]
    );
    assert_eq!(
        statuses("/api/queries/ListOrders"),
        ["200", "400", "401", "403", "413", "415", "503"]
    );
    // Unit enums as plain lists.
    assert_eq!(
        schemas["OrderStatus"]["enum"],
        serde_json::json!(["draft", "placed", "cancelled"])
    );
    assert!(schemas["OrderStatus"].get("oneOf").is_none());
    // Extra fields refused, integers bounded, strings under the text rule.
    for request in [
        "CreateOrder",
        "AddItem",
        "GetOrder",
        "ListOrders",
        "GetOrderEvents",
    ] {
        assert_eq!(schemas[request]["additionalProperties"], false, "{request}");
    }
    let limit = &schemas["ListOrders"]["properties"]["limit"];
    assert_eq!(limit["type"], serde_json::json!(["integer", "null"]));
    assert_eq!(limit["maximum"], u32::MAX);
    assert!(
        schemas["CreateOrder"]["properties"]["customerId"]["pattern"]
            .as_str()
            .is_some_and(|p| p.contains(r"\u0000"))
    );
    // A created order's id is carried into the calls that take an orderId.
    let links = &doc["paths"]["/api/commands/CreateOrder"]["post"]["responses"]["200"]["links"];
    for target in [
        "AddItem",
        "RemoveItem",
        "PlaceOrder",
        "CancelOrder",
        "GetOrder",
        "GetOrderEvents",
    ] {
        assert_eq!(
            links[target]["requestBody"]["orderId"], "$response.body#/orderId",
            "{target}: {links}"
        );
        assert_eq!(links[target]["operationId"], target);
    }
    svc.stop().await
}
