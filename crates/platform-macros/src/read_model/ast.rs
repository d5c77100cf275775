//! A typed view of the `ReadModel` input that keeps the syn nodes for spans.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Ident, LitStr, Path, Token, Type};

use crate::symbol::PROJECTION;
use crate::symbol::{
    AGGREGATE, AGGREGATE_ID, COLUMN, ENVELOPE, FROM, GROUP_BY, INDEX, LEFT, MAP_FROM_EVENT,
    ON_LEAVE, READ_MODEL, REDUCE, TABLE, TEXT, UNIQUE, VALUE, VERSION_FIELD, WITH,
};

/// The struct being derived.
pub struct Model<'a> {
    /// The struct's name.
    pub ident: &'a Ident,
    /// The original input, for spans.
    pub original: &'a DeriveInput,
    /// `table = "rm_..."`.
    pub table: Option<LitStr>,
    /// `aggregate = Type`.
    pub aggregate: Option<Path>,
    /// `group_by = field`.
    pub group_by: Option<Ident>,
    /// `projection = "inline" | "async"`.
    pub projection: Option<LitStr>,
    /// The named fields.
    pub fields: Vec<Field<'a>>,
}

/// One field, which is one column.
pub struct Field<'a> {
    /// The field (and column) name.
    pub ident: &'a Ident,
    /// Its type.
    pub ty: &'a Type,
    /// `#[aggregate_id]`, when present.
    pub aggregate_id: Option<&'a Attribute>,
    /// `#[version]`, when present.
    pub version: Option<&'a Attribute>,
    /// Every `#[map_from_event]`.
    pub maps: Vec<Mapping>,
    /// Every `#[reduce]`.
    pub reduces: Vec<Reduce>,
    /// Every `#[on_leave(with = path)]`.
    pub on_leave: Vec<OnLeave>,
    /// `#[index]` or `#[index(unique)]`.
    pub index: Option<Index>,
    /// Every `#[column(text)]` (one is allowed; `valid` says so).
    pub text: Vec<&'a Attribute>,
}

/// Where a mapped value comes from.
pub enum Source {
    /// The payload field of the same name.
    SameName,
    /// A payload field with another name (camelCase or snake_case).
    From(LitStr),
    /// A constant expression.
    Value(Box<Expr>),
    /// A value of the event's envelope.
    Envelope(Ident),
}

/// `#[map_from_event(Event, ...)]`.
pub struct Mapping {
    /// The event type (a variant of the aggregate's event enum).
    pub event: Ident,
    /// Where the value comes from.
    pub source: Source,
    /// `left = "field"`: the payload field naming the group the stream leaves.
    pub left: Option<LitStr>,
    /// The attribute's span.
    pub span: Span,
}

/// `#[on_leave(with = path)]`.
pub struct OnLeave {
    /// `fn(&mut FieldType, &EventEnvelope<Events>)`, called on the row a stream leaves.
    pub with: Path,
    /// The attribute's span.
    pub span: Span,
}

/// `#[reduce(Event, ..., with = path)]`.
pub struct Reduce {
    /// Events the reducer is called for.
    pub events: Vec<Ident>,
    /// `fn(&mut FieldType, &EventEnvelope<Events>)`.
    pub with: Path,
    /// The attribute's span.
    pub span: Span,
}

/// `#[index]` / `#[index(unique)]`.
pub struct Index {
    /// A unique index.
    pub unique: bool,
    /// The attribute's span.
    pub span: Span,
}

impl<'a> Model<'a> {
    /// Reads the input; fails on malformed attributes.
    pub fn from_syn(input: &'a DeriveInput) -> syn::Result<Self> {
        let Data::Struct(data) = &input.data else {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "ReadModel can only be derived for a struct with named fields",
            ));
        };
        let Fields::Named(named) = &data.fields else {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "ReadModel can only be derived for a struct with named fields",
            ));
        };
        let mut model = Model {
            ident: &input.ident,
            original: input,
            table: None,
            aggregate: None,
            group_by: None,
            projection: None,
            fields: Vec::new(),
        };
        for attr in input.attrs.iter().filter(|a| a.path().is_ident(READ_MODEL)) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident(TABLE) {
                    model.table = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident(AGGREGATE) {
                    let value = meta.value()?;
                    model.aggregate = Some(if value.peek(LitStr) {
                        value.parse::<LitStr>()?.parse()?
                    } else {
                        value.parse()?
                    });
                } else if meta.path.is_ident(GROUP_BY) {
                    let value = meta.value()?;
                    model.group_by = Some(if value.peek(LitStr) {
                        value.parse::<LitStr>()?.parse()?
                    } else {
                        value.parse()?
                    });
                } else if meta.path.is_ident(PROJECTION) {
                    model.projection = Some(meta.value()?.parse()?);
                } else {
                    return Err(meta.error(
                        "unknown read_model attribute; expected `table`, `aggregate`, `group_by` or `projection`",
                    ));
                }
                Ok(())
            })?;
        }
        for field in &named.named {
            model.fields.push(Field::from_syn(field)?);
        }
        Ok(model)
    }
}

impl<'a> Field<'a> {
    fn from_syn(field: &'a syn::Field) -> syn::Result<Self> {
        let ident = field
            .ident
            .as_ref()
            .ok_or_else(|| syn::Error::new_spanned(field, "fields must be named"))?;
        let mut out = Field {
            ident,
            ty: &field.ty,
            aggregate_id: None,
            version: None,
            maps: Vec::new(),
            reduces: Vec::new(),
            on_leave: Vec::new(),
            index: None,
            text: Vec::new(),
        };
        for attr in &field.attrs {
            let path = attr.path();
            if path.is_ident(AGGREGATE_ID) {
                attr.meta.require_path_only()?;
                out.aggregate_id = Some(attr);
            } else if path.is_ident(VERSION_FIELD) {
                attr.meta.require_path_only()?;
                out.version = Some(attr);
            } else if path.is_ident(MAP_FROM_EVENT) {
                out.maps.push(
                    attr.parse_args_with(|input: ParseStream| parse_mapping(input, attr.span()))?,
                );
            } else if path.is_ident(REDUCE) {
                out.reduces.push(
                    attr.parse_args_with(|input: ParseStream| parse_reduce(input, attr.span()))?,
                );
            } else if path.is_ident(ON_LEAVE) {
                let mut with = None;
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident(WITH) {
                        let value = meta.value()?;
                        with = Some(if value.peek(LitStr) {
                            value.parse::<LitStr>()?.parse()?
                        } else {
                            value.parse()?
                        });
                        Ok(())
                    } else {
                        Err(meta.error("expected `#[on_leave(with = path::to::reducer)]`"))
                    }
                })?;
                let with = with.ok_or_else(|| {
                    syn::Error::new_spanned(
                        attr,
                        "expected `#[on_leave(with = path::to::reducer)]`",
                    )
                })?;
                out.on_leave.push(OnLeave {
                    with,
                    span: attr.span(),
                });
            } else if path.is_ident(INDEX) {
                let mut unique = false;
                if !matches!(attr.meta, syn::Meta::Path(_)) {
                    attr.parse_nested_meta(|meta| {
                        if meta.path.is_ident(UNIQUE) {
                            unique = true;
                            Ok(())
                        } else {
                            Err(meta.error("expected `#[index]` or `#[index(unique)]`"))
                        }
                    })?;
                }
                out.index = Some(Index {
                    unique,
                    span: attr.span(),
                });
            } else if path.is_ident(COLUMN) {
                let mut text = false;
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident(TEXT) {
                        text = true;
                        Ok(())
                    } else {
                        Err(meta.error("expected `#[column(text)]`"))
                    }
                })?;
                if !text {
                    return Err(syn::Error::new_spanned(attr, "expected `#[column(text)]`"));
                }
                out.text.push(attr);
            }
        }
        Ok(out)
    }
}

fn parse_mapping(input: ParseStream<'_>, span: Span) -> syn::Result<Mapping> {
    let event: Ident = input.parse()?;
    let mut source = Source::SameName;
    let mut left = None;
    while input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        if key == LEFT {
            if left.is_some() {
                return Err(syn::Error::new(key.span(), "give `left` at most once"));
            }
            left = Some(if input.peek(LitStr) {
                input.parse::<LitStr>()?
            } else {
                let ident: Ident = input.parse()?;
                LitStr::new(&ident.to_string(), ident.span())
            });
            continue;
        }
        if !matches!(source, Source::SameName) {
            return Err(syn::Error::new(
                key.span(),
                "give at most one of `from`, `value` or `envelope`",
            ));
        }
        source = if key == FROM {
            Source::From(input.parse()?)
        } else if key == VALUE {
            Source::Value(Box::new(input.parse()?))
        } else if key == ENVELOPE {
            if input.peek(LitStr) {
                let lit: LitStr = input.parse()?;
                Source::Envelope(Ident::new(&lit.value(), lit.span()))
            } else {
                Source::Envelope(input.parse()?)
            }
        } else {
            return Err(syn::Error::new(
                key.span(),
                "unknown map_from_event option; expected `from = \"field\"`, `value = <expr>`, `envelope = name` or `left = \"field\"`",
            ));
        };
    }
    Ok(Mapping {
        event,
        source,
        left,
        span,
    })
}

fn parse_reduce(input: ParseStream<'_>, span: Span) -> syn::Result<Reduce> {
    let mut events = Vec::new();
    let mut with = None;
    while !input.is_empty() {
        if input.peek(Ident) && input.peek2(Token![=]) {
            let key: Ident = input.parse()?;
            if key != WITH {
                return Err(syn::Error::new(
                    key.span(),
                    "expected `with = path::to::reducer`",
                ));
            }
            input.parse::<Token![=]>()?;
            with = Some(if input.peek(LitStr) {
                input.parse::<LitStr>()?.parse()?
            } else {
                input.parse()?
            });
        } else {
            events.push(input.parse()?);
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    let with =
        with.ok_or_else(|| syn::Error::new(span, "reduce needs `with = path::to::reducer`"))?;
    Ok(Reduce { events, with, span })
}
