//! Staging: ISS (Greipp, JCO 2005;23:3412) from β2-microglobulin and albumin compared with
//! the recorded stage; R-ISS (Palumbo, JCO 2015;33:2863) and R2-ISS (D'Agostino, JCO
//! 2022;40:3406) where the inputs allow; Durie-Salmon subclass A/B from creatinine (Durie &
//! Salmon, Cancer 1975;36:842); high-risk cytogenetics by the configured list (default
//! IMWG 2016, Sonneveld, Blood 2016;127:2955).
//!
//! ISS, R-ISS and R2-ISS were built for newly diagnosed disease: every [`PatientStaging`]
//! carries `note_newly_diagnosed = true` so that the report says so when it derives them at
//! relapse. A stage is derived only when the missing inputs cannot change it (e.g. a
//! β2-MG of 5.5 mg/L or more is ISS III whatever the albumin; an R2-ISS total whose unknown points could
//! cross a group boundary is not derivable). R-ISS and R2-ISS use the derived ISS, or the
//! recorded ISS when β2-MG / albumin are missing (the basis says so). FISH values count as unknown when
//! `fish_tested` is "no".

use super::config::{FishMarker, R2IssConfig, RulesConfig};
use super::{finding, ge, gt, lt, Num, RuleInfo};
use crate::model::{Finding, Patient, Severity};
use serde::Serialize;

/// ISS: I β2-MG < 3.5 mg/L and albumin >= 35 g/L; III β2-MG >= 5.5 mg/L; II otherwise.
/// Source: Greipp, JCO 2005;23:3412. Version greipp2005.
pub const ISS: &str = "greipp2005.iss";
/// The recorded ISS stage disagrees with the derived one (warning). Greipp 2005. greipp2005.
pub const ISS_DISAGREES: &str = "greipp2005.iss.disagrees";
/// R-ISS: I = ISS I, no high-risk FISH (del17p, t(4;14), t(14;16)), LDH normal; III = ISS III
/// and (high-risk FISH or LDH > ULN); II otherwise. Source: Palumbo, JCO 2015;33:2863.
/// Version palumbo2015.
pub const R_ISS: &str = "palumbo2015.r_iss";
/// R2-ISS: points ISS II 1, ISS III 1.5, del17p 1, LDH high 1, t(4;14) 1, 1q+ 0.5; groups
/// I 0, II 0.5-1, III 1.5-2.5, IV 3-5. Source: D'Agostino, JCO 2022;40:3406.
/// Version dagostino2022.
pub const R2_ISS: &str = "dagostino2022.r2_iss";
/// Durie-Salmon subclass: A creatinine < 177 µmol/L (2.0 mg/dL), B otherwise.
/// Source: Durie & Salmon, Cancer 1975;36:842. Version durie_salmon1975.
pub const DS_SUBCLASS: &str = "durie_salmon1975.subclass";
/// The recorded Durie-Salmon subclass disagrees with creatinine (warning).
/// Source: Durie & Salmon, Cancer 1975;36:842. Version durie_salmon1975.
pub const DS_SUBCLASS_DISAGREES: &str = "durie_salmon1975.subclass.disagrees";
/// High-risk cytogenetics: any abnormality of the configured list (default del(17p),
/// t(4;14), t(14;16), t(14;20), 1q gain). Source: Sonneveld, Blood 2016;127:2955 (IMWG).
/// Version imwg2016.
pub const HIGH_RISK_FISH: &str = "imwg2016.high_risk_cytogenetics";

/// This module's rules as data.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: ISS,
        version: "greipp2005",
        source: "Greipp, JCO 2005;23:3412",
        summary: "ISS from β2-MG and albumin",
    },
    RuleInfo {
        id: ISS_DISAGREES,
        version: "greipp2005",
        source: "Greipp, JCO 2005;23:3412",
        summary: "recorded ISS disagrees with β2-MG and albumin",
    },
    RuleInfo {
        id: R_ISS,
        version: "palumbo2015",
        source: "Palumbo, JCO 2015;33:2863",
        summary: "R-ISS from ISS, high-risk FISH and LDH",
    },
    RuleInfo {
        id: R2_ISS,
        version: "dagostino2022",
        source: "D'Agostino, JCO 2022;40:3406",
        summary: "R2-ISS points and groups",
    },
    RuleInfo {
        id: DS_SUBCLASS,
        version: "durie_salmon1975",
        source: "Durie & Salmon, Cancer 1975;36:842",
        summary: "Durie-Salmon subclass A/B from creatinine",
    },
    RuleInfo {
        id: DS_SUBCLASS_DISAGREES,
        version: "durie_salmon1975",
        source: "Durie & Salmon, Cancer 1975;36:842",
        summary: "recorded Durie-Salmon subclass disagrees with creatinine",
    },
    RuleInfo {
        id: HIGH_RISK_FISH,
        version: "imwg2016",
        source: "Sonneveld, Blood 2016;127:2955",
        summary: "high-risk cytogenetics by the configured list",
    },
];

/// A derived stage, or why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageOutcome {
    /// 1..=3 (ISS, R-ISS) or 1..=4 (R2-ISS); `None` = not derivable.
    pub stage: Option<u8>,
    pub rule: &'static str,
    pub basis: String,
    pub missing: Vec<&'static str>,
}

/// A stage as a Roman numeral, for bases and messages.
fn roman(n: u8) -> &'static str {
    match n {
        1 => "I",
        2 => "II",
        3 => "III",
        4 => "IV",
        _ => "?",
    }
}

/// ISS from β2-microglobulin (mg/L) and albumin (g/L).
pub fn iss(b2m: Option<f64>, albumin: Option<f64>, cfg: &RulesConfig) -> StageOutcome {
    let s = &cfg.staging;
    let Some(b) = b2m.filter(|v| v.is_finite()) else {
        return StageOutcome {
            stage: None,
            rule: ISS,
            basis: "not derivable: β2-microglobulin missing".into(),
            missing: vec!["beta2_microglobulin"],
        };
    };
    let (stage, basis) = if ge(b, s.iss_b2m_high_mg_l) {
        (
            Some(3),
            format!("β2-MG {} mg/L >= {}", Num(b), Num(s.iss_b2m_high_mg_l)),
        )
    } else if !lt(b, s.iss_b2m_low_mg_l) {
        (
            Some(2),
            format!(
                "β2-MG {} mg/L between {} and {}",
                Num(b),
                Num(s.iss_b2m_low_mg_l),
                Num(s.iss_b2m_high_mg_l)
            ),
        )
    } else {
        match albumin.filter(|v| v.is_finite()) {
            Some(a) if ge(a, s.iss_albumin_g_l) => (
                Some(1),
                format!(
                    "β2-MG {} mg/L < {} and albumin {} g/L >= {}",
                    Num(b),
                    Num(s.iss_b2m_low_mg_l),
                    Num(a),
                    Num(s.iss_albumin_g_l)
                ),
            ),
            Some(a) => (
                Some(2),
                format!(
                    "β2-MG {} mg/L < {} with albumin {} g/L < {}",
                    Num(b),
                    Num(s.iss_b2m_low_mg_l),
                    Num(a),
                    Num(s.iss_albumin_g_l)
                ),
            ),
            None => {
                return StageOutcome {
                    stage: None,
                    rule: ISS,
                    basis: format!(
                        "not derivable: β2-MG {} mg/L < {} and albumin missing (I or II)",
                        Num(b),
                        Num(s.iss_b2m_low_mg_l)
                    ),
                    missing: vec!["albumin"],
                }
            }
        }
    };
    StageOutcome {
        basis: format!("ISS {}: {basis}", stage.map_or("?", roman)),
        stage,
        rule: ISS,
        missing: Vec::new(),
    }
}

/// A FISH result, `None` when not known (or `fish_tested` = no).
pub fn fish_value(p: &Patient, m: FishMarker) -> Option<bool> {
    if p.fish_tested.as_ref().is_some_and(|v| !v.v) {
        return None;
    }
    let v = match m {
        FishMarker::Del17p => &p.fish_del17p,
        FishMarker::T4_14 => &p.fish_t4_14,
        FishMarker::T14_16 => &p.fish_t14_16,
        FishMarker::T14_20 => &p.fish_t14_20,
        FishMarker::Gain1q => &p.fish_1q_gain,
        FishMarker::Del13q => &p.fish_del13q,
        FishMarker::T11_14 => &p.fish_t11_14,
        FishMarker::Igh => &p.fish_igh,
    };
    v.as_ref().map(|x| x.v)
}

/// Any of `list` positive: `Some(true)`; all known negative: `Some(false)`; else `None`.
/// Also the count of positives.
pub fn high_risk(values: &[(FishMarker, Option<bool>)]) -> (Option<bool>, u32) {
    let count = values.iter().filter(|(_, v)| *v == Some(true)).count() as u32;
    let status = if count > 0 {
        Some(true)
    } else if values.iter().all(|(_, v)| v.is_some()) {
        Some(false)
    } else {
        None
    };
    (status, count)
}

/// R-ISS from the ISS stage, the R-ISS high-risk FISH results and LDH (U/L).
pub fn r_iss(
    iss_stage: Option<u8>,
    hr_fish: &[(FishMarker, Option<bool>)],
    ldh: Option<f64>,
    cfg: &RulesConfig,
) -> StageOutcome {
    let uln = cfg.staging.ldh_uln_u_l;
    let ldh_high = ldh.filter(|v| v.is_finite()).map(|v| gt(v, uln));
    let (hr, _) = high_risk(hr_fish);
    let mut missing = Vec::new();
    if hr.is_none() {
        missing.push("high-risk FISH");
    }
    if ldh_high.is_none() {
        missing.push("ldh");
    }
    let fact = format!(
        "high-risk FISH {}, LDH {}",
        match hr {
            Some(true) => "present",
            Some(false) => "absent",
            None => "unknown",
        },
        match ldh_high {
            Some(true) => "above the ULN",
            Some(false) => "normal",
            None => "unknown",
        }
    );
    let stage = match iss_stage {
        None => {
            return StageOutcome {
                stage: None,
                rule: R_ISS,
                basis: "not derivable: ISS not derivable".into(),
                missing: vec!["iss"],
            }
        }
        Some(2) => Some(2),
        Some(1) => match (hr, ldh_high) {
            (Some(false), Some(false)) => Some(1),
            (Some(true), _) | (_, Some(true)) => Some(2),
            _ => None,
        },
        Some(_) => match (hr, ldh_high) {
            (Some(true), _) | (_, Some(true)) => Some(3),
            (Some(false), Some(false)) => Some(2),
            _ => None,
        },
    };
    StageOutcome {
        basis: match stage {
            Some(s) => format!(
                "R-ISS {}: ISS {}, {fact}",
                roman(s),
                iss_stage.map_or("?", roman)
            ),
            None => format!(
                "not derivable: ISS {}, {fact}",
                iss_stage.map_or("?", roman)
            ),
        },
        missing: if stage.is_some() { Vec::new() } else { missing },
        stage,
        rule: R_ISS,
    }
}

/// R2-ISS from ISS, del(17p), LDH, t(4;14) and 1q gain; derived when the unknown points
/// cannot move the total across a group boundary.
pub fn r2_iss(
    iss_stage: Option<u8>,
    del17p: Option<bool>,
    ldh: Option<f64>,
    t4_14: Option<bool>,
    gain1q: Option<bool>,
    cfg: &RulesConfig,
) -> StageOutcome {
    let r = &cfg.staging.r2_iss;
    let ldh_high = ldh
        .filter(|v| v.is_finite())
        .map(|v| gt(v, cfg.staging.ldh_uln_u_l));
    let (lo, hi, missing) = r2_iss_points(
        iss_stage,
        [
            ("del17p", del17p, r.del17p),
            ("ldh", ldh_high, r.ldh_high),
            ("t4_14", t4_14, r.t4_14),
            ("gain1q", gain1q, r.gain1q),
        ],
        r,
    );
    let (g_lo, g_hi) = (r2_iss_group(lo, r), r2_iss_group(hi, r));
    if g_lo == g_hi {
        StageOutcome {
            stage: Some(g_lo),
            rule: R2_ISS,
            basis: if missing.is_empty() {
                format!("R2-ISS {}: {} points", roman(g_lo), Num(lo))
            } else {
                format!(
                    "R2-ISS {}: {}-{} points whatever the missing {}",
                    roman(g_lo),
                    Num(lo),
                    Num(hi),
                    missing.join(", ")
                )
            },
            missing: Vec::new(),
        }
    } else {
        StageOutcome {
            stage: None,
            rule: R2_ISS,
            basis: format!(
                "not derivable: {}-{} points (groups {}-{}) with {} missing",
                Num(lo),
                Num(hi),
                roman(g_lo),
                roman(g_hi),
                missing.join(", ")
            ),
            missing,
        }
    }
}

/// The lowest and highest R2-ISS totals (D'Agostino, JCO 2022;40:3406 points: ISS II 1,
/// ISS III 1.5, then each factor's points) that the known inputs allow, with the names of the
/// unknown inputs. An unknown input adds its points to the highest total only (an unknown
/// ISS the larger of the ISS II / III points).
fn r2_iss_points(
    iss_stage: Option<u8>,
    factors: [(&'static str, Option<bool>, f64); 4],
    r: &R2IssConfig,
) -> (f64, f64, Vec<&'static str>) {
    let iss_pts = |s: u8| match s {
        3 => r.iss3,
        2 => r.iss2,
        _ => 0.0,
    };
    let mut lo = 0.0;
    let mut hi = 0.0;
    let mut missing = Vec::new();
    match iss_stage {
        Some(s) => {
            lo += iss_pts(s);
            hi += iss_pts(s);
        }
        None => {
            hi += r.iss3.max(r.iss2);
            missing.push("iss");
        }
    }
    for (name, v, pts) in factors {
        match v {
            Some(true) => {
                lo += pts;
                hi += pts;
            }
            Some(false) => {}
            None => {
                hi += pts;
                missing.push(name);
            }
        }
    }
    (lo, hi, missing)
}

/// The R2-ISS group of a points total (D'Agostino 2022): I 0, II 0.5-1, III 1.5-2.5,
/// IV 3-5 (lower bounds from config).
fn r2_iss_group(total: f64, r: &R2IssConfig) -> u8 {
    if ge(total, r.group4_min) {
        4
    } else if ge(total, r.group3_min) {
        3
    } else if ge(total, r.group2_min) {
        2
    } else {
        1
    }
}

/// Durie-Salmon subclass from creatinine (µmol/L): 'A' below the threshold, 'B' otherwise.
pub fn ds_subclass(creatinine: Option<f64>, cfg: &RulesConfig) -> Option<char> {
    let c = creatinine.filter(|v| v.is_finite())?;
    Some(if lt(c, cfg.staging.ds_creatinine_umol_l) {
        'A'
    } else {
        'B'
    })
}

/// Staging of one patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientStaging {
    pub patient_id: String,
    pub iss_recorded: Option<u8>,
    pub iss_derived: Option<u8>,
    pub iss_agrees: Option<bool>,
    pub iss_basis: String,
    pub r_iss: Option<u8>,
    pub r_iss_basis: String,
    pub r2_iss: Option<u8>,
    pub r2_iss_basis: String,
    pub ds_subclass_recorded: Option<String>,
    pub ds_subclass_derived: Option<String>,
    pub ds_subclass_agrees: Option<bool>,
    pub high_risk_fish: Option<bool>,
    pub high_risk_count: u32,
    /// Abnormalities of the high-risk list found positive (labels).
    pub high_risk_markers: Vec<String>,
    /// ISS, R-ISS and R2-ISS were built for newly diagnosed disease.
    pub note_newly_diagnosed: bool,
}

/// Staging, agreement and findings for one patient.
pub fn evaluate_patient(p: &Patient, cfg: &RulesConfig) -> (PatientStaging, Vec<Finding>) {
    let mut findings = Vec::new();
    let i = iss(
        p.beta2_microglobulin.as_ref().map(|v| v.v),
        p.albumin.as_ref().map(|v| v.v),
        cfg,
    );
    let iss_recorded = p.iss_stage.as_ref().map(|v| v.v);
    let iss_agrees = agreement(iss_recorded, i.stage);
    if iss_agrees == Some(false) {
        findings.extend(iss_disagreement(p, i.stage, cfg));
    }
    let (iss_for_r, iss_note) = iss_for_r_iss(i.stage, iss_recorded);
    let (r, r2) = r_iss_and_r2_iss(p, iss_for_r, cfg);
    let ds_derived = ds_subclass(p.creatinine.as_ref().map(|v| v.v), cfg);
    let ds_recorded = recorded_ds_subclass(p);
    let ds_agrees = agreement(ds_recorded, ds_derived);
    if ds_agrees == Some(false) {
        findings.extend(ds_disagreement(p, ds_derived, cfg));
    }
    let hr_vals = fish_values(p, &cfg.staging.high_risk_fish);
    let (hr, count) = high_risk(&hr_vals);
    let staging = PatientStaging {
        patient_id: p.patient_id.clone(),
        iss_recorded,
        iss_derived: i.stage,
        iss_agrees,
        iss_basis: i.basis,
        r_iss: r.stage,
        r_iss_basis: format!("{}{iss_note}", r.basis),
        r2_iss: r2.stage,
        r2_iss_basis: format!("{}{iss_note}", r2.basis),
        ds_subclass_recorded: ds_recorded.map(String::from),
        ds_subclass_derived: ds_derived.map(String::from),
        ds_subclass_agrees: ds_agrees,
        high_risk_fish: hr,
        high_risk_count: count,
        high_risk_markers: positive_labels(&hr_vals),
        note_newly_diagnosed: true,
    };
    (staging, findings)
}

/// R-ISS (Palumbo, JCO 2015;33:2863) and R2-ISS (D'Agostino, JCO 2022;40:3406) on the
/// ISS stage `iss_for_r`, with the patient's FISH results and LDH.
fn r_iss_and_r2_iss(
    p: &Patient,
    iss_for_r: Option<u8>,
    cfg: &RulesConfig,
) -> (StageOutcome, StageOutcome) {
    let ldh = p.ldh.as_ref().map(|v| v.v);
    let r = r_iss(
        iss_for_r,
        &fish_values(p, &cfg.staging.r_iss_high_risk_fish),
        ldh,
        cfg,
    );
    let r2 = r2_iss(
        iss_for_r,
        fish_value(p, FishMarker::Del17p),
        ldh,
        fish_value(p, FishMarker::T4_14),
        fish_value(p, FishMarker::Gain1q),
        cfg,
    );
    (r, r2)
}

/// The labels of the markers found positive, in the list's order.
fn positive_labels(values: &[(FishMarker, Option<bool>)]) -> Vec<String> {
    values
        .iter()
        .filter(|(_, v)| *v == Some(true))
        .map(|(m, _)| m.label().to_string())
        .collect()
}

/// Whether a recorded value agrees with the derived one (`None` when either is missing).
fn agreement<T: PartialEq>(recorded: Option<T>, derived: Option<T>) -> Option<bool> {
    match (recorded, derived) {
        (Some(r), Some(d)) => Some(r == d),
        _ => None,
    }
}

/// The FISH results of the markers of `list`, in the list's order.
fn fish_values(p: &Patient, list: &[FishMarker]) -> Vec<(FishMarker, Option<bool>)> {
    list.iter().map(|m| (*m, fish_value(p, *m))).collect()
}

/// The ISS stage R-ISS / R2-ISS build on: the derived ISS, or the recorded one (1-3) when
/// β2-MG / albumin are missing, with the note the bases then carry.
fn iss_for_r_iss(derived: Option<u8>, recorded: Option<u8>) -> (Option<u8>, &'static str) {
    match (derived, recorded) {
        (Some(s), _) => (Some(s), ""),
        (None, Some(r)) if (1..=3).contains(&r) => (Some(r), " (ISS as recorded)"),
        _ => (None, ""),
    }
}

/// [`ISS_DISAGREES`] (Greipp, JCO 2005;23:3412): the recorded ISS stage disagrees with the
/// one β2-microglobulin and albumin give; the message states the ISS cut-offs.
fn iss_disagreement(p: &Patient, derived: Option<u8>, cfg: &RulesConfig) -> Option<Finding> {
    let rv = p.iss_stage.as_ref()?;
    Some(
        finding(
            Severity::Warning,
            ISS_DISAGREES,
            Some(rv.at),
            "iss_stage",
            p.patient_id.as_str(),
            format!(
                "Recorded ISS stage {} but β2-microglobulin and albumin give stage {} \
                 (ISS I: β2-MG < {} mg/L and albumin >= {} g/L; III: β2-MG >= {} mg/L)",
                roman(rv.v),
                derived.map_or("?", roman),
                Num(cfg.staging.iss_b2m_low_mg_l),
                Num(cfg.staging.iss_albumin_g_l),
                Num(cfg.staging.iss_b2m_high_mg_l)
            ),
        )
        .with_value(roman(rv.v))
        .with_param("recorded", roman(rv.v))
        .with_param("derived", derived.map_or("?", roman))
        .with_param("b2m_low", Num(cfg.staging.iss_b2m_low_mg_l).to_string())
        .with_param("albumin", Num(cfg.staging.iss_albumin_g_l).to_string())
        .with_param("b2m_high", Num(cfg.staging.iss_b2m_high_mg_l).to_string()),
    )
}

/// The Durie-Salmon subclass recorded in `ds_stage` (its last character, A or B; e.g.
/// "IIIB" → 'B'), `None` when absent or not A/B.
fn recorded_ds_subclass(p: &Patient) -> Option<char> {
    p.ds_stage
        .as_ref()
        .and_then(|s| s.v.trim().chars().last())
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| *c == 'A' || *c == 'B')
}

/// [`DS_SUBCLASS_DISAGREES`] (Durie & Salmon, Cancer 1975;36:842): the recorded subclass
/// disagrees with the one creatinine gives; the message states the cut-off.
fn ds_disagreement(p: &Patient, derived: Option<char>, cfg: &RulesConfig) -> Option<Finding> {
    let rv = p.ds_stage.as_ref()?;
    Some(
        finding(
            Severity::Warning,
            DS_SUBCLASS_DISAGREES,
            Some(rv.at),
            "ds_stage",
            p.patient_id.as_str(),
            format!(
                "Recorded Durie-Salmon stage {} but creatinine gives subclass {} \
                 (A: creatinine < {} µmol/L, B otherwise)",
                rv.v,
                derived.map(String::from).unwrap_or_default(),
                Num(cfg.staging.ds_creatinine_umol_l)
            ),
        )
        .with_value(rv.v.clone())
        .with_param("recorded", rv.v.clone())
        .with_param("derived", derived.map(String::from).unwrap_or_default())
        .with_param(
            "creatinine",
            Num(cfg.staging.ds_creatinine_umol_l).to_string(),
        ),
    )
}
