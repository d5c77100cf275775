//! Every rule of `ReadModel`, checked with all errors reported at once.

use proc_macro2::Span;
use syn::{Ident, Path};

use super::ast::{Field, Model, Source};
use super::types::{ColumnType, Storage, classify, is_i64, is_string};
use crate::symbol::ENVELOPE_FIELDS;

/// How rows are keyed.
pub enum Mode {
    /// One row per aggregate: the key field holds the aggregate id, the version field
    /// the last stream version applied.
    PerAggregate {
        /// Index of the `#[aggregate_id]` field.
        id: usize,
        /// Index of the `#[version]` field.
        version: usize,
    },
    /// One row per value of a field mapped from the events (across aggregates).
    GroupBy {
        /// Index of the `group_by` field.
        key: usize,
    },
}

/// A model that passed every rule.
pub struct Checked<'a> {
    /// The parsed input.
    pub model: Model<'a>,
    /// The table name.
    pub table: String,
    /// The aggregate type.
    pub aggregate: Path,
    /// How rows are keyed.
    pub mode: Mode,
    /// Column type of each field, in field order.
    pub columns: Vec<ColumnType>,
    /// Every event the model handles, in first-seen order.
    pub events: Vec<Ident>,
    /// Projected asynchronously from a checkpoint rather than in the append transaction.
    pub asynchronous: bool,
}

/// Longest table name accepted (PostgreSQL allows 63 bytes; suffixes need room).
const MAX_TABLE_LEN: usize = 48;

fn valid_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks the parsed input.
pub fn check(model: Model<'_>) -> syn::Result<Checked<'_>> {
    let mut errors: Option<syn::Error> = None;
    let mut push = |err: syn::Error| match &mut errors {
        Some(all) => all.combine(err),
        None => errors = Some(err),
    };
    let call_site = Span::call_site();

    if !model.original.generics.params.is_empty() {
        push(syn::Error::new_spanned(
            &model.original.generics,
            "read models cannot be generic",
        ));
    }
    let table = match &model.table {
        None => {
            push(syn::Error::new_spanned(
                model.ident,
                "missing #[read_model(table = \"rm_...\", aggregate = Type)]",
            ));
            String::new()
        }
        Some(lit) => {
            let table = lit.value();
            if !table.starts_with("rm_") || !valid_identifier(&table) || table.len() > MAX_TABLE_LEN
            {
                push(syn::Error::new_spanned(
                    lit,
                    format!("table must match rm_[a-z0-9_]+ and be at most {MAX_TABLE_LEN} bytes"),
                ));
            }
            table
        }
    };
    let aggregate = model.aggregate.clone().unwrap_or_else(|| {
        push(syn::Error::new_spanned(
            model.ident,
            "missing `aggregate = Type` in #[read_model(...)]",
        ));
        // A placeholder, never expanded: any error stops before code generation.
        Path::from(Ident::new("__MissingAggregate", call_site))
    });

    let asynchronous = match &model.projection {
        None => false,
        Some(lit) => match lit.value().as_str() {
            "inline" => false,
            "async" => true,
            _ => {
                push(syn::Error::new_spanned(
                    lit,
                    "projection must be \"inline\" or \"async\"",
                ));
                false
            }
        },
    };

    // Columns.
    let mut columns = Vec::new();
    for field in &model.fields {
        let name = field.ident.to_string();
        if name.starts_with("r#") || !valid_identifier(&name) || name.starts_with('_') {
            push(syn::Error::new_spanned(
                field.ident,
                "column names must be lower snake_case and not start with `_`",
            ));
        }
        for extra in field.text.iter().skip(1) {
            push(syn::Error::new_spanned(extra, "duplicate #[column(text)]"));
        }
        match classify(field.ty) {
            Ok(mut column) => {
                if let Some(attr) = field.text.first() {
                    match column.storage {
                        Storage::Json => column.storage = Storage::Text,
                        Storage::Scalar(sql_type) => push(syn::Error::new_spanned(
                            attr,
                            format!(
                                "this type is already stored as {sql_type}; #[column(text)] is for types that would otherwise be jsonb"
                            ),
                        )),
                        Storage::Text => {}
                    }
                }
                if let Some(index) = &field.index
                    && column.storage == Storage::Json
                {
                    push(syn::Error::new(
                        index.span,
                        "a jsonb column cannot be indexed",
                    ));
                }
                columns.push(column);
            }
            Err(reason) => {
                push(syn::Error::new_spanned(field.ty, reason));
                columns.push(ColumnType {
                    storage: Storage::Json,
                    nullable: false,
                    inner: field.ty.clone(),
                });
            }
        }
        for mapping in &field.maps {
            if let Source::Envelope(name) = &mapping.source
                && !ENVELOPE_FIELDS.contains(&name.to_string().as_str())
            {
                push(syn::Error::new(
                    name.span(),
                    format!(
                        "unknown envelope value; expected one of {}",
                        ENVELOPE_FIELDS.join(", ")
                    ),
                ));
            }
            if field
                .maps
                .iter()
                .filter(|m| m.event == mapping.event)
                .count()
                > 1
            {
                push(syn::Error::new(
                    mapping.span,
                    format!("`{}` maps `{}` more than once", field.ident, mapping.event),
                ));
            }
        }
        for reduce in &field.reduces {
            if reduce.events.is_empty() {
                push(syn::Error::new(
                    reduce.span,
                    "reduce needs at least one event: #[reduce(Event, with = f)]",
                ));
            }
        }
        let special = field.aggregate_id.is_some() || field.version.is_some();
        let set_by_group = model.group_by.as_ref() == Some(field.ident);
        if !set_by_group {
            for mapping in field.maps.iter().filter(|m| m.left.is_some()) {
                push(syn::Error::new(
                    mapping.span,
                    "`left` names the group a stream leaves; it belongs on the group_by field's #[map_from_event]",
                ));
            }
        }
        if !special
            && !set_by_group
            && field.maps.is_empty()
            && field.reduces.is_empty()
            && field.on_leave.is_empty()
        {
            push(syn::Error::new_spanned(
                field.ident,
                "this field is never set; add #[map_from_event(...)] or #[reduce(...)]",
            ));
        }
    }

    // Events handled, in first-seen order.
    let mut events: Vec<Ident> = Vec::new();
    for field in &model.fields {
        let names = field
            .maps
            .iter()
            .map(|m| &m.event)
            .chain(field.reduces.iter().flat_map(|r| r.events.iter()));
        for event in names {
            if !events.iter().any(|e| e == event) {
                events.push(event.clone());
            }
        }
    }
    if events.is_empty() {
        push(syn::Error::new_spanned(
            model.ident,
            "a read model must handle at least one event",
        ));
    }

    // Streams leaving groups: `left` on the key's mappings and `#[on_leave]` go together.
    let moves = model.fields.iter().any(|f| {
        model.group_by.as_ref() == Some(f.ident) && f.maps.iter().any(|m| m.left.is_some())
    });
    let leaves = model.fields.iter().flat_map(|f| f.on_leave.iter());
    if moves {
        if model.fields.iter().all(|f| f.on_leave.is_empty()) {
            push(syn::Error::new(
                call_site,
                "a stream that leaves a group (`left = ...`) must change its row: add #[on_leave(with = f)] to a field",
            ));
        }
    } else {
        for on_leave in leaves {
            push(syn::Error::new(
                on_leave.span,
                "#[on_leave] needs a group_by field mapped with `left = \"field\"` (the group a stream leaves)",
            ));
        }
    }

    // Keys.
    let position = |pred: &dyn Fn(&Field<'_>) -> bool| -> Vec<usize> {
        model
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| pred(f))
            .map(|(i, _)| i)
            .collect()
    };
    let ids = position(&|f| f.aggregate_id.is_some());
    let versions = position(&|f| f.version.is_some());
    let mode = match &model.group_by {
        Some(group_by) => {
            for &i in ids.iter().chain(&versions) {
                push(syn::Error::new_spanned(
                    model.fields[i].ident,
                    "#[aggregate_id] and #[version] belong to per-aggregate read models, not group_by ones",
                ));
            }
            match model.fields.iter().position(|f| f.ident == group_by) {
                None => {
                    push(syn::Error::new_spanned(
                        group_by,
                        "group_by names no field of this struct",
                    ));
                    Mode::GroupBy { key: 0 }
                }
                Some(key) => {
                    let field = &model.fields[key];
                    if !is_string(field.ty) {
                        push(syn::Error::new_spanned(
                            field.ty,
                            "the group_by field must be a String",
                        ));
                    }
                    if !field.reduces.is_empty() {
                        push(syn::Error::new_spanned(
                            field.ident,
                            "the group_by field cannot be reduced",
                        ));
                    }
                    for event in &events {
                        if !field.maps.iter().any(|m| &m.event == event) {
                            push(syn::Error::new_spanned(
                                event,
                                format!(
                                    "`{event}` is handled by this read model, so the group_by field `{}` needs #[map_from_event({event}, ...)]",
                                    field.ident
                                ),
                            ));
                        }
                    }
                    Mode::GroupBy { key }
                }
            }
        }
        None => {
            if ids.len() != 1 {
                push(syn::Error::new(
                    call_site,
                    "a per-aggregate read model needs exactly one #[aggregate_id] String field (or use group_by = field)",
                ));
            }
            if versions.len() != 1 {
                push(syn::Error::new(
                    call_site,
                    "a per-aggregate read model needs exactly one #[version] i64 field (the last version applied)",
                ));
            }
            for &i in &ids {
                if !is_string(model.fields[i].ty) {
                    push(syn::Error::new_spanned(
                        model.fields[i].ty,
                        "the #[aggregate_id] field must be a String",
                    ));
                }
            }
            for &i in &versions {
                if !is_i64(model.fields[i].ty) {
                    push(syn::Error::new_spanned(
                        model.fields[i].ty,
                        "the #[version] field must be an i64",
                    ));
                }
            }
            Mode::PerAggregate {
                id: ids.first().copied().unwrap_or(0),
                version: versions.first().copied().unwrap_or(0),
            }
        }
    };

    match errors {
        Some(errors) => Err(errors),
        None => Ok(Checked {
            model,
            table,
            aggregate,
            mode,
            columns,
            events,
            asynchronous,
        }),
    }
}
