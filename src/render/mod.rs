//! Renderers: they only read [`crate::results::Results`] and never compute. `labels` and
//! `format` are shared so that every output prints the same words and numbers.
pub mod figures;
pub mod format;
pub mod html;
pub mod labels;
pub mod text;
pub mod xlsx;
