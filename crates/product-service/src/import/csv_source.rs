//! `--csv FILE`: the rows of a CSV file with a header line naming its columns.

use std::fs::File;
use std::path::Path;

use csv::{ErrorKind, StringRecord};

use super::{COLUMNS, ImportError, Location, RawProduct, Record, Rows};

/// Where each known column is in a file's records.
#[derive(Debug, Clone, Copy)]
struct Columns([Option<usize>; COLUMNS.len()]);

impl Columns {
    /// The columns of `header`: names trimmed and compared without case; `sku` and
    /// `name` required; an unknown or repeated name refused (a misspelt `price` would
    /// otherwise import every product without one).
    fn of(header: &StringRecord) -> Result<Self, String> {
        let mut positions = [None; COLUMNS.len()];
        for (at, name) in header.iter().enumerate() {
            let name = name
                .trim_start_matches('\u{feff}')
                .trim()
                .to_ascii_lowercase();
            let Some(known) = COLUMNS.iter().position(|c| *c == name) else {
                return Err(format!(
                    "unknown column {name:?} (the columns are {})",
                    COLUMNS.join(", ")
                ));
            };
            if positions[known].replace(at).is_some() {
                return Err(format!("column {name:?} appears twice"));
            }
        }
        for required in ["sku", "name"] {
            if !header_has(&positions, required) {
                return Err(format!(
                    "no {required:?} column (the columns are {})",
                    COLUMNS.join(", ")
                ));
            }
        }
        Ok(Columns(positions))
    }

    fn get<'r>(&self, record: &'r StringRecord, column: usize) -> Option<&'r str> {
        self.0[column].and_then(|at| record.get(at))
    }

    fn product(&self, record: &StringRecord) -> RawProduct {
        let field = |column| self.get(record, column);
        RawProduct::from_fields(
            field(0).unwrap_or_default(),
            field(1).unwrap_or_default(),
            field(2),
            field(3),
            field(4),
            field(5),
        )
    }
}

fn header_has(positions: &[Option<usize>; COLUMNS.len()], name: &str) -> bool {
    COLUMNS
        .iter()
        .position(|c| *c == name)
        .is_some_and(|at| positions[at].is_some())
}

/// Opens `path`, counts its records and checks its header, then reads it on a
/// blocking task of its own.
pub(super) async fn open(path: &Path, file: &str) -> Result<Rows, ImportError> {
    let path = path.to_path_buf();
    let checked = path.clone();
    let (columns, count) = tokio::task::spawn_blocking(move || check(&checked))
        .await
        .map_err(|e| ImportError::Task(e.to_string()))??;
    let (sender, rows) = Rows::channel(Some(count));
    let file = file.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut reader = match reader(&path) {
            Ok(reader) => reader,
            Err(err) => {
                let _ = sender.blocking_send(Err(err));
                return;
            }
        };
        let mut record = StringRecord::new();
        // The header was read and checked: skip it.
        if let Err(source) = reader.read_record(&mut record) {
            let _ = sender.blocking_send(Err(ImportError::Read { path, source }));
            return;
        }
        loop {
            let next = match reader.read_record(&mut record) {
                Ok(false) => return,
                Ok(true) => Ok(Record {
                    location: Location::Csv {
                        file: file.clone(),
                        line: record.position().map_or(0, csv::Position::line),
                    },
                    fields: Ok(columns.product(&record)),
                }),
                Err(err) => unreadable(err, &file, &path),
            };
            let fatal = next.is_err();
            if sender.blocking_send(next).is_err() || fatal {
                return;
            }
        }
    });
    Ok(rows)
}

/// A record that cannot be read: a bad row when the reader can go on past it (wrong
/// field count, not UTF-8), otherwise the end of the import.
fn unreadable(err: csv::Error, file: &str, path: &Path) -> Result<Record, ImportError> {
    let line = err.position().map_or(0, csv::Position::line);
    let why = match err.kind() {
        ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        _ => {
            return Err(ImportError::Read {
                path: path.to_path_buf(),
                source: err,
            });
        }
    };
    Ok(Record {
        location: Location::Csv {
            file: file.to_owned(),
            line,
        },
        fields: Err(why),
    })
}

fn reader(path: &Path) -> Result<csv::Reader<File>, ImportError> {
    let file = File::open(path).map_err(|source| ImportError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(file))
}

/// The file's columns and the number of records after its header.
fn check(path: &Path) -> Result<(Columns, u64), ImportError> {
    let header_error = |reason: String| ImportError::Header {
        path: path.to_path_buf(),
        reason,
    };
    let mut reader = reader(path)?;
    let mut header = StringRecord::new();
    match reader.read_record(&mut header) {
        Ok(true) => {}
        Ok(false) => return Err(header_error("the file is empty".to_owned())),
        Err(err) if matches!(err.kind(), ErrorKind::Io(_)) => {
            return Err(ImportError::Read {
                path: path.to_path_buf(),
                source: err,
            });
        }
        Err(err) => return Err(header_error(err.to_string())),
    }
    let columns = Columns::of(&header).map_err(header_error)?;
    // Counted for progress; unreadable records count too (they are reported later).
    let mut count = 0;
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => count += 1,
            Err(err) if matches!(err.kind(), ErrorKind::Io(_)) => {
                return Err(ImportError::Read {
                    path: path.to_path_buf(),
                    source: err,
                });
            }
            Err(_) => count += 1,
        }
    }
    Ok((columns, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(names: &[&str]) -> Result<Columns, String> {
        Columns::of(&StringRecord::from(names.to_vec()))
    }

    #[test]
    fn a_header_names_sku_and_name_and_only_known_columns() {
        assert!(columns(&["sku", "name"]).is_ok());
        assert!(columns(&["\u{feff}SKU", " Name ", "price", "currency"]).is_ok());
        let missing = columns(&["sku", "description"]).err().unwrap_or_default();
        assert!(missing.starts_with("no \"name\" column"), "{missing}");
        let unknown = columns(&["sku", "name", "prize"]).err().unwrap_or_default();
        assert!(unknown.starts_with("unknown column \"prize\""), "{unknown}");
        let twice = columns(&["sku", "name", "sku"]).err().unwrap_or_default();
        assert!(twice.contains("appears twice"), "{twice}");
    }
}
