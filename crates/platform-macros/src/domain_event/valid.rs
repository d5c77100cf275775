//! Every rule of `DomainEvent`, checked with all errors reported at once.

use super::ast::Events;

/// Checks the parsed input.
pub fn check(events: &Events<'_>) -> syn::Result<()> {
    let mut errors: Option<syn::Error> = None;
    let mut push = |err: syn::Error| match &mut errors {
        Some(all) => all.combine(err),
        None => errors = Some(err),
    };
    if !events.original.generics.params.is_empty() {
        push(syn::Error::new_spanned(
            &events.original.generics,
            "DomainEvent enums cannot be generic",
        ));
    }
    if events.variants.is_empty() {
        push(syn::Error::new_spanned(
            events.ident,
            "DomainEvent enum needs at least one variant",
        ));
    }
    for variant in &events.variants {
        if variant.payload.is_none() {
            push(syn::Error::new_spanned(
                variant.original,
                "each DomainEvent variant wraps exactly one payload struct, e.g. `OrderPlaced(OrderPlaced)`",
            ));
        }
        if let Some(version) = &variant.version {
            match version.base10_parse::<i32>() {
                Ok(v) if v >= 1 => {}
                _ => push(syn::Error::new_spanned(
                    version,
                    "schema version must be a positive integer",
                )),
            }
        }
    }
    errors.map_or(Ok(()), Err)
}
