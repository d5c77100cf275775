//! Every SQL statement of the read-model runtime.
//!
//! - `ddl`: tables and indexes from declarations, and the swap of a rebuilt table.
//! - `rows`: reading, locking and writing `rm_*` rows (also as co-writes of an append).
//! - `ledger`: the platform's bookkeeping tables, `read_models` (declarations, rebuild
//!   positions) and `read_model_streams` (versions applied to group_by models).

pub(crate) mod ddl;
pub(crate) mod ledger;
pub(crate) mod rows;
