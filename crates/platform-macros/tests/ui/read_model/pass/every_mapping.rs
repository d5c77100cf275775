#[path = "../shop.rs"] mod shop;

use chrono::{DateTime, Utc};
use platform_core::EventEnvelope;
use platform_read_models::ReadModel;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use shop::{Cart, CartEvent};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub sku: String,
    pub count: i64,
}

fn lines(lines: &mut Vec<Line>, event: &EventEnvelope<CartEvent>) {
    if let CartEvent::ProductAdded(e) = &event.event {
        lines.push(Line {
            sku: e.sku.clone(),
            count: e.count,
        });
    }
}

fn sum(total: &mut Decimal, event: &EventEnvelope<CartEvent>) {
    if let CartEvent::ProductAdded(e) = &event.event {
        *total += e.amount * Decimal::from(e.count);
    }
}

/// Per aggregate: same-named copy, renamed copy, constants, envelope values, reducers,
/// indexes, nullable and jsonb columns.
#[derive(Clone, ReadModel)] #[read_model(table = "rm_carts", aggregate = Cart)]
pub struct CartView {
    #[aggregate_id] pub id: String,
    #[index] #[map_from_event(CartOpened)] pub owner: String,
    #[index(unique)] #[map_from_event(CartOpened, from = "cartId")] pub cart_ref: String,
    #[map_from_event(CartOpened, value = "open")] #[map_from_event(CartClosed, value = "closed")] pub state: String,
    #[reduce(ProductAdded, with = lines)] pub lines: Vec<Line>,
    #[reduce(ProductAdded, with = sum)] pub total: Decimal,
    #[map_from_event(CartOpened, envelope = occurred_at)] pub opened_at: DateTime<Utc>,
    #[map_from_event(CartClosed, envelope = "occurred_at")] pub closed_at: Option<DateTime<Utc>>,
    #[map_from_event(ProductAdded, from = "sku")] pub last_sku: Option<String>,
    #[version] pub version: i64,
}

/// Across aggregates, keyed by a mapped value.
#[derive(Clone, ReadModel)] #[read_model(table = "rm_owners", aggregate = "Cart", group_by = owner)]
pub struct OwnerView {
    #[map_from_event(CartOpened)] pub owner: String,
    #[map_from_event(CartOpened, envelope = aggregate_id)] pub last_cart: String,
}

fn main() {
    use platform_read_models::{IndexKind, RowKey};
    assert_eq!(CartView::TABLE, "rm_carts");
    assert_eq!(
        CartView::EVENT_TYPES,
        ["CartOpened", "CartClosed", "ProductAdded"]
    );
    assert_eq!(CartView::COLUMNS[2].index, IndexKind::Unique);
    assert_eq!(CartView::COLUMNS[4].sql_type, "jsonb");
    assert_eq!(CartView::COLUMNS[5].sql_type, "numeric");
    assert!(CartView::COLUMNS[7].nullable);
    assert_eq!(OwnerView::KEY, RowKey::GroupBy { column: "owner" });
}
