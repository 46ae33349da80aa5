//! `Results`: everything one workbook's report shows, computed once and written as
//! `results.json` (`results-json.md`). Renderers read it and never compute; its shape is a
//! public interface, versioned by [`SCHEMA_VERSION`].

use crate::adam::Datasets;
use crate::model::Finding;
use serde::{Deserialize, Serialize};

/// Bumped on any breaking change of the shape.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generator {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    pub patient_id: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CohortSummary {
    pub patients_read: usize,
    pub patients_analysed: usize,
    pub excluded: Vec<Excluded>,
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingCounts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub schema_version: u32,
    pub generator: Generator,
    pub input: Input,
    pub config_sha256: String,
    pub time_unit: String,
    pub data_cutoff: String,
    pub language: String,
    pub cohort: CohortSummary,
    pub finding_counts: FindingCounts,
    pub findings: Vec<Finding>,
    /// IMWG disease-state classification per patient (see `rules`).
    #[serde(default)]
    pub imwg: Vec<serde_json::Value>,
    /// Rule-set outputs: summary, derived responses, staging, diagnosis checks.
    #[serde(default)]
    pub validation: Validation,
    /// Derived per-patient datasets (ADSL, ADTTE, ADRS, ADAE).
    pub datasets: Datasets,
}

impl FindingCounts {
    pub fn of(findings: &[Finding]) -> Self {
        let mut c = FindingCounts::default();
        for f in findings {
            match f.severity {
                crate::model::Severity::Error => c.error += 1,
                crate::model::Severity::Warning => c.warning += 1,
                crate::model::Severity::Info => c.info += 1,
            }
        }
        c
    }
}

/// The validation section: what the IMWG/CTCAE/staging rule sets derived.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    pub summary: serde_json::Value,
    pub derived_responses: Vec<serde_json::Value>,
    pub staging: Vec<serde_json::Value>,
    pub diagnosis: Vec<serde_json::Value>,
}
