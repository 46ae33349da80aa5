//! The data cut-off: administrative censoring. Nothing after the cut-off date is analysed:
//! an event after it is not yet observed, so its patient is censored at the cut-off; follow-up
//! ends at the cut-off; assessments, laboratory draws and adverse events dated after it are
//! left out; a patient who starts treatment after it is not analysed. This is the convention
//! of every interim and final analysis (e.g. ICH E9 §7.1: data are frozen at the cut-off); the
//! survival times equal R's with times truncated at the cut-off (`pmin(time, cutoff)`, event
//! only when it falls on or before it).
//!
//! Runs after validation (which checks the dates as entered) and before the rules and the
//! derivation, so that every later stage sees the cut cohort. One info finding per patient
//! affected says what was cut.

use crate::model::{Cohort, Date, Finding, Patient, Severity, Val, VitalStatus};
use std::collections::BTreeMap;

/// Rule id of the per-patient finding.
pub const RULE: &str = "cohort.data_cutoff";

/// What applying the cut-off did.
#[derive(Debug, Default)]
pub struct Cut {
    /// One info finding per patient whose data were cut.
    pub findings: Vec<Finding>,
    /// Patients who start treatment after the cut-off: not analysed, with the reason.
    pub excluded: Vec<(String, Vec<String>)>,
}

/// Cuts `cohort` at `cutoff` (see the module documentation).
pub fn apply(cohort: &mut Cohort, cutoff: Date) -> Cut {
    let mut removed = remove_rows_after(cohort, cutoff);
    let mut cut = Cut::default();
    for p in &mut cohort.patients {
        if p.index_date.as_ref().is_some_and(|d| d.v > cutoff) {
            cut.excluded.push((
                p.patient_id.clone(),
                vec![format!(
                    "index_date is after the data cut-off {cutoff}: not analysed"
                )],
            ));
            continue;
        }
        let mut what = cut_patient(p, cutoff);
        let mut items = what.clone();
        if let Some((rows, codes)) = removed.remove(p.patient_id.as_str()) {
            what.extend(rows);
            items.extend(codes);
        }
        if let (false, Some(at)) = (what.is_empty(), p.id_at) {
            let message = format!(
                "data after the data cut-off {cutoff} are not analysed ({}): follow-up is censored at the cut-off",
                what.join(", ")
            );
            cut.findings.push(
                Finding::at_cell(Severity::Info, RULE, at, "patient_id", message)
                    .with_patient(p.patient_id.clone())
                    .with_param("cutoff", cutoff.to_string())
                    .with_param("cut_items", items.join(", ")),
            );
        }
    }
    cut
}

/// Moves one patient's dates to the cut-off; returns what was cut, in words.
fn cut_patient(p: &mut Patient, cutoff: Date) -> Vec<String> {
    let mut what = Vec::new();
    let after = |d: &Option<Val<Date>>| d.as_ref().is_some_and(|d| d.v > cutoff);
    if after(&p.death_date) {
        // Alive at the cut-off: known alive up to it.
        p.death_date = None;
        p.death_cause = None;
        if let Some(v) = &mut p.vital_status {
            v.v = VitalStatus::Alive;
        }
        match (&mut p.last_followup_date, p.id_at) {
            (Some(fu), _) => fu.v = cutoff,
            (None, Some(at)) => p.last_followup_date = Some(Val::new(cutoff, at)),
            (None, None) => {}
        }
        what.push("death_date".to_string());
    }
    if after(&p.progression_date) {
        p.progression_date = None;
        what.push("progression_date".to_string());
    }
    if let Some(fu) = p.last_followup_date.as_mut().filter(|d| d.v > cutoff) {
        fu.v = cutoff;
        what.push("last_followup_date".to_string());
    }
    what
}

/// What was dropped of one patient: in English words (`2 assessment(s)`) and as items of the
/// `cut_items` parameter (`assessments:2`, worded by the catalog's `[finding_item]`).
type Dropped = (Vec<String>, Vec<String>);

/// Drops assessments, laboratory draws and adverse events dated after the cut-off; returns,
/// per patient, what was dropped.
fn remove_rows_after(cohort: &mut Cohort, cutoff: Date) -> BTreeMap<String, Dropped> {
    let mut counts: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    let mut keep = |id: &str, d: Option<Date>, kind: usize| {
        let late = d.is_some_and(|d| d > cutoff);
        if late {
            counts.entry(id.to_string()).or_default()[kind] += 1;
        }
        !late
    };
    cohort
        .assessments
        .retain(|a| keep(&a.patient_id, a.assessment_date.as_ref().map(|d| d.v), 0));
    cohort
        .labs
        .retain(|l| keep(&l.patient_id, l.draw_date.as_ref().map(|d| d.v), 1));
    cohort
        .adverse_events
        .retain(|e| keep(&e.patient_id, e.onset_date.as_ref().map(|d| d.v), 2));
    counts
        .into_iter()
        .map(|(id, n)| {
            let words = ["assessment(s)", "laboratory draw(s)", "adverse event(s)"];
            let codes = ["assessments", "labs", "adverse_events"];
            let kept = || {
                n.iter()
                    .zip(words.iter().zip(codes))
                    .filter(|(n, _)| **n > 0)
            };
            let parts = kept().map(|(n, (w, _))| format!("{n} {w}")).collect();
            let items = kept().map(|(n, (_, c))| format!("{c}:{n}")).collect();
            (id, (parts, items))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Assessment, CellRef};

    const AT: CellRef = CellRef {
        sheet: 0,
        row: 2,
        col: 0,
    };

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn vd(s: &str) -> Option<Val<Date>> {
        Some(Val::new(d(s), AT))
    }

    fn patient() -> Patient {
        Patient {
            patient_id: "P1".into(),
            id_at: Some(AT),
            index_date: vd("2020-01-01"),
            progression_date: vd("2020-09-01"),
            death_date: vd("2021-03-01"),
            last_followup_date: vd("2021-03-01"),
            vital_status: Some(Val::new(VitalStatus::Dead, AT)),
            ..Patient::default()
        }
    }

    fn cohort(p: Patient) -> Cohort {
        Cohort {
            patients: vec![p],
            assessments: vec![
                Assessment {
                    patient_id: "P1".into(),
                    assessment_date: vd("2020-06-30"),
                    ..Assessment::default()
                },
                Assessment {
                    patient_id: "P1".into(),
                    assessment_date: vd("2020-07-01"),
                    ..Assessment::default()
                },
            ],
            ..Cohort::default()
        }
    }

    #[test]
    fn events_after_the_cutoff_are_censored_at_it() {
        let mut c = cohort(patient());
        let cut = apply(&mut c, d("2020-06-30"));
        let p = &c.patients[0];
        assert_eq!(p.death_date, None);
        assert_eq!(p.progression_date, None);
        assert_eq!(
            p.last_followup_date.as_ref().map(|d| d.v),
            Some(d("2020-06-30"))
        );
        assert_eq!(
            p.vital_status.as_ref().map(|v| v.v),
            Some(VitalStatus::Alive)
        );
        // The assessment on the cut-off day stays; the one after goes.
        assert_eq!(c.assessments.len(), 1);
        assert_eq!(cut.findings.len(), 1, "one finding per patient");
        let m = &cut.findings[0].message;
        assert!(
            m.contains("death_date") && m.contains("1 assessment(s)"),
            "{m}"
        );
        assert_eq!(cut.findings[0].severity, Severity::Info);
    }

    #[test]
    fn an_event_on_the_cutoff_day_counts() {
        let mut c = cohort(patient());
        let cut = apply(&mut c, d("2021-03-01"));
        assert_eq!(
            c.patients[0].death_date.as_ref().map(|d| d.v),
            Some(d("2021-03-01"))
        );
        assert!(cut.findings.is_empty());
    }

    #[test]
    fn death_after_cutoff_extends_an_earlier_followup_to_it() {
        let mut p = patient();
        p.last_followup_date = vd("2020-03-01");
        let mut c = cohort(p);
        apply(&mut c, d("2020-12-31"));
        let p = &c.patients[0];
        assert_eq!(
            p.last_followup_date.as_ref().map(|d| d.v),
            Some(d("2020-12-31"))
        );
        assert_eq!(
            p.progression_date.as_ref().map(|d| d.v),
            Some(d("2020-09-01"))
        );
    }

    #[test]
    fn treatment_starting_after_the_cutoff_is_not_analysed() {
        let mut c = cohort(patient());
        let cut = apply(&mut c, d("2019-12-31"));
        assert_eq!(cut.excluded.len(), 1);
        assert!(cut.findings.is_empty());
    }
}
