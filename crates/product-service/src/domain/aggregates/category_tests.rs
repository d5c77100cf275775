//! Given/when/then tests of every category rule.

use platform_core::TestFramework;

use super::{Category, CategoryCommand};
use crate::domain::events::{CategoryCreated, CategoryEvent, CategoryMoved, CategoryRenamed};

fn created(id: &str, parent: Option<&str>) -> CategoryEvent {
    CategoryCreated {
        category_id: id.into(),
        name: "Kitchen".into(),
        parent_id: parent.map(Into::into),
    }
    .into()
}

fn move_under(parent: Option<&str>, ancestors: &[&str]) -> CategoryCommand {
    CategoryCommand::Move {
        parent_id: parent.map(Into::into),
        parent_ancestors: ancestors.iter().map(|a| (*a).to_owned()).collect(),
    }
}

#[test]
fn create_records_the_category_with_a_trimmed_name() {
    TestFramework::<Category>::given_no_previous_events()
        .when(CategoryCommand::Create {
            category_id: "c-1".into(),
            name: " Kitchen ".into(),
            parent_id: Some("c-0".into()),
        })
        .then_expect_events(vec![created("c-1", Some("c-0"))]);
}

#[test]
fn a_category_is_created_once() {
    TestFramework::<Category>::given(vec![created("c-1", None)])
        .when(CategoryCommand::Create {
            category_id: "c-1".into(),
            name: "Kitchen".into(),
            parent_id: None,
        })
        .then_expect_error_code("category_already_exists");
}

#[test]
fn a_name_is_required_and_bounded() {
    TestFramework::<Category>::given_no_previous_events()
        .when(CategoryCommand::Create {
            category_id: "c-1".into(),
            name: " ".into(),
            parent_id: None,
        })
        .then_expect_error_code("name_required");
    TestFramework::<Category>::given(vec![created("c-1", None)])
        .when(CategoryCommand::Rename {
            name: "n".repeat(201),
        })
        .then_expect_error_code("name_too_long");
}

#[test]
fn rename_records_the_name_and_the_same_name_records_nothing() {
    TestFramework::<Category>::given(vec![created("c-1", None)])
        .when(CategoryCommand::Rename {
            name: "Garden".into(),
        })
        .then_expect_events(vec![
            CategoryRenamed {
                category_id: "c-1".into(),
                name: "Garden".into(),
            }
            .into(),
        ]);
    TestFramework::<Category>::given(vec![created("c-1", None)])
        .when(CategoryCommand::Rename {
            name: "Kitchen ".into(),
        })
        .then_expect_no_events();
}

#[test]
fn a_move_records_the_previous_parent_and_the_same_parent_records_nothing() {
    TestFramework::<Category>::given(vec![created("c-2", Some("c-1"))])
        .when(move_under(Some("c-3"), &["c-0"]))
        .then_expect_events(vec![
            CategoryMoved {
                category_id: "c-2".into(),
                parent_id: Some("c-3".into()),
                previous_parent_id: Some("c-1".into()),
            }
            .into(),
        ]);
    TestFramework::<Category>::given(vec![created("c-2", Some("c-1"))])
        .when(move_under(None, &[]))
        .then_expect_events(vec![
            CategoryMoved {
                category_id: "c-2".into(),
                parent_id: None,
                previous_parent_id: Some("c-1".into()),
            }
            .into(),
        ]);
    TestFramework::<Category>::given(vec![created("c-2", Some("c-1"))])
        .when(move_under(Some("c-1"), &[]))
        .then_expect_no_events();
}

#[test]
fn a_category_cannot_move_under_itself() {
    TestFramework::<Category>::given(vec![created("c-1", None)])
        .when(move_under(Some("c-1"), &[]))
        .then_expect_error_code("category_cycle");
}

#[test]
fn a_category_cannot_move_under_one_of_its_descendants() {
    // c-1 ← c-2 ← c-3: moving c-1 under c-3, whose ancestors are c-2 and c-1.
    TestFramework::<Category>::given(vec![created("c-1", None)])
        .when(move_under(Some("c-3"), &["c-2", "c-1"]))
        .then_expect_error_code("category_cycle");
}
