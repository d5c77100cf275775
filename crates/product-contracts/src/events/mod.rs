//! Events of the product domain, one file each: the product service appends
//! them and broadcasts them on the message bus as `Product.{EventType}`; subscribers
//! decode them with the same types.

mod product_created;
mod product_renamed;

pub use product_created::ProductCreated;
pub use product_renamed::ProductRenamed;

use platform_core::DomainEvent;

/// Every event of a product; the variant name is the stored type (never rename
/// one once it is stored). All are broadcast.
#[derive(Debug, Clone, PartialEq, Eq, DomainEvent)]
#[domain_event(broadcast)]
pub enum ProductEvent {
    /// The product was created.
    ProductCreated(ProductCreated),
    /// The product got a new title.
    ProductRenamed(ProductRenamed),
}

#[cfg(test)]
mod tests {
    use platform_core::DomainEvent;

    use super::*;

    #[test]
    fn every_event_is_stored_and_broadcast_under_its_variant_name() {
        let types = ["ProductCreated", "ProductRenamed"];
        assert_eq!(ProductEvent::EVENT_TYPES, types);
        assert_eq!(ProductEvent::BROADCAST_TYPES, types);
        let created: ProductEvent = ProductCreated {
            product_id: "id-1".into(),
            title: "First".into(),
            owner_id: "owner-1".into(),
        }
        .into();
        let payload = created.to_payload().expect("a JSON payload");
        assert_eq!(payload["productId"], "id-1");
        let read = ProductEvent::from_payload(created.event_type(), &payload.to_string());
        assert_eq!(read.ok(), Some(created));
    }
}
