//! Integration tests: one binary, a module per feature.
// Test code may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod batch;
mod cli;
mod ctcae6;
mod demo;
mod excel_report;
mod figures;
mod high_risk;
mod html;
mod ingest;
mod language;
mod language_xlsx;
mod messages;
mod mrd;
mod paper;
mod real_data;
mod refractoriness;
mod report;
mod report_fit;
mod reviewers;
mod rgolden;
mod rules;
mod site_input;
mod snapshot;
mod stats;
mod util;
mod xlsx;

/// `tests/golden/`: R's expected values and the R scripts that made them.
fn golden_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}
