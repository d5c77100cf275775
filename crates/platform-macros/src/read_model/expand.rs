//! Code generation for `ReadModel`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Type};

use super::ast::{Mapping, Source};
use super::types::Storage;
use super::valid::{Checked, Mode};

/// `orderId` and `order_id` both name the payload field `order_id`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The expression a mapping reads, with `__e` the payload and `__env` the envelope.
fn source_value(mapping: &Mapping, field: &Ident) -> TokenStream {
    let span = mapping.span;
    match &mapping.source {
        Source::SameName => {
            let name = Ident::new(&field.to_string(), span);
            quote_spanned!(span=> ::core::clone::Clone::clone(&__e.#name))
        }
        Source::From(lit) => {
            let name = Ident::new(&snake_case(&lit.value()), lit.span());
            quote_spanned!(lit.span()=> ::core::clone::Clone::clone(&__e.#name))
        }
        Source::Value(expr) => quote_spanned!(span=> #expr),
        Source::Envelope(name) => quote_spanned!(span=> ::core::clone::Clone::clone(&__env.#name)),
    }
}

/// A closure from a `#[column(text)]` column's text to its value through `FromStr`; text
/// that does not parse is `sqlx::Error::ColumnDecode`, as sqlx reports any column it
/// cannot decode. Spanned at the field's type, where a missing `FromStr` is reported.
fn parse_text(ty: &Type, inner: &Type, column_name: &str) -> TokenStream {
    let private = quote!(::platform_read_models::__private);
    quote_spanned! {ty.span()=>
        |__text: ::std::string::String| {
            <#inner as ::core::str::FromStr>::from_str(&__text).map_err(|__err| {
                #private::sqlx::Error::ColumnDecode {
                    index: ::std::format!("{:?}", #column_name),
                    source: ::std::convert::From::from(::std::format!(
                        "{:?} is not a valid {}: {}",
                        __text,
                        ::core::stringify!(#inner),
                        __err,
                    )),
                }
            })
        }
    }
}

/// Generates the `ReadModel` impl and its registration.
pub fn expand(checked: &Checked<'_>) -> TokenStream {
    let model = &checked.model;
    let ident = model.ident;
    let aggregate = &checked.aggregate;
    let table = &checked.table;
    let private = quote!(::platform_read_models::__private);
    let events_alias =
        quote!(type __Events = <#aggregate as #private::platform_core::Aggregate>::Event;);
    let event_names: Vec<String> = checked.events.iter().map(ToString::to_string).collect();

    // Columns.
    let columns = model
        .fields
        .iter()
        .zip(&checked.columns)
        .map(|(field, column)| {
            let name = field.ident.to_string();
            let sql_type = column.sql_type();
            let nullable = column.nullable;
            let index = match &field.index {
                None => quote!(::platform_read_models::IndexKind::None),
                Some(i) if i.unique => quote!(::platform_read_models::IndexKind::Unique),
                Some(_) => quote!(::platform_read_models::IndexKind::Plain),
            };
            quote! {
                ::platform_read_models::Column {
                    name: #name,
                    sql_type: #sql_type,
                    nullable: #nullable,
                    index: #index,
                }
            }
        });

    // Key.
    let (key_const, key_fn, new_key_field, version_fn, version_set) = match checked.mode {
        Mode::PerAggregate { id, version } => {
            let id_field = model.fields[id].ident;
            let version_field = model.fields[version].ident;
            let id_name = id_field.to_string();
            let version_name = version_field.to_string();
            let events = &checked.events;
            (
                quote!(::platform_read_models::RowKey::Aggregate { column: #id_name, version_column: #version_name }),
                quote! {
                    match &event.event {
                        #(__Events::#events(_))|* => ::core::option::Option::Some(::core::clone::Clone::clone(&event.aggregate_id)),
                        #[allow(unreachable_patterns)]
                        _ => ::core::option::Option::None,
                    }
                },
                id_field,
                quote!(self.#version_field),
                quote!(self.#version_field = __env.version;),
            )
        }
        Mode::GroupBy { key } => {
            let field = &model.fields[key];
            let name = field.ident.to_string();
            let arms = field.maps.iter().map(|mapping| {
                let event = &mapping.event;
                let value = source_value(mapping, field.ident);
                let span = mapping.span;
                quote_spanned! {span=>
                    __Events::#event(__e) => {
                        let _ = &__e;
                        #private::IntoGroupKey::into_group_key(#value)
                    }
                }
            });
            (
                quote!(::platform_read_models::RowKey::GroupBy { column: #name }),
                quote! {
                    let __env = event;
                    let _ = &__env;
                    match &event.event {
                        #(#arms)*
                        #[allow(unreachable_patterns)]
                        _ => ::core::option::Option::None,
                    }
                },
                field.ident,
                quote!(0),
                quote!(),
            )
        }
    };

    // apply: one arm per event, assignments in field order, then reducers. A group_by
    // key is set by `new` (its mapping may be optional: the event then touches no row).
    let arms = checked.events.iter().map(|event| {
        let mut body = Vec::new();
        for field in &model.fields {
            let name = field.ident;
            if field.ident == new_key_field && matches!(checked.mode, Mode::GroupBy { .. }) {
                continue;
            }
            for mapping in field.maps.iter().filter(|m| &m.event == event) {
                let value = source_value(mapping, name);
                let span = mapping.span;
                body.push(quote_spanned!(span=> self.#name = ::core::convert::Into::into(#value);));
            }
            for reduce in field.reduces.iter().filter(|r| r.events.contains(event)) {
                let with = &reduce.with;
                let span = reduce.span;
                body.push(quote_spanned!(span=> #with(&mut self.#name, __env);));
            }
        }
        quote! {
            __Events::#event(__e) => {
                let _ = &__e;
                #(#body)*
                #version_set
            }
        }
    });

    // new(): the key set, everything else default.
    let inits = model.fields.iter().map(|field| {
        let name = field.ident;
        if name == new_key_field {
            quote!(#name: key)
        } else {
            quote!(#name: ::core::default::Default::default())
        }
    });

    // bind / from_row.
    let binds = model.fields.iter().zip(&checked.columns).map(|(field, column)| {
        let name = field.ident;
        match (column.storage, column.nullable) {
            (Storage::Scalar(_), _) => quote!(let query = query.bind(&self.#name);),
            (Storage::Json, false) => quote!(let query = query.bind(#private::sqlx::types::Json(&self.#name));),
            (Storage::Json, true) => {
                quote!(let query = query.bind(self.#name.as_ref().map(#private::sqlx::types::Json));)
            }
            (Storage::Text, false) => quote_spanned! {field.ty.span()=>
                let query = query.bind(::std::string::ToString::to_string(&self.#name));
            },
            (Storage::Text, true) => quote_spanned! {field.ty.span()=>
                let query = query.bind(self.#name.as_ref().map(::std::string::ToString::to_string));
            },
        }
    });
    let decodes = model.fields.iter().zip(&checked.columns).map(|(field, column)| {
        let name = field.ident;
        let column_name = name.to_string();
        let ty = field.ty;
        let inner = &column.inner;
        let get = quote!(#private::sqlx::Row::try_get);
        match (column.storage, column.nullable) {
            (Storage::Scalar(_), _) => quote!(#name: #get::<#ty, _>(row, #column_name)?),
            (Storage::Json, false) => {
                quote!(#name: #get::<#private::sqlx::types::Json<#inner>, _>(row, #column_name)?.0)
            }
            (Storage::Json, true) => quote! {
                #name: #get::<::core::option::Option<#private::sqlx::types::Json<#inner>>, _>(row, #column_name)?
                    .map(|json| json.0)
            },
            (Storage::Text, false) => {
                let parse = parse_text(field.ty, inner, &column_name);
                quote!(#name: (#parse)(#get::<::std::string::String, _>(row, #column_name)?)?)
            }
            (Storage::Text, true) => {
                let parse = parse_text(field.ty, inner, &column_name);
                quote! {
                    #name: #get::<::core::option::Option<::std::string::String>, _>(row, #column_name)?
                        .map(#parse)
                        .transpose()?
                }
            }
        }
    });

    let leaving = leaving(checked);
    let definition = definition(checked);
    let reads_global_position = model.fields.iter().any(|field| {
        field
            .maps
            .iter()
            .any(|m| matches!(&m.source, Source::Envelope(name) if name == "global_position"))
    });
    let projection = if checked.asynchronous {
        quote!(::platform_read_models::Projection::Async)
    } else {
        quote!(::platform_read_models::Projection::Inline)
    };
    let name = ident.to_string();
    let lookups = lookups(checked);

    quote! {
        #[automatically_derived]
        impl #ident {
            #(#lookups)*
        }

        #[automatically_derived]
        impl ::platform_read_models::ReadModel for #ident {
            type Aggregate = #aggregate;
            const NAME: &'static str = #name;
            const TABLE: &'static str = #table;
            const COLUMNS: &'static [::platform_read_models::Column] = &[#(#columns),*];
            const KEY: ::platform_read_models::RowKey = #key_const;
            const EVENT_TYPES: &'static [&'static str] = &[#(#event_names),*];
            const DEFINITION: &'static str = #definition;
            const READS_GLOBAL_POSITION: bool = #reads_global_position;
            const PROJECTION: ::platform_read_models::Projection = #projection;

            fn key(
                event: &#private::platform_core::EventEnvelope<<#aggregate as #private::platform_core::Aggregate>::Event>,
            ) -> ::core::option::Option<::std::string::String> {
                #events_alias
                #key_fn
            }

            fn new(key: ::std::string::String) -> Self {
                Self { #(#inits),* }
            }

            fn version(&self) -> i64 {
                #version_fn
            }

            fn apply(
                &mut self,
                event: &#private::platform_core::EventEnvelope<<#aggregate as #private::platform_core::Aggregate>::Event>,
            ) {
                #events_alias
                let __env = event;
                match &event.event {
                    #(#arms)*
                    #[allow(unreachable_patterns)]
                    _ => {}
                }
            }

            #leaving

            fn bind<'q>(&'q self, query: #private::PgQuery<'q>) -> #private::PgQuery<'q> {
                #(#binds)*
                query
            }

            fn from_row(row: &#private::sqlx::postgres::PgRow) -> ::core::result::Result<Self, #private::sqlx::Error> {
                ::core::result::Result::Ok(Self { #(#decodes),* })
            }
        }

        #private::inventory::submit! {
            ::platform_read_models::ReadModelRegistration::of::<#ident>().at(module_path!())
        }
    }
}

/// `left` and `leave` for a group_by model whose key mappings name the group a stream
/// leaves (`left = "field"`); nothing otherwise (the trait's defaults: no group is left).
fn leaving(checked: &Checked<'_>) -> TokenStream {
    let Mode::GroupBy { key } = checked.mode else {
        return quote!();
    };
    let model = &checked.model;
    let private = quote!(::platform_read_models::__private);
    let aggregate = &checked.aggregate;
    let arms: Vec<TokenStream> = model.fields[key]
        .maps
        .iter()
        .filter_map(|mapping| {
            let left = mapping.left.as_ref()?;
            let event = &mapping.event;
            let name = Ident::new(&snake_case(&left.value()), left.span());
            Some(quote_spanned! {left.span()=>
                __Events::#event(__e) => #private::IntoGroupKey::into_group_key(
                    ::core::clone::Clone::clone(&__e.#name)
                ),
            })
        })
        .collect();
    if arms.is_empty() {
        return quote!();
    }
    let handlers = model.fields.iter().flat_map(|field| {
        let name = field.ident;
        field.on_leave.iter().map(move |on_leave| {
            let with = &on_leave.with;
            let span = on_leave.span;
            quote_spanned!(span=> #with(&mut self.#name, event);)
        })
    });
    quote! {
        fn left(
            event: &#private::platform_core::EventEnvelope<<#aggregate as #private::platform_core::Aggregate>::Event>,
        ) -> ::core::option::Option<::std::string::String> {
            type __Events = <#aggregate as #private::platform_core::Aggregate>::Event;
            match &event.event {
                #(#arms)*
                #[allow(unreachable_patterns)]
                _ => ::core::option::Option::None,
            }
        }

        fn leave(
            &mut self,
            event: &#private::platform_core::EventEnvelope<<#aggregate as #private::platform_core::Aggregate>::Event>,
        ) {
            #(#handlers)*
        }
    }
}

/// `find_by_<field>` for each `#[index]` field: the rows whose column equals a value,
/// newest first, typed by the field (its inner type for an `Option`).
fn lookups(checked: &Checked<'_>) -> Vec<TokenStream> {
    let rm = quote!(::platform_read_models);
    checked
        .model
        .fields
        .iter()
        .zip(&checked.columns)
        .filter(|(field, _)| field.index.is_some())
        .filter_map(|(field, column)| {
            let column_name = field.ident.to_string();
            let method = Ident::new(&format!("find_by_{column_name}"), field.ident.span());
            let inner = &column.inner;
            let value = match column.storage {
                Storage::Scalar(_) => quote!(value),
                Storage::Text => {
                    quote_spanned!(inner.span()=> ::std::string::ToString::to_string(&value))
                }
                Storage::Json => return None,
            };
            let doc = format!(
                "Rows whose `{column_name}` equals `value`, newest first (its `#[index]`)."
            );
            Some(quote! {
                #[doc = #doc]
                pub async fn #method(
                    store: &#rm::ReadModelStore<Self>,
                    value: #inner,
                    page: &#rm::PageRequest,
                ) -> ::core::result::Result<#rm::Page<Self>, #rm::ReadModelError> {
                    store.find_by_column(#column_name, #value, page).await
                }
            })
        })
        .collect()
}

/// A canonical text of everything that shapes the table and its contents (not docs),
/// hashed by the platform to notice a changed declaration. `#[column(text)]` needs no
/// mark of its own: it turns a jsonb column into a text one, and the SQL type is here.
fn definition(checked: &Checked<'_>) -> String {
    let model = &checked.model;
    let mut text = format!(
        "table={};aggregate={};",
        checked.table,
        checked.aggregate.to_token_stream()
    );
    if let Some(group_by) = &model.group_by {
        text.push_str(&format!("group_by={group_by};"));
    }
    if checked.asynchronous {
        text.push_str("projection=async;");
    }
    for (field, column) in model.fields.iter().zip(&checked.columns) {
        text.push_str(&format!(
            "{}:{}:{}:{}",
            field.ident,
            column.sql_type(),
            column.nullable,
            field.ty.to_token_stream()
        ));
        if let Some(index) = &field.index {
            text.push_str(if index.unique { ":unique" } else { ":index" });
        }
        if field.aggregate_id.is_some() {
            text.push_str(":aggregate_id");
        }
        if field.version.is_some() {
            text.push_str(":version");
        }
        for mapping in &field.maps {
            let source = match &mapping.source {
                Source::SameName => String::new(),
                Source::From(lit) => format!("from={}", lit.value()),
                Source::Value(expr) => format!("value={}", expr.to_token_stream()),
                Source::Envelope(name) => format!("envelope={name}"),
            };
            let left = mapping
                .left
                .as_ref()
                .map(|lit| format!(",left={}", lit.value()))
                .unwrap_or_default();
            text.push_str(&format!(":map({},{source}{left})", mapping.event));
        }
        for reduce in &field.reduces {
            let events: Vec<String> = reduce.events.iter().map(ToString::to_string).collect();
            text.push_str(&format!(
                ":reduce({},{})",
                events.join(","),
                reduce.with.to_token_stream()
            ));
        }
        for on_leave in &field.on_leave {
            text.push_str(&format!(":on_leave({})", on_leave.with.to_token_stream()));
        }
        text.push(';');
    }
    text
}
