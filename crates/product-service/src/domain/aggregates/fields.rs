//! Rules on single fields that products and categories share.

/// Longest name of a product or category, in characters (after trimming).
pub const MAX_NAME_LEN: usize = 200;

/// Longest product description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 2000;

/// Whether `sku` matches `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`: 1 to 64 ASCII letters,
/// digits, dots, underscores and hyphens, starting with a letter or digit. No `:`, so
/// no SKU collides with the `name:` stream ids of the service's other aggregates.
pub fn is_valid_sku(sku: &str) -> bool {
    let mut bytes = sku.bytes();
    let Some(first) = bytes.next() else {
        return false;
    };
    sku.len() <= 64
        && first.is_ascii_alphanumeric()
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `name` trimmed, if it is not blank and not longer than [`MAX_NAME_LEN`]:
/// `Err(true)` when blank, `Err(false)` when too long.
pub(super) fn trimmed_name(name: &str) -> Result<String, bool> {
    match name.trim() {
        "" => Err(true),
        trimmed if trimmed.chars().count() > MAX_NAME_LEN => Err(false),
        trimmed => Ok(trimmed.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skus_are_letters_digits_and_a_few_marks() {
        for good in ["A", "sku-1", "ABC_12.x", &"a".repeat(64)] {
            assert!(is_valid_sku(good), "{good}");
        }
        for bad in [
            "",
            "-a",
            ".a",
            "a:b",
            "a b",
            "ä",
            &"a".repeat(65),
            "category:1",
        ] {
            assert!(!is_valid_sku(bad), "{bad}");
        }
    }
}
