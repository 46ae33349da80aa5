//! Integration tests: one binary, a module per feature.
mod batch;
mod demo;
mod ingest;
mod rules;
mod stats;
mod util;
