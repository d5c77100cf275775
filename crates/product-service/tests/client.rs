//! The typed client against a real service: commands, queries and problem codes.

mod common;

use common::Catalog;
use product_service_client::inventory::{AdjustStock, AllocateReservation, GetStock, ReceiveStock};
use product_service_client::{
    ClientError, CreateProduct, Discount, GetProduct, ListProducts, Money, ProductServiceClient,
    SetPrice,
};

#[tokio::test]
async fn the_client_speaks_the_catalog() -> anyhow::Result<()> {
    let catalog = Catalog::start().await?;
    let client = ProductServiceClient::builder(&catalog.base_url)
        .bearer_token(&catalog.editor)
        .build()?;
    let create = CreateProduct {
        sku: "KET-1".into(),
        name: "Kettle".into(),
        ..Default::default()
    };
    assert_eq!(client.create_product(create.clone()).await?.sku, "KET-1");
    match client.create_product(create).await {
        Err(ClientError::RuleViolated { code, .. }) => assert_eq!(code, "sku_taken"),
        other => panic!("expected sku_taken, got {other:?}"),
    }
    let price = Money::new("20".parse()?, "EUR");
    client
        .set_price(SetPrice {
            sku: "KET-1".into(),
            price: price.clone(),
        })
        .await?;
    let applied = client
        .apply_discount(product_service_client::ApplyDiscount {
            sku: "KET-1".into(),
            discount: Discount::Percentage("25".parse()?),
            valid_from: None,
            valid_until: None,
        })
        .await?;
    let product = client
        .get_product(GetProduct {
            sku: "KET-1".into(),
            ..Default::default()
        })
        .await?;
    assert_eq!(product.price, Some(price));
    assert_eq!(
        product.effective_price,
        Some(Money::new("15".parse()?, "EUR"))
    );
    assert_eq!(product.discounts[0].discount_id, applied.discount_id);
    let page = client.list_products(ListProducts::default()).await?;
    assert_eq!(page.products.len(), 1);

    let reader = ProductServiceClient::builder(&catalog.base_url)
        .bearer_token(&catalog.reader)
        .build()?;
    let refused = reader
        .set_price(SetPrice {
            sku: "KET-1".into(),
            price: Money::new("1".parse()?, "EUR"),
        })
        .await;
    assert!(
        matches!(refused, Err(ClientError::Forbidden { .. })),
        "{refused:?}"
    );
    // Stock, with a token of the inventory role.
    let keeper = ProductServiceClient::builder(&catalog.base_url)
        .bearer_token(common::token("ivan", &["inventory"]))
        .build()?;
    let received = keeper
        .receive_stock(ReceiveStock {
            sku: "KET-1".into(),
            quantity: 5,
        })
        .await?;
    assert_eq!((received.on_hand, received.available), (5, 5));
    let adjusted = keeper
        .adjust_stock(AdjustStock {
            sku: "KET-1".into(),
            delta: -2,
            reason: "count".into(),
        })
        .await?;
    assert_eq!(adjusted.on_hand, 3);
    match keeper
        .allocate_reservation(AllocateReservation {
            sku: "KET-1".into(),
            order_id: "no-such-order".into(),
        })
        .await
    {
        Err(ClientError::RuleViolated { code, .. }) => assert_eq!(code, "no_reservation"),
        other => panic!("expected no_reservation, got {other:?}"),
    }
    let stock = reader
        .get_stock(GetStock {
            sku: "KET-1".into(),
        })
        .await?;
    assert_eq!((stock.on_hand, stock.reserved, stock.available), (3, 0, 3));
    catalog.stop().await
}
