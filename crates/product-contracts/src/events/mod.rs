//! Events of the catalog, one file each: the product service appends them and
//! broadcasts them on the message bus as `Product.{EventType}` and
//! `Category.{EventType}`; subscribers decode them with the same types.

mod category_created;
mod category_moved;
mod category_renamed;
mod discount_applied;
mod discount_removed;
mod price_set;
mod product_categorised;
mod product_created;
mod product_details_changed;
mod product_discontinued;
mod product_imported;

pub use category_created::CategoryCreated;
pub use category_moved::CategoryMoved;
pub use category_renamed::CategoryRenamed;
pub use discount_applied::DiscountApplied;
pub use discount_removed::DiscountRemoved;
pub use price_set::PriceSet;
pub use product_categorised::ProductCategorised;
pub use product_created::ProductCreated;
pub use product_details_changed::ProductDetailsChanged;
pub use product_discontinued::ProductDiscontinued;
pub use product_imported::ProductImported;

use platform_core::DomainEvent;

/// Every event of a product; the variant name is the stored type (never rename
/// one once it is stored). All are broadcast.
#[derive(Debug, Clone, PartialEq, Eq, DomainEvent)]
#[domain_event(broadcast)]
pub enum ProductEvent {
    /// The product was created.
    ProductCreated(ProductCreated),
    /// The product was created from existing data.
    ProductImported(ProductImported),
    /// Its name or description changed.
    ProductDetailsChanged(ProductDetailsChanged),
    /// It moved into a category (or out of every category).
    ProductCategorised(ProductCategorised),
    /// It got a (new) price.
    PriceSet(PriceSet),
    /// A discount was applied.
    DiscountApplied(DiscountApplied),
    /// A discount was removed.
    DiscountRemoved(DiscountRemoved),
    /// It was discontinued.
    ProductDiscontinued(ProductDiscontinued),
}

/// Every event of a category; the variant name is the stored type. All are broadcast.
#[derive(Debug, Clone, PartialEq, Eq, DomainEvent)]
#[domain_event(broadcast)]
pub enum CategoryEvent {
    /// The category was created.
    CategoryCreated(CategoryCreated),
    /// It got a new name.
    CategoryRenamed(CategoryRenamed),
    /// It moved under another parent.
    CategoryMoved(CategoryMoved),
}

#[cfg(test)]
mod tests {
    use platform_core::DomainEvent;

    use super::*;
    use crate::Money;

    #[test]
    fn every_product_event_is_stored_and_broadcast_under_its_variant_name() {
        let types = [
            "ProductCreated",
            "ProductImported",
            "ProductDetailsChanged",
            "ProductCategorised",
            "PriceSet",
            "DiscountApplied",
            "DiscountRemoved",
            "ProductDiscontinued",
        ];
        assert_eq!(ProductEvent::EVENT_TYPES, types);
        assert_eq!(ProductEvent::BROADCAST_TYPES, types);
        assert_eq!(
            CategoryEvent::BROADCAST_TYPES,
            ["CategoryCreated", "CategoryRenamed", "CategoryMoved"]
        );
    }

    #[test]
    fn payloads_are_camel_case_and_read_back() {
        let set: ProductEvent = PriceSet {
            sku: "SKU-1".into(),
            price: Money::new(rust_decimal::Decimal::new(1999, 2), "EUR"),
            previous: None,
        }
        .into();
        let payload = set.to_payload().expect("a JSON payload");
        assert_eq!(payload["price"]["amount"], "19.99");
        assert_eq!(payload["sku"], "SKU-1");
        let read = ProductEvent::from_payload(set.event_type(), &payload.to_string());
        assert_eq!(read.ok(), Some(set));
        let categorised: ProductEvent = ProductCategorised {
            sku: "SKU-1".into(),
            category_id: Some("c".into()),
            previous_category_id: None,
        }
        .into();
        let payload = categorised.to_payload().expect("a JSON payload");
        assert_eq!(payload["categoryId"], "c");
        assert!(payload["previousCategoryId"].is_null());
    }
}
