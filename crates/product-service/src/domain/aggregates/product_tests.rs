//! Given/when/then tests of every product rule.

use chrono::{DateTime, TimeZone, Utc};
use platform_core::TestFramework;
use product_contracts::{Discount, Money};

use super::{Product, ProductCommand};
use crate::domain::events::{
    DiscountApplied, DiscountRemoved, PriceSet, ProductCategorised, ProductCreated,
    ProductDetailsChanged, ProductDiscontinued, ProductEvent, ProductImported,
};

const SKU: &str = "SKU-1";

fn eur(amount: &str) -> Money {
    Money::new(amount.parse().expect("decimal literal"), "EUR")
}

fn day(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0)
        .single()
        .expect("a valid date")
}

fn percent(p: &str) -> Discount {
    Discount::Percentage(p.parse().expect("decimal literal"))
}

fn created() -> ProductEvent {
    ProductCreated {
        sku: SKU.into(),
        name: "Kettle".into(),
        description: "1.7 l".into(),
        category_id: None,
    }
    .into()
}

fn priced(price: &str, previous: Option<&str>) -> ProductEvent {
    PriceSet {
        sku: SKU.into(),
        price: eur(price),
        previous: previous.map(eur),
    }
    .into()
}

fn discounted(id: &str, discount: Discount, from: u32, until: Option<u32>) -> ProductEvent {
    DiscountApplied {
        sku: SKU.into(),
        discount_id: id.into(),
        discount,
        valid_from: day(from),
        valid_until: until.map(day),
    }
    .into()
}

fn discontinued() -> ProductEvent {
    ProductDiscontinued {
        sku: SKU.into(),
        reason: Some("end of line".into()),
    }
    .into()
}

fn create(sku: &str, name: &str) -> ProductCommand {
    ProductCommand::Create {
        sku: sku.into(),
        name: name.into(),
        description: "1.7 l".into(),
        category_id: None,
    }
}

fn import(price: Option<Money>, source: &str) -> ProductCommand {
    ProductCommand::Import {
        sku: SKU.into(),
        name: "Kettle".into(),
        description: "1.7 l".into(),
        category_id: Some("c-1".into()),
        price,
        source: source.into(),
    }
}

fn set_price(price: Money, now: u32) -> ProductCommand {
    ProductCommand::SetPrice {
        price,
        now: day(now),
    }
}

fn apply(id: &str, discount: Discount, from: u32, until: Option<u32>) -> ProductCommand {
    ProductCommand::ApplyDiscount {
        discount_id: id.into(),
        discount,
        valid_from: day(from),
        valid_until: until.map(day),
    }
}

fn details(name: &str, description: &str) -> ProductCommand {
    ProductCommand::ChangeDetails {
        name: name.into(),
        description: description.into(),
    }
}

// Creating.

#[test]
fn create_records_the_new_product_with_a_trimmed_name() {
    TestFramework::<Product>::given_no_previous_events()
        .when(create(SKU, "  Kettle "))
        .then_expect_events(vec![created()]);
}

#[test]
fn a_sku_is_taken_once() {
    TestFramework::<Product>::given(vec![created()])
        .when(create(SKU, "Another"))
        .then_expect_error_code("sku_taken");
    TestFramework::<Product>::given(vec![created()])
        .when(import(None, "erp.csv"))
        .then_expect_error_code("sku_taken");
}

#[test]
fn a_sku_has_the_sku_format() {
    for bad in ["", "-x", "a:b", "with space", "ä", &"x".repeat(65)] {
        TestFramework::<Product>::given_no_previous_events()
            .when(create(bad, "Kettle"))
            .then_expect_error_code("invalid_sku");
    }
}

#[test]
fn a_name_is_required_and_bounded() {
    TestFramework::<Product>::given_no_previous_events()
        .when(create(SKU, "   "))
        .then_expect_error_code("name_required");
    TestFramework::<Product>::given_no_previous_events()
        .when(create(SKU, &"n".repeat(201)))
        .then_expect_error_code("name_too_long");
    TestFramework::<Product>::given_no_previous_events()
        .when(create(SKU, &format!(" {} ", "n".repeat(200))))
        .then_expect_events(vec![
            ProductCreated {
                sku: SKU.into(),
                name: "n".repeat(200),
                description: "1.7 l".into(),
                category_id: None,
            }
            .into(),
        ]);
}

#[test]
fn a_description_is_bounded() {
    TestFramework::<Product>::given_no_previous_events()
        .when(ProductCommand::Create {
            sku: SKU.into(),
            name: "Kettle".into(),
            description: "d".repeat(2001),
            category_id: None,
        })
        .then_expect_error_code("description_too_long");
}

// Importing.

#[test]
fn import_records_the_product_with_its_price_and_source() {
    TestFramework::<Product>::given_no_previous_events()
        .when(import(Some(eur("19.99")), "erp.csv"))
        .then_expect_events(vec![
            ProductImported {
                sku: SKU.into(),
                name: "Kettle".into(),
                description: "1.7 l".into(),
                category_id: Some("c-1".into()),
                price: Some(eur("19.99")),
                source: "erp.csv".into(),
            }
            .into(),
        ]);
}

#[test]
fn an_import_needs_a_source_and_a_valid_price() {
    TestFramework::<Product>::given_no_previous_events()
        .when(import(None, " "))
        .then_expect_error_code("source_required");
    TestFramework::<Product>::given_no_previous_events()
        .when(import(Some(eur("0")), "erp.csv"))
        .then_expect_error_code("invalid_price");
    TestFramework::<Product>::given_no_previous_events()
        .when(import(Some(Money::new(5.into(), "eur")), "erp.csv"))
        .then_expect_error_code("invalid_currency");
}

// Details and category.

#[test]
fn details_change_and_the_same_details_record_nothing() {
    TestFramework::<Product>::given(vec![created()])
        .when(details(" Tea kettle", "2 l"))
        .then_expect_events(vec![
            ProductDetailsChanged {
                sku: SKU.into(),
                name: "Tea kettle".into(),
                description: "2 l".into(),
            }
            .into(),
        ]);
    TestFramework::<Product>::given(vec![created()])
        .when(details("Kettle ", "1.7 l"))
        .then_expect_no_events();
    TestFramework::<Product>::given(vec![created()])
        .when(details("", "2 l"))
        .then_expect_error_code("name_required");
}

#[test]
fn categorising_records_the_previous_category_and_the_same_one_records_nothing() {
    let into = |id: Option<&str>| ProductCommand::Categorise {
        category_id: id.map(Into::into),
    };
    let moved = |to: Option<&str>, from: Option<&str>| -> ProductEvent {
        ProductCategorised {
            sku: SKU.into(),
            category_id: to.map(Into::into),
            previous_category_id: from.map(Into::into),
        }
        .into()
    };
    TestFramework::<Product>::given(vec![created()])
        .when(into(Some("c-1")))
        .then_expect_events(vec![moved(Some("c-1"), None)]);
    TestFramework::<Product>::given(vec![created(), moved(Some("c-1"), None)])
        .when(into(None))
        .then_expect_events(vec![moved(None, Some("c-1"))]);
    TestFramework::<Product>::given(vec![created(), moved(Some("c-1"), None)])
        .when(into(Some("c-1")))
        .then_expect_no_events();
}

// Prices.

#[test]
fn a_price_is_set_with_the_previous_one() {
    TestFramework::<Product>::given(vec![created()])
        .when(set_price(eur("19.99"), 1))
        .then_expect_events(vec![priced("19.99", None)]);
    TestFramework::<Product>::given(vec![created(), priced("19.99", None)])
        .when(set_price(eur("24.99"), 1))
        .then_expect_events(vec![priced("24.99", Some("19.99"))]);
}

#[test]
fn the_same_price_records_nothing() {
    TestFramework::<Product>::given(vec![created(), priced("19.99", None)])
        .when(set_price(eur("19.990"), 1))
        .then_expect_no_events();
}

#[test]
fn a_price_is_above_zero_in_a_valid_currency() {
    for amount in ["0", "-1"] {
        TestFramework::<Product>::given(vec![created()])
            .when(set_price(eur(amount), 1))
            .then_expect_error_code("invalid_price");
    }
    for currency in ["eur", "EURO", "E1"] {
        TestFramework::<Product>::given(vec![created()])
            .when(set_price(Money::new(5.into(), currency), 1))
            .then_expect_error_code("invalid_currency");
    }
}

#[test]
fn a_new_price_that_a_live_discount_would_take_to_zero_is_refused() {
    let given = || {
        vec![
            created(),
            priced("20", None),
            discounted("d-1", Discount::Amount(eur("5")), 1, Some(10)),
        ]
    };
    TestFramework::<Product>::given(given())
        .when(set_price(eur("5"), 2))
        .then_expect_error_code("discount_too_large");
    TestFramework::<Product>::given(given())
        .when(set_price(eur("4"), 2))
        .then_expect_error_code("discount_too_large");
    // A discount starting later counts too: it is not expired.
    TestFramework::<Product>::given(vec![
        created(),
        priced("20", None),
        discounted("d-1", Discount::Amount(eur("5")), 20, None),
    ])
    .when(set_price(eur("5"), 2))
    .then_expect_error_code("discount_too_large");
    // Once expired, it no longer holds the price up.
    TestFramework::<Product>::given(given())
        .when(set_price(eur("5"), 10))
        .then_expect_events(vec![priced("5", Some("20"))]);
    TestFramework::<Product>::given(given())
        .when(set_price(eur("5.01"), 2))
        .then_expect_events(vec![priced("5.01", Some("20"))]);
}

#[test]
fn a_new_price_in_another_currency_than_a_live_amount_discount_is_refused() {
    TestFramework::<Product>::given(vec![
        created(),
        priced("20", None),
        discounted("d-1", Discount::Amount(eur("5")), 1, None),
    ])
    .when(set_price(Money::new(30.into(), "USD"), 2))
    .then_expect_error_code("currency_mismatch");
    // A percentage follows the price into any currency.
    TestFramework::<Product>::given(vec![
        created(),
        priced("20", None),
        discounted("d-1", percent("10"), 1, None),
    ])
    .when(set_price(Money::new(30.into(), "USD"), 2))
    .then_expect_events(vec![
        PriceSet {
            sku: SKU.into(),
            price: Money::new(30.into(), "USD"),
            previous: Some(eur("20")),
        }
        .into(),
    ]);
}

// Discounts.

#[test]
fn a_discount_is_applied_for_its_window() {
    TestFramework::<Product>::given(vec![created(), priced("20", None)])
        .when(apply("d-1", percent("15"), 1, Some(8)))
        .then_expect_events(vec![discounted("d-1", percent("15"), 1, Some(8))]);
    TestFramework::<Product>::given(vec![created(), priced("20", None)])
        .when(apply("d-1", Discount::Amount(eur("19.99")), 1, None))
        .then_expect_events(vec![discounted(
            "d-1",
            Discount::Amount(eur("19.99")),
            1,
            None,
        )]);
}

#[test]
fn a_discount_needs_a_price_first() {
    TestFramework::<Product>::given(vec![created()])
        .when(apply("d-1", percent("15"), 1, None))
        .then_expect_error_code("price_required");
}

#[test]
fn a_discount_never_takes_the_price_to_zero_or_below() {
    for amount in ["20", "25"] {
        TestFramework::<Product>::given(vec![created(), priced("20", None)])
            .when(apply("d-1", Discount::Amount(eur(amount)), 1, None))
            .then_expect_error_code("discount_too_large");
    }
}

#[test]
fn a_percentage_is_between_0_and_100_and_an_amount_above_zero() {
    for p in ["0", "100", "-5", "150"] {
        TestFramework::<Product>::given(vec![created(), priced("20", None)])
            .when(apply("d-1", percent(p), 1, None))
            .then_expect_error_code("invalid_discount");
    }
    TestFramework::<Product>::given(vec![created(), priced("20", None)])
        .when(apply("d-1", Discount::Amount(eur("0")), 1, None))
        .then_expect_error_code("invalid_discount");
    TestFramework::<Product>::given(vec![created(), priced("20", None)])
        .when(apply(
            "d-1",
            Discount::Amount(Money::new(1.into(), "xx")),
            1,
            None,
        ))
        .then_expect_error_code("invalid_currency");
}

#[test]
fn an_amount_discount_is_in_the_price_currency() {
    TestFramework::<Product>::given(vec![created(), priced("20", None)])
        .when(apply(
            "d-1",
            Discount::Amount(Money::new(1.into(), "USD")),
            1,
            None,
        ))
        .then_expect_error_code("currency_mismatch");
}

#[test]
fn a_discount_window_ends_after_it_starts() {
    for until in [2, 1] {
        TestFramework::<Product>::given(vec![created(), priced("20", None)])
            .when(apply("d-1", percent("10"), 2, Some(until)))
            .then_expect_error_code("invalid_discount_window");
    }
}

#[test]
fn a_discount_id_is_applied_once() {
    TestFramework::<Product>::given(vec![
        created(),
        priced("20", None),
        discounted("d-1", percent("10"), 1, None),
    ])
    .when(apply("d-1", percent("20"), 1, None))
    .then_expect_error_code("discount_exists");
}

#[test]
fn a_discount_is_removed_and_an_unknown_one_is_refused() {
    let given = || {
        vec![
            created(),
            priced("20", None),
            discounted("d-1", percent("10"), 1, None),
        ]
    };
    TestFramework::<Product>::given(given())
        .when(ProductCommand::RemoveDiscount {
            discount_id: "d-1".into(),
        })
        .then_expect_events(vec![
            DiscountRemoved {
                sku: SKU.into(),
                discount_id: "d-1".into(),
            }
            .into(),
        ]);
    TestFramework::<Product>::given(given())
        .when(ProductCommand::RemoveDiscount {
            discount_id: "d-2".into(),
        })
        .then_expect_error_code("discount_not_found");
}

#[test]
fn the_effective_price_is_the_best_discount_in_force() {
    let product = TestFramework::<Product>::given(vec![
        created(),
        priced("20", None),
        discounted("d-1", percent("10"), 1, None),
        discounted("d-2", Discount::Amount(eur("5")), 5, Some(8)),
    ])
    .when(details("Kettle", "1.7 l"))
    .then_state();
    assert_eq!(product.effective_price(day(2)), Some(eur("18")));
    assert_eq!(product.effective_price(day(6)), Some(eur("15")));
    assert_eq!(product.effective_price(day(8)), Some(eur("18")));
}

// Discontinued.

#[test]
fn a_discontinued_product_takes_no_changes() {
    let given = || vec![created(), priced("20", None), discontinued()];
    let commands = [
        details("New", "new"),
        ProductCommand::Categorise {
            category_id: Some("c-1".into()),
        },
        set_price(eur("30"), 1),
        set_price(eur("20"), 1),
        apply("d-1", percent("10"), 1, None),
        ProductCommand::RemoveDiscount {
            discount_id: "d-1".into(),
        },
        ProductCommand::Discontinue { reason: None },
    ];
    for command in commands {
        TestFramework::<Product>::given(given())
            .when(command)
            .then_expect_error_code("product_discontinued");
    }
}

#[test]
fn discontinuing_records_the_reason() {
    let product = TestFramework::<Product>::given(vec![created()])
        .when(ProductCommand::Discontinue {
            reason: Some("end of line".into()),
        })
        .then_state();
    assert!(product.discontinued);
    TestFramework::<Product>::given(vec![created()])
        .when(ProductCommand::Discontinue {
            reason: Some("end of line".into()),
        })
        .then_expect_events(vec![discontinued()]);
}
