//! The catalog end to end: real HTTP, a real PostgreSQL database per test.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::Catalog;
use serde_json::{Value, json};

async fn create(
    catalog: &Catalog,
    sku: &str,
    name: &str,
    category: Option<&str>,
) -> anyhow::Result<()> {
    let (status, body) = catalog
        .command(
            "CreateProduct",
            json!({ "sku": sku, "name": name, "categoryId": category }),
        )
        .await?;
    anyhow::ensure!(status == 200, "CreateProduct {sku}: {status} {body}");
    Ok(())
}

async fn category(catalog: &Catalog, name: &str, parent: Option<&str>) -> anyhow::Result<String> {
    let (status, body) = catalog
        .command(
            "CreateCategory",
            json!({ "name": name, "parentId": parent }),
        )
        .await?;
    anyhow::ensure!(status == 200, "CreateCategory {name}: {status} {body}");
    Ok(body["categoryId"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_created_product_is_read_back() -> anyhow::Result<()> {
    let catalog = Catalog::start().await?;
    let (status, body) = catalog
        .command(
            "CreateProduct",
            json!({ "sku": "KET-1", "name": " Kettle ", "description": "1.7 l" }),
        )
        .await?;
    assert_eq!((status, &body), (200, &json!({ "sku": "KET-1" })));
    let (status, product) = catalog
        .query("GetProduct", json!({ "sku": "KET-1" }))
        .await?;
    assert_eq!(status, 200, "{product}");
    assert_eq!(product["sku"], "KET-1");
    assert_eq!(product["name"], "Kettle");
    assert_eq!(product["description"], "1.7 l");
    assert_eq!(product["discounts"], json!([]));
    assert_eq!(product["discontinued"], false);
    assert_eq!(product["version"], 1);
    assert!(product.get("price").is_none() && product.get("effectivePrice").is_none());

    let (status, body) = catalog
        .query("GetProduct", json!({ "sku": "NOPE" }))
        .await?;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = catalog
        .command("CreateProduct", json!({ "sku": "bad sku", "name": "x" }))
        .await?;
    assert_eq!((status, body["code"].as_str()), (422, Some("invalid_sku")));
    let (status, body) = catalog
        .command("CreateProduct", json!({ "sku": "KET-2", "name": "  " }))
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("name_required"))
    );
    let (status, body) = catalog
        .command(
            "CreateProduct",
            json!({ "sku": "KET-2", "name": "x", "categoryId": "none" }),
        )
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("category_not_found"))
    );
    catalog.stop().await
}

#[tokio::test]
async fn a_sku_created_twice_at_once_is_taken_once() -> anyhow::Result<()> {
    let catalog = Catalog::start().await?;
    for round in 0..5 {
        let sku = format!("RACE-{round}");
        let body = json!({ "sku": sku, "name": "Racer" });
        let (a, b) = tokio::join!(
            catalog.command("CreateProduct", body.clone()),
            catalog.command("CreateProduct", body.clone())
        );
        let mut answers = [a?, b?];
        answers.sort_by_key(|(status, _)| *status);
        assert_eq!(answers[0].0, 200, "{answers:?}");
        assert_eq!(answers[1].0, 422, "{answers:?}");
        assert_eq!(answers[1].1["code"], "sku_taken", "{answers:?}");
    }
    // With an Idempotency-Key the command runs in a transaction of its own.
    let (status, body) = catalog
        .command("CreateProduct", json!({ "sku": "RACE-0", "name": "Again" }))
        .await?;
    assert_eq!((status, body["code"].as_str()), (422, Some("sku_taken")));
    catalog.stop().await
}

#[tokio::test]
async fn prices_and_discounts_give_the_effective_price() -> anyhow::Result<()> {
    let catalog = Catalog::start().await?;
    create(&catalog, "KET-1", "Kettle", None).await?;
    let eur = |amount: &str| json!({ "amount": amount, "currency": "EUR" });

    let (status, body) = catalog
        .command(
            "ApplyDiscount",
            json!({ "sku": "KET-1", "discount": { "percentage": "10" } }),
        )
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("price_required"))
    );

    let (status, body) = catalog
        .command("SetPrice", json!({ "sku": "KET-1", "price": eur("20.00") }))
        .await?;
    assert_eq!(
        (status, &body),
        (200, &json!({ "sku": "KET-1", "version": 2 }))
    );
    let (status, body) = catalog
        .command("SetPrice", json!({ "sku": "KET-1", "price": eur("20") }))
        .await?;
    assert_eq!(
        (status, body["version"].as_i64()),
        (200, Some(2)),
        "same price: no event"
    );
    let (status, body) = catalog
        .command(
            "SetPrice",
            json!({ "sku": "KET-1", "price": { "amount": "0", "currency": "EUR" } }),
        )
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_price"))
    );
    let (status, body) = catalog
        .command(
            "SetPrice",
            json!({ "sku": "KET-1", "price": { "amount": "5", "currency": "eur" } }),
        )
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_currency"))
    );

    let (status, ten) = catalog
        .command(
            "ApplyDiscount",
            json!({ "sku": "KET-1", "discount": { "percentage": "10" } }),
        )
        .await?;
    assert_eq!(status, 200, "{ten}");
    let until = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (status, five) = catalog
        .command(
            "ApplyDiscount",
            json!({ "sku": "KET-1", "discount": { "amount": eur("5") }, "validUntil": until }),
        )
        .await?;
    assert_eq!(status, 200, "{five}");
    let (_, product) = catalog
        .query("GetProduct", json!({ "sku": "KET-1" }))
        .await?;
    assert_eq!(product["price"], eur("20.00"));
    assert_eq!(product["effectivePrice"]["amount"], "15.00", "{product}");
    assert_eq!(product["discounts"].as_array().map(Vec::len), Some(2));

    // The live 5 EUR discount holds the price above 5.
    let (status, body) = catalog
        .command("SetPrice", json!({ "sku": "KET-1", "price": eur("5") }))
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("discount_too_large"))
    );
    let (status, body) = catalog
        .command(
            "ApplyDiscount",
            json!({ "sku": "KET-1", "discount": { "amount": eur("20") } }),
        )
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("discount_too_large"))
    );
    let (status, body) = catalog
        .command(
            "ApplyDiscount",
            json!({ "sku": "KET-1", "discount": { "amount": { "amount": "1", "currency": "USD" } } }),
        )
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("currency_mismatch"))
    );
    let (status, body) = catalog
        .command(
            "ApplyDiscount",
            json!({ "sku": "KET-1", "discount": { "percentage": "5" },
                    "validFrom": "2026-05-02T00:00:00Z", "validUntil": "2026-05-01T00:00:00Z" }),
        )
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_discount_window"))
    );

    let (status, _) = catalog
        .command(
            "RemoveDiscount",
            json!({ "sku": "KET-1", "discountId": five["discountId"] }),
        )
        .await?;
    assert_eq!(status, 200);
    let (status, body) = catalog
        .command(
            "RemoveDiscount",
            json!({ "sku": "KET-1", "discountId": five["discountId"] }),
        )
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("discount_not_found"))
    );
    let (status, _) = catalog
        .command("SetPrice", json!({ "sku": "KET-1", "price": eur("30") }))
        .await?;
    assert_eq!(status, 200);
    let (_, product) = catalog
        .query("GetProduct", json!({ "sku": "KET-1" }))
        .await?;
    assert_eq!(product["effectivePrice"]["amount"], "27", "{product}");

    let (status, history) = catalog
        .query("GetPriceHistory", json!({ "sku": "KET-1" }))
        .await?;
    assert_eq!(status, 200, "{history}");
    let changes: Vec<(&Value, &Value)> = history["changes"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|c| (&c["price"]["amount"], &c["previous"]["amount"]))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        changes,
        [
            (&json!("20.00"), &Value::Null),
            (&json!("30"), &json!("20.00"))
        ]
    );
    catalog.stop().await
}

#[tokio::test]
async fn a_discontinued_product_takes_no_changes() -> anyhow::Result<()> {
    let catalog = Catalog::start().await?;
    create(&catalog, "OLD-1", "Old", None).await?;
    let (status, body) = catalog
        .command(
            "DiscontinueProduct",
            json!({ "sku": "OLD-1", "reason": "end of line" }),
        )
        .await?;
    assert_eq!((status, body["version"].as_i64()), (200, Some(2)));
    let changes = [
        (
            "ChangeProductDetails",
            json!({ "sku": "OLD-1", "name": "New" }),
        ),
        ("CategoriseProduct", json!({ "sku": "OLD-1" })),
        (
            "SetPrice",
            json!({ "sku": "OLD-1", "price": { "amount": "1", "currency": "EUR" } }),
        ),
        (
            "ApplyDiscount",
            json!({ "sku": "OLD-1", "discount": { "percentage": "5" } }),
        ),
        (
            "RemoveDiscount",
            json!({ "sku": "OLD-1", "discountId": "x" }),
        ),
        ("DiscontinueProduct", json!({ "sku": "OLD-1" })),
    ];
    for (name, body) in changes {
        let (status, answer) = catalog.command(name, body).await?;
        assert_eq!(
            (status, answer["code"].as_str()),
            (422, Some("product_discontinued")),
            "{name}"
        );
    }
    let (_, product) = catalog
        .query("GetProduct", json!({ "sku": "OLD-1" }))
        .await?;
    assert_eq!(
        (
            product["discontinued"].as_bool(),
            product["version"].as_i64()
        ),
        (Some(true), Some(2))
    );
    catalog.stop().await
}

#[tokio::test]
async fn categories_nest_without_cycles() -> anyhow::Result<()> {
    let catalog = Catalog::start().await?;
    let home = category(&catalog, "Home", None).await?;
    let kitchen = category(&catalog, "Kitchen", Some(&home)).await?;
    let kettles = category(&catalog, "Kettles", Some(&kitchen)).await?;
    // Under itself, its child or its grandchild.
    for parent in [&home, &kitchen, &kettles] {
        let (status, body) = catalog
            .command(
                "MoveCategory",
                json!({ "categoryId": home, "parentId": parent }),
            )
            .await?;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("category_cycle")),
            "{body}"
        );
    }
    let (status, body) = catalog
        .command(
            "MoveCategory",
            json!({ "categoryId": kettles, "parentId": "missing" }),
        )
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("parent_not_found"))
    );
    let (status, body) = catalog
        .command(
            "MoveCategory",
            json!({ "categoryId": "missing", "parentId": home }),
        )
        .await?;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    // Kettles to the top, then Home under Kettles is no longer a cycle.
    let (status, _) = catalog
        .command("MoveCategory", json!({ "categoryId": kettles }))
        .await?;
    assert_eq!(status, 200);
    let (status, body) = catalog
        .command(
            "MoveCategory",
            json!({ "categoryId": home, "parentId": kettles }),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    let (status, view) = catalog
        .query("GetCategory", json!({ "categoryId": home }))
        .await?;
    assert_eq!(
        (status, view["parentId"].as_str()),
        (200, Some(kettles.as_str()))
    );
    let (_, children) = catalog
        .query("ListCategories", json!({ "parentId": home }))
        .await?;
    assert_eq!(children["categories"][0]["name"], "Kitchen", "{children}");
    catalog.stop().await
}

#[tokio::test]
async fn products_are_listed_by_category_and_name_prefix_a_page_at_a_time() -> anyhow::Result<()> {
    let catalog = Catalog::start().await?;
    let kitchen = category(&catalog, "Kitchen", None).await?;
    let garden = category(&catalog, "Garden", None).await?;
    for i in 0..5 {
        create(
            &catalog,
            &format!("K-{i}"),
            &format!("Kettle {i}"),
            Some(&kitchen),
        )
        .await?;
        create(
            &catalog,
            &format!("T-{i}"),
            &format!("Toaster {i}"),
            Some(&kitchen),
        )
        .await?;
        create(
            &catalog,
            &format!("G-{i}"),
            &format!("Kettlebell {i}"),
            Some(&garden),
        )
        .await?;
    }
    let (status, _) = catalog
        .command(
            "CategoriseProduct",
            json!({ "sku": "G-0", "categoryId": kitchen }),
        )
        .await?;
    assert_eq!(status, 200);

    let all = |filter: Value| {
        let catalog = &catalog;
        async move {
            let mut skus = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..20 {
                let mut body = filter.clone();
                body["limit"] = json!(2);
                if let Some(cursor) = &cursor {
                    body["cursor"] = json!(cursor);
                }
                let (status, page) = catalog.query("ListProducts", body).await?;
                anyhow::ensure!(status == 200, "{page}");
                let products = page["products"].as_array().cloned().unwrap_or_default();
                anyhow::ensure!(products.len() <= 2, "a page over its limit: {page}");
                skus.extend(
                    products
                        .iter()
                        .map(|p| p["sku"].as_str().unwrap_or_default().to_owned()),
                );
                cursor = page["nextCursor"].as_str().map(str::to_owned);
                if cursor.is_none() {
                    break;
                }
            }
            skus.sort();
            anyhow::Ok(skus)
        }
    };
    let in_kitchen = all(json!({ "categoryId": kitchen })).await?;
    assert_eq!(in_kitchen.len(), 11, "{in_kitchen:?}");
    assert!(in_kitchen.contains(&"G-0".to_owned()));
    let kettles = all(json!({ "categoryId": kitchen, "namePrefix": "kettle" })).await?;
    assert_eq!(kettles, ["G-0", "K-0", "K-1", "K-2", "K-3", "K-4"]);
    let bells = all(json!({ "namePrefix": "Kettleb" })).await?;
    assert_eq!(bells, ["G-0", "G-1", "G-2", "G-3", "G-4"]);
    assert_eq!(all(json!({})).await?.len(), 15);
    let (status, body) = catalog
        .query("ListProducts", json!({ "cursor": "x" }))
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("validation_failed"))
    );
    catalog.stop().await
}

#[tokio::test]
async fn a_product_is_read_as_it_was() -> anyhow::Result<()> {
    let catalog = Catalog::start().await?;
    let before = Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    create(&catalog, "KET-1", "Kettle", None).await?;
    let (status, _) = catalog
        .command(
            "SetPrice",
            json!({ "sku": "KET-1", "price": { "amount": "20", "currency": "EUR" } }),
        )
        .await?;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let priced = Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (status, _) = catalog
        .command(
            "ChangeProductDetails",
            json!({ "sku": "KET-1", "name": "Tea kettle" }),
        )
        .await?;
    assert_eq!(status, 200);

    let (status, then) = catalog
        .query(
            "GetProduct",
            json!({ "sku": "KET-1", "asOf": priced.to_rfc3339() }),
        )
        .await?;
    assert_eq!(status, 200, "{then}");
    assert_eq!(then["name"], "Kettle");
    assert_eq!(then["version"], 2);
    assert_eq!(then["effectivePrice"]["amount"], "20");
    let (_, now) = catalog
        .query("GetProduct", json!({ "sku": "KET-1" }))
        .await?;
    assert_eq!(
        (now["name"].as_str(), now["version"].as_i64()),
        (Some("Tea kettle"), Some(3))
    );
    let (status, body) = catalog
        .query(
            "GetProduct",
            json!({ "sku": "KET-1", "asOf": before.to_rfc3339() }),
        )
        .await?;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    catalog.stop().await
}

#[tokio::test]
async fn only_catalog_editors_change_the_catalog() -> anyhow::Result<()> {
    let catalog = Catalog::start().await?;
    let create = json!({ "sku": "KET-1", "name": "Kettle" });
    let (status, body) = catalog
        .post(
            "/api/commands/CreateProduct",
            &catalog.reader,
            create.clone(),
        )
        .await?;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    let admin = common::token("ada", &["admin"]);
    let (status, _) = catalog
        .post("/api/commands/CreateProduct", &admin, create)
        .await?;
    assert_eq!(status, 200);
    let (status, body) = catalog
        .post(
            "/api/commands/CreateCategory",
            &catalog.reader,
            json!({ "name": "Kitchen" }),
        )
        .await?;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    // Any signed-in user reads; nobody reads without a token.
    let (status, _) = catalog
        .query("GetProduct", json!({ "sku": "KET-1" }))
        .await?;
    assert_eq!(status, 200);
    let (status, _) = catalog
        .post(
            "/api/queries/GetProduct",
            "not-a-token",
            json!({ "sku": "KET-1" }),
        )
        .await?;
    assert_eq!(status, 401);
    catalog.stop().await
}

/// `ListCategoryProducts {categoryId}`: `[sku, name]` pairs of its products.
async fn category_products(catalog: &Catalog, category: &str) -> anyhow::Result<Vec<[String; 2]>> {
    let (status, body) = catalog
        .query("ListCategoryProducts", json!({ "categoryId": category }))
        .await?;
    anyhow::ensure!(status == 200, "ListCategoryProducts: {status} {body}");
    anyhow::ensure!(body["categoryId"] == category, "{body}");
    let products = body["products"].as_array().cloned().unwrap_or_default();
    Ok(products
        .iter()
        .map(|p| {
            let text = |field: &str| p[field].as_str().unwrap_or_default().to_owned();
            [text("sku"), text("name")]
        })
        .collect())
}

fn pairs(expected: &[(&str, &str)]) -> Vec<[String; 2]> {
    expected
        .iter()
        .map(|(sku, name)| [(*sku).to_owned(), (*name).to_owned()])
        .collect()
}

#[tokio::test]
async fn a_recategorised_product_leaves_its_old_category() -> anyhow::Result<()> {
    let catalog = Catalog::start().await?;
    let kitchen = category(&catalog, "Kitchen", None).await?;
    let garden = category(&catalog, "Garden", None).await?;
    create(&catalog, "KET-1", "Kettle", Some(&kitchen)).await?;
    create(&catalog, "PAN-1", "Pan", Some(&kitchen)).await?;
    create(&catalog, "HOE-1", "Hoe", Some(&garden)).await?;
    create(&catalog, "MUG-1", "Mug", None).await?;
    assert_eq!(
        category_products(&catalog, &kitchen).await?,
        pairs(&[("KET-1", "Kettle"), ("PAN-1", "Pan")])
    );

    // Kettle moves from the kitchen to the garden.
    let (status, body) = catalog
        .command(
            "CategoriseProduct",
            json!({ "sku": "KET-1", "categoryId": garden }),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        category_products(&catalog, &kitchen).await?,
        pairs(&[("PAN-1", "Pan")])
    );
    assert_eq!(
        category_products(&catalog, &garden).await?,
        pairs(&[("HOE-1", "Hoe"), ("KET-1", "Kettle")])
    );

    // Pan leaves every category; Mug enters the kitchen.
    let (status, body) = catalog
        .command("CategoriseProduct", json!({ "sku": "PAN-1" }))
        .await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(category_products(&catalog, &kitchen).await?, pairs(&[]));
    let (status, body) = catalog
        .command(
            "CategoriseProduct",
            json!({ "sku": "MUG-1", "categoryId": kitchen }),
        )
        .await?;
    assert_eq!(status, 200, "{body}");

    // A new name shows; a discontinued product is not listed.
    let (status, body) = catalog
        .command(
            "ChangeProductDetails",
            json!({ "sku": "KET-1", "name": "Garden kettle" }),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = catalog
        .command("DiscontinueProduct", json!({ "sku": "HOE-1" }))
        .await?;
    assert_eq!(status, 200, "{body}");
    let kitchen_now = pairs(&[("MUG-1", "Mug")]);
    let garden_now = pairs(&[("KET-1", "Garden kettle")]);
    assert_eq!(category_products(&catalog, &kitchen).await?, kitchen_now);
    assert_eq!(category_products(&catalog, &garden).await?, garden_now);

    let (status, body) = catalog
        .query("ListCategoryProducts", json!({ "categoryId": "nope" }))
        .await?;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));

    // `catchup --read-model rm_category_products` (the library call behind it) rebuilds
    // the same rows from the log.
    let table = || async {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT to_jsonb(t)::text FROM rm_category_products t ORDER BY 1")
                .fetch_all(catalog.runtime_pool())
                .await?;
        anyhow::Ok(rows)
    };
    let live = table().await?;
    assert_eq!(live.len(), 2, "{live:?}");
    let model = platform_read_models::ReadModelRegistration::find("rm_category_products")
        .ok_or_else(|| anyhow::anyhow!("rm_category_products is not registered"))?;
    let report = platform_read_models::rebuild(
        catalog.runtime_pool(),
        model,
        platform_read_models::RebuildOptions::default(),
        |_| {},
    )
    .await?;
    assert_eq!(report.events, 7, "four creations, three recategorisations");
    assert_eq!(table().await?, live);
    assert_eq!(category_products(&catalog, &kitchen).await?, kitchen_now);
    assert_eq!(category_products(&catalog, &garden).await?, garden_now);
    catalog.stop().await
}
