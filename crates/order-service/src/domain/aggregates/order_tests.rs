//! Given/when/then tests of every order rule.

use platform_core::{Aggregate, TestFramework};
use rust_decimal::Decimal;
use serde_json::json;

use super::{DEFAULT_MAX_LINES, Order, OrderCommand};
use crate::domain::events::{
    ItemAdded, ItemRemoved, OrderCancelled, OrderCreated, OrderEvent, OrderPlaced, PlacedLine,
};

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal literal")
}

fn created() -> OrderEvent {
    OrderCreated {
        order_id: "o-1".into(),
        customer_id: "c-1".into(),
        created_by: None,
    }
    .into()
}

fn added(product: &str, quantity: i64, price: &str) -> OrderEvent {
    ItemAdded {
        order_id: "o-1".into(),
        product_id: product.into(),
        quantity,
        price: dec(price),
    }
    .into()
}

fn removed(product: &str, quantity: i64, price: &str) -> OrderEvent {
    ItemRemoved {
        order_id: "o-1".into(),
        product_id: product.into(),
        quantity,
        price: dec(price),
    }
    .into()
}

/// An OrderPlaced with its lines: (product, quantity, unit price).
fn placed(total: &str, lines: &[(&str, i64, &str)]) -> OrderEvent {
    OrderPlaced {
        order_id: "o-1".into(),
        customer_id: "c-1".into(),
        total: dec(total),
        lines: lines
            .iter()
            .map(|(product, quantity, price)| PlacedLine {
                product_id: (*product).into(),
                quantity: *quantity,
                price: dec(price),
            })
            .collect(),
    }
    .into()
}

fn cancelled() -> OrderEvent {
    OrderCancelled {
        order_id: "o-1".into(),
        customer_id: "c-1".into(),
        reason: None,
        placed_total: None,
    }
    .into()
}

fn add(product: &str, quantity: i64, price: &str) -> OrderCommand {
    OrderCommand::AddItem {
        product_id: product.into(),
        quantity,
        price: dec(price),
        max_lines: DEFAULT_MAX_LINES,
    }
}

fn remove(product: &str) -> OrderCommand {
    OrderCommand::RemoveItem {
        product_id: product.into(),
    }
}

#[test]
fn create_opens_a_draft_order() {
    TestFramework::<Order>::given_no_previous_events()
        .when(OrderCommand::Create {
            order_id: "o-1".into(),
            customer_id: "c-1".into(),
            created_by: None,
        })
        .then_expect_events(vec![created()]);
}

#[test]
fn create_twice_is_rejected() {
    TestFramework::<Order>::given(vec![created()])
        .when(OrderCommand::Create {
            order_id: "o-1".into(),
            customer_id: "c-1".into(),
            created_by: None,
        })
        .then_expect_error_code("order_already_exists");
}

#[test]
fn create_needs_a_customer() {
    TestFramework::<Order>::given_no_previous_events()
        .when(OrderCommand::Create {
            order_id: "o-1".into(),
            customer_id: " ".into(),
            created_by: None,
        })
        .then_expect_error_code("customer_required");
}

#[test]
fn add_item_to_a_draft() {
    TestFramework::<Order>::given(vec![created()])
        .when(add("p-1", 2, "29.99"))
        .then_expect_events(vec![added("p-1", 2, "29.99")]);
}

#[test]
fn a_new_product_beyond_the_line_limit_is_refused_more_units_are_not() {
    let given = vec![created(), added("p-1", 1, "1"), added("p-2", 1, "1")];
    let limited = |product: &str| OrderCommand::AddItem {
        product_id: product.into(),
        quantity: 1,
        price: dec("1"),
        max_lines: 2,
    };
    TestFramework::<Order>::given(given.clone())
        .when(limited("p-3"))
        .then_expect_error_code("too_many_lines");
    TestFramework::<Order>::given(given.clone())
        .when(limited("p-2"))
        .then_expect_events(vec![added("p-2", 1, "1")]);
    // A removed line makes room again.
    let mut freed = given;
    freed.push(removed("p-1", 1, "1"));
    TestFramework::<Order>::given(freed)
        .when(limited("p-3"))
        .then_expect_events(vec![added("p-3", 1, "1")]);
}

#[test]
fn quantity_must_be_positive() {
    for quantity in [0, -1] {
        TestFramework::<Order>::given(vec![created()])
            .when(add("p-1", quantity, "1.00"))
            .then_expect_error_code("invalid_quantity");
    }
}

#[test]
fn price_must_not_be_negative_but_may_be_zero() {
    TestFramework::<Order>::given(vec![created()])
        .when(add("p-1", 1, "-0.01"))
        .then_expect_error_code("negative_price");
    TestFramework::<Order>::given(vec![created()])
        .when(add("p-1", 1, "0"))
        .then_expect_events(vec![added("p-1", 1, "0")]);
}

#[test]
fn total_is_exact_decimal() {
    let order = TestFramework::<Order>::given(vec![created(), added("p-1", 2, "29.99")])
        .when(add("p-2", 1, "49.99"))
        .then_state();
    assert_eq!(order.total(), dec("109.97"));
    assert_eq!(order.total().to_string(), "109.97");
}

#[test]
fn same_product_accumulates_quantity_at_the_same_price() {
    let order = TestFramework::<Order>::given(vec![created(), added("p-1", 2, "1.50")])
        .when(add("p-1", 3, "1.50"))
        .then_state();
    assert_eq!(order.lines.len(), 1);
    assert_eq!(order.lines[0].quantity, 5);
    TestFramework::<Order>::given(vec![created(), added("p-1", 2, "1.50")])
        .when(add("p-1", 1, "2.00"))
        .then_expect_error_code("price_mismatch");
}

#[test]
fn overflowing_amounts_are_rejected() {
    TestFramework::<Order>::given(vec![created(), added("p-1", i64::MAX, "1")])
        .when(add("p-1", 1, "1"))
        .then_expect_error_code("out_of_range");
}

#[test]
fn remove_item_from_a_draft() {
    TestFramework::<Order>::given(vec![created(), added("p-1", 1, "1")])
        .when(remove("p-1"))
        .then_expect_events(vec![removed("p-1", 1, "1")]);
}

#[test]
fn removing_a_missing_item_is_rejected() {
    TestFramework::<Order>::given(vec![created()])
        .when(remove("p-9"))
        .then_expect_error_code("item_not_found");
}

#[test]
fn items_change_only_on_a_draft() {
    let placed_order = vec![
        created(),
        added("p-1", 1, "1"),
        placed("1", &[("p-1", 1, "1")]),
    ];
    TestFramework::<Order>::given(placed_order.clone())
        .when(add("p-2", 1, "1"))
        .then_expect_error_code("order_not_draft");
    TestFramework::<Order>::given(placed_order)
        .when(remove("p-1"))
        .then_expect_error_code("order_not_draft");
}

#[test]
fn an_empty_order_cannot_be_placed() {
    TestFramework::<Order>::given(vec![created()])
        .when(OrderCommand::Place)
        .then_expect_error_code("order_empty");
    TestFramework::<Order>::given(vec![
        created(),
        added("p-1", 1, "1"),
        removed("p-1", 1, "1"),
    ])
    .when(OrderCommand::Place)
    .then_expect_error_code("order_empty");
}

#[test]
fn placing_records_the_exact_total() {
    TestFramework::<Order>::given(vec![
        created(),
        added("p-1", 2, "29.99"),
        added("p-2", 1, "49.99"),
    ])
    .when(OrderCommand::Place)
    .then_expect_events(vec![placed(
        "109.97",
        &[("p-1", 2, "29.99"), ("p-2", 1, "49.99")],
    )]);
}

#[test]
fn placing_a_placed_order_is_a_no_op() {
    TestFramework::<Order>::given(vec![
        created(),
        added("p-1", 1, "1"),
        placed("1", &[("p-1", 1, "1")]),
    ])
    .when(OrderCommand::Place)
    .then_expect_no_events();
}

#[test]
fn a_draft_or_placed_order_can_be_cancelled() {
    TestFramework::<Order>::given(vec![created()])
        .when(OrderCommand::Cancel { reason: None })
        .then_expect_events(vec![cancelled()]);
    TestFramework::<Order>::given(vec![
        created(),
        added("p-1", 1, "1"),
        placed("1", &[("p-1", 1, "1")]),
    ])
    .when(OrderCommand::Cancel {
        reason: Some("changed mind".into()),
    })
    .then_expect_events(vec![
        OrderCancelled {
            order_id: "o-1".into(),
            customer_id: "c-1".into(),
            reason: Some("changed mind".into()),
            placed_total: Some(dec("1")),
        }
        .into(),
    ]);
}

#[test]
fn a_cancelled_order_cannot_be_cancelled_placed_or_changed() {
    let history = vec![created(), added("p-1", 1, "1"), cancelled()];
    let commands = [
        OrderCommand::Cancel { reason: None },
        OrderCommand::Place,
        add("p-2", 1, "1"),
        remove("p-1"),
    ];
    for command in commands {
        TestFramework::<Order>::given(history.clone())
            .when(command)
            .then_expect_error_code("order_cancelled");
    }
}

#[test]
fn a_snapshot_keeps_the_schema_1_shape() {
    let order = TestFramework::<Order>::given(vec![created(), added("p-1", 2, "1.50")])
        .when(add("p-1", 1, "1.50"))
        .then_state();
    let schema_1 = json!({
        "id": "o-1",
        "customerId": "c-1",
        "status": "draft",
        "lines": [{ "productId": "p-1", "quantity": 3, "price": "1.50" }],
    });
    assert_eq!(order.to_snapshot().expect("snapshot"), schema_1);
    assert_eq!(Order::from_snapshot(schema_1).expect("read back"), order);
}
