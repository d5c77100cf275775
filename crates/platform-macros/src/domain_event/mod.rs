//! `#[derive(DomainEvent)]`.

mod ast;
mod expand;
mod valid;

use proc_macro2::TokenStream;
use syn::DeriveInput;

/// Parses, validates and expands the derive input.
pub fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let events = ast::Events::from_syn(input)?;
    valid::check(&events)?;
    Ok(expand::expand(&events))
}
