//! Service names: the kebab-case name given on the command line, checked once, and the
//! forms the templates spell it in.

use std::fmt;

use crate::error::ScaffoldError;
use crate::rule::{MAX_NAME_LEN, NameRule};

mod reserved;

use reserved::{KEYWORDS, RESERVED_PASCAL, RESERVED_SNAKE, RESERVED_SUFFIXES};

/// A valid service name in kebab case (`credit-note`), with the forms derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceName {
    kebab: String,
}

impl ServiceName {
    /// Checks a name: `[a-z][a-z0-9-]*`, single inner hyphens, at most
    /// [`MAX_NAME_LEN`] characters, no `-service`/`-contracts` suffix, no Rust keyword,
    /// no name the generated code already uses.
    pub fn parse(name: &str) -> Result<Self, ScaffoldError> {
        check(name).map_err(|rule| ScaffoldError::InvalidName {
            name: name.to_owned(),
            rule,
        })?;
        Ok(ServiceName {
            kebab: name.to_owned(),
        })
    }

    /// The name as given: `credit-note`.
    pub fn kebab(&self) -> &str {
        &self.kebab
    }

    /// PascalCase, for types: `CreditNote`.
    pub fn pascal(&self) -> String {
        self.words().map(capitalized).collect()
    }

    /// camelCase, for JSON fields: `creditNote`.
    pub fn camel(&self) -> String {
        let pascal = self.pascal();
        let mut chars = pascal.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_ascii_lowercase().to_string() + chars.as_str()
        })
    }

    /// snake_case, for modules, crates and fields: `credit_note`.
    pub fn snake(&self) -> String {
        self.kebab.replace('-', "_")
    }

    /// The plural in snake case, for tables: `credit_notes`.
    pub fn plural_snake(&self) -> String {
        plural(&self.snake())
    }

    /// The plural in PascalCase: `CreditNotes`.
    pub fn plural_pascal(&self) -> String {
        plural(&self.pascal())
    }

    /// Words for prose: `credit note`.
    pub fn spaced(&self) -> String {
        self.kebab.replace('-', " ")
    }

    /// The plural in words for prose: `credit notes`.
    pub fn plural_spaced(&self) -> String {
        plural(&self.spaced())
    }

    /// The contracts crate: `credit-note-contracts`.
    pub fn contracts_crate(&self) -> String {
        format!("{}-contracts", self.kebab)
    }

    /// The service crate, and its binary: `credit-note-service`.
    pub fn service_crate(&self) -> String {
        format!("{}-service", self.kebab)
    }

    fn words(&self) -> impl Iterator<Item = &str> {
        self.kebab.split('-')
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kebab)
    }
}

fn check(name: &str) -> Result<(), NameRule> {
    let Some(first) = name.chars().next() else {
        return Err(NameRule::Empty);
    };
    let len = name.chars().count();
    if len > MAX_NAME_LEN {
        return Err(NameRule::TooLong(len));
    }
    if !first.is_ascii_lowercase() {
        return Err(NameRule::Start(first));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(NameRule::Character(bad));
    }
    if name.ends_with('-') || name.contains("--") {
        return Err(NameRule::Hyphen);
    }
    if let Some(suffix) = RESERVED_SUFFIXES.iter().find(|s| name.ends_with(*s)) {
        return Err(NameRule::Suffix(suffix));
    }
    let name = ServiceName {
        kebab: name.to_owned(),
    };
    let snake = name.snake();
    if KEYWORDS.contains(&snake.as_str()) {
        return Err(NameRule::Keyword(snake));
    }
    if RESERVED_SNAKE.contains(&snake.as_str()) {
        return Err(NameRule::Reserved(snake));
    }
    let pascal = name.pascal();
    if RESERVED_PASCAL.contains(&pascal.as_str()) {
        return Err(NameRule::Reserved(pascal));
    }
    Ok(())
}

/// The word with its first letter in upper case.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

/// The English plural of a phrase's last word, by the regular rules: `-s`, `-x`, `-z`,
/// `-ch`, `-sh` take `-es`; a consonant and `-y` become `-ies`; anything else takes `-s`.
/// Irregular plurals (`person`) come out regular: rename them by hand.
pub fn plural(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| lower.ends_with(end))
    {
        return format!("{word}es");
    }
    if let Some(stem) = word.strip_suffix('y')
        && stem
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphabetic() && !"aeiouAEIOU".contains(c))
    {
        return format!("{stem}ies");
    }
    format!("{word}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> ServiceName {
        ServiceName::parse(text).expect("a valid name")
    }

    fn rule(text: &str) -> NameRule {
        match ServiceName::parse(text) {
            Err(ScaffoldError::InvalidName { rule, .. }) => rule,
            other => panic!("expected an invalid name for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn forms_of_a_one_word_name() {
        let invoice = name("invoice");
        assert_eq!(invoice.kebab(), "invoice");
        assert_eq!(invoice.pascal(), "Invoice");
        assert_eq!(invoice.camel(), "invoice");
        assert_eq!(invoice.snake(), "invoice");
        assert_eq!(invoice.plural_snake(), "invoices");
        assert_eq!(invoice.plural_pascal(), "Invoices");
        assert_eq!(invoice.spaced(), "invoice");
        assert_eq!(invoice.contracts_crate(), "invoice-contracts");
        assert_eq!(invoice.service_crate(), "invoice-service");
    }

    #[test]
    fn forms_of_a_kebab_case_name() {
        let note = name("credit-note");
        assert_eq!(note.pascal(), "CreditNote");
        assert_eq!(note.camel(), "creditNote");
        assert_eq!(note.snake(), "credit_note");
        assert_eq!(note.plural_snake(), "credit_notes");
        assert_eq!(note.plural_pascal(), "CreditNotes");
        assert_eq!(note.spaced(), "credit note");
        assert_eq!(note.plural_spaced(), "credit notes");
        let probe = name("ci-probe2-x");
        assert_eq!(probe.pascal(), "CiProbe2X");
        assert_eq!(probe.snake(), "ci_probe2_x");
    }

    #[test]
    fn plurals_follow_the_regular_rules() {
        for (one, many) in [
            ("invoice", "invoices"),
            ("category", "categories"),
            ("credit_note", "credit_notes"),
            ("address", "addresses"),
            ("box", "boxes"),
            ("batch", "batches"),
            ("wish", "wishes"),
            ("day", "days"),
            ("key", "keys"),
            ("Category", "Categories"),
            ("CreditNote", "CreditNotes"),
        ] {
            assert_eq!(plural(one), many, "{one}");
        }
        assert_eq!(name("category").plural_snake(), "categories");
        assert_eq!(name("address").plural_snake(), "addresses");
        assert_eq!(
            name("delivery-address").plural_spaced(),
            "delivery addresses"
        );
    }

    #[test]
    fn invalid_names_say_which_rule_they_break() {
        assert_eq!(rule(""), NameRule::Empty);
        assert_eq!(rule(&"a".repeat(41)), NameRule::TooLong(41));
        assert_eq!(rule("Invoice"), NameRule::Start('I'));
        assert_eq!(rule("-invoice"), NameRule::Start('-'));
        assert_eq!(rule("1invoice"), NameRule::Start('1'));
        assert_eq!(rule("credit_note"), NameRule::Character('_'));
        assert_eq!(rule("creditNote"), NameRule::Character('N'));
        assert_eq!(rule("crédit"), NameRule::Character('é'));
        assert_eq!(rule("invoice-"), NameRule::Hyphen);
        assert_eq!(rule("credit--note"), NameRule::Hyphen);
        assert_eq!(rule("invoice-service"), NameRule::Suffix("-service"));
        assert_eq!(rule("invoice-contracts"), NameRule::Suffix("-contracts"));
        assert_eq!(rule("type"), NameRule::Keyword("type".into()));
        assert_eq!(rule("macro-rules"), NameRule::Keyword("macro_rules".into()));
        assert_eq!(rule("core"), NameRule::Reserved("core".into()));
        assert_eq!(rule("result"), NameRule::Reserved("Result".into()));
        assert_eq!(rule("read-model"), NameRule::Reserved("ReadModel".into()));
        assert!(ServiceName::parse(&"a".repeat(40)).is_ok());
        assert!(ServiceName::parse("types").is_ok());
    }

    #[test]
    fn the_error_names_the_input_and_the_rule_on_one_line() {
        let err = ServiceName::parse("credit--note").expect_err("refused");
        let text = err.to_string();
        assert!(text.contains("`credit--note`"), "{text}");
        assert!(text.contains("hyphens"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }
}
