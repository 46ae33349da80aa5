//! mmreport: turns multiple myeloma case-record workbooks into validated,
//! publication-ready reports.
//!
//! The pipeline is a cargo workspace, one crate per stage, data flowing one way (the
//! compiler enforces it: no crate depends on a later stage):
//!
//! | crate | stage |
//! |---|---|
//! | `mmreport-stats` | survival statistics and tests to R's standard (pure, no I/O) |
//! | `mmreport-core` | model, configuration, labels, `Results` |
//! | `mmreport-rules` | IMWG, CTCAE and staging rules, pure functions |
//! | `mmreport-ingest` | workbook → model |
//! | `mmreport-analysis` | validate, cut-off, derive, ADaM, analyses → `Results` |
//! | `mmreport-render` | `Results` → HTML, Excel, figures, text |
//! | `mmreport-demo` | the bundled example workbooks |
//! | `mmreport` (this crate) | the binary: [`batch`] (the nightly run) and [`publish`] |
//!
//! The modules re-exported here under their former names keep one import path for the
//! integration tests, benchmarks and examples.
pub mod batch;
pub mod map;
pub mod publish;

pub use mmreport_analysis::analyses as analysis;
pub use mmreport_analysis::finding_rules;
pub use mmreport_analysis::{changes, cutoff, derive, pipeline, validate};
pub use mmreport_core::{config, dictionary, failure, model, results, text};
pub use mmreport_demo as demo;
pub use mmreport_ingest as ingest;
pub use mmreport_render as render;
pub use mmreport_rules as rules;
pub use mmreport_stats as stats;

/// The ADaM-named datasets: the row types (`mmreport-core`) and their builder.
pub mod adam {
    pub use mmreport_analysis::adam::build;
    pub use mmreport_core::adam::*;
}
