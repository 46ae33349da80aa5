//! Integration tests: one binary, a module per feature.
// Test code may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod batch;
mod cli;
mod demo;
mod html;
mod ingest;
mod paper;
mod report;
mod rules;
mod snapshot;
mod stats;
mod util;
mod xlsx;
