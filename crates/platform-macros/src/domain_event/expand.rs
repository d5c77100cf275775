//! Code generation for `DomainEvent`.

use proc_macro2::TokenStream;
use quote::quote;

use super::ast::Events;

/// Generates the `DomainEvent` impl and a `From<Payload>` impl per variant.
pub fn expand(events: &Events<'_>) -> TokenStream {
    let ident = events.ident;
    let names: Vec<String> = events
        .variants
        .iter()
        .map(|v| v.ident.to_string())
        .collect();
    let variants: Vec<_> = events.variants.iter().map(|v| v.ident).collect();
    let payloads: Vec<_> = events.variants.iter().filter_map(|v| v.payload).collect();
    let versions: Vec<i32> = events
        .variants
        .iter()
        .map(|v| {
            v.version
                .as_ref()
                .and_then(|lit| lit.base10_parse().ok())
                .unwrap_or(1)
        })
        .collect();
    let broadcast: Vec<&String> = events
        .variants
        .iter()
        .zip(&names)
        .filter(|(v, _)| v.broadcast)
        .map(|(_, name)| name)
        .collect();
    let registration = (!broadcast.is_empty()).then(|| {
        quote! {
            ::platform_core::__private::inventory::submit! {
                ::platform_core::BroadcastRegistration {
                    event_types: &[#(#broadcast),*],
                }
            }
        }
    });
    quote! {
        #registration

        #[automatically_derived]
        impl ::platform_core::DomainEvent for #ident {
            const EVENT_TYPES: &'static [&'static str] = &[#(#names),*];

            const BROADCAST_TYPES: &'static [&'static str] = &[#(#broadcast),*];

            fn event_type(&self) -> &'static str {
                match self {
                    #(Self::#variants(_) => #names,)*
                }
            }

            fn schema_version(&self) -> i32 {
                match self {
                    #(Self::#variants(_) => #versions,)*
                }
            }

            fn to_payload(
                &self,
            ) -> ::core::result::Result<
                ::platform_core::__private::serde_json::Value,
                ::platform_core::__private::serde_json::Error,
            > {
                match self {
                    #(Self::#variants(payload) => ::platform_core::__private::serde_json::to_value(payload),)*
                }
            }

            fn from_payload(
                event_type: &str,
                payload: &str,
            ) -> ::core::result::Result<Self, ::platform_core::EventDecodeError> {
                match event_type {
                    #(#names => ::platform_core::__private::serde_json::from_str::<#payloads>(payload)
                        .map(Self::#variants)
                        .map_err(|source| ::platform_core::EventDecodeError::InvalidPayload {
                            event_type: ::std::borrow::ToOwned::to_owned(event_type),
                            source,
                        }),)*
                    other => ::core::result::Result::Err(
                        ::platform_core::EventDecodeError::UnknownType(::std::borrow::ToOwned::to_owned(other)),
                    ),
                }
            }
        }

        #(
            #[automatically_derived]
            impl ::core::convert::From<#payloads> for #ident {
                fn from(payload: #payloads) -> Self {
                    Self::#variants(payload)
                }
            }
        )*
    }
}
