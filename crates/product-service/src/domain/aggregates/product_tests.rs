//! Given/when/then tests of every product rule.

use platform_core::TestFramework;

use super::{Product, ProductCommand};
use crate::domain::events::{ProductCreated, ProductEvent, ProductRenamed};

fn created(title: &str) -> ProductEvent {
    ProductCreated {
        product_id: "id-1".into(),
        title: title.into(),
        owner_id: "owner-1".into(),
    }
    .into()
}

fn renamed(title: &str) -> ProductEvent {
    ProductRenamed {
        product_id: "id-1".into(),
        title: title.into(),
    }
    .into()
}

fn create(title: &str, owner_id: &str) -> ProductCommand {
    ProductCommand::Create {
        id: "id-1".into(),
        title: title.into(),
        owner_id: owner_id.into(),
    }
}

fn rename(title: &str) -> ProductCommand {
    ProductCommand::Rename {
        title: title.into(),
    }
}

#[test]
fn create_records_the_new_product() {
    TestFramework::<Product>::given_no_previous_events()
        .when(create("First", "owner-1"))
        .then_expect_events(vec![created("First")]);
}

#[test]
fn create_twice_is_rejected() {
    TestFramework::<Product>::given(vec![created("First")])
        .when(create("First", "owner-1"))
        .then_expect_error_code("product_already_exists");
}

#[test]
fn a_title_and_an_owner_are_required() {
    TestFramework::<Product>::given_no_previous_events()
        .when(create(" ", "owner-1"))
        .then_expect_error_code("title_required");
    TestFramework::<Product>::given_no_previous_events()
        .when(create("First", ""))
        .then_expect_error_code("owner_required");
}

#[test]
fn titles_are_trimmed() {
    TestFramework::<Product>::given_no_previous_events()
        .when(create("  First ", "owner-1"))
        .then_expect_events(vec![created("First")]);
}

#[test]
fn rename_records_the_new_title() {
    TestFramework::<Product>::given(vec![created("First")])
        .when(rename("Second"))
        .then_expect_events(vec![renamed("Second")]);
}

#[test]
fn renaming_to_the_same_title_is_a_no_op() {
    TestFramework::<Product>::given(vec![created("First"), renamed("Second")])
        .when(rename(" Second"))
        .then_expect_no_events();
}

#[test]
fn rename_needs_a_title() {
    TestFramework::<Product>::given(vec![created("First")])
        .when(rename(""))
        .then_expect_error_code("title_required");
}

#[test]
fn the_state_follows_the_events() {
    let state = TestFramework::<Product>::given(vec![created("First")])
        .when(rename("Second"))
        .then_state();
    assert_eq!(state.id, "id-1");
    assert_eq!(state.title, "Second");
    assert_eq!(state.owner_id, "owner-1");
}
