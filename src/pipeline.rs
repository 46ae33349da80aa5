//! One workbook through every stage: ingest → validate → derive → datasets → `Results`.
//! The stages only pass plain values forward; nothing here does I/O.

use crate::adam;
use crate::config::Loaded;
use crate::derive;
use crate::ingest::{self, IngestError, Limits};
use crate::model::{Assessment, Cohort, Date, Finding, Response};
use crate::results::*;
use crate::validate;
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
    /// The data cut-off: configured date, or the run date.
    pub fn cutoff(&self) -> Date {
        self.config
            .config
            .dates
            .data_cutoff
            .parse()
            .unwrap_or(self.run_date)
    }
}

/// Everything computed for one workbook: the results, and the cohort they came from (for
/// callers such as `check` that show findings with their cells).
#[derive(Debug, Clone)]
pub struct Processed {
    pub results: Results,
    pub cohort: Cohort,
}

/// Stable order for findings: workbook-level first, then by sheet, row, column, rule.
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let ka = (a.at.map(|c| (c.sheet, c.row, c.col)), &a.rule, &a.message);
        let kb = (b.at.map(|c| (c.sheet, c.row, c.col)), &b.rule, &b.message);
        ka.cmp(&kb)
    });
}

/// Runs every stage on one workbook's bytes.
pub fn process(bytes: &[u8], file_name: &str, ctx: &Context) -> Result<Processed, IngestError> {
    let cfg = &ctx.config.config;
    let cohort = ingest::read_workbook(bytes, cfg, ctx.limits)?;
    let cutoff = ctx.cutoff();
    let v = validate::validate(&cohort, cutoff);
    let recorded = |a: &Assessment| -> Option<Response> { a.response.as_ref().map(|r| r.v) };
    let derived = derive::derive(&cohort, &v.analysed, cfg, &recorded);
    let ae_terms: Vec<Option<String>> = cohort
        .adverse_events
        .iter()
        .map(|e| e.term.as_ref().map(|t| t.v.clone()))
        .collect();
    let datasets = adam::build(
        &cohort,
        &derived,
        &cfg.time.unit,
        &ae_terms,
        Vec::new(),
        &recorded,
    );

    let mut findings = cohort.findings.clone();
    let mut vf = v.findings;
    Cohort::resolve_findings(&cohort.sheets, &mut vf);
    findings.extend(vf);
    sort_findings(&mut findings);

    let mut excluded: Vec<Excluded> = cohort
        .excluded
        .iter()
        .chain(v.excluded.iter())
        .map(|(id, r)| Excluded {
            patient_id: id.clone(),
            reasons: r.clone(),
        })
        .collect();
    excluded.sort_by(|a, b| a.patient_id.cmp(&b.patient_id));
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
        language: format!("{:?}", cfg.study.language).to_lowercase(),
        cohort: CohortSummary {
            patients_read: cohort.patients_read,
            patients_analysed: derived.len(),
            excluded,
        },
        finding_counts: FindingCounts::of(&findings),
        findings,
        imwg: Vec::new(),
        datasets,
    };
    Ok(Processed { results, cohort })
}
