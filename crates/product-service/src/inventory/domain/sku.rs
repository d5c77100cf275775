use std::fmt;

/// The longest SKU, in characters.
const MAX_LEN: usize = 64;

/// A product's SKU, checked: `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$` (so never a `:`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sku(String);

/// A text that is not a SKU (a 400 where it comes from a request).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sku {0:?} must match ^[A-Za-z0-9][A-Za-z0-9._-]{{0,63}}$")]
pub struct InvalidSku(pub String);

impl Sku {
    /// Checks `text` as a SKU.
    pub fn parse(text: &str) -> Result<Self, InvalidSku> {
        let mut bytes = text.bytes();
        let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphanumeric());
        let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if first_ok && rest_ok && text.len() <= MAX_LEN {
            Ok(Sku(text.to_owned()))
        } else {
            Err(InvalidSku(text.to_owned()))
        }
    }

    /// The SKU as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of its stock's stream: `inventory:{sku}`.
    pub fn stream_id(&self) -> String {
        format!("inventory:{}", self.0)
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skus_are_checked() {
        for good in ["A", "sku-1", "SKU.2_b-3", &"a".repeat(64)] {
            assert_eq!(
                Sku::parse(good).map(|s| s.stream_id()),
                Ok(format!("inventory:{good}"))
            );
        }
        for bad in [
            "",
            "-a",
            ".a",
            "a:b",
            "a b",
            "é",
            &"a".repeat(65),
            "inventory:x",
        ] {
            assert!(Sku::parse(bad).is_err(), "{bad:?}");
        }
    }
}
