//! mmreport-core: the types every stage of mmreport shares, and nothing that computes.
//!
//! - [`model`]: the case-record model a workbook is read into (every value with its cell).
//! - [`config`]: the configuration, resolved once; its defaults are the embedded TOML files
//!   of `config/` (the single source of defaults), a site file adds to them.
//! - [`rules_config`]: the thresholds of the clinical rules (`config/rules.toml`).
//! - [`dictionary`]: the data dictionary (columns, aliases, units) built from the config.
//! - [`labels`]: the bilingual label catalogs (`labels/*.toml`, with an override directory).
//! - [`results`]: `Results`, everything one workbook's report shows; with [`adam`] (the
//!   ADaM-named datasets) and [`changes`] (the comparison with the previous report) it is
//!   `results.json`, the one input of every renderer.
//! - [`display`]: the bilingual display text of configured names, and journal typography.
//! - [`breaks`]: axis breaks of every figure and number-at-risk table (issue 14).
//! - [`failure`]: why a workbook has no report, as a catalog code with parameters.
//! - [`text`]: control characters no output may carry, and their replacement.
pub mod adam;
pub mod breaks;
pub mod changes;
pub mod config;
mod config_checks;
pub mod dictionary;
pub mod display;
pub mod failure;
pub mod grouping;
pub mod labels;
pub mod merge;
pub mod model;
pub mod names;
pub mod notes;
pub mod results;
pub mod rules_config;
pub mod text;
