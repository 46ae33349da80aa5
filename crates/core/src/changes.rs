//! What changed since the previous report of the same workbook (`changes.json`): patients
//! added or removed, new progressions and deaths, findings, and the headline numbers that
//! moved (medians, ORR, log-rank p-values). The types only: the comparison of two `Results`
//! is `mmreport_analysis::changes::compare`. The batch run carries it in `Results.changes`
//! (so every renderer shows it), writes it as `changes.json` beside `results.json`, and
//! summarises it in the index. `#[serde(default)]` everywhere, so that more measures can be
//! added without breaking readers.

use crate::model::FindingCounts;
use serde::{Deserialize, Serialize};

/// Bumped on any breaking change of the shape of `changes.json`.
pub const CHANGES_SCHEMA_VERSION: u32 = 1;

/// The previous report the comparison is against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Previous {
    /// SHA-256 of the workbook the previous report was made from.
    pub input_sha256: String,
    pub data_cutoff: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PatientChanges {
    pub before: usize,
    pub after: usize,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// An event (progression, death) a patient did not have in the previous report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewEvent {
    pub patient_id: String,
    /// `PFS` (progression or death, per configuration) or `OS` (death).
    pub endpoint: String,
    pub event_date: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FindingChanges {
    pub before: FindingCounts,
    pub after: FindingCounts,
}

/// A number of the report that moved (medians, ORR, p-values: filled as they are added).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeasureChange {
    pub name: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
}

/// `changes.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Changes {
    pub schema_version: u32,
    /// `None` for the first report of a workbook.
    pub previous: Option<Previous>,
    pub patients: PatientChanges,
    pub new_events: Vec<NewEvent>,
    pub findings: FindingChanges,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<MeasureChange>,
    /// Set when a previous report exists but could not be read: why the comparison was not
    /// possible (the report says so instead of calling itself the first one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_compared: Option<String>,
}

impl Changes {
    /// One line for the index and the run log, e.g. `+2 patients, 1 new PFS event`.
    pub fn summary(&self) -> String {
        self.summary_in(crate::labels::Labels::english())
    }

    /// [`Changes::summary`] in the language of `labels` (`[changes_line]` of the catalogs:
    /// the index of a Chinese site is Chinese).
    pub fn summary_in(&self, labels: &crate::labels::Labels) -> String {
        let l = |key: &str| labels.get(&format!("changes_line.{key}")).to_string();
        if let Some(reason) = &self.not_compared {
            return l("not_compared").replace("{reason}", reason);
        }
        if self.previous.is_none() {
            return l("first").replace("{n}", &self.patients.after.to_string());
        }
        let mut parts = Vec::new();
        if !self.patients.added.is_empty() {
            parts.push(l("added").replace("{n}", &self.patients.added.len().to_string()));
        }
        if !self.patients.removed.is_empty() {
            parts.push(l("removed").replace("{n}", &self.patients.removed.len().to_string()));
        }
        for code in ["PFS", "OS"] {
            let n = self
                .new_events
                .iter()
                .filter(|e| e.endpoint == code)
                .count();
            if n > 0 {
                parts.push(
                    l("new_events")
                        .replace("{n}", &n.to_string())
                        .replace("{endpoint}", code),
                );
            }
        }
        let (b, a) = (&self.findings.before, &self.findings.after);
        if b != a {
            let counts = |c: &FindingCounts| format!("{}/{}/{}", c.error, c.warning, c.info);
            parts.push(
                l("findings")
                    .replace("{before}", &counts(b))
                    .replace("{after}", &counts(a)),
            );
        }
        if !self.measures.is_empty() {
            parts.push(l("moved").replace("{n}", &self.measures.len().to_string()));
        }
        if parts.is_empty() {
            l("none")
        } else {
            parts.join(&l("separator"))
        }
    }
}
