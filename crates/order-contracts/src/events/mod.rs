//! Events of the order domain, one file each: the order service appends them and
//! broadcasts them on the message bus as `Order.{EventType}`; subscribers decode them
//! with the same types.

mod item_added;
mod item_removed;
mod order_cancelled;
mod order_created;
mod order_placed;
mod placed_line;

pub use item_added::{ItemAdded, item_added_v1_to_v2};
pub use item_removed::ItemRemoved;
pub use order_cancelled::OrderCancelled;
pub use order_created::{OrderCreated, order_created_v1_to_v2};
pub use order_placed::{OrderPlaced, order_placed_v1_to_v2};
pub use placed_line::PlacedLine;

use platform_core::DomainEvent;

/// Every event an order emits; the variant name is the stored type. All are broadcast.
#[derive(Debug, Clone, PartialEq, Eq, DomainEvent)]
#[domain_event(broadcast)]
pub enum OrderEvent {
    /// A draft order was opened (schema 2: `createdBy`; v1 rows are upcast).
    #[domain_event(version = 2)]
    OrderCreated(OrderCreated),
    /// Units of a product were added (schema 2: `price`; v1 rows are upcast).
    #[domain_event(version = 2)]
    ItemAdded(ItemAdded),
    /// A product's line was removed.
    ItemRemoved(ItemRemoved),
    /// The order was submitted (schema 2: `lines`; v1 rows are upcast).
    #[domain_event(version = 2)]
    OrderPlaced(OrderPlaced),
    /// The order was cancelled.
    OrderCancelled(OrderCancelled),
}
