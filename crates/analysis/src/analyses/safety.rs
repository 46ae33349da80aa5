//! Adverse events per CTCAE v5 term: any grade n (%), n per grade 1-5 and grade >= 3, counted
//! per patient at the worst grade; recorded events and lab-derived grades side by side, with
//! how many lab events were already abnormal at baseline; hemoglobin fall from baseline as
//! the paper counts it (> 10 g/L).

use super::Input;
use crate::results::{AeRow, HbDrop};
use std::collections::{BTreeMap, HashMap, HashSet};

fn category(term: &str, input: &Input<'_>) -> String {
    let hem = input
        .cfg
        .analysis
        .hematologic_terms
        .iter()
        .any(|t| t.eq_ignore_ascii_case(term));
    if hem {
        "hematologic"
    } else {
        "non_hematologic"
    }
    .into()
}

fn grade_map(worst: &HashMap<&str, u8>) -> (BTreeMap<String, usize>, usize) {
    let mut grades: BTreeMap<String, usize> = (1..=5).map(|g| (g.to_string(), 0)).collect();
    let mut g3 = 0;
    for g in worst.values() {
        if (1..=5).contains(g) {
            *grades.entry(g.to_string()).or_default() += 1;
            if *g >= 3 {
                g3 += 1;
            }
        }
    }
    (grades, g3)
}

/// Worst grade of each patient with a term (term → patient → grade).
type Worst<'a> = BTreeMap<String, HashMap<&'a str, u8>>;

/// Recorded events of analysed patients: the CTCAE term of the row (or the recorded term)
/// and the worst grade 1-5 per patient.
fn recorded_worst<'a>(input: &'a Input<'_>, analysed: &HashSet<&str>) -> Worst<'a> {
    let mut recorded: Worst<'a> = BTreeMap::new();
    for (i, e) in input.cohort.adverse_events.iter().enumerate() {
        if !analysed.contains(e.patient_id.as_str()) {
            continue;
        }
        let term = input
            .outcome
            .recorded_ae_terms
            .get(i)
            .cloned()
            .flatten()
            .or_else(|| e.term.as_ref().map(|t| t.v.clone()));
        let (Some(term), Some(g)) = (term, e.grade.as_ref().map(|g| g.v)) else {
            continue;
        };
        if !(1..=5).contains(&g) {
            continue;
        }
        let w = recorded
            .entry(term)
            .or_default()
            .entry(e.patient_id.as_str())
            .or_insert(0);
        *w = (*w).max(g);
    }
    recorded
}

/// One lab term: worst post-baseline grade >= 1 per patient, patients with graded draws,
/// and patients with an event already abnormal (grade >= 1) at baseline.
type LabTerm<'a> = (HashMap<&'a str, u8>, usize, usize);

/// Lab-derived events of analysed patients, by term.
fn lab_worst<'a>(input: &'a Input<'_>, analysed: &HashSet<&str>) -> BTreeMap<String, LabTerm<'a>> {
    let mut labs: BTreeMap<String, LabTerm<'a>> = BTreeMap::new();
    for l in &input.outcome.lab_adverse_events {
        if !analysed.contains(l.patient_id.as_str()) || l.worst_grade.is_none() {
            continue;
        }
        let entry = labs
            .entry(l.term.to_string())
            .or_insert_with(|| (HashMap::new(), 0, 0));
        entry.1 += 1;
        if let Some(g) = l.worst_grade.filter(|g| *g >= 1) {
            entry.0.insert(l.patient_id.as_str(), g);
            if l.baseline_grade.is_some_and(|b| b >= 1) {
                entry.2 += 1;
            }
        }
    }
    labs
}

/// One table row: patients with the term at each grade, over `n`.
fn ae_row(
    input: &Input<'_>,
    term: String,
    source: &str,
    n: usize,
    worst: &HashMap<&str, u8>,
    baseline_abnormal: Option<usize>,
) -> AeRow {
    let (grade, grade3plus) = grade_map(worst);
    AeRow {
        category: category(&term, input),
        term,
        source: source.into(),
        n,
        any: worst.len(),
        grade,
        grade3plus,
        baseline_abnormal,
    }
}

/// Adverse event rows: recorded over the analysed patients, lab-derived over those with
/// draws; hematologic first, then by source, patients affected (descending) and term.
pub fn adverse_events(input: &Input<'_>) -> Vec<AeRow> {
    let analysed: HashSet<&str> = input
        .derived
        .iter()
        .map(|d| d.patient_id.as_str())
        .collect();
    let n = analysed.len();
    let mut rows: Vec<AeRow> = recorded_worst(input, &analysed)
        .into_iter()
        .map(|(term, worst)| ae_row(input, term, "recorded", n, &worst, None))
        .collect();
    rows.extend(lab_worst(input, &analysed).into_iter().map(
        |(term, (worst, with_draws, baseline_abnormal))| {
            ae_row(
                input,
                term,
                "labs",
                with_draws,
                &worst,
                Some(baseline_abnormal),
            )
        },
    ));
    // Hematologic first, then by patients affected.
    rows.sort_by(|a, b| {
        (
            a.category != "hematologic",
            &a.source,
            std::cmp::Reverse(a.any),
            &a.term,
        )
            .cmp(&(
                b.category != "hematologic",
                &b.source,
                std::cmp::Reverse(b.any),
                &b.term,
            ))
    });
    rows
}

/// Patients whose hemoglobin fell by more than the threshold from baseline (the last draw on
/// or before the index date) to the lowest post-baseline draw.
pub fn hb_drop(input: &Input<'_>) -> HbDrop {
    let threshold = input.cfg.analysis.hb_drop_threshold;
    let index: HashMap<&str, crate::model::Date> = input
        .derived
        .iter()
        .filter_map(|d| Some((d.patient_id.as_str(), d.index_date?)))
        .collect();
    let mut base: HashMap<&str, (crate::model::Date, f64)> = HashMap::new();
    let mut low: HashMap<&str, f64> = HashMap::new();
    for l in &input.cohort.labs {
        let (Some(ix), Some(d), Some(hb)) = (
            index.get(l.patient_id.as_str()),
            &l.draw_date,
            &l.hemoglobin,
        ) else {
            continue;
        };
        if d.v <= *ix {
            let e = base.entry(l.patient_id.as_str()).or_insert((d.v, hb.v));
            if d.v >= e.0 {
                *e = (d.v, hb.v);
            }
        } else {
            let e = low.entry(l.patient_id.as_str()).or_insert(hb.v);
            *e = e.min(hb.v);
        }
    }
    let of = base.keys().filter(|k| low.contains_key(*k)).count();
    let n = base
        .iter()
        .filter(|(k, (_, b))| low.get(*k).is_some_and(|l| b - l > threshold))
        .count();
    HbDrop { threshold, n, of }
}
