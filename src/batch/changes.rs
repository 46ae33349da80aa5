//! What changed since the previous report of the same workbook, written as `changes.json`
//! beside `results.json` and summarised in the index. The structure is open: each kind of
//! change is its own field, absent-when-empty lists and `#[serde(default)]` everywhere, so
//! that medians, ORR and p-values can be added later without breaking readers.

use crate::results::{FindingCounts, Results};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

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
}

fn events(r: &Results) -> BTreeSet<(String, String)> {
    r.datasets
        .adtte
        .iter()
        .filter(|t| t.cnsr == 0)
        .map(|t| (t.usubjid.clone(), t.paramcd.clone()))
        .collect()
}

impl Changes {
    /// The differences from `prev` (the previous report, if any) to `new`.
    pub fn between(prev: Option<&Results>, new: &Results) -> Self {
        let ids = |r: &Results| -> BTreeSet<String> {
            r.datasets.adsl.iter().map(|a| a.usubjid.clone()).collect()
        };
        let after_ids = ids(new);
        let (before_ids, before_events, before_counts) = match prev {
            Some(p) => (ids(p), events(p), p.finding_counts.clone()),
            None => Default::default(),
        };
        let new_events = events(new)
            .difference(&before_events)
            .map(|(id, code)| NewEvent {
                patient_id: id.clone(),
                endpoint: code.clone(),
                event_date: new
                    .datasets
                    .adtte
                    .iter()
                    .find(|t| &t.usubjid == id && &t.paramcd == code)
                    .and_then(|t| t.event_date.clone()),
            })
            .collect();
        Changes {
            schema_version: CHANGES_SCHEMA_VERSION,
            previous: prev.map(|p| Previous {
                input_sha256: p.input.sha256.clone(),
                data_cutoff: p.data_cutoff.clone(),
            }),
            patients: PatientChanges {
                before: before_ids.len(),
                after: after_ids.len(),
                added: after_ids.difference(&before_ids).cloned().collect(),
                removed: before_ids.difference(&after_ids).cloned().collect(),
            },
            new_events,
            findings: FindingChanges {
                before: before_counts,
                after: new.finding_counts.clone(),
            },
            measures: Vec::new(),
        }
    }

    /// One line for the index and the run log, e.g. `+2 patients, 1 new PFS event`.
    pub fn summary(&self) -> String {
        if self.previous.is_none() {
            return format!("first report ({} patients)", self.patients.after);
        }
        let mut parts = Vec::new();
        if !self.patients.added.is_empty() {
            parts.push(format!("+{} patient(s)", self.patients.added.len()));
        }
        if !self.patients.removed.is_empty() {
            parts.push(format!("-{} patient(s)", self.patients.removed.len()));
        }
        for code in ["PFS", "OS"] {
            let n = self
                .new_events
                .iter()
                .filter(|e| e.endpoint == code)
                .count();
            if n > 0 {
                parts.push(format!("{n} new {code} event(s)"));
            }
        }
        let (b, a) = (&self.findings.before, &self.findings.after);
        if b != a {
            parts.push(format!(
                "findings {}/{}/{} -> {}/{}/{} (errors/warnings/info)",
                b.error, b.warning, b.info, a.error, a.warning, a.info
            ));
        }
        for m in &self.measures {
            parts.push(format!("{} moved", m.name));
        }
        if parts.is_empty() {
            "no change in patients, events or findings".into()
        } else {
            parts.join(", ")
        }
    }
}
