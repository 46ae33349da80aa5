//! Builds the ADaM-named datasets (ADSL, ADTTE, ADRS, ADAE; types in
//! [`mmreport_core::adam`]) from the derived patients, for re-analysis in R or SAS.

use crate::derive::{Derived, Endpoint};
pub use mmreport_core::adam::*;
use mmreport_core::model::{AdverseEvent, Assessment, Cohort, Response};
use std::collections::{HashMap, HashSet};

fn yn(b: bool) -> String {
    if b { "Y" } else { "N" }.into()
}

fn tte(d: &Derived, code: &str, e: &Endpoint, unit: &str) -> AdtteRow {
    AdtteRow {
        usubjid: d.patient_id.clone(),
        paramcd: code.into(),
        aval: e.time,
        avalu: unit.into(),
        days: e.days,
        cnsr: u8::from(!e.event),
        start_date: d.index_date.map(|x| x.to_string()),
        event_date: e.date.filter(|_| e.event).map(|x| x.to_string()),
        censor_date: e.date.filter(|_| !e.event).map(|x| x.to_string()),
        description: e.reason.into(),
    }
}

/// One ADSL row: the derived record flattened, groupings and checkpoint responses as
/// `key=value` lists joined by `;`.
fn adsl_row(d: &Derived) -> AdslRow {
    AdslRow {
        usubjid: d.patient_id.clone(),
        sex: d.sex.map(|s| format!("{s:?}").to_lowercase()),
        age: d.age,
        age_derived: d.age_derived,
        index_date: d.index_date.map(|x| x.to_string()),
        regimen: d.regimen.clone(),
        cycles_completed: d.cycles_completed,
        prior_lines: d.prior_lines,
        response_evaluable: yn(d.response_evaluable),
        final_response: d.final_response.map(|r| r.code().into()),
        best_response: d.best_response.map(|r| r.code().into()),
        pfs_time: d.pfs.as_ref().map(|e| e.time),
        pfs_event: d.pfs.as_ref().map(|e| yn(e.event)),
        os_time: d.os.time,
        os_event: yn(d.os.event),
        followup_time: d.followup.time,
        alive: yn(d.alive_at_last_contact),
        groups: d
            .groups
            .iter()
            .map(|(k, v)| format!("{k}={}", v.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(";"),
        checkpoints: d
            .checkpoints
            .iter()
            .map(|(c, r)| format!("C{c}={}", r.map(|r| r.code()).unwrap_or("")))
            .collect::<Vec<_>>()
            .join(";"),
        high_risk: None,
        triple_class_refractory: None,
        penta_refractory: None,
        triple_class_exposed: None,
    }
}

/// Sets the rule-derived flags of the ADSL rows: high risk by the configured definition and
/// the refractoriness classes (Gandhi 2019).
pub fn set_rule_flags(adsl: &mut [AdslRow], outcome: &crate::rules::RulesOutcome) {
    let rf: HashMap<&str, &crate::rules::PatientRefractoriness> = outcome
        .refractoriness
        .iter()
        .map(|r| (r.patient_id.as_str(), r))
        .collect();
    let hr: HashMap<&str, Option<bool>> = outcome
        .high_risk
        .iter()
        .map(|h| (h.patient_id.as_str(), h.high_risk))
        .collect();
    for a in adsl {
        a.high_risk = hr.get(a.usubjid.as_str()).copied().flatten().map(yn);
        if let Some(r) = rf.get(a.usubjid.as_str()) {
            a.triple_class_refractory = r.triple_class().map(yn);
            a.penta_refractory = r.penta.map(yn);
            a.triple_class_exposed = r.triple_class_exposed().map(yn);
        }
    }
}

/// ADTTE: PFS, OS and TTP of each patient, in cohort order.
fn adtte(derived: &[Derived], unit: &str) -> Vec<AdtteRow> {
    let mut adtte = Vec::with_capacity(derived.len() * 3);
    for d in derived {
        if let Some(pfs) = &d.pfs {
            adtte.push(tte(d, "PFS", pfs, unit));
        }
        adtte.push(tte(d, "OS", &d.os, unit));
        if let Some(ttp) = &d.ttp {
            adtte.push(tte(d, "TTP", ttp, unit));
        }
    }
    adtte
}

/// The analysed patients: their ids, and each one's position in cohort order (the first
/// sort key of ADRS and ADAE).
struct Analysed<'a> {
    ids: HashSet<&'a str>,
    order: HashMap<&'a str, usize>,
}

impl<'a> Analysed<'a> {
    /// Indexes the derived patients.
    fn new(derived: &'a [Derived]) -> Self {
        Analysed {
            ids: derived.iter().map(|d| d.patient_id.as_str()).collect(),
            order: derived
                .iter()
                .enumerate()
                .map(|(i, d)| (d.patient_id.as_str(), i))
                .collect(),
        }
    }
}

/// ADRS: cohort order of patients, then cycle, then date (input row order does not matter).
fn adrs(
    cohort: &Cohort,
    analysed: &Analysed<'_>,
    response_of: &dyn Fn(&Assessment) -> Option<Response>,
) -> Vec<AdrsRow> {
    let mut asm: Vec<&Assessment> = cohort
        .assessments
        .iter()
        .filter(|a| analysed.ids.contains(a.patient_id.as_str()))
        .collect();
    asm.sort_by_key(|a| {
        (
            analysed.order.get(a.patient_id.as_str()).copied(),
            a.after_cycle.as_ref().map(|c| c.v),
            a.assessment_date.as_ref().map(|d| d.v),
        )
    });
    asm.into_iter()
        .map(|a| AdrsRow {
            usubjid: a.patient_id.clone(),
            after_cycle: a.after_cycle.as_ref().map(|c| c.v),
            date: a.assessment_date.as_ref().map(|d| d.v.to_string()),
            response: response_of(a).map(|r| r.code().into()),
            serum_m_protein: a.serum_m_protein.as_ref().map(|v| v.v),
            urine_m_protein: a.urine_m_protein.as_ref().map(|v| v.v),
            involved_flc: a.involved_flc.as_ref().map(|v| v.v),
            uninvolved_flc: a.uninvolved_flc.as_ref().map(|v| v.v),
            immunofixation_negative: a.immunofixation_negative.as_ref().map(|v| v.v),
            bm_plasma_cell_pct: a.bm_plasma_cell_pct.as_ref().map(|v| v.v),
        })
        .collect()
}

/// ADAE row of one recorded adverse event, with its CTCAE term (`decod`).
fn recorded_ae(e: &AdverseEvent, decod: Option<String>) -> AdaeRow {
    AdaeRow {
        usubjid: e.patient_id.clone(),
        source: "recorded".into(),
        term: e.term.as_ref().map(|t| t.v.clone()),
        decod,
        grade: e.grade.as_ref().map(|g| g.v),
        baseline_grade: None,
        cycle: e.cycle.as_ref().map(|c| c.v),
        onset_date: e.onset_date.as_ref().map(|d| d.v.to_string()),
        serious: e.serious.as_ref().map(|s| s.v),
    }
}

/// ADAE: recorded events sorted by patient (cohort order), onset, cycle and term, then the
/// lab-derived rows of analysed patients as the rules built them.
fn adae(
    cohort: &Cohort,
    analysed: &Analysed<'_>,
    ae_terms: &[Option<String>],
    lab_aes: Vec<AdaeRow>,
) -> Vec<AdaeRow> {
    let mut ae_rows: Vec<(usize, AdaeRow)> = cohort
        .adverse_events
        .iter()
        .enumerate()
        .filter(|(_, e)| analysed.ids.contains(e.patient_id.as_str()))
        .map(|(i, e)| {
            let at = analysed.order.get(e.patient_id.as_str()).copied();
            (
                at.unwrap_or(usize::MAX),
                recorded_ae(e, ae_terms.get(i).cloned().flatten()),
            )
        })
        .collect();
    ae_rows.sort_by(|a, b| {
        (a.0, &a.1.onset_date, a.1.cycle, &a.1.decod).cmp(&(
            b.0,
            &b.1.onset_date,
            b.1.cycle,
            &b.1.decod,
        ))
    });
    let mut adae: Vec<AdaeRow> = ae_rows.into_iter().map(|(_, r)| r).collect();
    adae.extend(
        lab_aes
            .into_iter()
            .filter(|r| analysed.ids.contains(r.usubjid.as_str())),
    );
    adae
}

/// Builds the datasets for the analysed patients (`derived`, in cohort order). `ae_terms`
/// gives the CTCAE term of each recorded adverse event row (same order as
/// `cohort.adverse_events`), `lab_aes` the lab-derived rows already built by the rules.
pub fn build(
    cohort: &Cohort,
    derived: &[Derived],
    unit: &str,
    ae_terms: &[Option<String>],
    lab_aes: Vec<AdaeRow>,
    response_of: &dyn Fn(&Assessment) -> Option<Response>,
) -> Datasets {
    let analysed = Analysed::new(derived);
    Datasets {
        adsl: derived.iter().map(adsl_row).collect(),
        adtte: adtte(derived, unit),
        adrs: adrs(cohort, &analysed, response_of),
        adae: adae(cohort, &analysed, ae_terms, lab_aes),
    }
}
