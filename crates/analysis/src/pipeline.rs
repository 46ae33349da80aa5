//! One workbook through every stage: ingest → validate → derive → datasets → `Results`.
//! The stages only pass plain values forward; nothing here does I/O.

use crate::adam;
use crate::analyses;
use crate::config::{DataCutoff, Loaded};
use crate::cutoff;
use crate::derive;
use crate::ingest::{self, IngestError, Limits};
use crate::model::{Assessment, Cohort, Date, Finding, Response};
use crate::results::*;
use crate::rules::{self, config::ResponseSource};
use crate::validate;
use std::collections::{BTreeMap, HashMap};

/// Rule outputs as JSON values in `Results` (which stays `Deserialize` for run-to-run diffs).
/// A rule set's serialised code of an enum value (`SD`, `relapsed`, `m_protein`).
fn code<T: serde::Serialize>(x: &T) -> String {
    match serde_json::to_value(x) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

fn imwg_row(x: &crate::rules::disease_state::ImwgRecord) -> crate::results::ImwgRow {
    crate::results::ImwgRow {
        agrees: x.agrees,
        basis: x.basis.clone(),
        derived: x.derived.clone(),
        missing: strings(&x.missing),
        patient_id: x.patient_id.clone(),
        recorded: x.recorded.clone(),
        relapse_evidence: x.relapse_evidence.clone(),
        relapse_evidence_rules: strings(&x.relapse_evidence_rules),
        rule: x.rule.to_string(),
    }
}

fn response_check(x: &crate::rules::response::DerivedResponse) -> crate::results::ResponseCheck {
    crate::results::ResponseCheck {
        after_cycle: x.after_cycle,
        agrees: x.agrees,
        basis: x.basis.clone(),
        confirmed: x.confirmed,
        date: x.date.map(|d| d.to_string()),
        derived: x.derived.as_ref().map(code),
        measure: x.measure.as_ref().map(code),
        patient_id: x.patient_id.clone(),
        recorded: x.recorded.as_ref().map(code),
        rule: x.rule.to_string(),
    }
}

fn staging_row(x: &crate::rules::staging::PatientStaging) -> crate::results::StagingRow {
    crate::results::StagingRow {
        ds_subclass_agrees: x.ds_subclass_agrees,
        ds_subclass_derived: x.ds_subclass_derived.clone(),
        ds_subclass_recorded: x.ds_subclass_recorded.clone(),
        high_risk_count: x.high_risk_count,
        high_risk_fish: x.high_risk_fish,
        high_risk_markers: x.high_risk_markers.clone(),
        iss_agrees: x.iss_agrees,
        iss_basis: x.iss_basis.clone(),
        iss_derived: x.iss_derived,
        iss_recorded: x.iss_recorded,
        note_newly_diagnosed: x.note_newly_diagnosed,
        patient_id: x.patient_id.clone(),
        r2_iss: x.r2_iss,
        r2_iss_basis: x.r2_iss_basis.clone(),
        r_iss: x.r_iss,
        r_iss_basis: x.r_iss_basis.clone(),
    }
}

fn high_risk_row(x: &crate::rules::PatientHighRisk) -> crate::results::HighRiskRow {
    crate::results::HighRiskRow {
        basis: x.basis.clone(),
        criteria: x.criteria.clone(),
        definition: x.definition.clone(),
        high_risk: x.high_risk,
        missing: x.missing.clone(),
        patient_id: x.patient_id.clone(),
    }
}

fn refractoriness_row(
    x: &crate::rules::PatientRefractoriness,
) -> crate::results::RefractorinessRow {
    crate::results::RefractorinessRow {
        basis: x.basis.clone(),
        class: x.class.clone(),
        exposed_classes: x.exposed_classes.clone(),
        patient_id: x.patient_id.clone(),
        penta: x.penta,
        refractory_classes: x.refractory_classes.clone(),
        refractory_drugs: x.refractory_drugs.clone(),
    }
}

fn diagnosis_row(x: &crate::rules::diagnosis::DiagnosisCheck) -> crate::results::DiagnosisRow {
    crate::results::DiagnosisRow {
        basis: x.basis.clone(),
        criteria_met: x.criteria_met.clone(),
        label: x.label.to_string(),
        missing: strings(&x.missing),
        outcome: code(&x.outcome),
        patient_id: x.patient_id.clone(),
        rule: x.rule.to_string(),
    }
}
use sha2::{Digest, Sha256};

/// What a run needs besides the workbook: resolved once, immutable.
#[derive(Debug, Clone)]
pub struct Context {
    pub config: Loaded,
    /// The day of the run (the default data cut-off).
    pub run_date: Date,
    pub limits: Limits,
}

impl Context {
    /// The context of a run on `run_date` under the configuration `config`, with the
    /// workbook limits of its `[batch]` table.
    pub fn new(config: Loaded, run_date: Date) -> Context {
        let limits = Limits::from(&config.config.batch);
        Context {
            config,
            run_date,
            limits,
        }
    }

    /// The data cut-off: configured date, or the run date.
    pub fn cutoff(&self) -> Date {
        match self.config.config.dates.data_cutoff {
            DataCutoff::RunDate => self.run_date,
            DataCutoff::Date(d) => d,
        }
    }
}

/// Everything computed for one workbook: the results, and the cohort they came from (for
/// callers such as `check` that show findings with their cells).
#[derive(Debug, Clone)]
pub struct Processed {
    pub results: Results,
    pub cohort: Cohort,
    /// Agreement of recorded and IMWG-derived disease state and response, for `check`.
    pub rules_summary: rules::RulesSummary,
    /// Wall time of each stage, in order (for the run log and the benchmarks).
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// Stable order for findings: workbook-level first, then by sheet, row, column, rule.
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let ka = (a.at.map(|c| (c.sheet, c.row, c.col)), &a.rule, &a.message);
        let kb = (b.at.map(|c| (c.sheet, c.row, c.col)), &b.rule, &b.message);
        ka.cmp(&kb)
    });
}

/// Adds the patients the cut-off excludes to the validation's exclusions.
fn exclude(cohort: &Cohort, v: &mut validate::Validation, excluded: Vec<(String, Vec<String>)>) {
    if excluded.is_empty() {
        return;
    }
    let ids: std::collections::HashSet<&str> = excluded.iter().map(|(id, _)| id.as_str()).collect();
    v.analysed.retain(|&i| {
        cohort
            .patients
            .get(i)
            .map_or(true, |p| !ids.contains(p.patient_id.as_str()))
    });
    let mut index: HashMap<String, usize> = v
        .excluded
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.clone(), i))
        .collect();
    for (id, reasons) in excluded {
        match index.get(&id) {
            Some(&i) => v.excluded[i].1.extend(reasons),
            None => {
                index.insert(id.clone(), v.excluded.len());
                v.excluded.push((id, reasons));
            }
        }
    }
}

/// Wall time of each stage, lap by lap (for the run log and the benchmarks).
struct Laps {
    timings: Vec<(&'static str, std::time::Duration)>,
    clock: std::time::Instant,
}

impl Laps {
    /// Starts the clock.
    fn start() -> Self {
        Laps {
            timings: Vec::new(),
            clock: std::time::Instant::now(),
        }
    }

    /// Records the time since the previous lap under `name`.
    fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.timings.push((name, now - self.clock));
        self.clock = now;
    }
}

/// Cohort rules, then the data cut-off: the patients the cut-off excludes join the
/// exclusions and its findings follow the validation's.
fn validate_and_cut(cohort: &mut Cohort, run_date: Date, cutoff: Date) -> validate::Validation {
    let mut v = validate::validate(cohort, run_date);
    let cut = cutoff::apply(cohort, cutoff);
    exclude(cohort, &mut v, cut.excluded);
    v.findings.extend(cut.findings);
    v
}

/// Key of an assessment: patient, cycle, date.
type Key<'a> = (&'a str, Option<u32>, Option<Date>);

/// The response each assessment contributes: recorded (default) or IMWG-derived
/// (config `rules.response_source`).
struct ResponseOf<'a> {
    source: ResponseSource,
    derived_by_key: HashMap<Key<'a>, Option<Response>>,
}

impl<'a> ResponseOf<'a> {
    /// Indexes the rules' derived responses by assessment.
    fn new(outcome: &'a rules::RulesOutcome, source: ResponseSource) -> Self {
        let derived_by_key = outcome
            .derived_responses
            .iter()
            .map(|d| {
                (
                    (d.patient_id.as_str(), d.after_cycle, d.date),
                    d.effective(source),
                )
            })
            .collect();
        ResponseOf {
            source,
            derived_by_key,
        }
    }

    /// The response of one assessment by the configured source.
    fn of(&self, a: &Assessment) -> Option<Response> {
        match self.source {
            ResponseSource::Recorded => a.response.as_ref().map(|r| r.v),
            ResponseSource::Derived => self
                .derived_by_key
                .get(&(
                    a.patient_id.as_str(),
                    a.after_cycle.as_ref().map(|c| c.v),
                    a.assessment_date.as_ref().map(|d| d.v),
                ))
                .copied()
                .flatten(),
        }
    }
}

/// ADAE rows of the lab-derived events: a lab term whose worst post-baseline grade is 0 is
/// not an event.
fn lab_adae_rows(outcome: &rules::RulesOutcome) -> Vec<adam::AdaeRow> {
    outcome
        .lab_adverse_events
        .iter()
        .filter(|l| l.worst_grade.is_some_and(|g| g >= 1))
        .map(|l| adam::AdaeRow {
            usubjid: l.patient_id.clone(),
            source: "labs".into(),
            term: Some(l.term.to_string()),
            decod: Some(l.term.to_string()),
            grade: l.worst_grade,
            baseline_grade: l.baseline_grade,
            cycle: None,
            onset_date: l.worst_date.map(|d| d.to_string()),
            serious: None,
        })
        .collect()
}

/// Derives the analysed patients and builds their ADaM datasets, with each assessment's
/// response taken from the configured source.
fn derive_and_build(
    cohort: &Cohort,
    analysed: &[usize],
    outcome: &rules::RulesOutcome,
    cfg: &crate::config::Config,
) -> (Vec<derive::Derived>, adam::Datasets) {
    let lookup = ResponseOf::new(outcome, cfg.rules.response_source);
    let response_of = |a: &Assessment| -> Option<Response> { lookup.of(a) };
    let high_risk: HashMap<&str, bool> = outcome
        .high_risk
        .iter()
        .filter_map(|s| s.high_risk.map(|h| (s.patient_id.as_str(), h)))
        .collect();
    let derived = derive::derive(cohort, analysed, cfg, &response_of, &|id| {
        high_risk.get(id).copied()
    });
    let mut datasets = adam::build(
        cohort,
        &derived,
        &cfg.time.unit,
        &outcome.recorded_ae_terms,
        lab_adae_rows(outcome),
        &response_of,
    );
    adam::set_rule_flags(&mut datasets.adsl, outcome);
    (derived, datasets)
}

/// Every finding of the workbook in stable order: reading, then validation and rules (their
/// cells resolved to sheet names).
fn all_findings(
    cohort: &Cohort,
    validation: Vec<Finding>,
    outcome: &rules::RulesOutcome,
) -> Vec<Finding> {
    let mut findings = cohort.findings.clone();
    let mut vf = validation;
    vf.extend(outcome.findings.iter().cloned());
    Cohort::resolve_findings(&cohort.sheets, &mut vf);
    Cohort::name_headers(&cohort.headers, &mut vf);
    findings.extend(vf);
    sort_findings(&mut findings);
    findings
}

/// Excluded patients (ingest, then validation and cut-off), sorted by patient id.
fn excluded_patients(cohort: &Cohort, validation: &[(String, Vec<String>)]) -> Vec<Excluded> {
    let mut excluded: Vec<Excluded> = cohort
        .excluded
        .iter()
        .chain(validation.iter())
        .map(|(id, r)| Excluded {
            patient_id: id.clone(),
            reasons: r.clone(),
        })
        .collect();
    excluded.sort_by(|a, b| a.patient_id.cmp(&b.patient_id));
    excluded
}

/// One count everywhere: the rules summary counts every finding of the workbook (reading,
/// validation and rules), as the report, the Excel workbook, `check` and the index do.
fn rules_summary(outcome: &rules::RulesOutcome, counts: &FindingCounts) -> rules::RulesSummary {
    let mut summary = outcome.summary.clone();
    summary.findings_error = counts.error;
    summary.findings_warning = counts.warning;
    summary.findings_info = counts.info;
    summary
}

/// The rule outputs of `Results`: summary, derived responses, staging and diagnosis checks.
fn validation_of(outcome: &rules::RulesOutcome, summary: &rules::RulesSummary) -> Validation {
    Validation {
        summary: serde_json::to_value(summary).unwrap_or_default(),
        derived_responses: outcome
            .derived_responses
            .iter()
            .map(response_check)
            .collect(),
        staging: outcome.staging.iter().map(staging_row).collect(),
        diagnosis: outcome.diagnosis.iter().map(diagnosis_row).collect(),
        high_risk: outcome.high_risk.iter().map(high_risk_row).collect(),
        refractoriness: outcome
            .refractoriness
            .iter()
            .map(refractoriness_row)
            .collect(),
    }
}

/// Gives each free-text level of Table 1 and of the causes of death the spelling the
/// workbook first used for it (issue 14: the clinician's own words are shown as entered),
/// when that differs from its code.
fn label_entered(a: &mut Analyses, entered: &BTreeMap<String, BTreeMap<String, String>>) {
    let label = |levels: &mut [Level], column: &str| {
        let Some(seen) = entered.get(column) else {
            return;
        };
        for l in levels {
            l.label = seen.get(&l.level).filter(|t| **t != l.level).cloned();
        }
    };
    for row in &mut a.baseline {
        label(&mut row.levels, &row.variable);
    }
    label(&mut a.deaths.causes, "death_cause");
}

/// Runs every stage on one workbook's bytes.
pub fn process(bytes: &[u8], file_name: &str, ctx: &Context) -> Result<Processed, IngestError> {
    let cfg = &ctx.config.config;
    let mut laps = Laps::start();
    let mut cohort = ingest::read_workbook(bytes, cfg, ctx.limits)?;
    laps.lap("ingest");
    let cutoff = ctx.cutoff();
    let v = validate_and_cut(&mut cohort, ctx.run_date, cutoff);
    laps.lap("validate");
    let outcome = rules::evaluate(
        &cohort.patients,
        &cohort.assessments,
        &cohort.labs,
        &cohort.adverse_events,
        &cfg.rules,
    );
    laps.lap("rules");
    let (derived, datasets) = derive_and_build(&cohort, &v.analysed, &outcome, cfg);
    let findings = all_findings(&cohort, v.findings, &outcome);
    let excluded = excluded_patients(&cohort, &v.excluded);
    laps.lap("derive");
    let cohort_summary = CohortSummary {
        patients_read: cohort.patients_read,
        patients_analysed: derived.len(),
        excluded,
    };
    let mut analyses = {
        let input = analyses::Input::new(cfg, &cohort, &derived, &outcome, &cohort_summary);
        analyses::analyse(&input)
    };
    label_entered(&mut analyses, &cohort.entered);
    laps.lap("analyse");
    let finding_counts = FindingCounts::of(&findings);
    let summary = rules_summary(&outcome, &finding_counts);
    let results = Results {
        schema_version: SCHEMA_VERSION,
        generator: Generator {
            name: "mmreport".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        input: Input {
            file: file_name.to_string(),
            sha256: hex::encode(Sha256::digest(bytes)),
        },
        config_sha256: ctx.config.sha256.clone(),
        time_unit: cfg.time.unit.clone(),
        data_cutoff: cutoff.to_string(),
        run_date: ctx.run_date.to_string(),
        language: format!("{:?}", cfg.study.language).to_lowercase(),
        cohort: cohort_summary,
        finding_counts,
        findings,
        imwg: outcome.imwg.iter().map(imwg_row).collect(),
        validation: validation_of(&outcome, &summary),
        pseudonymized: false,
        changes: None,
        analyses,
        datasets,
    };
    Ok(Processed {
        results,
        cohort,
        rules_summary: summary,
        timings: laps.timings,
    })
}
