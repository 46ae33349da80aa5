//! What changed since the previous report of the same workbook: patients added or removed,
//! new progressions and deaths, findings, and the headline numbers that moved (medians, ORR,
//! log-rank p-values). Pure: a comparison of two [`Results`]. The batch run carries it in
//! `Results.changes` (so every renderer shows it), writes it as `changes.json` beside
//! `results.json`, and summarises it in the index. `#[serde(default)]` everywhere, so that
//! more measures can be added without breaking readers.

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
    /// Set when a previous report exists but could not be read: why the comparison was not
    /// possible (the report says so instead of calling itself the first one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_compared: Option<String>,
}

/// The headline numbers of a report by name: survival medians per group, log-rank p per
/// analysis, final ORR, deaths.
fn headline(r: &Results) -> Vec<(String, Option<f64>)> {
    let a = &r.analyses;
    let mut out = Vec::new();
    for s in &a.survival {
        for g in &s.groups {
            out.push((format!("{} median ({})", s.id, g.label), g.median));
        }
        if let Some(l) = &s.logrank {
            out.push((format!("{} log-rank p", s.id), Some(l.p)));
        }
    }
    out.push(("final ORR".into(), a.response.final_.orr.fraction));
    out.push(("deaths".into(), Some(a.deaths.n as f64)));
    out
}

/// Numbers that moved by more than rounding noise (or appeared, or became not estimable).
fn measures(prev: &Results, new: &Results) -> Vec<MeasureChange> {
    let before: std::collections::BTreeMap<String, Option<f64>> =
        headline(prev).into_iter().collect();
    headline(new)
        .into_iter()
        .filter_map(|(name, after)| {
            let b = before.get(&name).copied().flatten();
            let moved = match (b, after) {
                (Some(x), Some(y)) => (x - y).abs() > 1e-9 * x.abs().max(y.abs()).max(1.0),
                (None, None) => false,
                _ => before.contains_key(&name),
            };
            moved.then_some(MeasureChange {
                name,
                before: b,
                after,
            })
        })
        .collect()
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
        // Event dates indexed once (a lookup per event would be quadratic at registry scale).
        let dates: std::collections::HashMap<(&str, &str), &Option<String>> = new
            .datasets
            .adtte
            .iter()
            .map(|t| ((t.usubjid.as_str(), t.paramcd.as_str()), &t.event_date))
            .collect();
        let new_events = events(new)
            .difference(&before_events)
            .map(|(id, code)| NewEvent {
                patient_id: id.clone(),
                endpoint: code.clone(),
                event_date: dates
                    .get(&(id.as_str(), code.as_str()))
                    .and_then(|d| (*d).clone()),
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
            measures: prev.map(|p| measures(p, new)).unwrap_or_default(),
            not_compared: None,
        }
    }

    /// The previous report exists but cannot be read (`reason`): nothing is compared, and
    /// the report says why.
    pub fn not_compared(new: &Results, reason: String) -> Self {
        Changes {
            not_compared: Some(reason),
            ..Changes::between(None, new)
        }
    }

    /// One line for the index and the run log, e.g. `+2 patients, 1 new PFS event`.
    pub fn summary(&self) -> String {
        if let Some(reason) = &self.not_compared {
            return format!("not compared with the previous report: {reason}");
        }
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
        if !self.measures.is_empty() {
            parts.push(format!("{} number(s) moved", self.measures.len()));
        }
        if parts.is_empty() {
            "no change in patients, events or findings".into()
        } else {
            parts.join(", ")
        }
    }
}
