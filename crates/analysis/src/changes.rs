//! The comparison of a report with the previous report of the same workbook: what
//! [`Changes`] holds. Pure: two `Results` in, a `Changes` out.

pub use mmreport_core::changes::*;
use mmreport_core::results::Results;
use std::collections::BTreeSet;

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

/// The differences from `prev` (the previous report, if any) to `new`.
pub fn compare(prev: Option<&Results>, new: &Results) -> Changes {
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

/// The previous report exists but cannot be read (`reason`): nothing is compared, and the
/// report says why.
pub fn not_compared(new: &Results, reason: String) -> Changes {
    Changes {
        not_compared: Some(reason),
        ..compare(None, new)
    }
}
