//! `#[column(text)]`: what the rules accept and refuse, and what the derive writes.

use syn::{DeriveInput, parse_quote};

use super::types::Storage;
use super::{ast, expand, valid};

/// Every error message the derive reports for `input`, or none.
fn errors(input: &DeriveInput) -> Vec<String> {
    match super::derive(input) {
        Ok(_) => Vec::new(),
        Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
    }
}

fn model(fields: syn::FieldsNamed) -> DeriveInput {
    parse_quote! {
        #[read_model(table = "rm_things", aggregate = Thing)]
        struct ThingReadModel #fields
    }
}

#[test]
fn a_text_column_is_text_nullable_when_optional_and_decoded_with_from_str() {
    let input = model(parse_quote!({
        #[aggregate_id]
        id: String,
        #[index]
        #[column(text)]
        #[map_from_event(Created, value = Status::New)]
        status: Status,
        #[column(text)]
        #[map_from_event(Created)]
        previous: Option<Status>,
        #[version]
        version: i64,
    }));
    let model = ast::Model::from_syn(&input).expect("parsed");
    let checked = valid::check(model).unwrap_or_else(|e| panic!("{e}"));
    let shape: Vec<_> = checked
        .columns
        .iter()
        .map(|c| (c.storage, c.sql_type(), c.nullable))
        .collect();
    assert_eq!(
        shape[1..3],
        [
            (Storage::Text, "text", false),
            (Storage::Text, "text", true)
        ]
    );
    let code = expand::expand(&checked).to_string();
    assert!(code.contains("FromStr"), "{code}");
    assert!(code.contains("ColumnDecode"), "{code}");
    assert!(code.contains("status:text:false:Status"), "{code}");
    assert!(
        code.contains("previous:text:true:Option < Status >"),
        "{code}"
    );
}

#[test]
fn without_the_attribute_the_same_type_is_jsonb() {
    let input = model(parse_quote!({
        #[aggregate_id]
        id: String,
        #[map_from_event(Created, value = Status::New)]
        status: Status,
        #[version]
        version: i64,
    }));
    let model = ast::Model::from_syn(&input).expect("parsed");
    let checked = valid::check(model).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(checked.columns[1].storage, Storage::Json);
}

#[test]
fn a_type_with_a_column_type_of_its_own_is_refused() {
    let input = model(parse_quote!({
        #[aggregate_id]
        #[column(text)]
        id: String,
        #[column(text)]
        #[map_from_event(Created)]
        count: Option<i64>,
        #[version]
        version: i64,
    }));
    assert_eq!(
        errors(&input),
        [
            "this type is already stored as text; #[column(text)] is for types that would otherwise be jsonb",
            "this type is already stored as bigint; #[column(text)] is for types that would otherwise be jsonb",
        ]
    );
}

#[test]
fn only_one_column_text_and_nothing_else_is_accepted() {
    let twice = model(parse_quote!({
        #[aggregate_id]
        id: String,
        #[column(text)]
        #[column(text)]
        #[map_from_event(Created, value = Status::New)]
        status: Status,
        #[version]
        version: i64,
    }));
    assert_eq!(errors(&twice), ["duplicate #[column(text)]"]);
    for (attr, message) in [
        (quote::quote!(#[column(json)]), "expected `#[column(text)]`"),
        (quote::quote!(#[column()]), "expected `#[column(text)]`"),
        (
            quote::quote!(#[column = "text"]),
            "expected parentheses: #[column(...)]",
        ),
    ] {
        let input = model(parse_quote!({
            #[aggregate_id]
            id: String,
            #attr
            #[map_from_event(Created, value = Status::New)]
            status: Status,
            #[version]
            version: i64,
        }));
        assert_eq!(errors(&input), [message], "{attr}");
    }
}
