//! Integration tests: one binary, a module per feature.
mod cli;
mod demo;
mod ingest;
mod rules;
mod stats;
mod util;
mod xlsx;
