//! CTCAE grading (rule set `ctcae5`: NCI CTCAE v5.0, 2017; or `ctcae6`: NCI CTCAE v6.0,
//! 2025, by `rules.ctcae_version`, thresholds `[ctcae]` / `[ctcae6]`) of the lab rows (WBC, neutrophils, lymphocytes, platelets, Hb,
//! creatinine), with the baseline grade from the last draw on or before `index_date` and the
//! worst post-baseline grade per patient; and the mapping of recorded AE terms to CTCAE terms.
//!
//! A value exactly on a boundary falls in the milder grade (platelets 75 × 10^9/L is grade 1).
//! Grade 1 needs the LLN/ULN (by sex, from config): with the sex unknown the grade is given
//! only when both sexes' limits give the same grade, otherwise "not gradable" (never guessed).
//! Anemia grade 4 is clinical (no lab cut-off), so lab-derived anemia stops at grade 3.
//! Creatinine increased uses the `× baseline` criteria when a baseline draw exists, the ULN
//! criteria always, and takes the higher grade; the `basis` says which were used.

use super::config::{CtcaeVersion, DecreasedTermConfig, RulesConfig};
use super::{finding, gt, lt, Num, RuleInfo};
use crate::model::{AdverseEvent, Date, Finding, LabDraw, Patient, Severity, Sex, Val};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::HashMap;

/// White blood cell decreased: < LLN-3.0 (G1), < 3.0-2.0 (G2), < 2.0-1.0 (G3), < 1.0 (G4)
/// × 10^9/L. Source: NCI CTCAE v5.0 (2017). Version ctcae5.
pub const WBC_DECREASED: &str = "ctcae5.white_blood_cell_decreased";
/// Neutrophil count decreased: < LLN-1.5, < 1.5-1.0, < 1.0-0.5, < 0.5 × 10^9/L.
/// Source: NCI CTCAE v5.0 (2017). Version ctcae5.
pub const NEUTROPHILS_DECREASED: &str = "ctcae5.neutrophil_count_decreased";
/// Lymphocyte count decreased: < LLN-0.8, < 0.8-0.5, < 0.5-0.2, < 0.2 × 10^9/L.
/// Source: NCI CTCAE v5.0 (2017). Version ctcae5.
pub const LYMPHOCYTES_DECREASED: &str = "ctcae5.lymphocyte_count_decreased";
/// Platelet count decreased: < LLN-75, < 75-50, < 50-25, < 25 × 10^9/L.
/// Source: NCI CTCAE v5.0 (2017). Version ctcae5.
pub const PLATELETS_DECREASED: &str = "ctcae5.platelet_count_decreased";
/// Anemia: Hb < LLN-100, < 100-80, < 80 g/L; grade 4 has no lab cut-off.
/// Source: NCI CTCAE v5.0 (2017). Version ctcae5.
pub const ANEMIA: &str = "ctcae5.anemia";
/// Creatinine increased: above ULN to 1.5 × ULN (G1); above 1.5-3.0 × baseline or ULN (G2);
/// above 3.0 × baseline or 3.0-6.0 × ULN (G3); above 6.0 × ULN (G4).
/// Source: NCI CTCAE v5.0 (2017). Version ctcae5.
pub const CREATININE_INCREASED: &str = "ctcae5.creatinine_increased";
/// A recorded adverse-event term matches no CTCAE term in the config (warning).
/// Source: NCI CTCAE v5.0 (2017). Version ctcae5.
pub const TERM_UNKNOWN: &str = "ctcae5.term.unknown";
/// A recorded adverse-event grade outside 1-5 (error: the grade is unusable).
/// Source: NCI CTCAE v5.0 (2017). Version ctcae5.
pub const GRADE_OUT_OF_RANGE: &str = "ctcae5.grade.out_of_range";
/// Lab rows that could not be placed before/after the index date (no `index_date` or no
/// `draw_date`): not graded as post-baseline (info). Version ctcae5.
pub const UNDATED_LABS: &str = "ctcae5.labs.undated";

const SRC: &str = "NCI CTCAE v5.0 (2017)";
const SRC6: &str = "NCI CTCAE v6.0 (2025); thresholds checked against pharmaverse admiral \
                    data-raw/adlb_grading/ncictcaev6.json";

/// CTCAE v6.0 White blood cell decreased (as v5).
pub const WBC_DECREASED_V6: &str = "ctcae6.white_blood_cell_decreased";
/// CTCAE v6.0 Neutrophil count decreased: < 1.5-1.0 (G1), < 1.0-0.5 (G2), < 0.5-0.1 (G3),
/// < 0.1 (G4) × 10^9/L, no LLN.
pub const NEUTROPHILS_DECREASED_V6: &str = "ctcae6.neutrophil_count_decreased";
/// CTCAE v6.0 Lymphocyte count decreased: v5 cut-offs kept (not verified against v6).
pub const LYMPHOCYTES_DECREASED_V6: &str = "ctcae6.lymphocyte_count_decreased";
/// CTCAE v6.0 Thrombocytopenia (v5 "Platelet count decreased"): < LLN-75 (G1), < 75-50 (G2),
/// < 50-10 (G3), < 10 (G4) × 10^9/L.
pub const THROMBOCYTOPENIA_V6: &str = "ctcae6.thrombocytopenia";
/// CTCAE v6.0 Anemia (as v5).
pub const ANEMIA_V6: &str = "ctcae6.anemia";
/// CTCAE v6.0 Creatinine increased: the `× baseline` criteria only when the baseline is below
/// the LLN.
pub const CREATININE_INCREASED_V6: &str = "ctcae6.creatinine_increased";

/// The CTCAE v6.0 lab rules as data.
pub const RULES_V6: &[RuleInfo] = &[
    RuleInfo {
        id: WBC_DECREASED_V6,
        version: "ctcae6",
        source: SRC6,
        summary: "White blood cell decreased",
    },
    RuleInfo {
        id: NEUTROPHILS_DECREASED_V6,
        version: "ctcae6",
        source: SRC6,
        summary: "Neutrophil count decreased",
    },
    RuleInfo {
        id: LYMPHOCYTES_DECREASED_V6,
        version: "ctcae6",
        source: SRC6,
        summary: "Lymphocyte count decreased (v5 cut-offs, not verified against v6)",
    },
    RuleInfo {
        id: THROMBOCYTOPENIA_V6,
        version: "ctcae6",
        source: SRC6,
        summary: "Thrombocytopenia",
    },
    RuleInfo {
        id: ANEMIA_V6,
        version: "ctcae6",
        source: SRC6,
        summary: "Anemia",
    },
    RuleInfo {
        id: CREATININE_INCREASED_V6,
        version: "ctcae6",
        source: SRC6,
        summary: "Creatinine increased",
    },
];

/// This module's rules as data.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: WBC_DECREASED,
        version: "ctcae5",
        source: SRC,
        summary: "White blood cell decreased",
    },
    RuleInfo {
        id: NEUTROPHILS_DECREASED,
        version: "ctcae5",
        source: SRC,
        summary: "Neutrophil count decreased",
    },
    RuleInfo {
        id: LYMPHOCYTES_DECREASED,
        version: "ctcae5",
        source: SRC,
        summary: "Lymphocyte count decreased",
    },
    RuleInfo {
        id: PLATELETS_DECREASED,
        version: "ctcae5",
        source: SRC,
        summary: "Platelet count decreased",
    },
    RuleInfo {
        id: ANEMIA,
        version: "ctcae5",
        source: SRC,
        summary: "Anemia",
    },
    RuleInfo {
        id: CREATININE_INCREASED,
        version: "ctcae5",
        source: SRC,
        summary: "Creatinine increased",
    },
    RuleInfo {
        id: TERM_UNKNOWN,
        version: "ctcae5",
        source: SRC,
        summary: "unknown adverse-event term",
    },
    RuleInfo {
        id: GRADE_OUT_OF_RANGE,
        version: "ctcae5",
        source: SRC,
        summary: "adverse-event grade outside 1-5",
    },
    RuleInfo {
        id: UNDATED_LABS,
        version: "ctcae5",
        source: SRC,
        summary: "lab rows not placeable against the index date",
    },
];

/// The graded lab terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabTerm {
    Wbc,
    Neutrophils,
    Lymphocytes,
    Platelets,
    Hemoglobin,
    Creatinine,
}

impl LabTerm {
    pub const ALL: [LabTerm; 6] = [
        LabTerm::Wbc,
        LabTerm::Neutrophils,
        LabTerm::Lymphocytes,
        LabTerm::Platelets,
        LabTerm::Hemoglobin,
        LabTerm::Creatinine,
    ];

    /// The CTCAE term of a version (v6 renamed "Platelet count decreased" to
    /// "Thrombocytopenia").
    pub fn ctcae_term_in(&self, v: CtcaeVersion) -> &'static str {
        match (self, v) {
            (LabTerm::Platelets, CtcaeVersion::Ctcae6) => "Thrombocytopenia",
            _ => self.ctcae_term(),
        }
    }

    /// The rule id of a version.
    pub fn rule_in(&self, v: CtcaeVersion) -> &'static str {
        match v {
            CtcaeVersion::Ctcae5 => self.rule(),
            CtcaeVersion::Ctcae6 => match self {
                LabTerm::Wbc => WBC_DECREASED_V6,
                LabTerm::Neutrophils => NEUTROPHILS_DECREASED_V6,
                LabTerm::Lymphocytes => LYMPHOCYTES_DECREASED_V6,
                LabTerm::Platelets => THROMBOCYTOPENIA_V6,
                LabTerm::Hemoglobin => ANEMIA_V6,
                LabTerm::Creatinine => CREATININE_INCREASED_V6,
            },
        }
    }

    /// The CTCAE v5 term.
    pub fn ctcae_term(&self) -> &'static str {
        match self {
            LabTerm::Wbc => "White blood cell decreased",
            LabTerm::Neutrophils => "Neutrophil count decreased",
            LabTerm::Lymphocytes => "Lymphocyte count decreased",
            LabTerm::Platelets => "Platelet count decreased",
            LabTerm::Hemoglobin => "Anemia",
            LabTerm::Creatinine => "Creatinine increased",
        }
    }

    pub fn rule(&self) -> &'static str {
        match self {
            LabTerm::Wbc => WBC_DECREASED,
            LabTerm::Neutrophils => NEUTROPHILS_DECREASED,
            LabTerm::Lymphocytes => LYMPHOCYTES_DECREASED,
            LabTerm::Platelets => PLATELETS_DECREASED,
            LabTerm::Hemoglobin => ANEMIA,
            LabTerm::Creatinine => CREATININE_INCREASED,
        }
    }

    /// The `labs` column.
    pub fn column(&self) -> &'static str {
        match self {
            LabTerm::Wbc => "wbc",
            LabTerm::Neutrophils => "neutrophils",
            LabTerm::Lymphocytes => "lymphocytes",
            LabTerm::Platelets => "platelets",
            LabTerm::Hemoglobin => "hemoglobin",
            LabTerm::Creatinine => "creatinine",
        }
    }

    pub fn unit(&self) -> &'static str {
        match self {
            LabTerm::Hemoglobin => "g/L",
            LabTerm::Creatinine => "µmol/L",
            _ => "× 10^9/L",
        }
    }

    fn value<'a>(&self, l: &'a LabDraw) -> Option<&'a Val<f64>> {
        match self {
            LabTerm::Wbc => l.wbc.as_ref(),
            LabTerm::Neutrophils => l.neutrophils.as_ref(),
            LabTerm::Lymphocytes => l.lymphocytes.as_ref(),
            LabTerm::Platelets => l.platelets.as_ref(),
            LabTerm::Hemoglobin => l.hemoglobin.as_ref(),
            LabTerm::Creatinine => l.creatinine.as_ref(),
        }
    }
}

/// A CTCAE grade: `grade` 0 = normal, `None` = not gradable (the basis says why).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    pub grade: Option<u8>,
    pub rule: &'static str,
    pub basis: String,
}

fn decreased_grade(v: f64, lln: Option<f64>, t: &DecreasedTermConfig) -> Option<u8> {
    if t.g4_below.is_some_and(|g4| lt(v, g4)) {
        Some(4)
    } else if lt(v, t.g3_below) {
        Some(3)
    } else if lt(v, t.g2_below) {
        Some(2)
    } else if let Some(g1) = t.g1_below {
        Some(u8::from(lt(v, g1)))
    } else {
        lln.map(|l| u8::from(lt(v, l)))
    }
}

fn one_or_both<F: Fn(Option<f64>) -> Option<u8>>(
    sex: Option<Sex>,
    female: Option<f64>,
    male: Option<f64>,
    f: F,
) -> Option<u8> {
    match sex {
        Some(Sex::Female) => f(female),
        Some(Sex::Male) => f(male),
        None => {
            let (a, b) = (f(female), f(male));
            if a == b {
                a
            } else {
                None
            }
        }
    }
}

/// The grade number alone (no text): what [`grade`] decides, for hot loops.
pub fn grade_value(
    term: LabTerm,
    value: f64,
    sex: Option<Sex>,
    baseline: Option<f64>,
    cfg: &RulesConfig,
) -> Option<u8> {
    if !value.is_finite() {
        return None;
    }
    let c = cfg.ctcae_table();
    let dec = |t: &DecreasedTermConfig| {
        one_or_both(sex, t.lln_female, t.lln_male, |lln| {
            decreased_grade(value, lln, t)
        })
    };
    match term {
        LabTerm::Wbc => dec(&c.wbc),
        LabTerm::Neutrophils => dec(&c.neutrophils),
        LabTerm::Lymphocytes => dec(&c.lymphocytes),
        LabTerm::Platelets => dec(&c.platelets),
        LabTerm::Hemoglobin => dec(&c.hemoglobin),
        LabTerm::Creatinine => {
            let t = &c.creatinine;
            let by_uln = |uln: Option<f64>| -> Option<u8> {
                let uln = uln?;
                Some(if gt(value, t.g4_uln_multiple * uln) {
                    4
                } else if gt(value, t.g3_uln_multiple * uln) {
                    3
                } else if gt(value, t.g2_uln_multiple * uln) {
                    2
                } else {
                    u8::from(gt(value, uln))
                })
            };
            let uln_grade = one_or_both(sex, t.uln_female, t.uln_male, by_uln);
            let base_grade = creatinine_baseline(baseline, sex, t).map(|b| {
                if gt(value, t.g3_baseline_multiple * b) {
                    3
                } else if gt(value, t.g2_baseline_multiple * b) {
                    2
                } else {
                    0
                }
            });
            match (uln_grade, base_grade) {
                (Some(u), Some(b)) => Some(u.max(b)),
                (Some(u), None) => Some(u),
                // Without the ULN, a baseline grade >= 2 is still certain.
                (None, Some(b)) if b >= 2 => Some(b),
                _ => None,
            }
        }
    }
}

fn usable_baseline(b: Option<f64>) -> Option<f64> {
    b.filter(|b| b.is_finite() && *b > 0.0)
}

/// The baseline the `× baseline` creatinine criteria use: any usable baseline (v5), or under
/// `baseline_criteria_below_lln_only` (v6) only one below the LLN (by sex; with the sex
/// unknown, below both sexes' LLN; no LLN configured: none).
fn creatinine_baseline(
    baseline: Option<f64>,
    sex: Option<Sex>,
    t: &crate::config::CreatinineTermConfig,
) -> Option<f64> {
    let b = usable_baseline(baseline)?;
    if !t.baseline_criteria_below_lln_only {
        return Some(b);
    }
    let below = |lln: Option<f64>| lln.is_some_and(|l| lt(b, l));
    let ok = match sex {
        Some(Sex::Female) => below(t.lln_female),
        Some(Sex::Male) => below(t.lln_male),
        None => below(t.lln_female) && below(t.lln_male),
    };
    ok.then_some(b)
}

/// Grade one lab value, with the basis in words. `baseline` is used only by creatinine (the
/// `× baseline` criteria).
pub fn grade(
    term: LabTerm,
    value: f64,
    sex: Option<Sex>,
    baseline: Option<f64>,
    cfg: &RulesConfig,
) -> Grade {
    let rule = term.rule_in(cfg.ctcae_version);
    if !value.is_finite() {
        return Grade {
            grade: None,
            rule,
            basis: "not gradable: value is not a number".into(),
        };
    }
    let g = grade_value(term, value, sex, baseline, cfg);
    let why_not = if sex.is_none() {
        " (sex unknown)"
    } else {
        " (not configured)"
    };
    let basis = if term == LabTerm::Creatinine {
        let which = match (
            usable_baseline(baseline),
            creatinine_baseline(baseline, sex, &cfg.ctcae_table().creatinine),
        ) {
            (Some(_), Some(b)) => format!("ULN and baseline ({} µmol/L) criteria", Num(b)),
            (Some(_), None) => "ULN criteria only (baseline not below the LLN)".to_string(),
            _ => "ULN criteria only (no baseline draw)".to_string(),
        };
        match g {
            Some(g) => format!("creatinine {} µmol/L: grade {g} by {which}", Num(value)),
            None => format!(
                "not gradable: creatinine {} µmol/L needs the ULN{why_not} ({which})",
                Num(value)
            ),
        }
    } else {
        let c = cfg.ctcae_table();
        let t = match term {
            LabTerm::Wbc => &c.wbc,
            LabTerm::Neutrophils => &c.neutrophils,
            LabTerm::Lymphocytes => &c.lymphocytes,
            LabTerm::Platelets => &c.platelets,
            _ => &c.hemoglobin,
        };
        match g {
            Some(g) => format!(
                "{} {} {}: grade {g}",
                term.column(),
                Num(value),
                term.unit()
            ),
            None => format!(
                "not gradable: {} {} {} is at or above {}, and grade 1 needs the LLN{why_not}",
                term.column(),
                Num(value),
                term.unit(),
                Num(t.g2_below)
            ),
        }
    };
    Grade {
        grade: g,
        rule,
        basis,
    }
}

/// Case-insensitive lookup of AE terms: the configured CTCAE terms themselves and the
/// configured map (Chinese → CTCAE). Built once per run.
#[derive(Debug, Clone, Default)]
pub struct TermIndex {
    map: HashMap<String, String>,
}

fn normalise_term(s: &str) -> String {
    s.trim()
        .trim_matches(|c: char| c == '\u{3000}')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl TermIndex {
    pub fn new(cfg: &RulesConfig) -> Self {
        let mut map = HashMap::new();
        for t in &cfg.ae_terms.known {
            map.insert(normalise_term(t), t.clone());
        }
        for (k, v) in &cfg.ae_terms.map {
            map.entry(normalise_term(v)).or_insert_with(|| v.clone());
            map.insert(normalise_term(k), v.clone());
        }
        // Exact spellings too, so that the common case needs no normalising allocation.
        let exact: Vec<(String, String)> = cfg
            .ae_terms
            .known
            .iter()
            .map(|t| (t.clone(), t.clone()))
            .chain(cfg.ae_terms.map.iter().map(|(k, v)| (k.clone(), v.clone())))
            .collect();
        for (k, v) in exact {
            map.entry(k).or_insert(v);
        }
        if cfg.ctcae_version == CtcaeVersion::Ctcae6 {
            for v in map.values_mut() {
                if let Some(new) = cfg.ae_terms.v6_renames.get(v.as_str()) {
                    v.clone_from(new);
                }
            }
            for new in cfg.ae_terms.v6_renames.values() {
                map.entry(normalise_term(new))
                    .or_insert_with(|| new.clone());
                map.entry(new.clone()).or_insert_with(|| new.clone());
            }
        }
        TermIndex { map }
    }

    fn get(&self, raw: &str) -> Option<&String> {
        self.map
            .get(raw)
            .or_else(|| self.map.get(&normalise_term(raw)))
    }

    /// The CTCAE term for a recorded term, `None` when unknown.
    pub fn lookup(&self, raw: &str) -> Option<String> {
        self.get(raw).cloned()
    }

    /// Whether the recorded term maps to a CTCAE term.
    pub fn contains(&self, raw: &str) -> bool {
        self.get(raw).is_some()
    }
}

/// The CTCAE term for a recorded term (builds a [`TermIndex`]; use one for many rows).
pub fn map_term(raw: &str, cfg: &RulesConfig) -> Option<String> {
    TermIndex::new(cfg).lookup(raw)
}

/// Findings for recorded adverse events: unknown terms, grades outside 1-5.
pub fn check_recorded_events(
    p: &Patient,
    events: &[&AdverseEvent],
    terms: &TermIndex,
) -> Vec<Finding> {
    let pid = p.patient_id.as_str();
    let mut sorted: Vec<&AdverseEvent> = events.to_vec();
    sorted.sort_by_key(|e| {
        (
            e.onset_date.as_ref().map(|v| v.v).is_none(),
            e.onset_date.as_ref().map(|v| v.v),
            e.cycle.as_ref().map(|v| v.v),
            e.at,
        )
    });
    let mut out = Vec::new();
    for e in sorted {
        if let Some(t) = &e.term {
            if !terms.contains(&t.v) {
                out.push(
                    finding(
                        Severity::Warning,
                        TERM_UNKNOWN,
                        Some(t.at),
                        "term",
                        pid,
                        "Adverse-event term is not a known CTCAE v5 term and has no mapping in the \
                         configuration; it is counted as written",
                    )
                    .with_value(t.v.clone()),
                );
            }
        }
        if let Some(g) = &e.grade {
            if !(1..=5).contains(&g.v) {
                out.push(
                    finding(
                        Severity::Error,
                        GRADE_OUT_OF_RANGE,
                        Some(g.at),
                        "grade",
                        pid,
                        format!(
                            "CTCAE grade {} is outside 1-5 and is treated as missing",
                            g.v
                        ),
                    )
                    .with_value(g.v.to_string())
                    .with_param("grade", g.v.to_string()),
                );
            }
        }
    }
    out
}

/// One lab-derived CTCAE event row (adae.csv, source `labs`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabAe {
    pub patient_id: String,
    /// CTCAE v5 term.
    pub term: &'static str,
    pub lab: LabTerm,
    pub source: &'static str,
    /// Grade of the last draw on or before `index_date` (0 = normal).
    pub baseline_grade: Option<u8>,
    pub baseline_value: Option<f64>,
    /// Worst grade after `index_date` (0 = normal; `None` = no gradable post-baseline draw).
    pub worst_grade: Option<u8>,
    pub worst_value: Option<f64>,
    pub worst_date: Option<Date>,
    pub post_baseline_draws: usize,
    /// Whether the worst post-baseline grade is a treatment-emergent event
    /// ([`lab_treatment_emergent`]): absent at baseline, or worse than at baseline.
    pub treatment_emergent: bool,
    pub basis: String,
}

/// The treatment-emergent rule of a lab-derived event: a worst post-baseline grade >= 1 counts
/// when there is no baseline grade (no baseline draw, or it was not gradable) or when it is
/// higher than the baseline grade; an abnormality already present at baseline counts only
/// when it worsens (baseline grade 2 → on-treatment 2: not counted; → 3: counted as 3).
///
/// Source: the treatment-emergent flag of pharmaverse admiral `derive_var_trtemfl` with
/// `initial_intensity` (an event starting before treatment is flagged only when its grade
/// rose), and the CDISC glossary after the FDA Guidance *Safety Reporting Requirements for
/// INDs and BA/BE Studies* (2012): "worsening of a condition relative to pretreatment
/// baseline". docs/clinical-rules.md section 5.
pub fn lab_treatment_emergent(baseline: Option<u8>, worst: Option<u8>) -> bool {
    match worst {
        Some(w) if w >= 1 => baseline.map_or(true, |b| w > b),
        _ => false,
    }
}

/// Lab draw order within a patient: date (missing last), then cell.
pub fn lab_order(a: &LabDraw, b: &LabDraw) -> Ordering {
    let key = |x: &LabDraw| {
        (
            x.draw_date.as_ref().map(|v| v.v).is_none(),
            x.draw_date.as_ref().map(|v| v.v),
            x.at,
        )
    };
    key(a).cmp(&key(b))
}

/// Lab-derived CTCAE rows for one patient: one per term with any value.
pub fn evaluate_patient_labs(
    p: &Patient,
    draws: &[&LabDraw],
    cfg: &RulesConfig,
) -> (Vec<LabAe>, Vec<Finding>) {
    let mut out = Vec::new();
    let mut findings = Vec::new();
    if draws.is_empty() {
        return (out, findings);
    }
    let sex = p.sex.as_ref().map(|v| v.v);
    let index = p.index_date.as_ref().map(|v| v.v);
    let mut sorted: Vec<&LabDraw> = draws.to_vec();
    sorted.sort_by(|a, b| lab_order(a, b));
    findings.extend(undated_labs(p.patient_id.as_str(), &sorted, index));
    for term in LabTerm::ALL {
        let Some(scan) = TermScan::of(term, &sorted, index, sex, cfg) else {
            continue;
        };
        let baseline_grade = scan
            .base_val
            .and_then(|b| grade_value(term, b, sex, None, cfg));
        let worst_grade = scan.worst.as_ref().map(|w| w.0);
        out.push(LabAe {
            patient_id: p.patient_id.clone(),
            term: term.ctcae_term_in(cfg.ctcae_version),
            lab: term,
            source: "labs",
            baseline_grade,
            baseline_value: scan.base_val,
            worst_grade,
            worst_value: scan.worst.as_ref().map(|w| w.1),
            worst_date: scan.worst.as_ref().map(|w| w.2),
            post_baseline_draws: scan.n_post,
            treatment_emergent: lab_treatment_emergent(baseline_grade, worst_grade),
            basis: scan.basis(term, index, sex, cfg),
        });
    }
    (out, findings)
}

/// [`UNDATED_LABS`]: lab rows that cannot be placed before or after the index date (no
/// `index_date`, or no `draw_date`) are not graded; one info finding counts them, on the
/// first such row.
fn undated_labs(pid: &str, sorted: &[&LabDraw], index: Option<Date>) -> Option<Finding> {
    let unplaced = |l: &&&LabDraw| index.is_none() || l.draw_date.is_none();
    let n = sorted.iter().filter(unplaced).count();
    if n == 0 {
        return None;
    }
    let at = sorted.iter().find(unplaced).and_then(|l| l.at);
    let case = if index.is_none() {
        "no_index"
    } else {
        "no_draw"
    };
    let f = finding(
        Severity::Info,
        UNDATED_LABS,
        at,
        if index.is_none() {
            "index_date"
        } else {
            "draw_date"
        },
        pid,
        format!(
            "{n} lab row(s) cannot be placed before or after the index date ({}) and are \
             not graded as baseline or post-baseline",
            if index.is_none() {
                "index date missing"
            } else {
                "draw date missing"
            }
        ),
    );
    Some(f.with_param("n", n.to_string()).with_param("case", case))
}

/// One lab term over a patient's date-sorted draws: the baseline value (last draw on or
/// before `index_date`) and the worst post-baseline grade (CTCAE v5.0, NCI 2017).
struct TermScan {
    base_val: Option<f64>,
    n_post: usize,
    /// Grade, value and date of the worst post-baseline draw (the first on a tie).
    worst: Option<(u8, f64, Date)>,
}

impl TermScan {
    /// One pass over the date-sorted draws: baseline draws (on or before the index date) come
    /// first, so each post-baseline value is graded against the final baseline. `None` when
    /// no draw holds a value of `term`.
    fn of(
        term: LabTerm,
        sorted: &[&LabDraw],
        index: Option<Date>,
        sex: Option<Sex>,
        cfg: &RulesConfig,
    ) -> Option<TermScan> {
        let mut any = false;
        let mut scan = TermScan {
            base_val: None,
            n_post: 0,
            worst: None,
        };
        for l in sorted {
            let Some(v) = term.value(l) else { continue };
            any = true;
            let (Some(d), Some(i)) = (l.draw_date.as_ref().map(|x| x.v), index) else {
                continue;
            };
            if d <= i {
                scan.base_val = Some(v.v);
            } else {
                scan.n_post += 1;
                if let Some(gr) = grade_value(term, v.v, sex, scan.base_val, cfg) {
                    if scan.worst.as_ref().map_or(true, |w| gr > w.0) {
                        scan.worst = Some((gr, v.v, d));
                    }
                }
            }
        }
        any.then_some(scan)
    }

    /// The basis of the row: the worst post-baseline grade in words, or why there is none.
    fn basis(
        &self,
        term: LabTerm,
        index: Option<Date>,
        sex: Option<Sex>,
        cfg: &RulesConfig,
    ) -> String {
        match (&self.worst, index) {
            (_, None) => "index date missing: no baseline or post-baseline grade".to_string(),
            (Some(w), _) => format!(
                "worst after the index date on {}: {}",
                w.2,
                grade(term, w.1, sex, self.base_val, cfg).basis
            ),
            (None, _) if self.n_post == 0 => "no draw after the index date".to_string(),
            (None, _) => "no gradable draw after the index date".to_string(),
        }
    }
}
