//! Given/when/then tests of every stock rule.

use platform_core::TestFramework;

use super::events::{
    InventoryAllocated, InventoryEvent, InventoryReleased, InventoryReservationFailed,
    InventoryReserved, StockAdjusted, StockReceived,
};
use super::{Inventory, InventoryCommand};

const SKU: &str = "SKU-1";

fn received(quantity: i64) -> InventoryEvent {
    StockReceived {
        sku: SKU.into(),
        quantity,
    }
    .into()
}

fn adjusted(delta: i64, reason: &str) -> InventoryEvent {
    StockAdjusted {
        sku: SKU.into(),
        delta,
        reason: reason.into(),
    }
    .into()
}

fn reserved(order: &str, quantity: i64) -> InventoryEvent {
    InventoryReserved {
        sku: SKU.into(),
        order_id: order.into(),
        quantity,
    }
    .into()
}

fn failed(order: &str, requested: i64, available: i64, reason: &str) -> InventoryEvent {
    InventoryReservationFailed {
        sku: SKU.into(),
        order_id: order.into(),
        requested,
        available,
        reason: reason.into(),
    }
    .into()
}

fn released(order: &str, quantity: i64) -> InventoryEvent {
    InventoryReleased {
        sku: SKU.into(),
        order_id: order.into(),
        quantity,
    }
    .into()
}

fn allocated(order: &str, quantity: i64) -> InventoryEvent {
    InventoryAllocated {
        sku: SKU.into(),
        order_id: order.into(),
        quantity,
    }
    .into()
}

fn receive(quantity: i64) -> InventoryCommand {
    InventoryCommand::Receive {
        sku: SKU.into(),
        quantity,
    }
}

fn adjust(delta: i64, reason: &str) -> InventoryCommand {
    InventoryCommand::Adjust {
        delta,
        reason: reason.into(),
    }
}

fn reserve(order: &str, quantity: i64) -> InventoryCommand {
    InventoryCommand::Reserve {
        sku: SKU.into(),
        order_id: order.into(),
        quantity,
    }
}

fn release(order: &str) -> InventoryCommand {
    InventoryCommand::Release {
        order_id: order.into(),
    }
}

fn allocate(order: &str) -> InventoryCommand {
    InventoryCommand::Allocate {
        order_id: order.into(),
    }
}

#[test]
fn receiving_stock_records_it_even_for_a_sku_without_stock() {
    TestFramework::<Inventory>::given_no_previous_events()
        .when(receive(10))
        .then_expect_events(vec![received(10)]);
    TestFramework::<Inventory>::given(vec![received(10)])
        .when(receive(5))
        .then_expect_events(vec![received(5)]);
}

#[test]
fn quantities_must_be_positive() {
    for quantity in [0, -1] {
        TestFramework::<Inventory>::given_no_previous_events()
            .when(receive(quantity))
            .then_expect_error_code("invalid_quantity");
        TestFramework::<Inventory>::given(vec![received(10)])
            .when(reserve("o-1", quantity))
            .then_expect_error_code("invalid_quantity");
    }
}

#[test]
fn an_adjustment_needs_a_delta_and_a_reason() {
    TestFramework::<Inventory>::given(vec![received(10)])
        .when(adjust(0, "count"))
        .then_expect_error_code("invalid_delta");
    TestFramework::<Inventory>::given(vec![received(10)])
        .when(adjust(-1, "  "))
        .then_expect_error_code("reason_required");
    TestFramework::<Inventory>::given(vec![received(10)])
        .when(adjust(-3, " broken "))
        .then_expect_events(vec![adjusted(-3, "broken")]);
    TestFramework::<Inventory>::given(vec![received(10)])
        .when(adjust(2, "found a box"))
        .then_expect_events(vec![adjusted(2, "found a box")]);
}

#[test]
fn an_adjustment_that_would_leave_available_below_zero_is_refused() {
    let given = vec![received(10), reserved("o-1", 6)];
    TestFramework::<Inventory>::given(given.clone())
        .when(adjust(-5, "count"))
        .then_expect_error_code("insufficient_stock");
    TestFramework::<Inventory>::given(given)
        .when(adjust(-4, "count"))
        .then_expect_events(vec![adjusted(-4, "count")]);
}

#[test]
fn overflowing_quantities_are_refused() {
    TestFramework::<Inventory>::given(vec![received(i64::MAX)])
        .when(receive(1))
        .then_expect_error_code("out_of_range");
    TestFramework::<Inventory>::given(vec![received(i64::MAX)])
        .when(adjust(1, "count"))
        .then_expect_error_code("out_of_range");
}

#[test]
fn a_reservation_within_available_stock_holds_the_units() {
    TestFramework::<Inventory>::given(vec![received(10)])
        .when(reserve("o-1", 4))
        .then_expect_events(vec![reserved("o-1", 4)]);
    let state = TestFramework::<Inventory>::given(vec![received(10), reserved("o-1", 4)])
        .when(reserve("o-2", 6))
        .then_state();
    assert_eq!(
        (state.on_hand, state.reserved, state.available()),
        (10, 10, 0)
    );
    assert_eq!(
        state.reservations,
        vec![("o-1".to_owned(), 4), ("o-2".to_owned(), 6)]
    );
}

#[test]
fn a_reservation_beyond_available_stock_is_recorded_as_failed_not_refused() {
    TestFramework::<Inventory>::given(vec![received(10), reserved("o-1", 8)])
        .when(reserve("o-2", 3))
        .then_expect_events(vec![failed("o-2", 3, 2, "insufficient_stock")]);
    let state = TestFramework::<Inventory>::given(vec![received(10), reserved("o-1", 8)])
        .when(reserve("o-2", 3))
        .then_state();
    assert_eq!((state.reserved, state.available()), (8, 2));
}

#[test]
fn a_reservation_on_a_sku_that_never_had_stock_fails_as_unknown() {
    TestFramework::<Inventory>::given_no_previous_events()
        .when(reserve("o-1", 1))
        .then_expect_events(vec![failed("o-1", 1, 0, "unknown_sku")]);
}

#[test]
fn reserving_the_same_orders_line_again_does_nothing() {
    TestFramework::<Inventory>::given(vec![received(10), reserved("o-1", 4)])
        .when(reserve("o-1", 4))
        .then_expect_no_events();
    TestFramework::<Inventory>::given(vec![received(10), reserved("o-1", 4)])
        .when(reserve("o-1", 7))
        .then_expect_no_events();
}

#[test]
fn releasing_gives_back_exactly_what_was_reserved() {
    let given = vec![received(10), reserved("o-1", 4), reserved("o-2", 3)];
    TestFramework::<Inventory>::given(given.clone())
        .when(release("o-1"))
        .then_expect_events(vec![released("o-1", 4)]);
    let state = TestFramework::<Inventory>::given(given)
        .when(release("o-1"))
        .then_state();
    assert_eq!(
        (state.on_hand, state.reserved, state.available()),
        (10, 3, 7)
    );
    assert_eq!(state.reservations, vec![("o-2".to_owned(), 3)]);
}

#[test]
fn releasing_an_order_without_a_reservation_does_nothing() {
    TestFramework::<Inventory>::given(vec![received(10)])
        .when(release("o-1"))
        .then_expect_no_events();
    TestFramework::<Inventory>::given(vec![received(10), reserved("o-1", 4), released("o-1", 4)])
        .when(release("o-1"))
        .then_expect_no_events();
    TestFramework::<Inventory>::given(vec![failed("o-1", 1, 0, "unknown_sku")])
        .when(release("o-1"))
        .then_expect_no_events();
}

#[test]
fn allocating_takes_exactly_what_was_reserved_out_of_stock() {
    let given = vec![received(10), reserved("o-1", 4)];
    TestFramework::<Inventory>::given(given.clone())
        .when(allocate("o-1"))
        .then_expect_events(vec![allocated("o-1", 4)]);
    let state = TestFramework::<Inventory>::given(given)
        .when(allocate("o-1"))
        .then_state();
    assert_eq!(
        (state.on_hand, state.reserved, state.available()),
        (6, 0, 6)
    );
    assert!(state.reservations.is_empty());
}

#[test]
fn allocating_needs_a_reservation() {
    TestFramework::<Inventory>::given(vec![received(10)])
        .when(allocate("o-1"))
        .then_expect_error_code("no_reservation");
    TestFramework::<Inventory>::given(vec![received(10), reserved("o-1", 4), allocated("o-1", 4)])
        .when(allocate("o-1"))
        .then_expect_error_code("no_reservation");
}

#[test]
fn a_released_order_can_reserve_again() {
    TestFramework::<Inventory>::given(vec![received(10), reserved("o-1", 4), released("o-1", 4)])
        .when(reserve("o-1", 4))
        .then_expect_events(vec![reserved("o-1", 4)]);
}

#[test]
fn a_command_for_another_sku_is_refused() {
    TestFramework::<Inventory>::given(vec![received(10)])
        .when(InventoryCommand::Receive {
            sku: "SKU-2".into(),
            quantity: 1,
        })
        .then_expect_error_code("wrong_sku");
}

#[test]
fn the_state_follows_the_events() {
    let state = TestFramework::<Inventory>::given(vec![
        received(10),
        adjusted(-2, "broken"),
        reserved("o-1", 3),
        failed("o-2", 9, 5, "insufficient_stock"),
        reserved("o-3", 1),
        allocated("o-3", 1),
    ])
    .when(release("o-9"))
    .then_state();
    assert_eq!(state.sku, SKU);
    assert_eq!(
        (state.on_hand, state.reserved, state.available()),
        (7, 3, 4)
    );
    assert_eq!(state.reservations, vec![("o-1".to_owned(), 3)]);
}
