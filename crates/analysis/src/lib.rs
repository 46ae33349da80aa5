//! mmreport-analysis: from a workbook's bytes to its [`mmreport_core::results::Results`].
//!
//! The stages run in this order ([`pipeline::process`]): read (`mmreport-ingest`) →
//! [`validate`] (cohort rules) → [`cutoff`] (administrative censoring) → the clinical rules
//! (`mmreport-rules`) → [`derive`] (endpoints, responses, groupings) → [`adam`] (ADaM-named
//! datasets) → [`analyses`] (every table and figure, over `mmreport-stats`). [`changes`]
//! compares a report with the previous one.
pub mod adam;
pub mod analyses;
pub mod changes;
pub mod cutoff;
pub mod derive;
pub mod pipeline;
pub mod validate;

/// Every rule id that raises a finding, of every crate (the reader, the cohort rules, the
/// cut-off and the clinical rule sets): each has its message in both languages in
/// `crates/core/labels/findings.toml` (`finding.<rule>[#case]`).
pub fn finding_rules() -> Vec<&'static str> {
    let mut all = ingest::finding_rules();
    all.extend_from_slice(validate::rule::ALL);
    all.push(cutoff::RULE);
    all.extend_from_slice(rules::FINDING_RULES);
    all
}

use mmreport_core::{config, display, labels, model, results};
use mmreport_ingest as ingest;
use mmreport_rules as rules;
use mmreport_stats as stats;
