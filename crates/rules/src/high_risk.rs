//! High-risk myeloma by the configured definition (`rules.high_risk_definition`).
//!
//! - `imwg2016`: any abnormality of the `[staging] high_risk_fish` list (IMWG 2016: Sonneveld
//!   et al., Blood 2016;127:2955), as [`crate::staging`] derives it.
//! - `ims_imwg2025`: the IMS/IMWG consensus definition (Avet-Loiseau et al., J Clin Oncol
//!   2025;43:2739-2751): (1) del(17p) in more than 20 % of clonal plasma cells and/or a TP53
//!   mutation; (2) t(4;14), t(14;16) or t(14;20) with 1q+ and/or del(1p32); (3) monoallelic
//!   del(1p32) with 1q+, or biallelic del(1p32); (4) β2-microglobulin >= 5.5 mg/L with
//!   creatinine < 1.2 mg/dL. Thresholds in `[high_risk_2025]`.
//!
//! Three-valued throughout: a criterion is met, not met, or unknown; high risk is `true` when
//! any criterion is met, `false` only when every criterion is known not met, otherwise `null`
//! ("not derivable", never "standard risk" by default) with the missing inputs named.

use crate::config::{FishMarker, HighRiskDefinition, RulesConfig};
use crate::staging::{fish_value, PatientStaging};
use crate::{ge, gt, lt, Num, RuleInfo};
use mmreport_core::model::{Del1p32, Patient};
use serde::Serialize;

/// IMWG 2016 high-risk cytogenetics (the staging rule's list).
pub const IMWG2016: &str = "imwg2016.high_risk_cytogenetics";
/// IMS/IMWG 2025 (1): del(17p) > 20 % and/or TP53 mutation.
pub const DEL17P_TP53: &str = "ims_imwg2025.high_risk.del17p_tp53";
/// IMS/IMWG 2025 (2): IgH translocation with 1q+ and/or del(1p32).
pub const TRANSLOCATION: &str = "ims_imwg2025.high_risk.translocation_1q_1p";
/// IMS/IMWG 2025 (3): monoallelic del(1p32) with 1q+, or biallelic del(1p32).
pub const DEL1P32: &str = "ims_imwg2025.high_risk.del1p32";
/// IMS/IMWG 2025 (4): β2-microglobulin >= 5.5 mg/L with normal creatinine.
pub const B2M: &str = "ims_imwg2025.high_risk.b2m_normal_creatinine";

const SOURCE_2025: &str = "Avet-Loiseau et al., J Clin Oncol 2025;43:2739 (IMS/IMWG)";

/// The IMS/IMWG 2025 rules as data (the IMWG 2016 one is in [`crate::staging::RULES`]).
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: DEL17P_TP53,
        version: "ims_imwg2025",
        source: SOURCE_2025,
        summary: "del(17p) in > 20% of clonal plasma cells and/or TP53 mutation",
    },
    RuleInfo {
        id: TRANSLOCATION,
        version: "ims_imwg2025",
        source: SOURCE_2025,
        summary: "t(4;14), t(14;16) or t(14;20) with 1q+ and/or del(1p32)",
    },
    RuleInfo {
        id: DEL1P32,
        version: "ims_imwg2025",
        source: SOURCE_2025,
        summary: "monoallelic del(1p32) with 1q+, or biallelic del(1p32)",
    },
    RuleInfo {
        id: B2M,
        version: "ims_imwg2025",
        source: SOURCE_2025,
        summary: "β2-microglobulin >= 5.5 mg/L with creatinine < 1.2 mg/dL (106.08 µmol/L)",
    },
];

/// One patient's high-risk status by the configured definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientHighRisk {
    pub patient_id: String,
    /// `imwg2016` or `ims_imwg2025`.
    pub definition: String,
    /// `None` = not derivable.
    pub high_risk: Option<bool>,
    /// Rule ids of the criteria met (IMWG 2016: the rule id once per positive marker).
    pub criteria: Vec<String>,
    /// Inputs whose absence leaves the status open.
    pub missing: Vec<String>,
    pub basis: String,
}

/// Three-valued OR: any true → true; all false → false; else unknown.
fn or3(v: &[Option<bool>]) -> Option<bool> {
    if v.contains(&Some(true)) {
        Some(true)
    } else if v.iter().all(|x| *x == Some(false)) {
        Some(false)
    } else {
        None
    }
}

/// Three-valued AND: any false → false; all true → true; else unknown.
fn and3(v: &[Option<bool>]) -> Option<bool> {
    if v.contains(&Some(false)) {
        Some(false)
    } else if v.iter().all(|x| *x == Some(true)) {
        Some(true)
    } else {
        None
    }
}

/// 1q+ (gain or amplification): yes when either is; no when the gain FISH is negative (a
/// negative 1q21 probe excludes amplification) or both are known negative.
fn one_q_plus(p: &Patient) -> Option<bool> {
    let gain = fish_value(p, FishMarker::Gain1q);
    let amp = p.amp1q.as_ref().map(|v| v.v);
    match (gain, amp) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), _) => Some(false),
        (None, Some(false)) | (None, None) => None,
    }
}

/// del(17p) in more than the configured fraction: the fraction decides; a negative del(17p)
/// FISH is no; a positive one without its fraction is unknown.
fn del17p_high(p: &Patient, cfg: &RulesConfig) -> Option<bool> {
    if let Some(f) = p.del17p_fraction.as_ref().filter(|v| v.v.is_finite()) {
        return Some(gt(f.v, cfg.high_risk_2025.del17p_fraction_above_pct));
    }
    match fish_value(p, FishMarker::Del17p) {
        Some(false) => Some(false),
        _ => None,
    }
}

/// One criterion: its rule id, status, and the inputs it lacks when unknown.
struct Criterion {
    rule: &'static str,
    met: Option<bool>,
    missing: Vec<&'static str>,
}

/// The names of the inputs of `inputs` that are unknown.
fn unknown(inputs: &[(&'static str, Option<bool>)]) -> Vec<&'static str> {
    inputs
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect()
}

/// The four IMS/IMWG 2025 criteria of one patient.
fn criteria_2025(p: &Patient, cfg: &RulesConfig) -> [Criterion; 4] {
    let h = &cfg.high_risk_2025;
    let d17 = del17p_high(p, cfg);
    let tp53 = p.tp53_mutation.as_ref().map(|v| v.v);
    let q = one_q_plus(p);
    let d1p = p.del1p32.as_ref().map(|v| v.v);
    let any_1p = d1p.map(|d| d != Del1p32::None);
    let mono = d1p.map(|d| d == Del1p32::Monoallelic);
    let bi = d1p.map(|d| d == Del1p32::Biallelic);
    let tx = or3(&[
        fish_value(p, FishMarker::T4_14),
        fish_value(p, FishMarker::T14_16),
        fish_value(p, FishMarker::T14_20),
    ]);
    let b2m = p
        .beta2_microglobulin
        .as_ref()
        .filter(|v| v.v.is_finite())
        .map(|v| ge(v.v, h.b2m_mg_l));
    let creat_normal = p
        .creatinine
        .as_ref()
        .filter(|v| v.v.is_finite())
        .map(|v| lt(v.v, h.creatinine_normal_below_umol_l));
    let crit = |rule, met: Option<bool>, inputs: &[(&'static str, Option<bool>)]| Criterion {
        rule,
        met,
        missing: if met.is_none() {
            unknown(inputs)
        } else {
            Vec::new()
        },
    };
    [
        crit(
            DEL17P_TP53,
            or3(&[d17, tp53]),
            &[("del17p_fraction", d17), ("tp53_mutation", tp53)],
        ),
        crit(
            TRANSLOCATION,
            and3(&[tx, or3(&[q, any_1p])]),
            &[("IgH translocations", tx), ("1q+", q), ("del1p32", any_1p)],
        ),
        crit(
            DEL1P32,
            or3(&[and3(&[mono, q]), bi]),
            &[("del1p32", d1p.map(|_| true)), ("1q+", q)],
        ),
        crit(
            B2M,
            and3(&[b2m, creat_normal]),
            &[("beta2_microglobulin", b2m), ("creatinine", creat_normal)],
        ),
    ]
}

/// IMS/IMWG 2025 high risk of one patient.
fn ims_imwg2025(p: &Patient, cfg: &RulesConfig) -> PatientHighRisk {
    let cs = criteria_2025(p, cfg);
    let high_risk = or3(&cs.iter().map(|c| c.met).collect::<Vec<_>>());
    let met: Vec<String> = cs
        .iter()
        .filter(|c| c.met == Some(true))
        .map(|c| c.rule.to_string())
        .collect();
    let mut missing: Vec<String> = Vec::new();
    if high_risk.is_none() {
        for c in &cs {
            for m in &c.missing {
                if !missing.iter().any(|x| x == m) {
                    missing.push((*m).to_string());
                }
            }
        }
    }
    let h = &cfg.high_risk_2025;
    let thresholds = format!(
        "del(17p) > {}%, β2-MG >= {} mg/L with creatinine < {} µmol/L",
        Num(h.del17p_fraction_above_pct),
        Num(h.b2m_mg_l),
        Num(h.creatinine_normal_below_umol_l)
    );
    let basis = match high_risk {
        Some(true) => format!("high risk (IMS/IMWG 2025): {}", met.join(", ")),
        Some(false) => format!("not high risk (IMS/IMWG 2025): no criterion met ({thresholds})"),
        None => format!(
            "not derivable (IMS/IMWG 2025): no criterion met, unknown: {}",
            missing.join(", ")
        ),
    };
    PatientHighRisk {
        patient_id: p.patient_id.clone(),
        definition: HighRiskDefinition::ImsImwg2025.as_str().to_string(),
        high_risk,
        criteria: met,
        missing,
        basis,
    }
}

/// IMWG 2016 high risk from the staging rule's FISH list.
fn imwg2016(st: &PatientStaging) -> PatientHighRisk {
    let basis = match st.high_risk_fish {
        Some(true) => format!(
            "high-risk cytogenetics (IMWG 2016): {}",
            st.high_risk_markers.join(", ")
        ),
        Some(false) => "no abnormality of the high-risk FISH list (IMWG 2016)".to_string(),
        None => "not derivable (IMWG 2016): FISH of the high-risk list incomplete".to_string(),
    };
    PatientHighRisk {
        patient_id: st.patient_id.clone(),
        definition: HighRiskDefinition::Imwg2016.as_str().to_string(),
        high_risk: st.high_risk_fish,
        criteria: if st.high_risk_fish == Some(true) {
            vec![IMWG2016.to_string()]
        } else {
            Vec::new()
        },
        missing: if st.high_risk_fish.is_none() {
            vec!["high-risk FISH".to_string()]
        } else {
            Vec::new()
        },
        basis,
    }
}

/// High risk of one patient by the configured definition (`st` = its staging).
pub fn evaluate_patient(p: &Patient, st: &PatientStaging, cfg: &RulesConfig) -> PatientHighRisk {
    match cfg.high_risk_definition {
        HighRiskDefinition::Imwg2016 => imwg2016(st),
        HighRiskDefinition::ImsImwg2025 => ims_imwg2025(p, cfg),
    }
}
