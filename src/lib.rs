//! mmreport: turns multiple myeloma case-record workbooks into validated,
//! publication-ready reports.
//!
//! Pipeline stages, one module each, data flowing one way:
//! `ingest` → `validate` → `derive` → `analysis` (over the pure `stats`) → `render` → `publish`,
//! driven by `batch` and the `mmreport` binary. `rules` holds the clinical rule sets (IMWG,
//! CTCAE, staging) as pure functions; `demo` writes the bundled example workbooks.
pub mod adam;
pub mod analysis;
pub mod batch;
pub mod changes;
pub mod config;
pub mod cutoff;
pub mod demo;
pub mod derive;
pub mod dictionary;
pub mod ingest;
pub mod model;
pub mod pipeline;
pub mod publish;
pub mod render;
pub mod results;
pub mod rules;
pub mod stats;
pub mod validate;
