//! `new service` against throwaway workspaces in the temp directory.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A workspace in the temp directory with a root manifest and one service whose config
/// takes port 3000; removed when dropped.
struct TempWorkspace {
    root: PathBuf,
}

impl TempWorkspace {
    fn new(manifest: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "platform-cli-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let config = root.join("crates/order-service/config");
        fs::create_dir_all(&config).expect("a temp workspace");
        fs::write(root.join("Cargo.toml"), manifest).expect("a root manifest");
        fs::write(
            config.join("default.toml"),
            "service_name = \"order-service\"\nhttp_port = 3000\n",
        )
        .expect("a service config");
        TempWorkspace { root }
    }

    fn with_glob() -> Self {
        Self::new("[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\"]\n")
    }

    /// The entries of `crates/`, by name.
    fn crates(&self) -> BTreeSet<String> {
        fs::read_dir(self.root.join("crates"))
            .expect("crates/")
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    fn manifest(&self) -> String {
        fs::read_to_string(self.root.join("Cargo.toml")).expect("the root manifest")
    }
}

impl Drop for TempWorkspace {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn request(name: &str, port: u16) -> NewService {
    NewService {
        name: ServiceName::parse(name).expect("a valid name"),
        port,
        workspace: None,
        format: false,
    }
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn it_generates_both_crates_with_every_placeholder_filled() {
    let workspace = TempWorkspace::with_glob();
    let created = new_service(&request("credit-note", 3100), &workspace.root).expect("generated");

    let expected: BTreeSet<PathBuf> = [
        "crates/credit-note-contracts/Cargo.toml",
        "crates/credit-note-contracts/src/lib.rs",
        "crates/credit-note-contracts/src/commands/mod.rs",
        "crates/credit-note-contracts/src/commands/create_credit_note.rs",
        "crates/credit-note-contracts/src/commands/rename_credit_note.rs",
        "crates/credit-note-contracts/src/queries/mod.rs",
        "crates/credit-note-contracts/src/queries/get_credit_note.rs",
        "crates/credit-note-contracts/src/queries/credit_note_view.rs",
        "crates/credit-note-contracts/src/events/mod.rs",
        "crates/credit-note-contracts/src/events/credit_note_created.rs",
        "crates/credit-note-contracts/src/events/credit_note_renamed.rs",
        "crates/credit-note-service/Cargo.toml",
        "crates/credit-note-service/config/default.toml",
        "crates/credit-note-service/src/lib.rs",
        "crates/credit-note-service/src/main.rs",
        "crates/credit-note-service/src/domain/mod.rs",
        "crates/credit-note-service/src/domain/aggregates/mod.rs",
        "crates/credit-note-service/src/domain/aggregates/credit_note.rs",
        "crates/credit-note-service/src/domain/aggregates/credit_note_command.rs",
        "crates/credit-note-service/src/domain/aggregates/credit_note_error.rs",
        "crates/credit-note-service/src/domain/aggregates/credit_note_tests.rs",
        "crates/credit-note-service/src/commands/mod.rs",
        "crates/credit-note-service/src/commands/limits.rs",
        "crates/credit-note-service/src/commands/create_credit_note.rs",
        "crates/credit-note-service/src/commands/rename_credit_note.rs",
        "crates/credit-note-service/src/queries/mod.rs",
        "crates/credit-note-service/src/queries/get_credit_note.rs",
        "crates/credit-note-service/src/read_models/mod.rs",
        "crates/credit-note-service/src/read_models/credit_note.rs",
        "crates/credit-note-service/src/subscribers/mod.rs",
        "crates/credit-note-service/src/subscribers/credit_note_created.rs",
    ]
    .into_iter()
    .map(PathBuf::from)
    .collect();
    assert_eq!(
        created.files.iter().cloned().collect::<BTreeSet<_>>(),
        expected
    );
    assert_eq!(created.files.len(), expected.len(), "no file twice");

    for file in &created.files {
        let text = fs::read_to_string(workspace.root.join(file)).expect("a generated file");
        assert!(
            !text.contains("{{"),
            "{}: a placeholder is left",
            file.display()
        );
    }
    assert_eq!(
        workspace.crates(),
        set(&[
            "credit-note-contracts",
            "credit-note-service",
            "order-service"
        ]),
        "nothing but the two crates is left in crates/"
    );
    let config = fs::read_to_string(
        workspace
            .root
            .join("crates/credit-note-service/config/default.toml"),
    )
    .expect("the config");
    for line in [
        "service_name = \"credit-note-service\"",
        "db_name = \"credit_note_eventstore\"",
        "http_port = 3100",
        "auth_mode = \"none\"",
    ] {
        assert!(config.lines().any(|l| l == line), "config lacks {line}");
    }
    let read_model = fs::read_to_string(
        workspace
            .root
            .join("crates/credit-note-service/src/read_models/credit_note.rs"),
    )
    .expect("the read model");
    assert!(read_model.contains("table = \"rm_credit_notes\""));
    assert!(created.members_added.is_empty());
    assert_eq!(
        workspace.manifest(),
        "[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\"]\n"
    );

    let report = created.to_string();
    for line in [
        "cargo test -p credit-note-service",
        "cargo run -p credit-note-service",
        "localhost:3100/api/commands/CreateCreditNote",
        "localhost:3100/api/queries/GetCreditNote -d '{\"creditNoteId\":",
    ] {
        assert!(report.contains(line), "the report lacks {line}:\n{report}");
    }
}

#[test]
fn it_is_found_from_inside_the_workspace_or_named() {
    let workspace = TempWorkspace::with_glob();
    let inside = workspace.root.join("crates/order-service/config");
    let created = new_service(&request("invoice", 3100), &inside).expect("generated");
    assert_eq!(created.root, workspace.root);

    let elsewhere = TempWorkspace::with_glob();
    let named = NewService {
        workspace: Some(workspace.root.clone()),
        ..request("category", 3101)
    };
    new_service(&named, &elsewhere.root).expect("generated");
    assert!(workspace.root.join("crates/category-service").is_dir());
    assert_eq!(elsewhere.crates(), set(&["order-service"]));
}

#[test]
fn an_existing_crate_directory_is_refused_and_nothing_is_written() {
    let workspace = TempWorkspace::with_glob();
    fs::create_dir(workspace.root.join("crates/invoice-service")).expect("a clash");
    let err = new_service(&request("invoice", 3100), &workspace.root).expect_err("refused");
    assert!(
        matches!(&err, ScaffoldError::TargetExists(dir) if dir.ends_with("crates/invoice-service")),
        "{err:?}"
    );
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(
        workspace.crates(),
        set(&["invoice-service", "order-service"])
    );
}

#[test]
fn a_port_another_service_has_is_refused_and_nothing_is_written() {
    let workspace = TempWorkspace::with_glob();
    let err = new_service(&request("invoice", 3000), &workspace.root).expect_err("refused");
    match &err {
        ScaffoldError::PortTaken { port, owner, .. } => {
            assert_eq!((*port, owner.as_str()), (3000, "order-service"));
        }
        other => panic!("expected PortTaken, got {other:?}"),
    }
    assert_eq!(err.exit_code(), 2);
    assert_eq!(err.to_string().lines().count(), 1, "one line: {err}");
    assert_eq!(workspace.crates(), set(&["order-service"]));
}

#[test]
fn a_directory_without_a_workspace_is_refused() {
    let workspace = TempWorkspace::with_glob();
    let not_a_root = NewService {
        workspace: Some(workspace.root.join("crates")),
        ..request("invoice", 3100)
    };
    let err = new_service(&not_a_root, &workspace.root).expect_err("refused");
    assert!(matches!(err, ScaffoldError::NotAWorkspace(_)), "{err:?}");
    assert_eq!(err.exit_code(), 2);
    assert_eq!(workspace.crates(), set(&["order-service"]));
}

#[test]
fn members_are_added_when_no_glob_covers_crates() {
    let workspace =
        TempWorkspace::new("[workspace]\nmembers = [\"crates/order-service\"]\nresolver = \"3\"\n");
    let created = new_service(&request("invoice", 3100), &workspace.root).expect("generated");
    assert_eq!(
        created.members_added,
        ["crates/invoice-contracts", "crates/invoice-service"]
    );
    assert_eq!(
        workspace.manifest(),
        "[workspace]\nmembers = [\"crates/order-service\", \"crates/invoice-contracts\", \
         \"crates/invoice-service\"]\nresolver = \"3\"\n"
    );
    assert!(
        created
            .to_string()
            .contains("Added to the workspace members")
    );
}

#[test]
fn formatted_sources_pass_rustfmt_check() {
    let workspace = TempWorkspace::with_glob();
    let long = NewService {
        format: true,
        ..request("purchase-order-line-adjustment", 3100)
    };
    let created = new_service(&long, &workspace.root).expect("generated");
    if let Some(reason) = &created.unformatted {
        // No rustfmt here: the report says so, and there is nothing to check.
        assert!(created.to_string().contains(reason.as_str()));
        return;
    }
    let sources: Vec<PathBuf> = created
        .files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        .map(|f| workspace.root.join(f))
        .collect();
    let status = Command::new("rustfmt")
        .args(["--check", "--edition", "2024"])
        .args(&sources)
        .status()
        .expect("rustfmt runs");
    assert!(
        status.success(),
        "the generated sources are not rustfmt-clean"
    );
}
