//! The import loop: rows checked in source order, then run as `Import` commands, a
//! bounded number at a time.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use platform_core::{Aggregate, AuthenticatedUser, DEFAULT_TENANT, Metadata};
use platform_service::{AppState, Caller, CommandContext, HandlerError};
use product_contracts::Money;
use rust_decimal::Decimal;
use tokio::task::JoinSet;

use super::{BadRow, ImportError, Location, RawProduct, Record, RowProblem, Rows};
use crate::domain::{Product, ProductCommand, category_stream};

/// The user recorded with every imported event.
const IMPORT_USER: &str = "import";

/// How an import runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The tenant the products go into.
    pub tenant: String,
    /// Commands running at once (at least 1).
    pub concurrency: usize,
    /// Stop at the first bad row.
    pub strict: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            tenant: DEFAULT_TENANT.to_owned(),
            concurrency: 8,
            strict: false,
        }
    }
}

/// Counts of an import so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Rows read from the source.
    pub read: u64,
    /// Rows whose command has finished, or that were skipped as bad.
    pub done: u64,
    /// Products imported (a `ProductImported` appended).
    pub imported: u64,
    /// Products whose SKU was already a product of the tenant (skipped).
    pub already_there: u64,
    /// Bad rows (skipped).
    pub bad: u64,
}

/// Told what an import does as it goes (the command line shows it; a benchmark does
/// not care).
pub trait ImportObserver {
    /// A row was skipped as bad.
    fn bad_row(&mut self, _bad: &BadRow) {}
    /// A row was read or finished.
    fn progress(&mut self, _tally: &Tally) {}
}

impl ImportObserver for () {}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The counts.
    pub tally: Tally,
    /// How long it took.
    pub elapsed: Duration,
    /// The correlation id recorded with its events (`import-{uuidv7}`).
    pub correlation_id: String,
}

impl ImportSummary {
    /// Products (imported or already there) per second.
    pub fn products_per_second(&self) -> f64 {
        (self.tally.imported + self.tally.already_there) as f64
            / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {}, already there {}, bad {} in {:.1} s ({:.0} products/s)",
            self.tally.imported,
            self.tally.already_there,
            self.tally.bad,
            self.elapsed.as_secs_f64(),
            self.products_per_second()
        )
    }
}

/// What became of a row whose command ran.
enum Outcome {
    Imported,
    AlreadyThere,
    Rejected(BadRow),
}

/// Why the loop stopped early.
enum Stop {
    Strict(BadRow),
    Failed(ImportError),
}

/// Imports every row of `rows` into the catalog of `options.tenant`: each good row is
/// one `Import` command creating the stream of its SKU (`StreamExpectation::New`), run
/// through the service's executor with inline projection, up to `options.concurrency`
/// at once, started in source order. A SKU that is already a product is counted as
/// already there, so running the same source again imports nothing twice. Bad rows
/// are given to `observer` and skipped (with `options.strict`, the import stops at
/// the first one). The events carry the user `import`, the run's correlation id
/// `import-{uuidv7}` and the row's location as causation.
pub async fn import_products<O: ImportObserver + ?Sized>(
    state: &AppState,
    mut rows: Rows,
    options: &ImportOptions,
    observer: &mut O,
) -> Result<ImportSummary, ImportError> {
    let started = Instant::now();
    let correlation_id = format!("import-{}", uuid::Uuid::now_v7());
    let mut checker = Checker::new(state, &options.tenant);
    let caller = Caller::authenticated(AuthenticatedUser {
        id: IMPORT_USER.to_owned(),
        roles: Vec::new(),
        tenant: options.tenant.clone(),
    });
    let mut tally = Tally::default();
    let mut running: JoinSet<(Location, Result<Outcome, HandlerError>)> = JoinSet::new();
    let mut stop = None;
    while stop.is_none() {
        while running.len() >= options.concurrency.max(1) && stop.is_none() {
            if let Some(done) = running.join_next().await {
                stop = finish(done, &mut tally, options, observer);
            }
        }
        if stop.is_some() {
            break;
        }
        let record = match rows.next().await {
            None => break,
            Some(Err(err)) => {
                stop = Some(Stop::Failed(err));
                break;
            }
            Some(Ok(record)) => record,
        };
        tally.read += 1;
        match checker.check(record).await {
            Ok(Checked::Run {
                location,
                sku,
                command,
            }) => {
                let metadata = Metadata {
                    correlation_id: Some(correlation_id.clone()),
                    causation_id: Some(location.causation()),
                    user_id: Some(IMPORT_USER.to_owned()),
                    traceparent: None,
                };
                let ctx = state.command_context(metadata, caller.clone());
                running.spawn(async move {
                    let outcome = run(&ctx, &location, &sku, command).await;
                    (location, outcome)
                });
            }
            Ok(Checked::Bad(bad)) => {
                tally.bad += 1;
                tally.done += 1;
                observer.bad_row(&bad);
                if options.strict {
                    stop = Some(Stop::Strict(bad));
                }
            }
            Err(err) => stop = Some(Stop::Failed(err)),
        }
        observer.progress(&tally);
    }
    // What was started finishes (each product is its own command), whatever stopped
    // the loop; the first reason to stop is the one reported.
    drop(rows);
    while let Some(done) = running.join_next().await {
        let also = finish(done, &mut tally, options, observer);
        stop = stop.or(also);
    }
    match stop {
        None => Ok(ImportSummary {
            tally,
            elapsed: started.elapsed(),
            correlation_id,
        }),
        Some(Stop::Strict(bad)) => Err(ImportError::Strict {
            bad: Box::new(bad),
            imported: tally.imported,
        }),
        Some(Stop::Failed(err)) => Err(err),
    }
}

/// Counts a finished command; a reason to stop, if it gives one.
fn finish<O: ImportObserver + ?Sized>(
    done: Result<(Location, Result<Outcome, HandlerError>), tokio::task::JoinError>,
    tally: &mut Tally,
    options: &ImportOptions,
    observer: &mut O,
) -> Option<Stop> {
    tally.done += 1;
    let stop = match done {
        Ok((_, Ok(Outcome::Imported))) => {
            tally.imported += 1;
            None
        }
        Ok((_, Ok(Outcome::AlreadyThere))) => {
            tally.already_there += 1;
            None
        }
        Ok((_, Ok(Outcome::Rejected(bad)))) => {
            tally.bad += 1;
            observer.bad_row(&bad);
            options.strict.then_some(Stop::Strict(bad))
        }
        Ok((location, Err(source))) => Some(Stop::Failed(ImportError::Command {
            location,
            source: Box::new(source),
        })),
        Err(err) => Some(Stop::Failed(ImportError::Task(err.to_string()))),
    };
    observer.progress(tally);
    stop
}

/// Runs one product's `Import`. The stream must not exist: a SKU that is already a
/// product breaks `sku_taken` (or conflicts, when it appeared between the decision
/// and the append), and is already there.
async fn run(
    ctx: &CommandContext,
    location: &Location,
    sku: &str,
    command: ProductCommand,
) -> Result<Outcome, HandlerError> {
    match ctx.create::<Product>(sku, command).await {
        Ok(_) => Ok(Outcome::Imported),
        Err(HandlerError::Conflict(_)) => Ok(Outcome::AlreadyThere),
        Err(HandlerError::Rule {
            code: "sku_taken", ..
        }) => Ok(Outcome::AlreadyThere),
        Err(HandlerError::Rule { code, message }) => Ok(Outcome::Rejected(BadRow {
            location: location.clone(),
            problem: RowProblem::Rejected { code, message },
        })),
        Err(other) => Err(other),
    }
}

/// A row after its checks.
enum Checked {
    /// Run this command on the stream `sku`.
    Run {
        location: Location,
        sku: String,
        command: ProductCommand,
    },
    /// Skip it.
    Bad(BadRow),
}

/// Checks rows in source order: their fields, SKUs not seen before in the source,
/// categories the catalog knows, and the product rules (decided by the aggregate
/// itself on an empty stream, so the import and the service never disagree).
struct Checker<'a> {
    state: &'a AppState,
    tenant: &'a str,
    seen: HashMap<String, Location>,
    categories: HashMap<String, bool>,
}

impl<'a> Checker<'a> {
    fn new(state: &'a AppState, tenant: &'a str) -> Self {
        Checker {
            state,
            tenant,
            seen: HashMap::new(),
            categories: HashMap::new(),
        }
    }

    async fn check(&mut self, record: Record) -> Result<Checked, ImportError> {
        let location = record.location;
        let bad = |problem| {
            Ok(Checked::Bad(BadRow {
                location: location.clone(),
                problem,
            }))
        };
        let product = match record.fields {
            Ok(product) => product,
            Err(why) => return bad(RowProblem::Unreadable(why)),
        };
        let (product, price) = match price(product) {
            Ok(checked) => checked,
            Err(problem) => return bad(problem),
        };
        let command = ProductCommand::Import {
            sku: product.sku.clone(),
            name: product.name,
            description: product.description.unwrap_or_default(),
            category_id: product.category_id.clone(),
            price,
            source: location.causation(),
        };
        if let Err(rule) = Product::default().handle(command.clone()) {
            return bad(RowProblem::Rule(rule));
        }
        if let Some(first) = self.seen.get(&product.sku) {
            return bad(RowProblem::DuplicateSku {
                sku: product.sku,
                first: first.to_string(),
            });
        }
        if let Some(category_id) = &product.category_id
            && !self.category_exists(category_id).await?
        {
            return bad(RowProblem::UnknownCategory(category_id.clone()));
        }
        self.seen.insert(product.sku.clone(), location.clone());
        Ok(Checked::Run {
            location,
            sku: product.sku,
            command,
        })
    }

    /// Whether the catalog of the tenant has this category (asked once per id).
    async fn category_exists(&mut self, category_id: &str) -> Result<bool, ImportError> {
        if let Some(known) = self.categories.get(category_id) {
            return Ok(*known);
        }
        let version = self
            .state
            .store()
            .in_tenant(self.tenant)
            .stream_version(&category_stream(category_id))
            .await?;
        self.categories.insert(category_id.to_owned(), version > 0);
        Ok(version > 0)
    }
}

/// The row's price as money: a decimal (as the catalog's API reads one: at most 15
/// integer and 10 fraction digits) with a currency. A currency without a price is
/// ignored.
fn price(product: RawProduct) -> Result<(RawProduct, Option<Money>), RowProblem> {
    let Some(text) = product.price.as_deref() else {
        return Ok((product, None));
    };
    if !is_decimal_text(text) {
        return Err(RowProblem::MalformedPrice(text.to_owned()));
    }
    let amount =
        Decimal::from_str(text).map_err(|_| RowProblem::MalformedPrice(text.to_owned()))?;
    let Some(currency) = product.currency.clone() else {
        return Err(RowProblem::CurrencyRequired(text.to_owned()));
    };
    Ok((product, Some(Money::new(amount, currency))))
}

/// `-?[0-9]{1,15}(\.[0-9]{1,10})?`.
fn is_decimal_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits =
        |s: &str, max: usize| (1..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole, 15) && fraction.is_none_or(|f| all_digits(f, 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priced(price: Option<&str>, currency: Option<&str>) -> Result<Option<Money>, RowProblem> {
        let raw = RawProduct::from_fields("SKU-1", "Kettle", None, None, price, currency);
        super::price(raw).map(|(_, money)| money)
    }

    #[test]
    fn a_price_is_a_plain_decimal_with_a_currency() {
        assert_eq!(
            priced(Some("19.99"), Some("EUR")),
            Ok(Some(Money::new(Decimal::new(1999, 2), "EUR")))
        );
        assert_eq!(priced(None, Some("EUR")), Ok(None));
        assert_eq!(priced(Some(" "), None), Ok(None));
        for malformed in [
            "12,50",
            "1e3",
            "1_000",
            ".5",
            "5.",
            "abc",
            "1234567890123456",
        ] {
            assert_eq!(
                priced(Some(malformed), Some("EUR")),
                Err(RowProblem::MalformedPrice(malformed.to_owned())),
                "{malformed}"
            );
        }
        assert_eq!(
            priced(Some("5"), None),
            Err(RowProblem::CurrencyRequired("5".to_owned()))
        );
    }
}
