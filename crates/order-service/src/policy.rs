//! Who may see and change which orders: the order service's ownership rules, all in
//! one place. Handlers ask [`Reach::of`] their caller and apply the answer.
//!
//! - Anonymous callers (`AUTH_MODE=none`, where nobody is known), `support` and
//!   `admin`: every order of their tenant, for any customer.
//! - Every other user, `customer` or a user with none of these roles: the orders whose
//!   `customerId` is their user id. Someone else's order answers as a missing one would
//!   (404 `not_found`), so its existence does not leak; naming another customer where
//!   the request names one (CreateOrder, ListOrders, GetCustomerOrders) is a 403
//!   `forbidden`: only staff act for other customers.
//!
//! The tenant is not decided here: the platform scopes every read and write to the
//! caller's tenant, so another tenant's order is missing for everyone.

use platform_core::{Aggregate, AuthenticatedUser};
use platform_event_sourcing::StreamRange;
use platform_service::{HandlerError, QueryContext};

use crate::domain::Order;

/// The roles that see and act on every order of their tenant.
pub const STAFF: &[&str] = &["support", "admin"];

/// Which orders a caller reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach<'a> {
    /// Every order of the tenant: staff, and anonymous callers.
    All,
    /// Only the orders of this customer id: the caller's own user id.
    Own(&'a str),
}

impl<'a> Reach<'a> {
    /// What `user` reaches (`None`: an anonymous caller).
    pub fn of(user: Option<&'a AuthenticatedUser>) -> Self {
        match user {
            Some(user) if !user.has_any_role(STAFF) => Reach::Own(&user.id),
            _ => Reach::All,
        }
    }

    /// The order `order_id` of `customer_id` if the caller reaches it; otherwise the
    /// 404 of a missing order.
    pub fn order(self, order_id: &str, customer_id: &str) -> Result<(), HandlerError> {
        match self {
            Reach::Own(own) if own != customer_id => Err(not_found(order_id)),
            _ => Ok(()),
        }
    }

    /// The customer a new order is for: the one asked for, or the caller's own id when
    /// a customer leaves it blank. Staff and anonymous callers get what they asked for
    /// (blank is then the order's own rule, 422 `customer_required`).
    pub fn new_order_customer(self, asked: String) -> Result<String, HandlerError> {
        match self {
            Reach::All => Ok(asked),
            Reach::Own(own) if asked.trim().is_empty() => Ok(own.to_owned()),
            Reach::Own(_) => self.customer(&asked).map(|()| asked),
        }
    }

    /// The customer whose orders a listing shows: a customer's own when the request
    /// names none; all customers' only for staff and anonymous callers.
    pub fn listed_customer(self, asked: Option<String>) -> Result<Option<String>, HandlerError> {
        match (self, asked) {
            (Reach::Own(own), None) => Ok(Some(own.to_owned())),
            (_, Some(asked)) => self.customer(&asked).map(|()| Some(asked)),
            (Reach::All, None) => Ok(None),
        }
    }

    /// `Ok` if the caller may act for `customer_id`; a 403 otherwise.
    pub fn customer(self, customer_id: &str) -> Result<(), HandlerError> {
        match self {
            Reach::Own(own) if own != customer_id => {
                Err(HandlerError::Forbidden { required: STAFF })
            }
            _ => Ok(()),
        }
    }

    /// Checks a stored order before it is read or changed: for a caller limited to
    /// their own orders, its owner is read from the stream's first event (OrderCreated
    /// fixes the customer for good, so the answer cannot change before the command
    /// runs); a missing order, or someone else's, is a 404. Staff and anonymous callers
    /// cost no read.
    pub async fn stored_order(
        self,
        reader: &QueryContext,
        order_id: &str,
    ) -> Result<(), HandlerError> {
        if let Reach::Own(_) = self {
            let created = reader
                .load::<Order>(order_id, StreamRange::to_version(1))
                .await?;
            self.order(order_id, &created.aggregate.customer_id)?;
        }
        Ok(())
    }
}

/// The 404 of a missing order.
fn not_found(order_id: &str) -> HandlerError {
    HandlerError::not_found(Order::TYPE, order_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, roles: &[&str]) -> AuthenticatedUser {
        AuthenticatedUser {
            id: id.to_owned(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            tenant: "acme".to_owned(),
        }
    }

    fn status(result: Result<impl std::fmt::Debug, HandlerError>) -> (u16, &'static str) {
        match result {
            Ok(_) => (200, ""),
            Err(err) => (err.status().as_u16(), err.code()),
        }
    }

    #[test]
    fn staff_and_anonymous_callers_reach_every_order_customers_and_others_their_own() {
        let (alice, nobody, sam, ada, both) = (
            user("alice", &["customer"]),
            user("nobody", &[]),
            user("sam", &["support"]),
            user("ada", &["admin"]),
            user("bo", &["customer", "support"]),
        );
        assert_eq!(Reach::of(None), Reach::All);
        assert_eq!(Reach::of(Some(&alice)), Reach::Own("alice"));
        assert_eq!(Reach::of(Some(&nobody)), Reach::Own("nobody"));
        assert_eq!(Reach::of(Some(&sam)), Reach::All);
        assert_eq!(Reach::of(Some(&ada)), Reach::All);
        assert_eq!(Reach::of(Some(&both)), Reach::All, "staff wins");
    }

    #[test]
    fn someone_elses_order_is_missing() {
        assert_eq!(status(Reach::Own("alice").order("o-1", "alice")), (200, ""));
        let err = Reach::Own("bob").order("o-1", "alice").unwrap_err();
        assert_eq!((err.status().as_u16(), err.code()), (404, "not_found"));
        assert_eq!(
            err.to_string(),
            "Order o-1 not found",
            "as if it did not exist"
        );
        assert_eq!(status(Reach::All.order("o-1", "alice")), (200, ""));
    }

    #[test]
    fn a_customer_orders_for_themselves_and_is_filled_in() {
        let own = Reach::Own("alice");
        assert_eq!(own.new_order_customer(String::new()).unwrap(), "alice");
        assert_eq!(own.new_order_customer("  ".into()).unwrap(), "alice");
        assert_eq!(own.new_order_customer("alice".into()).unwrap(), "alice");
        let err = own.new_order_customer("bob".into()).unwrap_err();
        assert_eq!((err.status().as_u16(), err.code()), (403, "forbidden"));
        assert_eq!(err.to_string(), "requires one of the roles: support, admin");
        // Staff and anonymous callers keep the request's customer, blank included.
        assert_eq!(Reach::All.new_order_customer("bob".into()).unwrap(), "bob");
        assert_eq!(Reach::All.new_order_customer(String::new()).unwrap(), "");
    }

    #[test]
    fn a_customer_lists_their_own_orders_only() {
        let own = Reach::Own("alice");
        assert_eq!(own.listed_customer(None).unwrap().as_deref(), Some("alice"));
        assert_eq!(
            own.listed_customer(Some("alice".into()))
                .unwrap()
                .as_deref(),
            Some("alice")
        );
        assert_eq!(
            status(own.listed_customer(Some("bob".into()))),
            (403, "forbidden")
        );
        assert_eq!(Reach::All.listed_customer(None).unwrap(), None);
        assert_eq!(
            Reach::All
                .listed_customer(Some("bob".into()))
                .unwrap()
                .as_deref(),
            Some("bob")
        );
        assert_eq!(status(own.customer("alice")), (200, ""));
        assert_eq!(status(own.customer("bob")), (403, "forbidden"));
        assert_eq!(status(Reach::All.customer("bob")), (200, ""));
    }
}
