//! Disease state at study entry (IMWG 2016 rule set `imwg2016`): refractory, primary
//! refractory, relapsed-and-refractory or relapsed, derived from `relapse_date`,
//! `last_prior_regimen_end` and `prior_best_response` (Rajkumar, Blood 2011;117:4691;
//! Kumar, Lancet Oncol 2016;17:e328), compared with the recorded `disease_status`; and the
//! clinical / biochemical relapse evidence documented at entry.
//!
//! Decision order (`docs/clinical-rules.md` §2):
//! 1. `prior_best_response` SD or PD (never MR or better) → primary refractory; no dates needed.
//! 2. Otherwise the days from the last dose of the prior line to progression decide:
//!    `<= refractory_window_days` (60; progression on therapy counts, days <= 0) → refractory,
//!    made relapsed-and-refractory when `prior_best_response` is MR or better; `> 60` →
//!    relapsed when `prior_best_response` is MR or better.
//! 3. `prior_best_response` missing or NE: the 60-day test still yields the generic
//!    "refractory"; beyond 60 days the state is not derivable (primary refractory cannot be
//!    excluded). Missing dates with a response of MR or better: not derivable.
//!
//! Only the best response to the *last* prior line is recorded (data dictionary); the rule
//! takes it as "never reached MR" as the dictionary says, which is exact for one prior line.
//!
//! Agreement: equal states agree; the recorded generic `refractory` also agrees with a derived
//! primary refractory or relapsed-and-refractory (it is the less specific name of the same
//! state), and a derived generic `refractory` agrees with a recorded refractory subtype.

use super::config::RulesConfig;
use super::{finding, ge, gt, response, Num, RuleInfo};
use crate::model::{Date, DiseaseStatus, Finding, Patient, Response, Severity, Val};
use serde::Serialize;

/// Refractory: progression on the last prior line or within 60 days of its last dose; the
/// subtype is not decided (prior best response missing or NE).
/// Source: Rajkumar, Blood 2011;117:4691; Kumar, Lancet Oncol 2016;17:e328. Version imwg2016.
pub const REFRACTORY_WITHIN_60_DAYS: &str = "imwg2016.refractory.within_60_days";
/// Primary refractory: never reached MR or better (best response SD or PD).
/// Source: Rajkumar, Blood 2011;117:4691. Version imwg2016.
pub const PRIMARY_REFRACTORY_NEVER_MR: &str = "imwg2016.primary_refractory.never_mr";
/// Relapsed and refractory: refractory (<= 60 days) after having reached MR or better.
/// Source: Rajkumar, Blood 2011;117:4691. Version imwg2016.
pub const RELAPSED_AND_REFRACTORY: &str =
    "imwg2016.relapsed_and_refractory.within_60_days_after_mr";
/// Relapsed: progression more than 60 days after the last dose, after MR or better.
/// Source: Rajkumar, Blood 2011;117:4691. Version imwg2016.
pub const RELAPSED_AFTER_60_DAYS: &str = "imwg2016.relapsed.after_60_days";
/// The state cannot be derived: the missing inputs are named.
/// Source: docs/clinical-rules.md §2. Version imwg2016.
pub const NOT_DERIVABLE: &str = "imwg2016.disease_state.not_derivable";
/// The recorded `disease_status` disagrees with the derived state (warning).
/// Source: docs/clinical-rules.md §2. Version imwg2016.
pub const DISAGREES: &str = "imwg2016.disease_state.disagrees";

/// Clinical relapse: new bone lesion (osteoporotic fractures excluded). Kumar 2016. imwg2016.
pub const EVIDENCE_NEW_BONE_LESION: &str = "imwg2016.relapse.new_bone_lesion";
/// Clinical relapse: new soft-tissue plasmacytoma. Kumar 2016. imwg2016.
pub const EVIDENCE_NEW_PLASMACYTOMA: &str = "imwg2016.relapse.new_plasmacytoma";
/// Clinical relapse: plasmacytoma or bone lesion grown >= 50% (SPD) and >= 1 cm.
/// Kumar 2016. imwg2016.
pub const EVIDENCE_PLASMACYTOMA_GROWTH: &str = "imwg2016.relapse.plasmacytoma_growth";
/// Clinical relapse: calcium > 2.75 mmol/L (11 mg/dL). Kumar 2016. imwg2016.
pub const EVIDENCE_HYPERCALCAEMIA: &str = "imwg2016.relapse.hypercalcaemia";
/// Clinical relapse: Hb fall >= 20 g/L. Kumar 2016. imwg2016.
pub const EVIDENCE_HB_DROP: &str = "imwg2016.relapse.hb_drop";
/// Clinical relapse: creatinine rise >= 176.8 µmol/L (2 mg/dL). Kumar 2016. imwg2016.
pub const EVIDENCE_CREATININE_RISE: &str = "imwg2016.relapse.creatinine_rise";
/// Clinical relapse: hyperviscosity. Kumar 2016. imwg2016.
pub const EVIDENCE_HYPERVISCOSITY: &str = "imwg2016.relapse.hyperviscosity";
/// Biochemical progression: M-protein at relapse >= 25% and >= 5 g/L (10 g/L when the nadir
/// was >= 50 g/L) above the nadir. Kumar 2016. imwg2016.
pub const EVIDENCE_BIOCHEMICAL: &str = "imwg2016.relapse.biochemical_progression";
/// No clinical or biochemical relapse evidence documented at entry (warning).
/// Kumar 2016. imwg2016.
pub const NO_RELAPSE_EVIDENCE: &str = "imwg2016.relapse.none_documented";

const SRC_RAJKUMAR: &str = "Rajkumar, Blood 2011;117:4691; Kumar, Lancet Oncol 2016;17:e328";
const SRC_KUMAR: &str = "Kumar, Lancet Oncol 2016;17:e328";

/// This module's rules as data.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: REFRACTORY_WITHIN_60_DAYS,
        version: "imwg2016",
        source: SRC_RAJKUMAR,
        summary: "progression on the last prior line or within 60 days of its last dose",
    },
    RuleInfo {
        id: PRIMARY_REFRACTORY_NEVER_MR,
        version: "imwg2016",
        source: SRC_RAJKUMAR,
        summary: "never reached MR or better on the prior line",
    },
    RuleInfo {
        id: RELAPSED_AND_REFRACTORY,
        version: "imwg2016",
        source: SRC_RAJKUMAR,
        summary: "progression within 60 days of the last dose after reaching MR or better",
    },
    RuleInfo {
        id: RELAPSED_AFTER_60_DAYS,
        version: "imwg2016",
        source: SRC_RAJKUMAR,
        summary: "progression more than 60 days after the last dose, after MR or better",
    },
    RuleInfo {
        id: NOT_DERIVABLE,
        version: "imwg2016",
        source: SRC_RAJKUMAR,
        summary: "disease state not derivable: missing inputs named",
    },
    RuleInfo {
        id: DISAGREES,
        version: "imwg2016",
        source: SRC_RAJKUMAR,
        summary: "recorded disease status disagrees with the derived state",
    },
    RuleInfo {
        id: EVIDENCE_NEW_BONE_LESION,
        version: "imwg2016",
        source: SRC_KUMAR,
        summary: "new bone lesion",
    },
    RuleInfo {
        id: EVIDENCE_NEW_PLASMACYTOMA,
        version: "imwg2016",
        source: SRC_KUMAR,
        summary: "new soft-tissue plasmacytoma",
    },
    RuleInfo {
        id: EVIDENCE_PLASMACYTOMA_GROWTH,
        version: "imwg2016",
        source: SRC_KUMAR,
        summary: "plasmacytoma or bone lesion grown >= 50% and >= 1 cm",
    },
    RuleInfo {
        id: EVIDENCE_HYPERCALCAEMIA,
        version: "imwg2016",
        source: SRC_KUMAR,
        summary: "calcium > 2.75 mmol/L",
    },
    RuleInfo {
        id: EVIDENCE_HB_DROP,
        version: "imwg2016",
        source: SRC_KUMAR,
        summary: "Hb fall >= 20 g/L",
    },
    RuleInfo {
        id: EVIDENCE_CREATININE_RISE,
        version: "imwg2016",
        source: SRC_KUMAR,
        summary: "creatinine rise >= 176.8 µmol/L",
    },
    RuleInfo {
        id: EVIDENCE_HYPERVISCOSITY,
        version: "imwg2016",
        source: SRC_KUMAR,
        summary: "hyperviscosity",
    },
    RuleInfo {
        id: EVIDENCE_BIOCHEMICAL,
        version: "imwg2016",
        source: SRC_KUMAR,
        summary: "M-protein up >= 25% and >= 5 g/L from the nadir",
    },
    RuleInfo {
        id: NO_RELAPSE_EVIDENCE,
        version: "imwg2016",
        source: SRC_KUMAR,
        summary: "no relapse evidence documented at entry",
    },
];

/// The result of [`derive()`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiseaseStateOutcome {
    /// `None` = not derivable.
    pub status: Option<DiseaseStatus>,
    pub rule: &'static str,
    pub basis: String,
    /// Inputs whose absence kept the state (or its subtype) from being derived.
    pub missing: Vec<&'static str>,
    /// `relapse_date - last_prior_regimen_end` in days, when both are known.
    pub days_after_last_dose: Option<i64>,
}

/// Disease state at entry from the three inputs (see the module doc for the order).
pub fn derive(
    relapse_date: Option<Date>,
    last_prior_end: Option<Date>,
    prior_best: Option<Response>,
    cfg: &RulesConfig,
) -> DiseaseStateOutcome {
    let days = match (relapse_date, last_prior_end) {
        (Some(r), Some(e)) => Some((r - e).num_days()),
        _ => None,
    };
    // prior best known and evaluable?
    let best = prior_best.filter(|r| *r != Response::NE);
    if let Some(o) = primary_refractory(best, days) {
        return o;
    }
    let Some(d) = days else {
        return dates_missing(relapse_date, last_prior_end, best);
    };
    let window = cfg.disease_state.refractory_window_days;
    let timing = if d <= 0 {
        format!(
            "progression on the prior line ({} days before its last dose)",
            d.unsigned_abs()
        )
    } else {
        format!("progression {d} days after the last dose of the prior line")
    };
    if d <= window {
        refractory(&timing, window, best, prior_best, d)
    } else {
        relapsed(&timing, window, best, d)
    }
}

/// Step 1, primary refractory (Rajkumar, Blood 2011;117:4691): the best response to the prior
/// line is SD or PD (never MR or better); no dates needed. `None` when the best response is
/// MR or better, missing or NE.
fn primary_refractory(best: Option<Response>, days: Option<i64>) -> Option<DiseaseStateOutcome> {
    let b = best.filter(|b| b.rank() < Response::MR.rank())?;
    Some(DiseaseStateOutcome {
        status: Some(DiseaseStatus::PrimaryRefractory),
        rule: PRIMARY_REFRACTORY_NEVER_MR,
        basis: format!("best response to the prior line {b}: never reached MR or better"),
        missing: Vec::new(),
        days_after_last_dose: days,
    })
}

/// Not derivable (docs/clinical-rules.md §2): a date of the 60-day test is missing; the
/// missing inputs are named (the prior best response too when it is missing or NE).
fn dates_missing(
    relapse_date: Option<Date>,
    last_prior_end: Option<Date>,
    best: Option<Response>,
) -> DiseaseStateOutcome {
    let mut missing = Vec::new();
    if relapse_date.is_none() {
        missing.push("relapse_date");
    }
    if last_prior_end.is_none() {
        missing.push("last_prior_regimen_end");
    }
    if best.is_none() {
        missing.push("prior_best_response");
    }
    DiseaseStateOutcome {
        status: None,
        rule: NOT_DERIVABLE,
        basis: format!("not derivable: {} missing", missing.join(", ")),
        missing,
        days_after_last_dose: None,
    }
}

/// Progression on the prior line or within `refractory_window_days` (60) of its last dose
/// (Rajkumar, Blood 2011;117:4691; Kumar 2016): relapsed and refractory after a best
/// response of MR or better; the generic refractory when that response is missing or NE.
fn refractory(
    timing: &str,
    window: i64,
    best: Option<Response>,
    prior_best: Option<Response>,
    days: i64,
) -> DiseaseStateOutcome {
    match best {
        Some(b) => DiseaseStateOutcome {
            status: Some(DiseaseStatus::RelapsedAndRefractory),
            rule: RELAPSED_AND_REFRACTORY,
            basis: format!("{timing} (within {window}), after a best response of {b}"),
            missing: Vec::new(),
            days_after_last_dose: Some(days),
        },
        None => DiseaseStateOutcome {
            status: Some(DiseaseStatus::Refractory),
            rule: REFRACTORY_WITHIN_60_DAYS,
            basis: format!(
                "{timing} (within {window}); primary vs relapsed-and-refractory undecided: \
                 prior best response {}",
                if prior_best == Some(Response::NE) {
                    "NE"
                } else {
                    "missing"
                }
            ),
            missing: vec!["prior_best_response"],
            days_after_last_dose: Some(days),
        },
    }
}

/// Progression more than `refractory_window_days` (60) after the last dose (Rajkumar, Blood
/// 2011;117:4691): relapsed after a best response of MR or better; not derivable when that
/// response is missing or NE (primary refractory cannot be excluded).
fn relapsed(timing: &str, window: i64, best: Option<Response>, days: i64) -> DiseaseStateOutcome {
    match best {
        Some(b) => DiseaseStateOutcome {
            status: Some(DiseaseStatus::Relapsed),
            rule: RELAPSED_AFTER_60_DAYS,
            basis: format!("{timing} (more than {window}), after a best response of {b}"),
            missing: Vec::new(),
            days_after_last_dose: Some(days),
        },
        None => DiseaseStateOutcome {
            status: None,
            rule: NOT_DERIVABLE,
            basis: format!(
                "not derivable: {timing} (more than {window}) but prior_best_response is \
                 missing, so primary refractory cannot be excluded"
            ),
            missing: vec!["prior_best_response"],
            days_after_last_dose: Some(days),
        },
    }
}

/// The plain-English criterion of a disease-state rule (no patient data).
fn rule_summary(rule: &str) -> &'static str {
    RULES
        .iter()
        .find(|r| r.id == rule)
        .map_or("IMWG definition", |r| r.summary)
}

/// Whether a recorded state agrees with a derived one (the generic `refractory` agrees with
/// either refractory subtype).
pub fn states_agree(recorded: DiseaseStatus, derived: DiseaseStatus) -> bool {
    use DiseaseStatus::*;
    let refractory_family =
        |s: DiseaseStatus| matches!(s, Refractory | PrimaryRefractory | RelapsedAndRefractory);
    recorded == derived
        || (recorded == Refractory && refractory_family(derived))
        || (derived == Refractory && refractory_family(recorded))
}

/// Inputs of the clinical relapse criteria.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RelapseInputs {
    pub new_bone_lesion: Option<bool>,
    pub new_plasmacytoma: Option<bool>,
    pub plasmacytoma_growth: Option<bool>,
    pub hyperviscosity: Option<bool>,
    pub calcium: Option<f64>,
    pub hb_drop: Option<f64>,
    pub creatinine_rise: Option<f64>,
    pub m_protein_nadir: Option<f64>,
    pub m_protein_at_relapse: Option<f64>,
}

impl RelapseInputs {
    pub fn from_patient(p: &Patient) -> Self {
        RelapseInputs {
            new_bone_lesion: p.new_bone_lesion.as_ref().map(|v| v.v),
            new_plasmacytoma: p.new_plasmacytoma.as_ref().map(|v| v.v),
            plasmacytoma_growth: p.plasmacytoma_growth.as_ref().map(|v| v.v),
            hyperviscosity: p.hyperviscosity.as_ref().map(|v| v.v),
            calcium: p.calcium.as_ref().map(|v| v.v),
            hb_drop: p.hb_drop.as_ref().map(|v| v.v),
            creatinine_rise: p.creatinine_rise.as_ref().map(|v| v.v),
            m_protein_nadir: p.m_protein_nadir.as_ref().map(|v| v.v),
            m_protein_at_relapse: p.m_protein_at_relapse.as_ref().map(|v| v.v),
        }
    }

    /// True when no evidence column holds a value.
    pub fn all_missing(&self) -> bool {
        *self == RelapseInputs::default()
    }
}

/// One criterion met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelapseEvidence {
    pub rule: &'static str,
    pub description: String,
}

/// The relapse criteria met by the documented inputs (empty = none documented).
pub fn relapse_evidence(i: &RelapseInputs, cfg: &RulesConfig) -> Vec<RelapseEvidence> {
    let c = &cfg.relapse_evidence;
    let mut out = Vec::new();
    let mut push = |rule, description: String| out.push(RelapseEvidence { rule, description });
    if i.new_bone_lesion == Some(true) {
        push(EVIDENCE_NEW_BONE_LESION, "new bone lesion".into());
    }
    if i.new_plasmacytoma == Some(true) {
        push(
            EVIDENCE_NEW_PLASMACYTOMA,
            "new soft-tissue plasmacytoma".into(),
        );
    }
    if i.plasmacytoma_growth == Some(true) {
        push(
            EVIDENCE_PLASMACYTOMA_GROWTH,
            "plasmacytoma or bone lesion grown >= 50%".into(),
        );
    }
    if let Some(ca) = i.calcium.filter(|v| gt(*v, c.calcium_mmol_l)) {
        push(
            EVIDENCE_HYPERCALCAEMIA,
            format!("calcium {} mmol/L > {}", Num(ca), Num(c.calcium_mmol_l)),
        );
    }
    if let Some(hb) = i.hb_drop.filter(|v| ge(*v, c.hb_drop_g_l)) {
        push(
            EVIDENCE_HB_DROP,
            format!("Hb fall {} g/L >= {}", Num(hb), Num(c.hb_drop_g_l)),
        );
    }
    if let Some(cr) = i
        .creatinine_rise
        .filter(|v| ge(*v, c.creatinine_rise_umol_l))
    {
        push(
            EVIDENCE_CREATININE_RISE,
            format!(
                "creatinine rise {} µmol/L >= {}",
                Num(cr),
                Num(c.creatinine_rise_umol_l)
            ),
        );
    }
    if i.hyperviscosity == Some(true) {
        push(EVIDENCE_HYPERVISCOSITY, "hyperviscosity".into());
    }
    if let (Some(n), Some(r)) = (i.m_protein_nadir, i.m_protein_at_relapse) {
        if response::serum_progression(n, r, cfg) {
            push(
                EVIDENCE_BIOCHEMICAL,
                format!(
                    "M-protein {} g/L at relapse from a nadir of {} g/L",
                    Num(r),
                    Num(n)
                ),
            );
        }
    }
    out
}

/// The `imwg` entry of results.json for one patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImwgRecord {
    pub patient_id: String,
    /// Recorded `disease_status` code.
    pub recorded: Option<String>,
    /// Derived [`DiseaseStatus`] code; `None` = not derivable.
    pub derived: Option<String>,
    pub agrees: Option<bool>,
    pub basis: String,
    pub rule: &'static str,
    pub missing: Vec<&'static str>,
    /// Relapse criteria documented at entry (descriptions), empty when none.
    pub relapse_evidence: Vec<String>,
    /// Rule ids of the relapse criteria met, parallel to `relapse_evidence`.
    pub relapse_evidence_rules: Vec<&'static str>,
}

/// The [`DISAGREES`] warning: the recorded disease status against the derived one, with the
/// rule that derived it (its parameters word the message in the report's language).
fn disagreement(pid: &str, rv: &Val<DiseaseStatus>, d: DiseaseStatus, rule: &str) -> Finding {
    finding(
        Severity::Warning,
        DISAGREES,
        Some(rv.at),
        "disease_status",
        pid,
        format!(
            "Recorded disease status '{}', but the IMWG definitions give '{}' ({})",
            rv.v.code(),
            d.code(),
            rule_summary(rule)
        ),
    )
    .with_value(rv.v.code())
    .with_param("recorded", rv.v.code())
    .with_param("derived", d.code())
    .with_param("rule", rule)
}

/// One workbook-level [`NO_RELAPSE_EVIDENCE`] warning instead of one per patient when no
/// patient of the cohort has any relapse-evidence value (a registry, an export without those
/// columns): 3,882 identical warnings would bury every other finding and name nothing a
/// clinician could fix patient by patient (IMWG 2016, Kumar et al., Lancet Oncol 2016;17:e328,
/// relapse criteria).
pub fn collapse_no_evidence(findings: &mut Vec<Finding>, patients: usize) {
    let empty = |f: &Finding| {
        f.rule == NO_RELAPSE_EVIDENCE && f.params.get("case").map(String::as_str) == Some("empty")
    };
    let n = findings.iter().filter(|f| empty(f)).count();
    if patients < 2 || n < patients {
        return;
    }
    findings.retain(|f| !empty(f));
    let mut f = Finding::general(
        Severity::Warning,
        NO_RELAPSE_EVIDENCE,
        format!(
            "No relapse evidence is documented at study entry for any of the {n} patients \
             (every relapse-evidence column is empty): the IMWG relapse criteria were not checked"
        ),
    )
    .with_param("case", "none")
    .with_param("patients", n.to_string());
    f.column = Some("relapse_evidence".to_string());
    findings.push(f);
}

/// Disease state, agreement and relapse evidence for one patient, with findings.
pub fn evaluate_patient(p: &Patient, cfg: &RulesConfig) -> (ImwgRecord, Vec<Finding>) {
    let pid = p.patient_id.as_str();
    let o = derive(
        p.relapse_date.as_ref().map(|v| v.v),
        p.last_prior_regimen_end.as_ref().map(|v| v.v),
        p.prior_best_response.as_ref().map(|v| v.v),
        cfg,
    );
    let recorded = p.disease_status.as_ref().map(|v| v.v);
    let agrees = match (recorded, o.status) {
        (Some(r), Some(d)) => Some(states_agree(r, d)),
        _ => None,
    };
    let mut findings = Vec::new();
    if agrees == Some(false) {
        if let (Some(rv), Some(d)) = (&p.disease_status, o.status) {
            findings.push(disagreement(pid, rv, d, o.rule));
        }
    }
    let inputs = RelapseInputs::from_patient(p);
    let ev = relapse_evidence(&inputs, cfg);
    if ev.is_empty() {
        let at = p
            .relapse_date
            .as_ref()
            .map(|v| v.at)
            .or(p.disease_status.as_ref().map(|v| v.at))
            .or(p.id_at);
        let msg = if inputs.all_missing() {
            "No clinical or biochemical relapse evidence is documented at study entry \
             (all relapse-evidence columns are empty)"
        } else {
            "The documented relapse-evidence values meet none of the IMWG clinical relapse \
             criteria or biochemical progression"
        };
        findings.push(
            finding(
                Severity::Warning,
                NO_RELAPSE_EVIDENCE,
                at,
                "relapse_evidence",
                pid,
                msg,
            )
            .with_param(
                "case",
                if inputs.all_missing() {
                    "empty"
                } else {
                    "unmet"
                },
            ),
        );
    }
    let rec = ImwgRecord {
        patient_id: p.patient_id.clone(),
        recorded: recorded.map(|s| s.code().to_string()),
        derived: o.status.map(|s| s.code().to_string()),
        agrees,
        basis: o.basis,
        rule: o.rule,
        missing: o.missing,
        relapse_evidence: ev.iter().map(|e| e.description.clone()).collect(),
        relapse_evidence_rules: ev.iter().map(|e| e.rule).collect(),
    };
    (rec, findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn d(s: &str) -> Date {
        Date::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn day_60_refractory_day_61_relapsed() {
        let cfg = RulesConfig::embedded().unwrap();
        let end = d("2020-01-01");
        let o = derive(
            Some(end + Duration::days(60)),
            Some(end),
            Some(Response::PR),
            &cfg,
        );
        assert_eq!(o.rule, RELAPSED_AND_REFRACTORY);
        assert_eq!(o.status, Some(DiseaseStatus::RelapsedAndRefractory));
        let o = derive(
            Some(end + Duration::days(61)),
            Some(end),
            Some(Response::PR),
            &cfg,
        );
        assert_eq!(o.rule, RELAPSED_AFTER_60_DAYS);
        assert_eq!(o.status, Some(DiseaseStatus::Relapsed));
        let o = derive(Some(end + Duration::days(35)), Some(end), None, &cfg);
        assert_eq!(o.rule, REFRACTORY_WITHIN_60_DAYS);
        assert_eq!(o.status, Some(DiseaseStatus::Refractory));
        assert!(o
            .basis
            .starts_with("progression 35 days after the last dose of the prior line"));
    }
}
