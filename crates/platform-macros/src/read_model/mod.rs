//! `#[derive(ReadModel)]`.

mod ast;
mod expand;
mod types;
mod valid;

#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;
use syn::DeriveInput;

/// Parses, validates and expands the derive input.
pub fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let model = ast::Model::from_syn(input)?;
    let model = valid::check(model)?;
    Ok(expand::expand(&model))
}
