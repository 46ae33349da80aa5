//! Renderers: they only read [`crate::results::Results`] and never compute. `labels` and
//! `format` are shared so that every output prints the same words and numbers.
pub mod figures;
pub mod format;
pub mod html;
/// The label catalogs (in `mmreport-core`: the analyses label their rows in English too).
pub use mmreport_core::labels;
pub mod text;
pub mod xlsx;

use mmreport_core::{config, model, results};
