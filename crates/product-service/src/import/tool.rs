//! `product-service import`: the command line of an import.

use std::path::PathBuf;

use platform_core::DEFAULT_TENANT;
use platform_service::{AppState, Tool};

use super::display::Display;
use super::{ImportError, ImportOptions, Rows, import_products};

/// `product-service import`, hosted by [`service()`](crate::service).
#[derive(Debug, Clone, Copy)]
pub struct ImportProducts;

/// What `product-service import` does, for `--help`.
const ABOUT: &str = "Import existing products (a CSV file or a table of another database) as ProductImported events";

/// The arguments of `product-service import`.
#[derive(Debug, Clone, clap::Args)]
// The derive would otherwise show this doc comment as the subcommand's about.
#[command(about = ABOUT, long_about = None)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["csv", "from_table"])))]
pub struct ImportArgs {
    /// A CSV file whose header names its columns: sku, name, description, category_id,
    /// price, currency (sku and name required).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// A table of another database with those columns (`table` or `schema.table`).
    #[arg(long, value_name = "TABLE", requires = "source_url")]
    pub from_table: Option<String>,
    /// The database holding `--from-table`, e.g. postgres://user@host/legacy_db.
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,
    /// The tenant the products go into.
    #[arg(long, default_value = DEFAULT_TENANT)]
    pub tenant: String,
    /// Commands running at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Stop at the first bad row, with a failure exit (products imported before it stay).
    #[arg(long)]
    pub strict: bool,
}

impl Tool for ImportProducts {
    type Args = ImportArgs;
    type Error = ImportError;
    const NAME: &'static str = "import";
    const ABOUT: &'static str = "Import existing products (a CSV file or a table of another database) as ProductImported events";

    async fn run(state: AppState, args: ImportArgs) -> Result<(), ImportError> {
        let rows = match (&args.csv, &args.from_table, &args.source_url) {
            (Some(path), _, _) => Rows::csv(path, &path.display().to_string()).await?,
            (None, Some(table), Some(url)) => Rows::table(url, table).await?,
            // clap requires a source, and a URL with a table.
            _ => {
                return Err(ImportError::Table {
                    table: args.from_table.unwrap_or_default(),
                    reason: "--from-table needs --source-url".to_owned(),
                });
            }
        };
        let options = ImportOptions {
            tenant: args.tenant,
            concurrency: usize::from(args.concurrency),
            strict: args.strict,
        };
        let mut display = Display::new(rows.expected());
        let outcome = import_products(&state, rows, &options, &mut display).await;
        display.finish();
        let summary = outcome?;
        eprintln!(
            "events recorded with correlation id {}",
            summary.correlation_id
        );
        println!("{summary}");
        Ok(())
    }
}
