//! `new service`: checks, renders into a staging directory inside `crates/`, formats,
//! and renames the two crates into place, so a failure leaves nothing behind.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::ScaffoldError;
use crate::name::ServiceName;
use crate::templates::{CONTRACTS, Placeholders, SERVICE, Template};
use crate::workspace::{self, Workspace};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewService {
    /// The service's name.
    pub name: ServiceName,
    /// Its HTTP port (`http_port` of its config).
    pub port: u16,
    /// The workspace root, when given; otherwise found from the working directory.
    pub workspace: Option<PathBuf>,
    /// Whether to run `rustfmt` over the generated sources (so they pass `cargo fmt
    /// --check` whatever the name's length); skipped with a note when it cannot run.
    pub format: bool,
}

/// What was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The workspace root.
    pub root: PathBuf,
    /// The service's name.
    pub name: ServiceName,
    /// Its HTTP port.
    pub port: u16,
    /// Every file written, relative to the root, in template order.
    pub files: Vec<PathBuf>,
    /// The members added to the root `Cargo.toml` (none when `crates/*` covers them).
    pub members_added: Vec<String>,
    /// Why `rustfmt` did not format the sources, if it did not.
    pub unformatted: Option<String>,
}

/// Generates `crates/<name>-contracts` and `crates/<name>-service` in the workspace
/// found from `cwd` (or the one the request names), or refuses without writing
/// anything.
pub fn new_service(request: &NewService, cwd: &Path) -> Result<Created, ScaffoldError> {
    let workspace = match &request.workspace {
        Some(dir) => Workspace::at(&cwd.join(dir))?,
        None => Workspace::find(cwd)?,
    };
    let name = &request.name;
    let crates = workspace.crates_dir();
    let targets = [
        (name.contracts_crate(), CONTRACTS),
        (name.service_crate(), SERVICE),
    ];
    for (dir, _) in &targets {
        let target = crates.join(dir);
        if target.symlink_metadata().is_ok() {
            return Err(ScaffoldError::TargetExists(target));
        }
    }
    if let Some(taken) = workspace.port_owner(request.port)? {
        return Err(ScaffoldError::PortTaken {
            port: request.port,
            owner: taken.owner,
            config: taken.config,
        });
    }
    let manifest = workspace.manifest()?;
    let members_added: Vec<String> = if workspace::members_cover_crates(&manifest) {
        Vec::new()
    } else {
        targets
            .iter()
            .map(|(dir, _)| format!("crates/{dir}"))
            .collect()
    };

    let placeholders = Placeholders::new(name, request.port);
    let staging = Staging::create(&crates, name)?;
    let mut files = Vec::new();
    for (dir, templates) in &targets {
        for file in write_crate(&staging.path.join(dir), templates, &placeholders)? {
            files.push(Path::new("crates").join(dir).join(file));
        }
    }
    let unformatted = if request.format {
        format_sources(&staging.path, &workspace::workspace_edition(&manifest)).err()
    } else {
        Some("formatting was not asked for".to_owned())
    };

    let mut placed = Placed::default();
    for (dir, _) in &targets {
        let target = crates.join(dir);
        fs::rename(staging.path.join(dir), &target)
            .map_err(ScaffoldError::io("moving into place", &target))?;
        placed.dirs.push(target);
    }
    if !members_added.is_empty() {
        let path = workspace.manifest_path();
        write_atomically(&path, &workspace::with_members(&manifest, &members_added))?;
    }
    placed.keep();
    drop(staging);
    Ok(Created {
        root: workspace.root().to_path_buf(),
        name: name.clone(),
        port: request.port,
        files,
        members_added,
        unformatted,
    })
}

/// Writes one crate's files under `dir`; returns their paths relative to it.
fn write_crate(
    dir: &Path,
    templates: &[Template],
    placeholders: &Placeholders,
) -> Result<Vec<PathBuf>, ScaffoldError> {
    let mut written = Vec::with_capacity(templates.len());
    for template in templates {
        let relative = PathBuf::from(placeholders.render(template.path));
        let path = dir.join(&relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(ScaffoldError::io("creating", parent))?;
        }
        fs::write(&path, placeholders.render(template.text))
            .map_err(ScaffoldError::io("writing", &path))?;
        written.push(relative);
    }
    Ok(written)
}

/// Runs `rustfmt` (`$RUSTFMT`, or the one on `PATH`) over every `.rs` file under `dir`;
/// says why when it could not.
fn format_sources(dir: &Path, edition: &str) -> Result<(), String> {
    let mut sources = Vec::new();
    collect_sources(dir, &mut sources)
        .map_err(|err| format!("listing {}: {err}", dir.display()))?;
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let output = Command::new(&rustfmt)
        .arg("--edition")
        .arg(edition)
        .args(&sources)
        .output()
        .map_err(|err| format!("cannot run {}: {err}", rustfmt.to_string_lossy()))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("no message");
        Err(format!("rustfmt failed ({}): {first}", output.status))
    }
}

/// Every `.rs` file under `dir`, recursively.
fn collect_sources(dir: &Path, sources: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_sources(&path, sources)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            sources.push(path);
        }
    }
    Ok(())
}

/// Replaces a file by writing its new text next to it and renaming it over.
fn write_atomically(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    let temporary = path.with_extension(format!("toml.platform-cli-{}", std::process::id()));
    fs::write(&temporary, text).map_err(ScaffoldError::io("writing", &temporary))?;
    fs::rename(&temporary, path).map_err(|err| {
        let _ = fs::remove_file(&temporary);
        ScaffoldError::io("replacing", path)(err)
    })
}

/// The staging directory `crates/.platform-cli-<name>-<pid>`, removed when dropped
/// (with whatever is still in it), and `crates/` too when this run created it.
struct Staging {
    path: PathBuf,
    created_crates: Option<PathBuf>,
}

impl Staging {
    fn create(crates: &Path, name: &ServiceName) -> Result<Self, ScaffoldError> {
        let created_crates = if crates.is_dir() {
            None
        } else {
            fs::create_dir(crates).map_err(ScaffoldError::io("creating", crates))?;
            Some(crates.to_path_buf())
        };
        let path = crates.join(format!(".platform-cli-{name}-{}", std::process::id()));
        let staging = Staging {
            path,
            created_crates,
        };
        fs::create_dir(&staging.path).map_err(ScaffoldError::io("creating", &staging.path))?;
        Ok(staging)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
        if let Some(crates) = &self.created_crates {
            // Only if empty: the crates moved into it stay.
            let _ = fs::remove_dir(crates);
        }
    }
}

/// Crates already moved into place, removed again when dropped unless kept.
#[derive(Default)]
struct Placed {
    dirs: Vec<PathBuf>,
}

impl Placed {
    fn keep(&mut self) {
        self.dirs.clear();
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        for dir in &self.dirs {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

impl fmt::Display for Created {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.name;
        let service = name.service_crate();
        let (pascal, camel) = (name.pascal(), name.camel());
        writeln!(f, "Created the {name} service in {}:", self.root.display())?;
        for file in &self.files {
            writeln!(f, "  {}", file.display())?;
        }
        if self.members_added.is_empty() {
            writeln!(f, "Both crates are workspace members through `crates/*`.")?;
        } else {
            writeln!(
                f,
                "Added to the workspace members in Cargo.toml: {}.",
                self.members_added.join(", ")
            )?;
        }
        if let Some(reason) = &self.unformatted {
            writeln!(f, "Not formatted ({reason}): run `cargo fmt --all`.")?;
        }
        writeln!(f)?;
        writeln!(f, "Next:")?;
        writeln!(f, "  cargo test -p {service}")?;
        writeln!(
            f,
            "  cargo run -p {service}      # HTTP on port {}, database {}_eventstore",
            self.port,
            name.snake()
        )?;
        writeln!(
            f,
            "  curl -s -XPOST -H 'content-type: application/json' localhost:{}/api/commands/Create{pascal} \
             -d '{{\"title\":\"First\",\"ownerId\":\"owner-1\"}}'",
            self.port
        )?;
        writeln!(f, "  # {{\"{camel}Id\":\"01…\"}}")?;
        writeln!(
            f,
            "  curl -s -XPOST -H 'content-type: application/json' localhost:{}/api/queries/Get{pascal} \
             -d '{{\"{camel}Id\":\"01…\"}}'",
            self.port
        )
    }
}

#[cfg(test)]
mod tests;
