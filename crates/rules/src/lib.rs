//! Clinical rule sets (IMWG, CTCAE v5, staging): pure functions, no I/O.
//!
//! Each rule has a stable id (`pub const` in its module, e.g.
//! [`disease_state::REFRACTORY_WITHIN_60_DAYS`] = `imwg2016.refractory.within_60_days`), a doc
//! comment naming its source, and a rule-set version (the id prefix: `imwg2016`, `imwg2014`,
//! `ctcae5`, `greipp2005`, …). [`catalogue`] lists them all as data for the report's methods
//! section. Thresholds are data too: [`RulesConfig`] (defaults in `config/rules.toml`).
//!
//! [`evaluate`] runs every rule over a cohort and returns a serde-serialisable
//! [`RulesOutcome`] (per-patient IMWG state, diagnosis check, derived responses, lab-derived
//! CTCAE events, staging, findings and a [`RulesSummary`] with a `Display` for people).
//! Rows are grouped by `patient_id` once (hash map), sorted within a patient by date, so the
//! input order does not change the outputs and the cost is linear in the cohort size.

/// The thresholds of these rules (defined in `mmreport-core`, where the configuration lives).
pub use mmreport_core::rules_config as config;
pub mod ctcae;
pub mod diagnosis;
pub mod disease_state;
pub mod high_risk;
pub mod mrd;
pub mod plausibility;
pub mod refractoriness;
pub mod response;
pub mod staging;

pub use config::{ResponseSource, RulesConfig, RulesConfigError};
pub use ctcae::{Grade, LabAe, LabTerm};
pub use diagnosis::{DiagnosisCheck, DiagnosisOutcome};
pub use disease_state::{DiseaseStateOutcome, ImwgRecord};
pub use high_risk::PatientHighRisk;
use mmreport_core::model;
pub use refractoriness::PatientRefractoriness;
pub use response::DerivedResponse;
pub use staging::PatientStaging;

use mmreport_core::model::{
    AdverseEvent, Assessment, CellRef, Finding, LabDraw, Patient, Severity,
};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// One rule as data: id, rule-set version, source and what it decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub id: &'static str,
    pub version: &'static str,
    pub source: &'static str,
    pub summary: &'static str,
}

/// Every rule of every rule set, in report order.
pub fn catalogue() -> Vec<RuleInfo> {
    let mut v = Vec::new();
    v.extend_from_slice(disease_state::RULES);
    v.extend_from_slice(diagnosis::RULES);
    v.extend_from_slice(response::RULES);
    v.extend_from_slice(ctcae::RULES);
    v.extend_from_slice(ctcae::RULES_V6);
    v.extend_from_slice(staging::RULES);
    v.extend_from_slice(high_risk::RULES);
    v.extend_from_slice(refractoriness::RULES);
    v.extend_from_slice(mrd::RULES);
    v.extend_from_slice(plausibility::RULES);
    v
}

/// The rule ids of the rule sets that raise findings (the others derive a value): each has
/// its message in both languages in `crates/core/labels/findings.toml`
/// (`finding.<rule>[#case]`), which the render crate's tests check.
pub const FINDING_RULES: &[&str] = &[
    ctcae::TERM_UNKNOWN,
    ctcae::GRADE_OUT_OF_RANGE,
    ctcae::UNDATED_LABS,
    disease_state::DISAGREES,
    disease_state::NO_RELAPSE_EVIDENCE,
    plausibility::CALCIUM,
    plausibility::CREATININE,
    plausibility::CRCL,
    plausibility::ALBUMIN,
    plausibility::LDH,
    plausibility::ESR,
    plausibility::HEMOGLOBIN,
    plausibility::WBC,
    plausibility::NEUTROPHILS,
    plausibility::LYMPHOCYTES,
    plausibility::PLATELETS,
    plausibility::BM_PLASMA_CELL_PCT,
    plausibility::SERUM_M_PROTEIN,
    plausibility::URINE_M_PROTEIN,
    plausibility::FLC,
    plausibility::PLASMACYTOMA_SPD,
    refractoriness::UNKNOWN_DRUG,
    refractoriness::CONFLICT,
    response::DISAGREES,
    response::PROGRESSION_DATE_NO_PD,
    response::PROGRESSION_DATE_MISSING,
    staging::ISS_DISAGREES,
    staging::DS_SUBCLASS_DISAGREES,
];

/// Everything the rule sets derive from one cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RulesOutcome {
    /// Disease state at entry, one per patient (patient order).
    pub imwg: Vec<ImwgRecord>,
    /// IMWG 2014 diagnosis check (informational), one per patient.
    pub diagnosis: Vec<DiagnosisCheck>,
    /// One per post-baseline assessment, patient order then assessment order.
    pub derived_responses: Vec<DerivedResponse>,
    /// Lab-derived CTCAE events: one per patient and lab term with any draw.
    pub lab_adverse_events: Vec<LabAe>,
    /// The CTCAE term of each input `adverse_events` row (same order), `None` when unknown.
    pub recorded_ae_terms: Vec<Option<String>>,
    pub staging: Vec<PatientStaging>,
    /// High risk by the configured definition, one per patient.
    pub high_risk: Vec<PatientHighRisk>,
    /// Refractoriness and exposure classes (Gandhi 2019), one per patient.
    pub refractoriness: Vec<PatientRefractoriness>,
    pub findings: Vec<Finding>,
    pub summary: RulesSummary,
}

impl RulesOutcome {
    /// The response the analyses should use for `derived_responses[i]`, by
    /// `cfg.response_source` (recorded by default).
    pub fn response_for_analysis(
        &self,
        i: usize,
        source: ResponseSource,
    ) -> Option<crate::model::Response> {
        self.derived_responses
            .get(i)
            .and_then(|d| d.effective(source))
    }
}

/// Counts for `mmreport check` and the report's validation section.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RulesSummary {
    pub criteria_version: String,
    pub ctcae_version: String,
    pub high_risk_definition: String,
    pub response_source: String,
    pub patients: usize,
    pub disease_state_derived: usize,
    pub disease_state_not_derivable: usize,
    pub disease_state_agree: usize,
    pub disease_state_disagree: usize,
    pub disease_state_not_recorded: usize,
    pub no_relapse_evidence: usize,
    pub diagnosis_consistent: usize,
    pub diagnosis_not_assessable: usize,
    pub responses_assessed: usize,
    pub responses_derived: usize,
    pub responses_not_derivable: usize,
    pub responses_agree: usize,
    pub responses_disagree: usize,
    pub responses_unconfirmed: usize,
    pub iss_derived: usize,
    pub iss_agree: usize,
    pub iss_disagree: usize,
    /// High risk by the configured definition: yes, no, not derivable.
    pub high_risk_yes: usize,
    pub high_risk_no: usize,
    pub high_risk_not_derivable: usize,
    /// Patients whose refractoriness class is derivable.
    pub refractoriness_derived: usize,
    pub triple_class_refractory: usize,
    pub penta_refractory: usize,
    pub lab_ae_rows: usize,
    /// Rows with a post-baseline grade >= 1.
    pub lab_ae_any_grade: usize,
    pub lab_ae_grade3plus: usize,
    /// Rows already abnormal (grade >= 1) at baseline.
    pub lab_ae_abnormal_at_baseline: usize,
    pub recorded_ae_unknown_terms: usize,
    pub findings_error: usize,
    pub findings_warning: usize,
    pub findings_info: usize,
}

impl fmt::Display for RulesSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Clinical rules ({}, {}; analyses use the {} response)",
            self.criteria_version, self.ctcae_version, self.response_source
        )?;
        writeln!(
            f,
            "  Disease state at entry: {} of {} patients derivable; recorded agrees {}, \
             disagrees {}, not recorded {}; not derivable {}",
            self.disease_state_derived,
            self.patients,
            self.disease_state_agree,
            self.disease_state_disagree,
            self.disease_state_not_recorded,
            self.disease_state_not_derivable
        )?;
        writeln!(
            f,
            "  Relapse evidence at entry: none documented for {} patients",
            self.no_relapse_evidence
        )?;
        writeln!(
            f,
            "  IMWG 2014 diagnosis (entry values, informational): consistent {}, not assessable {}",
            self.diagnosis_consistent, self.diagnosis_not_assessable
        )?;
        writeln!(
            f,
            "  Response (IMWG 2016): {} assessments, derived for {} ({} unconfirmed), \
             not derivable {}; recorded agrees {}, disagrees {}",
            self.responses_assessed,
            self.responses_derived,
            self.responses_unconfirmed,
            self.responses_not_derivable,
            self.responses_agree,
            self.responses_disagree
        )?;
        writeln!(
            f,
            "  ISS: derived for {} patients; recorded agrees {}, disagrees {}",
            self.iss_derived, self.iss_agree, self.iss_disagree
        )?;
        writeln!(
            f,
            "  High risk ({}): yes {}, no {}, not derivable {}",
            self.high_risk_definition,
            self.high_risk_yes,
            self.high_risk_no,
            self.high_risk_not_derivable
        )?;
        writeln!(
            f,
            "  Refractoriness (Gandhi 2019): class derivable for {} patients; triple-class \
             refractory {}, penta-refractory {}",
            self.refractoriness_derived, self.triple_class_refractory, self.penta_refractory
        )?;
        writeln!(
            f,
            "  Lab-derived CTCAE rows: {} ({} with any grade and {} with grade >= 3 after \
             baseline; {} already abnormal at baseline); unknown recorded AE terms: {}",
            self.lab_ae_rows,
            self.lab_ae_any_grade,
            self.lab_ae_grade3plus,
            self.lab_ae_abnormal_at_baseline,
            self.recorded_ae_unknown_terms
        )?;
        write!(
            f,
            "  Findings: {} errors, {} warnings, {} info",
            self.findings_error, self.findings_warning, self.findings_info
        )
    }
}

/// Cohorts at least this large are split over the available cores (scoped threads, no
/// shared mutable state; the result is identical to the sequential one).
const PARALLEL_MIN_PATIENTS: usize = 20_000;

/// Rows grouped by `patient_id`, built once.
struct Groups<'a> {
    assessments: HashMap<&'a str, Vec<&'a Assessment>>,
    labs: HashMap<&'a str, Vec<&'a LabDraw>>,
    adverse_events: HashMap<&'a str, Vec<&'a AdverseEvent>>,
}

/// The per-patient outputs of a run of patients, in patient order.
#[derive(Default)]
struct Part {
    imwg: Vec<ImwgRecord>,
    diagnosis: Vec<DiagnosisCheck>,
    derived_responses: Vec<DerivedResponse>,
    lab_adverse_events: Vec<LabAe>,
    staging: Vec<PatientStaging>,
    high_risk: Vec<PatientHighRisk>,
    refractoriness: Vec<PatientRefractoriness>,
    findings: Vec<Finding>,
}

fn evaluate_patients(
    patients: &[Patient],
    g: &Groups<'_>,
    terms: &ctcae::TermIndex,
    cfg: &RulesConfig,
) -> Part {
    let mut out = Part {
        imwg: Vec::with_capacity(patients.len()),
        diagnosis: Vec::with_capacity(patients.len()),
        staging: Vec::with_capacity(patients.len()),
        ..Part::default()
    };
    let empty_a: Vec<&Assessment> = Vec::new();
    let empty_l: Vec<&LabDraw> = Vec::new();
    let empty_e: Vec<&AdverseEvent> = Vec::new();
    for p in patients {
        let pid = p.patient_id.as_str();
        let pa = g.assessments.get(pid).unwrap_or(&empty_a);
        let pl = g.labs.get(pid).unwrap_or(&empty_l);
        let pe = g.adverse_events.get(pid).unwrap_or(&empty_e);

        let (rec, f) = disease_state::evaluate_patient(p, cfg);
        out.imwg.push(rec);
        out.findings.extend(f);

        out.diagnosis.push(diagnosis::evaluate_patient(p, pa, cfg));

        let (dr, f) = response::evaluate_patient(p, pa, cfg);
        out.findings.extend(f);
        out.findings
            .extend(response::check_progression_date(p, pa, &dr, cfg));
        out.derived_responses.extend(dr);

        let (lae, f) = ctcae::evaluate_patient_labs(p, pl, cfg);
        out.lab_adverse_events.extend(lae);
        out.findings.extend(f);
        out.findings
            .extend(ctcae::check_recorded_events(p, pe, terms));

        let (st, f) = staging::evaluate_patient(p, cfg);
        out.high_risk.push(high_risk::evaluate_patient(p, &st, cfg));
        out.staging.push(st);
        out.findings.extend(f);

        let (rf, f) = refractoriness::evaluate_patient(p, &cfg.refractoriness);
        out.refractoriness.push(rf);
        out.findings.extend(f);

        out.findings.extend(plausibility::patient_findings(p, cfg));
        let mut sorted_a: Vec<&Assessment> = pa.clone();
        sorted_a.sort_by(|a, b| response::assessment_order(a, b));
        for a in sorted_a {
            out.findings
                .extend(plausibility::assessment_findings(a, cfg));
        }
        let mut sorted_l: Vec<&LabDraw> = pl.clone();
        sorted_l.sort_by(|a, b| ctcae::lab_order(a, b));
        for l in sorted_l {
            out.findings.extend(plausibility::lab_findings(l, cfg));
        }
    }
    out
}

/// Run every rule set over a cohort. Pure (no I/O); linear in the number of rows: rows are
/// grouped by `patient_id` once, and large cohorts are split over the available cores with
/// the same, deterministic result. Rows whose `patient_id` has no patient are left out
/// (ingest reports them), except in `recorded_ae_terms`, which follows the input rows.
pub fn evaluate(
    patients: &[Patient],
    assessments: &[Assessment],
    labs: &[LabDraw],
    adverse_events: &[AdverseEvent],
    cfg: &RulesConfig,
) -> RulesOutcome {
    let mut g = Groups {
        assessments: HashMap::with_capacity(patients.len()),
        labs: HashMap::with_capacity(patients.len()),
        adverse_events: HashMap::with_capacity(patients.len()),
    };
    for a in assessments {
        g.assessments
            .entry(a.patient_id.as_str())
            .or_default()
            .push(a);
    }
    for l in labs {
        g.labs.entry(l.patient_id.as_str()).or_default().push(l);
    }
    for e in adverse_events {
        g.adverse_events
            .entry(e.patient_id.as_str())
            .or_default()
            .push(e);
    }
    let terms = ctcae::TermIndex::new(cfg);

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let parts: Vec<Part> = if threads > 1 && patients.len() >= PARALLEL_MIN_PATIENTS {
        let chunk = patients.len().div_ceil(threads);
        let (g, terms) = (&g, &terms);
        std::thread::scope(|s| {
            let handles: Vec<_> = patients
                .chunks(chunk)
                .map(|c| (c, s.spawn(move || evaluate_patients(c, g, terms, cfg))))
                .collect();
            handles
                .into_iter()
                // A thread cannot panic here; should one ever, redo its chunk in this thread.
                .map(|(c, h)| {
                    h.join()
                        .unwrap_or_else(|_| evaluate_patients(c, g, terms, cfg))
                })
                .collect()
        })
    } else {
        vec![evaluate_patients(patients, &g, &terms, cfg)]
    };

    let mut out = RulesOutcome {
        imwg: Vec::with_capacity(patients.len()),
        diagnosis: Vec::with_capacity(patients.len()),
        derived_responses: Vec::with_capacity(
            parts.iter().map(|p| p.derived_responses.len()).sum(),
        ),
        lab_adverse_events: Vec::with_capacity(
            parts.iter().map(|p| p.lab_adverse_events.len()).sum(),
        ),
        recorded_ae_terms: adverse_events
            .iter()
            .map(|e| e.term.as_ref().and_then(|t| terms.lookup(&t.v)))
            .collect(),
        staging: Vec::with_capacity(patients.len()),
        high_risk: Vec::with_capacity(patients.len()),
        refractoriness: Vec::with_capacity(patients.len()),
        findings: Vec::with_capacity(parts.iter().map(|p| p.findings.len()).sum()),
        summary: RulesSummary::default(),
    };
    for p in parts {
        out.imwg.extend(p.imwg);
        out.diagnosis.extend(p.diagnosis);
        out.derived_responses.extend(p.derived_responses);
        out.lab_adverse_events.extend(p.lab_adverse_events);
        out.staging.extend(p.staging);
        out.high_risk.extend(p.high_risk);
        out.refractoriness.extend(p.refractoriness);
        out.findings.extend(p.findings);
    }
    disease_state::collapse_no_evidence(&mut out.findings, patients.len());
    out.summary = summarise(&out, cfg);
    out
}

/// The [`RulesSummary`] of an outcome: the versions in use, then one count per section.
fn summarise(out: &RulesOutcome, cfg: &RulesConfig) -> RulesSummary {
    let mut s = RulesSummary {
        criteria_version: cfg.criteria_version.as_str().to_string(),
        ctcae_version: cfg.ctcae_version.as_str().to_string(),
        high_risk_definition: cfg.high_risk_definition.as_str().to_string(),
        response_source: match cfg.response_source {
            ResponseSource::Recorded => "recorded".to_string(),
            ResponseSource::Derived => "derived".to_string(),
        },
        patients: out.imwg.len(),
        ..RulesSummary::default()
    };
    count_disease_states(&mut s, &out.imwg);
    for d in &out.diagnosis {
        match d.outcome {
            DiagnosisOutcome::ConsistentWithImwg2014 => s.diagnosis_consistent += 1,
            DiagnosisOutcome::NotAssessable => s.diagnosis_not_assessable += 1,
        }
    }
    count_responses(&mut s, &out.derived_responses);
    for st in &out.staging {
        if st.iss_derived.is_some() {
            s.iss_derived += 1;
        }
        count_agreement(st.iss_agrees, &mut s.iss_agree, &mut s.iss_disagree);
    }
    for h in &out.high_risk {
        match h.high_risk {
            Some(true) => s.high_risk_yes += 1,
            Some(false) => s.high_risk_no += 1,
            None => s.high_risk_not_derivable += 1,
        }
    }
    for r in &out.refractoriness {
        s.refractoriness_derived += usize::from(r.class.is_some());
        s.triple_class_refractory += usize::from(r.triple_class() == Some(true));
        s.penta_refractory += usize::from(r.penta == Some(true));
    }
    count_lab_aes(&mut s, &out.lab_adverse_events);
    s.recorded_ae_unknown_terms = out.recorded_ae_terms.iter().filter(|t| t.is_none()).count();
    for f in &out.findings {
        match f.severity {
            Severity::Error => s.findings_error += 1,
            Severity::Warning => s.findings_warning += 1,
            Severity::Info => s.findings_info += 1,
        }
    }
    s
}

/// Adds one recorded-vs-derived agreement to its counter (none when not judged).
fn count_agreement(agrees: Option<bool>, agree: &mut usize, disagree: &mut usize) {
    match agrees {
        Some(true) => *agree += 1,
        Some(false) => *disagree += 1,
        None => {}
    }
}

/// Disease state at entry: derivable or not, recorded or not, agreement, and patients
/// without documented relapse evidence.
fn count_disease_states(s: &mut RulesSummary, imwg: &[ImwgRecord]) {
    for r in imwg {
        if r.derived.is_some() {
            s.disease_state_derived += 1;
        } else {
            s.disease_state_not_derivable += 1;
        }
        if r.recorded.is_none() {
            s.disease_state_not_recorded += 1;
        }
        count_agreement(
            r.agrees,
            &mut s.disease_state_agree,
            &mut s.disease_state_disagree,
        );
        if r.relapse_evidence.is_empty() {
            s.no_relapse_evidence += 1;
        }
    }
}

/// Responses: assessed, derived (and of those unconfirmed) or not derivable (NE included),
/// and agreement with the recorded response.
fn count_responses(s: &mut RulesSummary, derived: &[DerivedResponse]) {
    for d in derived {
        s.responses_assessed += 1;
        match d.derived {
            Some(r) if r != crate::model::Response::NE => {
                s.responses_derived += 1;
                if !d.confirmed {
                    s.responses_unconfirmed += 1;
                }
            }
            _ => s.responses_not_derivable += 1,
        }
        count_agreement(d.agrees, &mut s.responses_agree, &mut s.responses_disagree);
    }
}

/// Lab-derived CTCAE rows: all, with a post-baseline grade >= 1 and >= 3, and abnormal
/// (grade >= 1) at baseline.
fn count_lab_aes(s: &mut RulesSummary, rows: &[LabAe]) {
    s.lab_ae_rows = rows.len();
    s.lab_ae_any_grade = rows
        .iter()
        .filter(|l| l.worst_grade.is_some_and(|g| g >= 1))
        .count();
    s.lab_ae_abnormal_at_baseline = rows
        .iter()
        .filter(|l| l.baseline_grade.is_some_and(|g| g >= 1))
        .count();
    s.lab_ae_grade3plus = rows
        .iter()
        .filter(|l| l.worst_grade.is_some_and(|g| g >= 3))
        .count();
}

// ---------------------------------------------------------------------------------------------
// Shared helpers.

/// Relative tolerance for threshold comparisons, so that 27/30 = 0.9 counts as "down 90%"
/// despite binary floating point.
const EPS: f64 = 1e-9;

fn tol(b: f64) -> f64 {
    EPS * b.abs().max(1.0)
}

/// `a >= b`, tolerant of rounding.
pub(crate) fn ge(a: f64, b: f64) -> bool {
    a >= b - tol(b)
}

/// `a > b` strictly (a value equal to `b` up to rounding is not above it).
pub(crate) fn gt(a: f64, b: f64) -> bool {
    a > b + tol(b)
}

/// `a < b` strictly.
pub(crate) fn lt(a: f64, b: f64) -> bool {
    a < b - tol(b)
}

/// `a <= b`, tolerant of rounding.
pub(crate) fn le(a: f64, b: f64) -> bool {
    a <= b + tol(b)
}

/// A number for a message: rounded to 2 decimals, no trailing zeros (`2.8`, `35`, `1.23`).
pub(crate) fn num(v: f64) -> String {
    Num(v).to_string()
}

/// [`num`] as a `Display` (no allocation inside `format!`). Integer arithmetic rather than
/// `{:.2}`: this runs for every basis string of a large cohort.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if !v.is_finite() {
            return write!(f, "{v}");
        }
        let r = (v * 100.0).round();
        if r.abs() >= 9.0e15 {
            return write!(f, "{v:.0}");
        }
        let r = r as i64;
        let a = r.unsigned_abs();
        let (int, frac) = (a / 100, a % 100);
        if r < 0 {
            f.write_str("-")?;
        }
        write!(f, "{int}")?;
        if frac == 0 {
            Ok(())
        } else if frac % 10 == 0 {
            write!(f, ".{}", frac / 10)
        } else {
            write!(f, ".{frac:02}")
        }
    }
}

/// A finding on a cell when we know it, else a general finding that still names the column.
pub(crate) fn finding(
    severity: Severity,
    rule: &str,
    at: Option<CellRef>,
    column: &str,
    patient_id: &str,
    message: impl Into<String>,
) -> Finding {
    let f = match at {
        Some(at) => Finding::at_cell(severity, rule, at, column, message),
        None => Finding {
            column: Some(column.to_string()),
            ..Finding::general(severity, rule, message)
        },
    };
    f.with_patient(patient_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_comparisons() {
        let red = (30.0 - 3.0) / 30.0 * 100.0;
        assert!(ge(red, 90.0));
        assert!(!lt(75.0, 75.0));
        assert!(lt(74.9, 75.0));
        assert!(!gt(2.75, 2.75));
        assert!(gt(2.76, 2.75));
        assert!(le(2.75, 2.75));
    }

    #[test]
    fn numbers_for_messages() {
        assert_eq!(num(2.80), "2.8");
        assert_eq!(num(35.0), "35");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(1.234), "1.23");
        assert_eq!(num(-2.5), "-2.5");
        assert_eq!(num(0.05), "0.05");
        assert_eq!(num(176.8), "176.8");
        assert_eq!(num(1e20), "100000000000000000000");
    }

    #[test]
    fn catalogue_ids_unique_and_versioned() {
        let cat = catalogue();
        let mut ids: Vec<&str> = cat.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule ids");
        for r in &cat {
            assert!(
                r.id.starts_with(r.version),
                "{} not under {}",
                r.id,
                r.version
            );
            assert!(!r.source.is_empty());
        }
    }
}
