//! Integration tests: one binary, a module per feature.
mod cli;
mod demo;
mod ingest;
mod paper;
mod rules;
mod stats;
mod util;
