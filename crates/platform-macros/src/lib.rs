//! Derive macros of the event-sourcing platform.
//!
//! # Layout
//! - `symbol`: the attribute keywords, as named constants.
//! - `domain_event`: `#[derive(DomainEvent)]`, as `ast` (typed view of the input) →
//!   `valid` (every rule, all errors at once) → `expand` (code generation).
//! - `read_model`: `#[derive(ReadModel)]`, in the same three steps.

mod domain_event;
mod read_model;
mod symbol;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `platform_core::DomainEvent` for an enum of one-payload variants.
///
/// The variant name is the stored event type; `#[domain_event(version = N)]` on a
/// variant sets its payload schema version (default 1); `#[domain_event(broadcast)]` on
/// a variant, or on the enum for all of them, publishes it on the message bus.
#[proc_macro_derive(DomainEvent, attributes(domain_event))]
pub fn derive_domain_event(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    domain_event::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Declares a read model: an `rm_*` table kept current from an aggregate's events.
///
/// See `platform_read_models::ReadModel` for the attributes.
#[proc_macro_derive(
    ReadModel,
    attributes(
        read_model,
        aggregate_id,
        version,
        map_from_event,
        reduce,
        on_leave,
        index,
        column
    )
)]
pub fn derive_read_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    read_model::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
