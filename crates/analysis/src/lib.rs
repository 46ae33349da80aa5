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

use mmreport_core::{config, display, labels, model, results};
use mmreport_ingest as ingest;
use mmreport_rules as rules;
use mmreport_stats as stats;
