//! The files a new service is made of, embedded from `templates/`, and the placeholders
//! filled in them.
//!
//! Templates are plain files (`*.rs.tmpl`, `*.toml.tmpl`, so the workspace neither
//! compiles nor lints them) with placeholders replaced by plain string substitution, in
//! their text and in their output paths. For the name `credit-note` and port 3100:
//!
//! | placeholder | value |
//! |---|---|
//! | `{{name}}` | `credit-note` |
//! | `{{Name}}` | `CreditNote` |
//! | `{{nameCamel}}` | `creditNote` |
//! | `{{name_snake}}` | `credit_note` |
//! | `{{names_snake}}` | `credit_notes` |
//! | `{{Names}}` | `CreditNotes` |
//! | `{{name_words}}` | `credit note` |
//! | `{{names_words}}` | `credit notes` |
//! | `{{a_name_words}}` | `a credit note` (`an invoice`) |
//! | `{{A_name_words}}` | `A credit note` (`An invoice`) |
//! | `{{port}}` | `3100` |

use crate::name::ServiceName;

/// One generated file: where it goes inside its crate (placeholders allowed) and its
/// template text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    /// The path inside the crate, e.g. `src/commands/create_{{name_snake}}.rs`.
    pub path: &'static str,
    /// The template text.
    pub text: &'static str,
}

/// Declares a template: its output path and its file under `templates/`.
macro_rules! template {
    ($path:literal, $file:literal) => {
        Template {
            path: $path,
            text: include_str!(concat!("../templates/", $file)),
        }
    };
}

/// The files of `crates/<name>-contracts`.
pub const CONTRACTS: &[Template] = &[
    template!("Cargo.toml", "contracts/Cargo.toml.tmpl"),
    template!("src/lib.rs", "contracts/src/lib.rs.tmpl"),
    template!("src/commands/mod.rs", "contracts/src/commands/mod.rs.tmpl"),
    template!(
        "src/commands/create_{{name_snake}}.rs",
        "contracts/src/commands/create.rs.tmpl"
    ),
    template!(
        "src/commands/rename_{{name_snake}}.rs",
        "contracts/src/commands/rename.rs.tmpl"
    ),
    template!("src/queries/mod.rs", "contracts/src/queries/mod.rs.tmpl"),
    template!(
        "src/queries/get_{{name_snake}}.rs",
        "contracts/src/queries/get.rs.tmpl"
    ),
    template!(
        "src/queries/{{name_snake}}_view.rs",
        "contracts/src/queries/view.rs.tmpl"
    ),
    template!("src/events/mod.rs", "contracts/src/events/mod.rs.tmpl"),
    template!(
        "src/events/{{name_snake}}_created.rs",
        "contracts/src/events/created.rs.tmpl"
    ),
    template!(
        "src/events/{{name_snake}}_renamed.rs",
        "contracts/src/events/renamed.rs.tmpl"
    ),
];

/// The files of `crates/<name>-service`.
pub const SERVICE: &[Template] = &[
    template!("Cargo.toml", "service/Cargo.toml.tmpl"),
    template!("config/default.toml", "service/config/default.toml.tmpl"),
    template!("src/lib.rs", "service/src/lib.rs.tmpl"),
    template!("src/main.rs", "service/src/main.rs.tmpl"),
    template!("src/domain/mod.rs", "service/src/domain/mod.rs.tmpl"),
    template!(
        "src/domain/aggregates/mod.rs",
        "service/src/domain/aggregates/mod.rs.tmpl"
    ),
    template!(
        "src/domain/aggregates/{{name_snake}}.rs",
        "service/src/domain/aggregates/aggregate.rs.tmpl"
    ),
    template!(
        "src/domain/aggregates/{{name_snake}}_command.rs",
        "service/src/domain/aggregates/command.rs.tmpl"
    ),
    template!(
        "src/domain/aggregates/{{name_snake}}_error.rs",
        "service/src/domain/aggregates/error.rs.tmpl"
    ),
    template!(
        "src/domain/aggregates/{{name_snake}}_tests.rs",
        "service/src/domain/aggregates/tests.rs.tmpl"
    ),
    template!("src/commands/mod.rs", "service/src/commands/mod.rs.tmpl"),
    template!(
        "src/commands/limits.rs",
        "service/src/commands/limits.rs.tmpl"
    ),
    template!(
        "src/commands/create_{{name_snake}}.rs",
        "service/src/commands/create.rs.tmpl"
    ),
    template!(
        "src/commands/rename_{{name_snake}}.rs",
        "service/src/commands/rename.rs.tmpl"
    ),
    template!("src/queries/mod.rs", "service/src/queries/mod.rs.tmpl"),
    template!(
        "src/queries/get_{{name_snake}}.rs",
        "service/src/queries/get.rs.tmpl"
    ),
    template!(
        "src/read_models/mod.rs",
        "service/src/read_models/mod.rs.tmpl"
    ),
    template!(
        "src/read_models/{{name_snake}}.rs",
        "service/src/read_models/read_model.rs.tmpl"
    ),
    template!(
        "src/subscribers/mod.rs",
        "service/src/subscribers/mod.rs.tmpl"
    ),
    template!(
        "src/subscribers/{{name_snake}}_created.rs",
        "service/src/subscribers/created.rs.tmpl"
    ),
];

/// Every placeholder the templates may use, as written in them.
pub const PLACEHOLDERS: &[&str] = &[
    "{{name}}",
    "{{Name}}",
    "{{nameCamel}}",
    "{{name_snake}}",
    "{{names_snake}}",
    "{{Names}}",
    "{{name_words}}",
    "{{names_words}}",
    "{{a_name_words}}",
    "{{A_name_words}}",
    "{{port}}",
];

/// The values of the placeholders for one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholders {
    values: Vec<(&'static str, String)>,
}

impl Placeholders {
    /// The placeholder values for a service name and HTTP port.
    pub fn new(name: &ServiceName, port: u16) -> Self {
        let words = name.spaced();
        let article = if words.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        let values = [
            name.kebab().to_owned(),
            name.pascal(),
            name.camel(),
            name.snake(),
            name.plural_snake(),
            name.plural_pascal(),
            words.clone(),
            name.plural_spaced(),
            format!("{article} {words}"),
            format!(
                "{}{} {words}",
                article[..1].to_ascii_uppercase(),
                &article[1..]
            ),
            port.to_string(),
        ];
        Placeholders {
            values: PLACEHOLDERS.iter().copied().zip(values).collect(),
        }
    }

    /// The text with every placeholder replaced by its value.
    pub fn render(&self, template: &str) -> String {
        self.values
            .iter()
            .fold(template.to_owned(), |text, (placeholder, value)| {
                text.replace(placeholder, value)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(name: &str) -> Placeholders {
        Placeholders::new(&ServiceName::parse(name).expect("a valid name"), 3100)
    }

    #[test]
    fn every_placeholder_has_its_value() {
        let rendered = placeholders("credit-note").render(&PLACEHOLDERS.join(" "));
        assert_eq!(
            rendered,
            "credit-note CreditNote creditNote credit_note credit_notes CreditNotes \
             credit note credit notes a credit note A credit note 3100"
        );
        let rendered = placeholders("invoice").render("{{a_name_words}}, {{A_name_words}}");
        assert_eq!(rendered, "an invoice, An invoice");
    }

    #[test]
    fn braces_around_a_placeholder_stay() {
        let rendered = placeholders("invoice").render("use a::{{{Name}}, {{Name}}Event};");
        assert_eq!(rendered, "use a::{Invoice, InvoiceEvent};");
    }

    #[test]
    fn templates_use_known_placeholders_only() {
        let all = placeholders("invoice");
        for template in CONTRACTS.iter().chain(SERVICE) {
            for text in [template.path, template.text] {
                let rendered = all.render(text);
                assert!(
                    !rendered.contains("{{") && !rendered.contains("}}"),
                    "{}: an unknown placeholder is left: {rendered}",
                    template.path
                );
            }
        }
    }
}
