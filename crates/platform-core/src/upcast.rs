//! Schema evolution of stored events: upcasters turn a payload of schema version k
//! into k+1, chained up to the version the code reads. Stored rows are never rewritten;
//! every read path upcasts.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::Metadata;
use crate::event::EventDecodeError;

/// Turns a payload of `from_version` into the next version's shape.
#[derive(Debug, Clone, Copy)]
pub enum UpcastFn {
    /// From the payload alone.
    Payload(fn(serde_json::Value) -> Result<serde_json::Value, String>),
    /// From the payload and the event's metadata (e.g. a field that older versions
    /// kept only in `userId`).
    WithMetadata(fn(serde_json::Value, &Metadata) -> Result<serde_json::Value, String>),
}

/// One upcaster, registered at link time with [`register_upcaster!`](crate::register_upcaster).
#[derive(Debug)]
pub struct UpcasterRegistration {
    /// The stored event type it reads.
    pub event_type: &'static str,
    /// The schema version it reads; it writes `from_version + 1`.
    pub from_version: i32,
    /// The transformation.
    pub upcast: UpcastFn,
    /// The Rust module it was registered in (which service module owns it).
    pub module_path: &'static str,
}

inventory::collect!(UpcasterRegistration);

/// Every registered upcaster.
pub fn upcast_registrations() -> impl Iterator<Item = &'static UpcasterRegistration> {
    inventory::iter::<UpcasterRegistration>.into_iter()
}

/// Registers an upcaster: `register_upcaster!("ItemAdded", 1, item_added_v1_to_v2);`
/// for a `fn(Value) -> Result<Value, String>`, or with `with_metadata` for a
/// `fn(Value, &Metadata) -> Result<Value, String>` that reads the event's metadata.
#[macro_export]
macro_rules! register_upcaster {
    ($event_type:expr, $from_version:expr, $upcast:path) => {
        $crate::__private::inventory::submit! {
            $crate::UpcasterRegistration {
                event_type: $event_type,
                from_version: $from_version,
                upcast: $crate::UpcastFn::Payload($upcast),
                module_path: module_path!(),
            }
        }
    };
    ($event_type:expr, $from_version:expr, $upcast:path, with_metadata) => {
        $crate::__private::inventory::submit! {
            $crate::UpcasterRegistration {
                event_type: $event_type,
                from_version: $from_version,
                upcast: $crate::UpcastFn::WithMetadata($upcast),
                module_path: module_path!(),
            }
        }
    };
}

fn upcasters() -> &'static HashMap<(&'static str, i32), UpcastFn> {
    static UPCASTERS: OnceLock<HashMap<(&'static str, i32), UpcastFn>> = OnceLock::new();
    UPCASTERS.get_or_init(|| {
        let mut all = HashMap::new();
        for r in inventory::iter::<UpcasterRegistration> {
            all.entry((r.event_type, r.from_version))
                .or_insert(r.upcast);
        }
        all
    })
}

/// Event types and versions with more than one upcaster registered (a start-up error).
pub fn conflicting_upcasters() -> Vec<String> {
    let mut seen = HashMap::new();
    for r in inventory::iter::<UpcasterRegistration> {
        *seen.entry((r.event_type, r.from_version)).or_insert(0) += 1;
    }
    let mut conflicts: Vec<String> = seen
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|((t, v), _)| format!("{t} v{v}"))
        .collect();
    conflicts.sort();
    conflicts
}

/// Whether a stored payload of this type and version needs upcasting.
pub fn needs_upcast(event_type: &str, schema_version: i32) -> bool {
    upcasters().contains_key(&(event_type, schema_version))
}

/// Whether upcasting a stored payload of this type and version reads its metadata.
pub fn upcast_reads_metadata(event_type: &str, schema_version: i32) -> bool {
    let mut version = schema_version;
    while let Some(step) = upcasters().get(&(event_type, version)) {
        if matches!(step, UpcastFn::WithMetadata(_)) {
            return true;
        }
        version += 1;
    }
    false
}

/// Upcasts a stored payload through every registered step; `None` when none applies
/// (the payload is current), else the final version and payload. `metadata` is the
/// event's, for steps that read it ([`upcast_reads_metadata`]); when such a step
/// meets `None`, it sees empty metadata.
pub fn upcast(
    event_type: &str,
    schema_version: i32,
    payload: &str,
    metadata: Option<&Metadata>,
) -> Result<Option<(i32, String)>, EventDecodeError> {
    if !needs_upcast(event_type, schema_version) {
        return Ok(None);
    }
    let failed = |from_version: i32, reason: String| EventDecodeError::Upcast {
        event_type: event_type.to_owned(),
        from_version,
        reason,
    };
    let mut value: serde_json::Value =
        serde_json::from_str(payload).map_err(|e| failed(schema_version, e.to_string()))?;
    let mut version = schema_version;
    let empty = Metadata::default();
    while let Some(step) = upcasters().get(&(event_type, version)) {
        value = match step {
            UpcastFn::Payload(f) => f(value),
            UpcastFn::WithMetadata(f) => f(value, metadata.unwrap_or(&empty)),
        }
        .map_err(|reason| failed(version, reason))?;
        version += 1;
    }
    let text = serde_json::to_string(&value).map_err(|e| failed(version, e.to_string()))?;
    Ok(Some((version, text)))
}
