//! Who sees and changes which orders, over real HTTP in `jwt` mode: a customer their own
//! (someone else's order is a 404, as if it did not exist; naming another customer is a
//! 403), support and admin every order of their tenant, nobody another tenant's.

use platform_event_sourcing::testing::TestDatabase;
use serde_json::{Value, json};
use workspace_tests::{Answer, TEST_JWT_SECRET, TestService, sign_hs256, token};

/// `Authorization` of `sub` with `roles` in the default tenant.
fn bearer(sub: &str, roles: &[&str]) -> String {
    format!("Bearer {}", token(sub, roles))
}

/// `Authorization` of `sub` with `roles` in `tenant`.
fn bearer_in(tenant: &str, sub: &str, roles: &[&str]) -> String {
    let claims = json!({
        "sub": sub,
        "roles": roles,
        "tenant": tenant,
        "exp": jsonwebtoken::get_current_timestamp() + 3600,
    });
    format!("Bearer {}", sign_hs256(&claims, TEST_JWT_SECRET.as_bytes()))
}

async fn command(svc: &TestService, who: &str, name: &str, body: Value) -> anyhow::Result<Answer> {
    svc.send(&format!("/api/commands/{name}"), Some(who), &[], body)
        .await
}

async fn query(svc: &TestService, who: &str, name: &str, body: Value) -> anyhow::Result<Answer> {
    svc.send(&format!("/api/queries/{name}"), Some(who), &[], body)
        .await
}

/// Creates an order as `who` with this body and returns its id.
async fn create(svc: &TestService, who: &str, body: Value) -> anyhow::Result<String> {
    let created = command(svc, who, "CreateOrder", body).await?;
    assert_eq!(created.status, 200, "{}", created.body);
    Ok(created.body["orderId"]
        .as_str()
        .expect("an order id")
        .to_owned())
}

async fn events(db: &TestDatabase) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await?)
}

/// The ids of the orders a ListOrders answer shows.
fn ids(list: &Answer) -> Vec<String> {
    list.body["orders"]
        .as_array()
        .unwrap_or_else(|| panic!("a list of orders: {}", list.body))
        .iter()
        .map(|order| order["id"].as_str().expect("an id").to_owned())
        .collect()
}

fn assert_problem(answer: &Answer, status: u16, code: &str) {
    assert_eq!(
        (answer.status, answer.code()),
        (status, code),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn a_customer_creates_orders_for_themselves_only() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[]).await?;
    let alice = bearer("alice", &["customer"]);

    // Left out, or empty: the order is hers.
    for body in [json!({}), json!({"customerId": ""})] {
        let created = command(&svc, &alice, "CreateOrder", body).await?;
        assert_eq!(created.status, 200, "{}", created.body);
        assert_eq!(created.body["customerId"], "alice");
        let order = query(
            &svc,
            &alice,
            "GetOrder",
            json!({"orderId": created.body["orderId"]}),
        )
        .await?;
        assert_eq!(order.body["customerId"], "alice", "{}", order.body);
    }
    // Her own id, named.
    let named = command(&svc, &alice, "CreateOrder", json!({"customerId": "alice"})).await?;
    assert_eq!(named.status, 200, "{}", named.body);
    assert_eq!(events(&db).await?, 3);
    let customers: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT DISTINCT payload->>'customerId' FROM events WHERE event_type = 'OrderCreated'",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(customers, [Some("alice".to_owned())]);

    // Someone else's: a 403 that is no challenge, and nothing appended.
    let other = command(&svc, &alice, "CreateOrder", json!({"customerId": "bob"})).await?;
    assert_problem(&other, 403, "forbidden");
    assert_eq!(
        other.body["detail"],
        "requires one of the roles: support, admin"
    );
    assert_eq!(other.challenge(), "");
    // A user with none of the roles is held to the same rule.
    let nobody = bearer("nobody", &[]);
    let own = command(&svc, &nobody, "CreateOrder", json!({})).await?;
    assert_eq!(own.body["customerId"], "nobody", "{}", own.body);
    let other = command(&svc, &nobody, "CreateOrder", json!({"customerId": "bob"})).await?;
    assert_problem(&other, 403, "forbidden");
    assert_eq!(events(&db).await?, 4);

    // Support opens orders for anyone, and must name the customer as before.
    let support = bearer("sam", &["support"]);
    let for_bob = command(&svc, &support, "CreateOrder", json!({"customerId": "bob"})).await?;
    assert_eq!(for_bob.body["customerId"], "bob", "{}", for_bob.body);
    let nameless = command(&svc, &support, "CreateOrder", json!({})).await?;
    assert_problem(&nameless, 422, "customer_required");
    assert_eq!(events(&db).await?, 5);
    svc.stop().await
}

#[tokio::test]
async fn another_customers_order_does_not_exist_for_a_customer() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[]).await?;
    let (alice, bob) = (bearer("alice", &["customer"]), bearer("bob", &["customer"]));
    let order = create(&svc, &alice, json!({})).await?;
    let added = command(
        &svc,
        &alice,
        "AddItem",
        json!({"orderId": order, "productId": "p", "quantity": 1, "price": "2.50"}),
    )
    .await?;
    assert_eq!(added.status, 200, "{}", added.body);
    let appended = events(&db).await?;

    // What bob gets for alice's order is what he gets for an order that does not exist.
    let missing = query(&svc, &bob, "GetOrder", json!({"orderId": "no-such-order"})).await?;
    assert_problem(&missing, 404, "not_found");
    let now = chrono::Utc::now().to_rfc3339();
    let id = order.as_str();
    for (kind, name, body) in [
        ("queries", "GetOrder", json!({"orderId": id})),
        (
            "queries",
            "GetOrder",
            json!({"orderId": id, "asOfVersion": 1}),
        ),
        (
            "queries",
            "GetOrder",
            json!({"orderId": id, "asOfVersion": 99}),
        ),
        ("queries", "GetOrder", json!({"orderId": id, "asOf": now})),
        ("queries", "GetOrderEvents", json!({"orderId": id})),
        (
            "queries",
            "GetOrderEvents",
            json!({"orderId": id, "afterVersion": 1}),
        ),
        (
            "commands",
            "AddItem",
            json!({"orderId": id, "productId": "p", "quantity": 1, "price": "2.50"}),
        ),
        (
            "commands",
            "RemoveItem",
            json!({"orderId": id, "productId": "p"}),
        ),
        ("commands", "PlaceOrder", json!({"orderId": id})),
        ("commands", "CancelOrder", json!({"orderId": id})),
    ] {
        let answer = svc
            .send(
                &format!("/api/{kind}/{name}"),
                Some(&bob),
                &[],
                body.clone(),
            )
            .await?;
        assert_problem(&answer, 404, "not_found");
        assert_eq!(
            answer.body["detail"],
            format!("Order {id} not found"),
            "{name} {body}"
        );
    }
    assert_eq!(events(&db).await?, appended, "bob changed nothing");

    // Alice reads her order's events; support and admin read anyone's.
    for who in [
        &alice,
        &bearer("sam", &["support"]),
        &bearer("ada", &["admin"]),
    ] {
        let trail = query(&svc, who, "GetOrderEvents", json!({"orderId": id})).await?;
        assert_eq!(trail.status, 200, "{}", trail.body);
        assert_eq!(trail.body["events"][0]["metadata"]["userId"], "alice");
        assert_eq!(trail.body["events"].as_array().map(Vec::len), Some(2));
    }
    // Alice changes her order; support acts on it too.
    let placed = command(&svc, &alice, "PlaceOrder", json!({"orderId": id})).await?;
    assert_eq!(placed.status, 200, "{}", placed.body);
    let as_of = query(
        &svc,
        &alice,
        "GetOrder",
        json!({"orderId": id, "asOfVersion": 1}),
    )
    .await?;
    assert_eq!(as_of.body["version"], 1, "{}", as_of.body);
    let support = bearer("sam", &["support"]);
    let cancelled = command(&svc, &support, "CancelOrder", json!({"orderId": id})).await?;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let seen = query(&svc, &support, "GetOrder", json!({"orderId": id})).await?;
    assert_eq!(seen.body["status"], "cancelled", "{}", seen.body);
    assert_eq!(events(&db).await?, appended + 2);
    svc.stop().await
}

#[tokio::test]
async fn a_customer_lists_their_own_orders_and_staff_list_all() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[]).await?;
    let (alice, bob) = (bearer("alice", &["customer"]), bearer("bob", &["customer"]));
    let alices = [
        create(&svc, &alice, json!({})).await?,
        create(&svc, &alice, json!({})).await?,
    ];
    let bobs = create(&svc, &bob, json!({})).await?;
    // A placed order gives bob a row in rm_customer_orders.
    command(
        &svc,
        &bob,
        "AddItem",
        json!({"orderId": bobs, "productId": "p", "quantity": 1, "price": 3}),
    )
    .await?;
    command(&svc, &bob, "PlaceOrder", json!({"orderId": bobs})).await?;

    // Newest first: alice's second, then her first; nothing of bob's.
    let newest_first = [alices[1].as_str(), alices[0].as_str()];
    let own = query(&svc, &alice, "ListOrders", json!({})).await?;
    assert_eq!(ids(&own), newest_first);
    let named = query(&svc, &alice, "ListOrders", json!({"customerId": "alice"})).await?;
    assert_eq!(ids(&named), newest_first);
    let paged = query(&svc, &alice, "ListOrders", json!({"limit": 1})).await?;
    assert_eq!(ids(&paged), [alices[1].as_str()]);
    let next = query(
        &svc,
        &alice,
        "ListOrders",
        json!({"limit": 1, "cursor": paged.body["nextCursor"]}),
    )
    .await?;
    assert_eq!(ids(&next), [alices[0].as_str()]);
    assert_eq!(
        ids(&query(&svc, &bob, "ListOrders", json!({})).await?),
        [bobs.as_str()]
    );
    // Another customer's orders, or totals: 403.
    let theirs = query(&svc, &alice, "ListOrders", json!({"customerId": "bob"})).await?;
    assert_problem(&theirs, 403, "forbidden");
    let totals = query(
        &svc,
        &alice,
        "GetCustomerOrders",
        json!({"customerId": "bob"}),
    )
    .await?;
    assert_problem(&totals, 403, "forbidden");
    let own_totals = query(
        &svc,
        &bob,
        "GetCustomerOrders",
        json!({"customerId": "bob"}),
    )
    .await?;
    assert_eq!(own_totals.body["ordersPlaced"], 1, "{}", own_totals.body);

    // Support and admin: everyone's, all together or by customer.
    for who in [bearer("sam", &["support"]), bearer("ada", &["admin"])] {
        let all = query(&svc, &who, "ListOrders", json!({})).await?;
        assert_eq!(
            ids(&all),
            [bobs.as_str(), alices[1].as_str(), alices[0].as_str()]
        );
        let of_bob = query(&svc, &who, "ListOrders", json!({"customerId": "bob"})).await?;
        assert_eq!(ids(&of_bob), [bobs.as_str()]);
        let totals = query(
            &svc,
            &who,
            "GetCustomerOrders",
            json!({"customerId": "bob"}),
        )
        .await?;
        assert_eq!(totals.status, 200, "{}", totals.body);
        for id in alices.iter().chain([&bobs]) {
            let order = query(&svc, &who, "GetOrder", json!({"orderId": id})).await?;
            assert_eq!(order.status, 200, "{}", order.body);
        }
    }
    svc.stop().await
}

#[tokio::test]
async fn another_tenants_order_does_not_exist_even_for_support() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[]).await?;
    let (acme, beta) = (
        bearer_in("acme", "sam", &["support"]),
        bearer_in("beta", "sue", &["support"]),
    );
    let acmes = create(&svc, &acme, json!({"customerId": "carol"})).await?;
    let betas = create(&svc, &beta, json!({"customerId": "carol"})).await?;
    let appended = events(&db).await?;

    // Beta's order id, asked for with acme's support token.
    for (kind, name, body) in [
        ("queries", "GetOrder", json!({"orderId": betas})),
        ("queries", "GetOrderEvents", json!({"orderId": betas})),
        (
            "commands",
            "AddItem",
            json!({"orderId": betas, "productId": "p", "quantity": 1, "price": 1}),
        ),
        ("commands", "CancelOrder", json!({"orderId": betas})),
    ] {
        let answer = svc
            .send(&format!("/api/{kind}/{name}"), Some(&acme), &[], body)
            .await?;
        assert_problem(&answer, 404, "not_found");
    }
    assert_eq!(events(&db).await?, appended);
    // Each tenant lists its own order only, also for the same customer.
    for (who, own) in [(&acme, &acmes), (&beta, &betas)] {
        let all = query(&svc, who, "ListOrders", json!({})).await?;
        assert_eq!(ids(&all), [own.as_str()]);
        let carols = query(&svc, who, "ListOrders", json!({"customerId": "carol"})).await?;
        assert_eq!(ids(&carols), [own.as_str()]);
    }
    // A customer of acme named carol sees acme's order of carol, not beta's.
    let carol = bearer_in("acme", "carol", &["customer"]);
    assert_eq!(
        ids(&query(&svc, &carol, "ListOrders", json!({})).await?),
        [acmes.as_str()]
    );
    let hers = query(&svc, &carol, "GetOrder", json!({"orderId": betas})).await?;
    assert_problem(&hers, 404, "not_found");

    let mut rows: Vec<(String, String)> = sqlx::query_as(r#"SELECT id, "_tenant" FROM rm_orders"#)
        .fetch_all(&db.pool)
        .await?;
    rows.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        rows,
        [
            (acmes.clone(), "acme".to_owned()),
            (betas.clone(), "beta".to_owned())
        ]
    );
    let mut streams: Vec<(String, String)> =
        sqlx::query_as("SELECT stream_id, tenant_id FROM events")
            .fetch_all(&db.pool)
            .await?;
    streams.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(streams, rows);
    svc.stop().await
}
