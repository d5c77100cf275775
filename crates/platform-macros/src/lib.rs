//! Derive macros of the event-sourcing platform.
//!
//! # Layout
//! - `symbol`: the attribute keywords, as named constants.
//! - `domain_event`: `#[derive(DomainEvent)]`, as `ast` (typed view of the input) →
//!   `valid` (every rule, all errors at once) → `expand` (code generation).

mod domain_event;
mod symbol;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `platform_core::DomainEvent` for an enum of one-payload variants.
///
/// The variant name is the stored event type; `#[domain_event(version = N)]` on a
/// variant sets its payload schema version (default 1).
#[proc_macro_derive(DomainEvent, attributes(domain_event))]
pub fn derive_domain_event(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    domain_event::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
