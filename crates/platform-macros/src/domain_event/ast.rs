//! A typed view of the `DomainEvent` input that keeps the syn nodes for spans.

use syn::{Data, DeriveInput, Fields, Ident, LitInt, Type};

use crate::symbol::{BROADCAST, DOMAIN_EVENT, VERSION};

/// The enum being derived.
pub struct Events<'a> {
    /// The enum's name.
    pub ident: &'a Ident,
    /// The original input, for spans.
    pub original: &'a DeriveInput,
    /// One entry per variant.
    pub variants: Vec<Variant<'a>>,
}

/// One event type.
pub struct Variant<'a> {
    /// The variant name, which is the stored event type.
    pub ident: &'a Ident,
    /// The payload type, when the variant has exactly one unnamed field.
    pub payload: Option<&'a Type>,
    /// The original variant, for spans.
    pub original: &'a syn::Variant,
    /// `#[domain_event(version = N)]`, when given.
    pub version: Option<LitInt>,
    /// `#[domain_event(broadcast)]` on the variant or on the enum.
    pub broadcast: bool,
}

impl<'a> Events<'a> {
    /// Reads the input; fails when it is not an enum or an attribute is malformed.
    pub fn from_syn(input: &'a DeriveInput) -> syn::Result<Self> {
        let Data::Enum(data) = &input.data else {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "DomainEvent can only be derived for an enum with one payload struct per variant",
            ));
        };
        let mut all_broadcast = false;
        for attr in &input.attrs {
            if !attr.path().is_ident(DOMAIN_EVENT) {
                continue;
            }
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident(BROADCAST) {
                    all_broadcast = true;
                    Ok(())
                } else {
                    Err(meta
                        .error("unknown domain_event attribute on the enum; expected `broadcast`"))
                }
            })?;
        }
        let variants = data
            .variants
            .iter()
            .map(|v| Variant::from_syn(v, all_broadcast))
            .collect::<syn::Result<Vec<_>>>()?;
        Ok(Events {
            ident: &input.ident,
            original: input,
            variants,
        })
    }
}

impl<'a> Variant<'a> {
    fn from_syn(variant: &'a syn::Variant, all_broadcast: bool) -> syn::Result<Self> {
        let payload = match &variant.fields {
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => Some(&fields.unnamed[0].ty),
            _ => None,
        };
        let mut version = None;
        let mut broadcast = all_broadcast;
        for attr in &variant.attrs {
            if !attr.path().is_ident(DOMAIN_EVENT) {
                continue;
            }
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident(VERSION) {
                    version = Some(meta.value()?.parse::<LitInt>()?);
                    Ok(())
                } else if meta.path.is_ident(BROADCAST) {
                    broadcast = true;
                    Ok(())
                } else {
                    Err(meta.error(
                        "unknown domain_event attribute; expected `version = N` or `broadcast`",
                    ))
                }
            })?;
        }
        Ok(Variant {
            ident: &variant.ident,
            payload,
            original: variant,
            version,
            broadcast,
        })
    }
}
