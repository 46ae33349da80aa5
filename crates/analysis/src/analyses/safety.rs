//! Adverse events per CTCAE term: any grade n (%), n per grade 1-5 and grade >= 3, one row per
//! term with each patient counted once at the worst treatment-emergent grade across the
//! recorded events and the lab-derived grades (the per-source counts kept for audit);
//! hemoglobin fall from baseline as the paper counts it (> 10 g/L).

use super::Input;
use crate::model::Date;
use crate::results::{AeRow, AeSourceCounts, HbDrop};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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

/// One source's events of one term: the worst counted (treatment-emergent) grade per patient,
/// the patients whose events were all left out, and the denominator.
#[derive(Default)]
struct SourceTerm<'a> {
    worst: HashMap<&'a str, u8>,
    left_out: HashSet<&'a str>,
    n: usize,
    /// Labs: counted patients abnormal at baseline (their grade worsened).
    baseline_abnormal: Option<HashSet<&'a str>>,
}

impl SourceTerm<'_> {
    /// The audit counts of the source.
    fn counts(&self) -> AeSourceCounts {
        let (grade, grade3plus) = grade_map(&self.worst);
        AeSourceCounts {
            n: self.n,
            any: self.worst.len(),
            grade,
            grade3plus,
            not_treatment_emergent: self
                .left_out
                .iter()
                .filter(|p| !self.worst.contains_key(*p))
                .count(),
            baseline_abnormal: self.baseline_abnormal.as_ref().map(HashSet::len),
        }
    }
}

/// Term → that source's events.
type BySource<'a> = BTreeMap<String, SourceTerm<'a>>;

/// Whether a recorded event is treatment-emergent: its onset is on or after the start of
/// treatment (`index_date`). An event without an onset date, or of a patient without an index
/// date, cannot be shown to precede treatment and counts (as pharmaverse admiral
/// `derive_var_trtemfl` flags an event with a missing start date).
fn recorded_emergent(onset: Option<Date>, start: Option<Date>) -> bool {
    match (onset, start) {
        (Some(o), Some(s)) => o >= s,
        _ => true,
    }
}

/// Recorded events of analysed patients: the CTCAE term of the row (or the recorded term)
/// and the worst treatment-emergent grade 1-5 per patient.
fn recorded_terms<'a>(
    input: &'a Input<'_>,
    analysed: &HashMap<&str, Option<Date>>,
) -> BySource<'a> {
    let mut out: BySource<'a> = BTreeMap::new();
    for (i, e) in input.cohort.adverse_events.iter().enumerate() {
        let Some(start) = analysed.get(e.patient_id.as_str()) else {
            continue;
        };
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
        let t = out.entry(term).or_default();
        t.n = analysed.len();
        let pid = e.patient_id.as_str();
        if recorded_emergent(e.onset_date.as_ref().map(|d| d.v), *start) {
            let w = t.worst.entry(pid).or_insert(0);
            *w = (*w).max(g);
        } else {
            t.left_out.insert(pid);
        }
    }
    out
}

/// Lab-derived events of analysed patients, by term: the worst post-baseline grade of the
/// patients whose event is treatment-emergent (rules::ctcae::lab_treatment_emergent: an
/// abnormality present at baseline counts only when it worsens); the denominator is the
/// patients with a gradable post-baseline draw.
fn lab_terms<'a>(input: &'a Input<'_>, analysed: &HashMap<&str, Option<Date>>) -> BySource<'a> {
    let mut out: BySource<'a> = BTreeMap::new();
    for l in &input.outcome.lab_adverse_events {
        if !analysed.contains_key(l.patient_id.as_str()) || l.worst_grade.is_none() {
            continue;
        }
        let t = out.entry(l.term.to_string()).or_default();
        t.n += 1;
        let abnormal = t.baseline_abnormal.get_or_insert_with(HashSet::new);
        let pid = l.patient_id.as_str();
        match l.worst_grade {
            Some(g) if g >= 1 && l.treatment_emergent => {
                t.worst.insert(pid, g);
                if l.baseline_grade.is_some_and(|b| b >= 1) {
                    abnormal.insert(pid);
                }
            }
            Some(g) if g >= 1 => {
                t.left_out.insert(pid);
            }
            _ => {}
        }
    }
    out
}

/// One table row of `term`: each patient at the worst counted grade of either source, over
/// the analysed patients.
fn merged_row(
    input: &Input<'_>,
    term: String,
    n: usize,
    sources: [(&str, Option<&SourceTerm<'_>>); 2],
) -> AeRow {
    let mut worst: HashMap<&str, u8> = HashMap::new();
    let mut row = AeRow {
        category: category(&term, input),
        n,
        ..AeRow::default()
    };
    for (name, src) in sources {
        let Some(src) = src else { continue };
        for (p, g) in &src.worst {
            let w = worst.entry(*p).or_insert(0);
            *w = (*w).max(*g);
        }
        if !src.worst.is_empty() {
            row.sources.push(name.to_string());
        }
        row.by_source.insert(name.to_string(), src.counts());
    }
    let (grade, grade3plus) = grade_map(&worst);
    row.term = term;
    row.any = worst.len();
    row.grade = grade;
    row.grade3plus = grade3plus;
    row
}

/// Adverse event rows, one per CTCAE term over the analysed patients: the worst
/// treatment-emergent grade per patient across the recorded and the lab-derived events
/// (a patient counts once per term, at the worst grade); hematologic first, then by patients
/// affected (descending) and term.
pub fn adverse_events(input: &Input<'_>) -> Vec<AeRow> {
    let analysed: HashMap<&str, Option<Date>> = input
        .derived
        .iter()
        .map(|d| (d.patient_id.as_str(), d.index_date))
        .collect();
    let n = analysed.len();
    let recorded = recorded_terms(input, &analysed);
    let labs = lab_terms(input, &analysed);
    let terms: BTreeSet<&String> = recorded.keys().chain(labs.keys()).collect();
    let mut rows: Vec<AeRow> = terms
        .into_iter()
        .map(|term| {
            merged_row(
                input,
                term.clone(),
                n,
                [("recorded", recorded.get(term)), ("labs", labs.get(term))],
            )
        })
        .collect();
    rows.sort_by(|a, b| {
        (
            a.category != "hematologic",
            std::cmp::Reverse(a.any),
            &a.term,
        )
            .cmp(&(
                b.category != "hematologic",
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
