//! Cohort rules of `docs/input-format.md` ("Cohort rules"): who can be analysed, and whether
//! the dates of each patient are in order. Pure: no I/O, tested on hand-made cohorts.
//!
//! A patient is analysed when `patient_id`, `index_date` and either `last_followup_date` or
//! `death_date` are valid, or, without those dates, when `os_time` and its event flag are
//! (exports holding durations); anyone else is excluded with every reason. Durations beside
//! dates must agree with them within a day. Dates must be ordered
//! birth < diagnosis <= index <= every assessment, progression and death; last follow-up >=
//! every other date; nothing after the data cut-off. Each violation is a finding on the cells.

use crate::model::*;
use std::collections::HashMap;

/// Rule ids.
pub mod rule {
    pub const REQUIRED: &str = "cohort.required_field";
    pub const DATE_ORDER: &str = "cohort.date_order";
    pub const FUTURE_DATE: &str = "cohort.future_date";
    pub const VITAL_STATUS: &str = "cohort.vital_status";
    pub const CYCLES: &str = "cohort.cycles_vs_assessments";
    pub const DURATION_MISMATCH: &str = "cohort.duration_mismatch";

    /// Every rule id above: each has its message in both languages in
    /// `crates/core/labels/findings.toml` (checked by the render crate's tests).
    pub const ALL: &[&str] = &[
        REQUIRED,
        DATE_ORDER,
        FUTURE_DATE,
        VITAL_STATUS,
        CYCLES,
        DURATION_MISMATCH,
    ];
}

/// The outcome of the cohort rules.
#[derive(Debug, Clone, Default)]
pub struct Validation {
    /// Indices into `cohort.patients` of the patients analysed.
    pub analysed: Vec<usize>,
    /// Patients excluded here, with every reason (ingest exclusions come first in the cohort).
    pub excluded: Vec<(String, Vec<String>)>,
    pub findings: Vec<Finding>,
}

fn date_finding(
    rule: &str,
    p: &Patient,
    at: CellRef,
    column: &str,
    value: Date,
    message: String,
) -> Finding {
    Finding::at_cell(Severity::Error, rule, at, column, message)
        .with_patient(p.patient_id.clone())
        .with_value(value.to_string())
}

/// A patient date, read from its column.
type DateOf = fn(&Patient) -> Option<&Val<Date>>;

/// Pairs of patient dates that must come in order (`docs/input-format.md`, "Cohort rules"):
/// the first before the second, strictly when `strict`; a violation is a finding on the
/// first date's cell.
const DATE_ORDER: [(&str, DateOf, &str, DateOf, bool); 3] = [
    (
        "birth_date",
        |p| p.birth_date.as_ref(),
        "diagnosis_date",
        |p| p.diagnosis_date.as_ref(),
        true,
    ),
    (
        "diagnosis_date",
        |p| p.diagnosis_date.as_ref(),
        "index_date",
        |p| p.index_date.as_ref(),
        false,
    ),
    (
        "birth_date",
        |p| p.birth_date.as_ref(),
        "index_date",
        |p| p.index_date.as_ref(),
        true,
    ),
];

/// The [`DATE_ORDER`] checks of one patient.
fn date_order_findings(p: &Patient, findings: &mut Vec<Finding>) {
    for (first, date_of, second, later_of, strict) in DATE_ORDER {
        let (Some(a), Some(b)) = (date_of(p), later_of(p)) else {
            continue;
        };
        if a.v > b.v || (strict && a.v == b.v) {
            let (message, case) = if strict {
                (
                    format!("{first} {} is not before {second} {}", a.v, b.v),
                    "not_before",
                )
            } else {
                (
                    format!("{first} {} is after {second} {}", a.v, b.v),
                    "after",
                )
            };
            findings.push(
                date_finding(rule::DATE_ORDER, p, a.at, first, a.v, message)
                    .with_param("case", case)
                    .with_param("other_column", second)
                    .with_param("other_date", b.v.to_string()),
            );
        }
    }
}

/// Assessments of each patient, in input order (for the date-order and cycle checks).
fn assessments_by_patient(cohort: &Cohort) -> HashMap<&str, Vec<&Assessment>> {
    let mut assessments: HashMap<&str, Vec<&Assessment>> = HashMap::new();
    for a in &cohort.assessments {
        assessments
            .entry(a.patient_id.as_str())
            .or_default()
            .push(a);
    }
    assessments
}

/// Dates of other sheets (AE onsets, then lab draws) of each patient: last follow-up must not
/// precede them.
fn other_dates_by_patient(cohort: &Cohort) -> HashMap<&str, Vec<(Val<Date>, &'static str)>> {
    let mut other_dates: HashMap<&str, Vec<(Val<Date>, &'static str)>> = HashMap::new();
    for ae in &cohort.adverse_events {
        if let Some(d) = &ae.onset_date {
            other_dates
                .entry(ae.patient_id.as_str())
                .or_default()
                .push((d.clone(), "onset_date"));
        }
    }
    for l in &cohort.labs {
        if let Some(d) = &l.draw_date {
            other_dates
                .entry(l.patient_id.as_str())
                .or_default()
                .push((d.clone(), "draw_date"));
        }
    }
    other_dates
}

/// The required fields (`index_date`, and `last_followup_date` or `death_date`): a finding
/// on the patient id for each one missing, and the exclusion reasons.
fn required_findings(p: &Patient, findings: &mut Vec<Finding>) -> Vec<String> {
    let mut reasons: Vec<String> = Vec::new();
    let id_at = p.id_at.unwrap_or(CellRef {
        sheet: 0,
        row: 0,
        col: 0,
    });
    let req = |column: &str, msg: &str, case: &str| {
        let f = Finding::at_cell(
            Severity::Error,
            rule::REQUIRED,
            id_at,
            column,
            msg.to_string(),
        )
        .with_patient(p.patient_id.clone());
        // The index date keeps the catalog's plain `finding.cohort.required_field`.
        if case.is_empty() {
            f
        } else {
            f.with_param("case", case)
        }
    };
    if !has_dates(p) && has_os_duration(p) {
        // Analysed from its durations (docs/input-format.md, "Durations").
        return reasons;
    }
    if p.os_time.is_some() && !has_dates(p) {
        reasons.push("os_time without os_event or vital_status".into());
        findings.push(req(
            "os_event",
            "os_time is given without os_event (or vital_status), and there are no dates: the patient is excluded",
            "no_event",
        ));
        return reasons;
    }
    if p.index_date.is_none() {
        reasons.push("index_date missing".into());
        findings.push(req(
            "index_date",
            "index_date (start of study treatment) is missing: the patient is excluded",
            "",
        ));
    }
    if p.last_followup_date.is_none() && p.death_date.is_none() {
        reasons.push("last_followup_date and death_date both missing".into());
        findings.push(req(
            "last_followup_date",
            "neither last_followup_date nor death_date is given: the patient is excluded",
            "no_end",
        ));
    }
    reasons
}

/// The dates an analysis needs: `index_date` and an end date.
pub fn has_dates(p: &Patient) -> bool {
    p.index_date.is_some() && (p.last_followup_date.is_some() || p.death_date.is_some())
}

/// OS from durations: `os_time` with its event flag (`os_event`, else `vital_status`).
pub fn has_os_duration(p: &Patient) -> bool {
    p.os_time.is_some() && (p.os_event.is_some() || p.vital_status.is_some())
}

/// Durations beside dates: the dates win, and a duration more than one day away from them
/// (or an event flag that contradicts them) is a warning on the duration's cell.
fn duration_findings(p: &Patient, findings: &mut Vec<Finding>) {
    let Some(index) = p.index_date.as_ref().map(|d| d.v) else {
        return;
    };
    let death = p.death_date.as_ref().map(|d| d.v);
    let end = death.or(p.last_followup_date.as_ref().map(|d| d.v));
    if let (Some(t), Some(end)) = (&p.os_time, end) {
        let days = (end - index).num_days();
        check_duration(
            p,
            t,
            days,
            "os_time",
            "index_date to death or last follow-up",
            findings,
        );
    }
    if let (Some(e), true) = (&p.os_event, end.is_some()) {
        if e.v != death.is_some() {
            let message = format!(
                "os_event says {} but death_date is {}: the dates are used",
                if e.v { "death" } else { "censored" },
                if death.is_some() { "given" } else { "empty" }
            );
            let case = if e.v {
                "event_no_death"
            } else {
                "censored_death"
            };
            findings.push(duration_finding(p, e.at, "os_event", message).with_param("case", case));
        }
    }
    let prog = p.progression_date.as_ref().map(|d| d.v);
    let pfs_end = match (prog, death) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let (Some(t), Some(e), Some(end)) = (&p.pfs_time, &p.pfs_event, pfs_end) {
        if e.v {
            let days = (end - index).num_days();
            check_duration(
                p,
                t,
                days,
                "pfs_time",
                "index_date to progression or death",
                findings,
            );
        }
    }
}

/// A warning when duration `t` (days) is more than one day from `days` of the dates.
fn check_duration(
    p: &Patient,
    t: &Val<f64>,
    days: i64,
    column: &str,
    span: &str,
    findings: &mut Vec<Finding>,
) {
    if (t.v - days as f64).abs() > 1.0 {
        let message = format!(
            "{column} is {:.1} days but the dates give {days} days ({span}): the dates are used",
            t.v
        );
        findings.push(
            duration_finding(p, t.at, column, message)
                .with_param("case", column)
                .with_param("given", format!("{:.1}", t.v))
                .with_param("days", days.to_string()),
        );
    }
}

/// A `cohort.duration_mismatch` warning on a duration's cell.
fn duration_finding(p: &Patient, at: CellRef, column: &str, message: String) -> Finding {
    Finding::at_cell(
        Severity::Warning,
        rule::DURATION_MISMATCH,
        at,
        column,
        message,
    )
    .with_patient(p.patient_id.clone())
}

/// A date of a patient with its column.
type Dated<'a> = (&'a Val<Date>, &'a str);

/// The dates that must not precede `index_date`: progression, death, and every assessment
/// except baseline ones (after_cycle 0), in that order.
fn after_index_dates<'a>(p: &'a Patient, pa: &[&'a Assessment]) -> Vec<Dated<'a>> {
    let mut after_index: Vec<Dated<'a>> = Vec::new();
    if let Some(x) = &p.progression_date {
        after_index.push((x, "progression_date"));
    }
    if let Some(x) = &p.death_date {
        after_index.push((x, "death_date"));
    }
    for a in pa {
        if let Some(d) = &a.assessment_date {
            // Baseline assessments (after_cycle 0) may precede the index date.
            if a.after_cycle.as_ref().map(|c| c.v) != Some(0) {
                after_index.push((d, "assessment_date"));
            }
        }
    }
    after_index
}

/// A finding for each date before `index_date`; true when follow-up ends before the index
/// (death or last follow-up before it), which excludes the patient.
fn before_index_findings(
    p: &Patient,
    after_index: &[Dated<'_>],
    findings: &mut Vec<Finding>,
) -> bool {
    let Some(ix) = p.index_date.as_ref() else {
        return false;
    };
    let mut end_before_index = false;
    for (d, col) in after_index {
        if d.v < ix.v {
            findings.push(
                date_finding(
                    rule::DATE_ORDER,
                    p,
                    d.at,
                    col,
                    d.v,
                    format!("{col} {} is before index_date {}", d.v, ix.v),
                )
                .with_param("case", "before_index")
                .with_param("other_date", ix.v.to_string()),
            );
            if *col == "death_date" {
                end_before_index = true;
            }
        }
    }
    if let Some(f) = &p.last_followup_date {
        if f.v < ix.v {
            end_before_index = true;
        }
    }
    end_before_index
}

/// Last follow-up must not precede any other date of the patient (after-index dates, index,
/// diagnosis, then the other sheets' dates): a finding on the last follow-up cell for each.
fn last_followup_findings(
    p: &Patient,
    after_index: &[Dated<'_>],
    other_dates: Option<&Vec<(Val<Date>, &'static str)>>,
    findings: &mut Vec<Finding>,
) {
    let Some(f) = &p.last_followup_date else {
        return;
    };
    let mut all: Vec<Dated<'_>> = after_index.to_vec();
    if let Some(ix) = p.index_date.as_ref() {
        all.push((ix, "index_date"));
    }
    if let Some(d) = &p.diagnosis_date {
        all.push((d, "diagnosis_date"));
    }
    for (d, col) in other_dates.into_iter().flatten() {
        all.push((d, col));
    }
    for (d, col) in all {
        if d.v > f.v {
            findings.push(
                date_finding(
                    rule::DATE_ORDER,
                    p,
                    f.at,
                    "last_followup_date",
                    f.v,
                    format!("last_followup_date {} is before {col} {}", f.v, d.v),
                )
                .with_param("case", "followup_before")
                .with_param("other_column", col)
                .with_param("other_date", d.v.to_string()),
            );
        }
    }
}

/// Nothing in the future: a finding for each patient date after the run date.
fn future_findings<'a>(
    p: &'a Patient,
    after_index: Vec<Dated<'a>>,
    run_date: Date,
    findings: &mut Vec<Finding>,
) {
    let mut all_dates: Vec<Dated<'a>> = after_index;
    for (d, c) in [
        (&p.index_date, "index_date"),
        (&p.last_followup_date, "last_followup_date"),
        (&p.diagnosis_date, "diagnosis_date"),
        (&p.relapse_date, "relapse_date"),
        (&p.last_dose_date, "last_dose_date"),
    ] {
        if let Some(d) = d {
            all_dates.push((d, c));
        }
    }
    for (d, c) in all_dates {
        if d.v > run_date {
            findings.push(
                date_finding(
                    rule::FUTURE_DATE,
                    p,
                    d.at,
                    c,
                    d.v,
                    format!(
                        "{c} {} is in the future (after the run date {run_date})",
                        d.v
                    ),
                )
                .with_param("run_date", run_date.to_string()),
            );
        }
    }
}

/// Vital status against death date: dead without a date (warning), alive with one (error).
fn vital_status_findings(p: &Patient, findings: &mut Vec<Finding>) {
    if !has_dates(p) {
        // Without dates, vital_status is the event flag of os_time.
        return;
    }
    match (&p.vital_status, &p.death_date) {
        (Some(v), None) if v.v == VitalStatus::Dead => findings.push(
            Finding::at_cell(Severity::Warning, rule::VITAL_STATUS, v.at, "vital_status",
                "vital_status is dead but no death_date is given: analysed as alive at last follow-up")
            .with_patient(p.patient_id.clone()).with_value("dead").with_param("case", "dead_no_date"),
        ),
        (Some(v), Some(_)) if v.v == VitalStatus::Alive => findings.push(
            Finding::at_cell(Severity::Error, rule::VITAL_STATUS, v.at, "vital_status",
                "vital_status is alive but a death_date is given: the death_date is used")
            .with_patient(p.patient_id.clone()).with_value("alive").with_param("case", "alive_with_date"),
        ),
        _ => {}
    }
}

/// Assessments after more cycles than completed: a warning on each `after_cycle` cell.
fn cycles_findings(p: &Patient, pa: &[&Assessment], findings: &mut Vec<Finding>) {
    let Some(c) = &p.cycles_completed else {
        return;
    };
    for a in pa {
        if let Some(ac) = &a.after_cycle {
            if ac.v > c.v {
                findings.push(
                    Finding::at_cell(
                        Severity::Warning,
                        rule::CYCLES,
                        ac.at,
                        "after_cycle",
                        format!(
                            "assessment after cycle {} but cycles_completed is {}",
                            ac.v, c.v
                        ),
                    )
                    .with_patient(p.patient_id.clone())
                    .with_value(ac.v.to_string())
                    .with_param("cycle", ac.v.to_string())
                    .with_param("completed", c.v.to_string()),
                );
            }
        }
    }
}

/// Checks every patient. `run_date` is the day of the run: a later date is in the future.
pub fn validate(cohort: &Cohort, run_date: Date) -> Validation {
    let mut out = Validation::default();
    let assessments = assessments_by_patient(cohort);
    let other_dates = other_dates_by_patient(cohort);
    for (i, p) in cohort.patients.iter().enumerate() {
        let pa = assessments
            .get(p.patient_id.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut reasons = required_findings(p, &mut out.findings);
        date_order_findings(p, &mut out.findings);
        let after_index = after_index_dates(p, pa);
        let end_before_index = before_index_findings(p, &after_index, &mut out.findings);
        let od = other_dates.get(p.patient_id.as_str());
        last_followup_findings(p, &after_index, od, &mut out.findings);
        if end_before_index {
            reasons.push("follow-up ends before index_date".into());
        }
        future_findings(p, after_index, run_date, &mut out.findings);
        vital_status_findings(p, &mut out.findings);
        cycles_findings(p, pa, &mut out.findings);
        duration_findings(p, &mut out.findings);
        if reasons.is_empty() {
            out.analysed.push(i);
        } else {
            out.excluded.push((p.patient_id.clone(), reasons));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(row: u32, col: u16) -> CellRef {
        CellRef { sheet: 0, row, col }
    }
    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }
    fn vd(s: &str, row: u32, col: u16) -> Option<Val<Date>> {
        Some(Val::new(d(s), at(row, col)))
    }
    fn patient(id: &str) -> Patient {
        Patient {
            patient_id: id.into(),
            id_at: Some(at(2, 0)),
            index_date: vd("2020-01-01", 2, 5),
            last_followup_date: vd("2021-01-01", 2, 6),
            ..Patient::default()
        }
    }
    fn cohort(ps: Vec<Patient>) -> Cohort {
        Cohort {
            sheets: vec!["patients".into()],
            patients: ps,
            ..Cohort::default()
        }
    }

    #[test]
    fn complete_patient_is_analysed() {
        let v = validate(&cohort(vec![patient("P1")]), d("2022-12-09"));
        assert_eq!(v.analysed, vec![0]);
        assert!(v.findings.is_empty(), "{:?}", v.findings);
    }

    #[test]
    fn missing_required_fields_exclude_with_every_reason() {
        let mut p = patient("P1");
        p.index_date = None;
        p.last_followup_date = None;
        let v = validate(&cohort(vec![p]), d("2022-12-09"));
        assert!(v.analysed.is_empty());
        assert_eq!(v.excluded[0].1.len(), 2);
        assert!(v.findings.iter().all(|f| f.rule == rule::REQUIRED));
        assert_eq!(v.findings.len(), 2);
        // death date alone is enough
        let mut p = patient("P2");
        p.last_followup_date = None;
        p.death_date = vd("2020-06-01", 2, 7);
        assert_eq!(
            validate(&cohort(vec![p]), d("2022-12-09")).analysed,
            vec![0]
        );
    }

    #[test]
    fn death_before_index_is_a_finding_on_the_cell_and_excludes() {
        let mut p = patient("P1");
        p.death_date = vd("2019-01-01", 2, 7);
        let v = validate(&cohort(vec![p]), d("2022-12-09"));
        let f = v
            .findings
            .iter()
            .find(|f| f.column.as_deref() == Some("death_date"))
            .unwrap();
        assert_eq!(f.rule, rule::DATE_ORDER);
        assert_eq!(f.at, Some(at(2, 7)));
        assert_eq!(f.value.as_deref(), Some("2019-01-01"));
        assert!(v.analysed.is_empty());
    }

    #[test]
    fn diagnosis_after_index_and_birth_order() {
        let mut p = patient("P1");
        p.diagnosis_date = vd("2020-02-01", 2, 3);
        p.birth_date = vd("2020-03-01", 2, 2);
        let v = validate(&cohort(vec![p]), d("2022-12-09"));
        let cols: Vec<_> = v
            .findings
            .iter()
            .map(|f| f.column.clone().unwrap())
            .collect();
        assert!(cols.contains(&"diagnosis_date".to_string()));
        assert!(cols.contains(&"birth_date".to_string()));
        // equal diagnosis and index dates are allowed (<=)
        let mut p = patient("P2");
        p.diagnosis_date = vd("2020-01-01", 2, 3);
        assert!(validate(&cohort(vec![p]), d("2022-12-09"))
            .findings
            .is_empty());
    }

    #[test]
    fn last_followup_before_another_date() {
        let mut p = patient("P1");
        p.progression_date = vd("2021-06-01", 2, 8);
        let v = validate(&cohort(vec![p]), d("2022-12-09"));
        let f = &v.findings[0];
        assert_eq!(
            (f.rule.as_str(), f.column.as_deref()),
            (rule::DATE_ORDER, Some("last_followup_date"))
        );
        assert_eq!(f.at, Some(at(2, 6)));
    }

    #[test]
    fn dates_in_the_future() {
        let p = patient("P1");
        let v = validate(&cohort(vec![p]), d("2020-12-31"));
        let f = v
            .findings
            .iter()
            .find(|f| f.rule == rule::FUTURE_DATE)
            .unwrap();
        assert_eq!(f.column.as_deref(), Some("last_followup_date"));
        // exactly on the run date is allowed
        assert!(validate(&cohort(vec![patient("P2")]), d("2021-01-01"))
            .findings
            .is_empty());
    }

    #[test]
    fn vital_status_cross_check() {
        let mut p = patient("P1");
        p.vital_status = Some(Val::new(VitalStatus::Dead, at(2, 9)));
        let v = validate(&cohort(vec![p]), d("2022-12-09"));
        assert_eq!(v.findings[0].rule, rule::VITAL_STATUS);
        assert_eq!(v.findings[0].severity, Severity::Warning);
    }

    #[test]
    fn assessment_before_index_and_beyond_cycles() {
        let p = Patient {
            cycles_completed: Some(Val::new(2, at(2, 10))),
            ..patient("P1")
        };
        let mut c = cohort(vec![p]);
        c.assessments.push(Assessment {
            patient_id: "P1".into(),
            assessment_date: vd("2019-12-01", 3, 1),
            after_cycle: Some(Val::new(4, at(3, 2))),
            ..Assessment::default()
        });
        let v = validate(&c, d("2022-12-09"));
        let rules: Vec<_> = v.findings.iter().map(|f| f.rule.as_str()).collect();
        assert!(rules.contains(&rule::DATE_ORDER));
        assert!(rules.contains(&rule::CYCLES));
    }
}
