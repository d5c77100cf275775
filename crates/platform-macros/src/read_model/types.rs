//! How a Rust field type maps to a PostgreSQL column.

use syn::{GenericArgument, PathArguments, Type};

/// How a value is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Bound and decoded directly, with this SQL type.
    Scalar(&'static str),
    /// Stored as jsonb through `sqlx::types::Json`.
    Json,
    /// `#[column(text)]`: stored as text, written with `Display`, read with `FromStr`.
    Text,
}

/// A field type, classified.
#[derive(Clone)]
pub struct ColumnType {
    /// How the (inner) value is stored.
    pub storage: Storage,
    /// `Option<T>`: the column is nullable.
    pub nullable: bool,
    /// The inner type (T of `Option<T>`).
    pub inner: Type,
}

impl ColumnType {
    /// SQL type name of the column.
    pub fn sql_type(&self) -> &'static str {
        match self.storage {
            Storage::Scalar(t) => t,
            Storage::Json => "jsonb",
            Storage::Text => "text",
        }
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

fn option_inner(ty: &Type) -> Option<&Type> {
    let segment = last_segment(ty)?;
    if segment.ident != "Option" {
        return None;
    }
    match &segment.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

/// Classifies a field type, or says why it has no column type.
pub fn classify(ty: &Type) -> Result<ColumnType, String> {
    let (nullable, inner) = match option_inner(ty) {
        Some(inner) => (true, inner),
        None => (false, ty),
    };
    if option_inner(inner).is_some() {
        return Err("Option<Option<T>> has no column type; use Option<T>".to_owned());
    }
    let storage = match inner {
        Type::Reference(_) => {
            return Err(
                "a read model owns its values; use an owned type such as String".to_owned(),
            );
        }
        Type::Path(_) => {
            let name = last_segment(inner)
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            match name.as_str() {
                "String" => Storage::Scalar("text"),
                "i64" => Storage::Scalar("bigint"),
                "i32" => Storage::Scalar("integer"),
                "i16" => Storage::Scalar("smallint"),
                "bool" => Storage::Scalar("boolean"),
                "f64" => Storage::Scalar("double precision"),
                "f32" => Storage::Scalar("real"),
                "Decimal" => Storage::Scalar("numeric"),
                "DateTime" => Storage::Scalar("timestamptz"),
                "NaiveDate" => Storage::Scalar("date"),
                "Uuid" => Storage::Scalar("uuid"),
                "Value" => Storage::Scalar("jsonb"),
                "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i128" | "isize" | "i8" => {
                    return Err(format!(
                        "`{name}` has no PostgreSQL column type; use i64 (bigint), i32 or i16"
                    ));
                }
                "char" | "str" => {
                    return Err(format!("`{name}` has no column type here; use String"));
                }
                _ => Storage::Json,
            }
        }
        Type::Tuple(t) if t.elems.is_empty() => {
            return Err("`()` has no column type".to_owned());
        }
        _ => Storage::Json,
    };
    Ok(ColumnType {
        storage,
        nullable,
        inner: inner.clone(),
    })
}

/// Whether a type is `String`.
pub fn is_string(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "String" && s.arguments.is_empty())
}

/// Whether a type is `i64`.
pub fn is_i64(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "i64")
}
