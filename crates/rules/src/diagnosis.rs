//! Diagnosis check by the IMWG 2014 criteria (rule set `imwg2014`; Rajkumar, Lancet Oncol
//! 2014;15:e538): clonal marrow plasma cells >= 10% (the IMWG text; the seed paper
//! writes "more than 10%") and at least one myeloma-defining event (CRAB or SLiM).
//!
//! The workbook's patient-level labs are study-entry (baseline) values, not values at
//! diagnosis, and nothing in the data dictionary marks a value as taken at diagnosis. So the
//! check runs on the patient-level labs (plus the FLC of the baseline assessment) and is only
//! ever informational: "consistent with IMWG 2014" when the values meet the criteria, else
//! "not assessable", naming the missing inputs or saying that the entry values do not meet
//! the criteria while the values at diagnosis are not recorded. It never reports "failed" and
//! never raises a finding. The MRI criterion (M) is never assessable from the workbook, and a
//! biopsy-proven plasmacytoma is not recorded, so clonality rests on the marrow alone.

use super::config::RulesConfig;
use super::{ge, gt, lt, num, Num, RuleInfo};
use crate::model::{Assessment, Patient, Sex};
use serde::Serialize;

/// Overall diagnosis check (informational). Source: Rajkumar, Lancet Oncol 2014;15:e538.
/// Version imwg2014.
pub const DIAGNOSIS: &str = "imwg2014.diagnosis";
/// Clonal marrow plasma cells >= 10%. Rajkumar 2014. imwg2014.
pub const CLONAL_PLASMA_CELLS: &str = "imwg2014.diagnosis.clonal_plasma_cells";
/// C: calcium > 2.75 mmol/L, or > 0.25 mmol/L above the ULN. Rajkumar 2014. imwg2014.
pub const MDE_CALCIUM: &str = "imwg2014.mde.calcium";
/// R: creatinine > 177 µmol/L, or CrCl < 40 mL/min. Rajkumar 2014. imwg2014.
pub const MDE_RENAL: &str = "imwg2014.mde.renal";
/// A: Hb < 100 g/L, or > 20 g/L below the LLN. Rajkumar 2014. imwg2014.
pub const MDE_ANAEMIA: &str = "imwg2014.mde.anaemia";
/// B: >= 1 osteolytic lesion (a pathological fracture counts). Rajkumar 2014. imwg2014.
pub const MDE_BONE: &str = "imwg2014.mde.bone";
/// S: marrow plasma cells >= 60%. Rajkumar 2014. imwg2014.
pub const MDE_MARROW_60: &str = "imwg2014.mde.marrow_60";
/// Li: involved/uninvolved FLC ratio >= 100 with involved FLC >= 100 mg/L. Rajkumar 2014.
/// imwg2014.
pub const MDE_FLC_RATIO: &str = "imwg2014.mde.flc_ratio";
/// M: > 1 focal lesion >= 5 mm on MRI (never assessable from the workbook). Rajkumar 2014.
/// imwg2014.
pub const MDE_MRI: &str = "imwg2014.mde.mri";

const SRC: &str = "Rajkumar, Lancet Oncol 2014;15:e538";

/// This module's rules as data.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: DIAGNOSIS,
        version: "imwg2014",
        source: SRC,
        summary: "diagnosis consistent with IMWG 2014 (informational)",
    },
    RuleInfo {
        id: CLONAL_PLASMA_CELLS,
        version: "imwg2014",
        source: SRC,
        summary: "clonal marrow plasma cells >= 10%",
    },
    RuleInfo {
        id: MDE_CALCIUM,
        version: "imwg2014",
        source: SRC,
        summary: "C: calcium > 2.75 mmol/L",
    },
    RuleInfo {
        id: MDE_RENAL,
        version: "imwg2014",
        source: SRC,
        summary: "R: creatinine > 177 µmol/L or CrCl < 40 mL/min",
    },
    RuleInfo {
        id: MDE_ANAEMIA,
        version: "imwg2014",
        source: SRC,
        summary: "A: Hb < 100 g/L or > 20 g/L below the LLN",
    },
    RuleInfo {
        id: MDE_BONE,
        version: "imwg2014",
        source: SRC,
        summary: "B: osteolytic lesion / pathological fracture",
    },
    RuleInfo {
        id: MDE_MARROW_60,
        version: "imwg2014",
        source: SRC,
        summary: "S: marrow plasma cells >= 60%",
    },
    RuleInfo {
        id: MDE_FLC_RATIO,
        version: "imwg2014",
        source: SRC,
        summary: "Li: FLC ratio >= 100 with involved FLC >= 100 mg/L",
    },
    RuleInfo {
        id: MDE_MRI,
        version: "imwg2014",
        source: SRC,
        summary: "M: > 1 focal lesion on MRI",
    },
];

/// Inputs of the diagnosis check.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DiagnosisInputs {
    pub sex: Option<Sex>,
    pub bm_plasma_cell_pct: Option<f64>,
    pub calcium: Option<f64>,
    pub creatinine: Option<f64>,
    pub crcl: Option<f64>,
    pub hemoglobin: Option<f64>,
    pub pathological_fracture: Option<bool>,
    pub involved_flc: Option<f64>,
    pub uninvolved_flc: Option<f64>,
}

/// One criterion: met, not met, or not assessable (`None`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    pub rule: &'static str,
    pub met: Option<bool>,
    pub detail: String,
}

/// Informational outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosisOutcome {
    ConsistentWithImwg2014,
    NotAssessable,
}

impl DiagnosisOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            DiagnosisOutcome::ConsistentWithImwg2014 => "consistent with IMWG 2014",
            DiagnosisOutcome::NotAssessable => "not assessable",
        }
    }
}

/// The diagnosis check of one patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiagnosisCheck {
    pub patient_id: String,
    pub outcome: DiagnosisOutcome,
    pub label: &'static str,
    pub rule: &'static str,
    /// Criteria met (with the numbers).
    pub criteria_met: Vec<String>,
    /// Inputs missing for a criterion that might otherwise have been met.
    pub missing: Vec<&'static str>,
    pub basis: String,
}

fn any_of(parts: &[Option<bool>]) -> Option<bool> {
    if parts.contains(&Some(true)) {
        Some(true)
    } else if parts.iter().all(|p| p.is_some()) {
        Some(false)
    } else {
        None
    }
}

/// The criteria in order: clonality first, then C, R, A, B, S, Li, M.
pub const CRITERIA: [&str; 8] = [
    CLONAL_PLASMA_CELLS,
    MDE_CALCIUM,
    MDE_RENAL,
    MDE_ANAEMIA,
    MDE_BONE,
    MDE_MARROW_60,
    MDE_FLC_RATIO,
    MDE_MRI,
];

/// Whether each of [`CRITERIA`] is met (`None` = not assessable), without any text.
pub fn criteria_met(i: &DiagnosisInputs, cfg: &RulesConfig) -> [Option<bool>; 8] {
    let c = &cfg.diagnosis;
    let lln = match i.sex {
        Some(Sex::Female) => cfg.ctcae.hemoglobin.lln_female,
        Some(Sex::Male) => cfg.ctcae.hemoglobin.lln_male,
        None => None,
    };
    [
        i.bm_plasma_cell_pct.map(|v| ge(v, c.clonal_bm_pct)),
        i.calcium.map(|v| {
            gt(v, c.calcium_mmol_l)
                || c.calcium_uln_mmol_l
                    .is_some_and(|u| gt(v, u + c.calcium_above_uln_mmol_l))
        }),
        any_of(&[
            i.creatinine.map(|v| gt(v, c.creatinine_umol_l)),
            i.crcl.map(|v| lt(v, c.crcl_ml_min)),
        ]),
        i.hemoglobin
            .map(|v| lt(v, c.hb_g_l) || lln.is_some_and(|l| lt(v, l - c.hb_below_lln_g_l))),
        i.pathological_fracture,
        i.bm_plasma_cell_pct.map(|v| ge(v, c.bm_pct_s)),
        match (i.involved_flc, i.uninvolved_flc) {
            (Some(inv), Some(un)) => {
                Some(ge(inv, c.involved_flc_mg_l) && (un <= 0.0 || ge(inv / un, c.flc_ratio)))
            }
            _ => None,
        },
        None,
    ]
}

/// The criterion in words, with the numbers.
pub fn criterion_detail(rule: &str, i: &DiagnosisInputs, cfg: &RulesConfig) -> String {
    let c = &cfg.diagnosis;
    let opt = |v: Option<f64>| v.map(num).unwrap_or_else(|| "missing".into());
    match rule {
        CLONAL_PLASMA_CELLS => format!(
            "marrow plasma cells {}% (>= {})",
            opt(i.bm_plasma_cell_pct),
            Num(c.clonal_bm_pct)
        ),
        MDE_CALCIUM => format!(
            "C: calcium {} mmol/L (> {})",
            opt(i.calcium),
            Num(c.calcium_mmol_l)
        ),
        MDE_RENAL => format!(
            "R: creatinine {} µmol/L (> {}), CrCl {} mL/min (< {})",
            opt(i.creatinine),
            Num(c.creatinine_umol_l),
            opt(i.crcl),
            Num(c.crcl_ml_min)
        ),
        MDE_ANAEMIA => format!("A: Hb {} g/L (< {})", opt(i.hemoglobin), Num(c.hb_g_l)),
        MDE_BONE => format!(
            "B: pathological fracture {}",
            match i.pathological_fracture {
                Some(true) => "yes",
                Some(false) => "no",
                None => "missing",
            }
        ),
        MDE_MARROW_60 => format!(
            "S: marrow plasma cells {}% (>= {})",
            opt(i.bm_plasma_cell_pct),
            Num(c.bm_pct_s)
        ),
        MDE_FLC_RATIO => format!(
            "Li: involved FLC {} mg/L, uninvolved {} mg/L (ratio >= {}, involved >= {})",
            opt(i.involved_flc),
            opt(i.uninvolved_flc),
            Num(c.flc_ratio),
            Num(c.involved_flc_mg_l)
        ),
        _ => "M: MRI focal lesions are not recorded in the workbook".into(),
    }
}

/// Every criterion with its outcome and detail (clonality first, then C, R, A, B, S, Li, M).
pub fn criteria(i: &DiagnosisInputs, cfg: &RulesConfig) -> Vec<Criterion> {
    let met = criteria_met(i, cfg);
    CRITERIA
        .iter()
        .zip(met)
        .map(|(rule, met)| Criterion {
            rule,
            met,
            detail: criterion_detail(rule, i, cfg),
        })
        .collect()
}

fn missing_inputs(rule: &str, i: &DiagnosisInputs) -> Vec<&'static str> {
    let mut m = Vec::new();
    match rule {
        CLONAL_PLASMA_CELLS | MDE_MARROW_60 => {
            if i.bm_plasma_cell_pct.is_none() {
                m.push("bm_plasma_cell_pct");
            }
        }
        MDE_CALCIUM => m.push("calcium"),
        MDE_RENAL => {
            if i.creatinine.is_none() {
                m.push("creatinine");
            }
            if i.crcl.is_none() {
                m.push("crcl");
            }
        }
        MDE_ANAEMIA => m.push("hemoglobin"),
        MDE_BONE => m.push("pathological_fracture"),
        MDE_FLC_RATIO => {
            if i.involved_flc.is_none() {
                m.push("involved_flc");
            }
            if i.uninvolved_flc.is_none() {
                m.push("uninvolved_flc");
            }
        }
        _ => m.push("MRI"),
    }
    m
}

/// The informational check on the inputs available.
pub fn check(patient_id: &str, i: &DiagnosisInputs, cfg: &RulesConfig) -> DiagnosisCheck {
    let met_flags = criteria_met(i, cfg);
    let cr: Vec<(&'static str, Option<bool>)> = CRITERIA.iter().copied().zip(met_flags).collect();
    let clonal = cr[0];
    let events = &cr[1..];
    let met: Vec<String> = cr
        .iter()
        .filter(|c| c.1 == Some(true))
        .map(|c| criterion_detail(c.0, i, cfg))
        .collect();
    let any_event = events.iter().any(|e| e.1 == Some(true));
    let mut missing: Vec<&'static str> = Vec::new();
    let mut add = |rule: &str| {
        for m in missing_inputs(rule, i) {
            if !missing.contains(&m) {
                missing.push(m);
            }
        }
    };
    if clonal.1.is_none() {
        add(clonal.0);
    }
    if !any_event {
        for e in events.iter().filter(|e| e.1.is_none() && e.0 != MDE_MRI) {
            add(e.0);
        }
    }
    let (outcome, basis) = if clonal.1 == Some(true) && any_event {
        (
            DiagnosisOutcome::ConsistentWithImwg2014,
            format!("entry values meet IMWG 2014: {}", met.join("; ")),
        )
    } else if clonal.1 == Some(false)
        || (!any_event && events.iter().all(|e| e.1.is_some() || e.0 == MDE_MRI))
    {
        (
            DiagnosisOutcome::NotAssessable,
            "not assessable: the study-entry values do not meet the IMWG 2014 criteria, and the \
             values at diagnosis are not recorded"
                .to_string(),
        )
    } else {
        (
            DiagnosisOutcome::NotAssessable,
            format!("not assessable: {} missing", missing.join(", ")),
        )
    };
    DiagnosisCheck {
        patient_id: patient_id.to_string(),
        outcome,
        label: outcome.label(),
        rule: DIAGNOSIS,
        criteria_met: met,
        missing,
        basis,
    }
}

/// Inputs from the patient row and the FLC of the baseline (cycle 0) assessment.
pub fn inputs_for(p: &Patient, assessments: &[&Assessment]) -> DiagnosisInputs {
    let baseline = assessments
        .iter()
        .filter(|a| a.after_cycle.as_ref().is_some_and(|c| c.v == 0))
        .filter(|a| a.involved_flc.is_some() && a.uninvolved_flc.is_some())
        .min_by(|a, b| super::response::assessment_order(a, b));
    DiagnosisInputs {
        sex: p.sex.as_ref().map(|v| v.v),
        bm_plasma_cell_pct: p.bm_plasma_cell_pct.as_ref().map(|v| v.v),
        calcium: p.calcium.as_ref().map(|v| v.v),
        creatinine: p.creatinine.as_ref().map(|v| v.v),
        crcl: p.crcl.as_ref().map(|v| v.v),
        hemoglobin: p.hemoglobin.as_ref().map(|v| v.v),
        pathological_fracture: p.pathological_fracture.as_ref().map(|v| v.v),
        involved_flc: baseline.and_then(|a| a.involved_flc.as_ref().map(|v| v.v)),
        uninvolved_flc: baseline.and_then(|a| a.uninvolved_flc.as_ref().map(|v| v.v)),
    }
}

/// The check for one patient.
pub fn evaluate_patient(
    p: &Patient,
    assessments: &[&Assessment],
    cfg: &RulesConfig,
) -> DiagnosisCheck {
    check(&p.patient_id, &inputs_for(p, assessments), cfg)
}
