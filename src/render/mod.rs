//! Renderers: they only read [`crate::results::Results`] and never compute.
pub mod text;
