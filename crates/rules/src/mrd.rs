//! IMWG MRD response categories (Kumar et al., Lancet Oncol 2016;17:e328, "IMWG MRD
//! criteria (requires a complete response)"), per patient, the deepest category reached:
//!
//! - flow MRD-negative: no aberrant clonal plasma cells by next-generation flow (NGF) on the
//!   marrow, sensitivity of 1 in 10^5 nucleated cells or finer;
//! - sequencing MRD-negative: no clonal plasma cells by next-generation sequencing (NGS) on
//!   the marrow, sensitivity of 1 in 10^5 or finer;
//! - imaging-plus MRD-negative: flow or sequencing MRD-negative plus a negative PET/CT (every
//!   area of increased tracer uptake gone), at the same assessment (same date);
//! - sustained MRD-negative: marrow (NGF/NGS) and, by default, imaging negativity confirmed
//!   at least one year apart (`[mrd] sustained_days`, `sustained_requires_imaging`).
//!
//! All categories presuppose a complete response: a patient whose best response is below CR
//! reaches none, whatever the MRD results. A negative result whose sensitivity or method is
//! not recorded cannot qualify; when such a result is all that stands between a patient in CR
//! and a category, the category is not derivable (`None`), never "none" by default. A
//! sensitivity coarser than the minimum (10^-4) or a method other than NGF/NGS (conventional
//! flow) does not qualify. Depth order: sustained, imaging-plus, then flow and sequencing
//! (equal depth; a patient negative by both is reported as flow).

use crate::config::MrdConfig;
use crate::RuleInfo;
use mmreport_core::model::{Assessment, Date};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Flow MRD-negative (NGF, sensitivity >= 1 in 10^5).
pub const FLOW: &str = "imwg2016.mrd.flow";
/// Sequencing MRD-negative (NGS, sensitivity >= 1 in 10^5).
pub const SEQUENCING: &str = "imwg2016.mrd.sequencing";
/// Imaging-plus MRD-negative: flow or sequencing MRD-negative plus PET/CT negative.
pub const IMAGING_PLUS: &str = "imwg2016.mrd.imaging_plus";
/// Sustained MRD-negative: marrow and imaging negative, confirmed one year apart.
pub const SUSTAINED: &str = "imwg2016.mrd.sustained";

const SOURCE: &str = "Kumar et al., Lancet Oncol 2016;17:e328 (IMWG MRD criteria)";

/// The rules of this module as data.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: SUSTAINED,
        version: "imwg2016",
        source: SOURCE,
        summary: "Sustained MRD-negative: marrow (NGF/NGS) and PET/CT negative, confirmed >= 365 days apart; requires CR",
    },
    RuleInfo {
        id: IMAGING_PLUS,
        version: "imwg2016",
        source: SOURCE,
        summary: "Imaging-plus MRD-negative: flow or sequencing MRD-negative plus PET/CT negative; requires CR",
    },
    RuleInfo {
        id: FLOW,
        version: "imwg2016",
        source: SOURCE,
        summary: "Flow MRD-negative: NGF on marrow, sensitivity 1 in 10^5 or finer; requires CR",
    },
    RuleInfo {
        id: SEQUENCING,
        version: "imwg2016",
        source: SOURCE,
        summary: "Sequencing MRD-negative: NGS on marrow, sensitivity 1 in 10^5 or finer; requires CR",
    },
];

/// An IMWG MRD category; the order is the depth (`Sustained` deepest; `Flow` above
/// `Sequencing` only to report a patient negative by both once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Sequencing,
    Flow,
    ImagingPlus,
    Sustained,
}

impl Category {
    /// Deepest first: the report's row order.
    pub const DEEPEST_FIRST: [Category; 4] = [
        Category::Sustained,
        Category::ImagingPlus,
        Category::Flow,
        Category::Sequencing,
    ];

    /// The code in results.json (`sustained`, `imaging_plus`, `flow`, `sequencing`).
    pub fn code(self) -> &'static str {
        match self {
            Category::Sequencing => "sequencing",
            Category::Flow => "flow",
            Category::ImagingPlus => "imaging_plus",
            Category::Sustained => "sustained",
        }
    }

    /// The rule id deciding this category.
    pub fn rule(self) -> &'static str {
        match self {
            Category::Sequencing => SEQUENCING,
            Category::Flow => FLOW,
            Category::ImagingPlus => IMAGING_PLUS,
            Category::Sustained => SUSTAINED,
        }
    }
}

/// Why a patient has the category they have (a code the report and `check` translate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A category was reached.
    Reached,
    /// Best response below CR (every MRD category requires CR).
    NotCr,
    /// No MRD result.
    NoResult,
    /// MRD results, none negative.
    NoNegative,
    /// Negative results, none by NGF/NGS at the minimum sensitivity or finer.
    NotQualifying,
    /// Negative results whose sensitivity or method is not recorded: not derivable.
    MissingInputs,
}

impl Reason {
    /// The code in results.json.
    pub fn code(self) -> &'static str {
        match self {
            Reason::Reached => "reached",
            Reason::NotCr => "not_cr",
            Reason::NoResult => "no_result",
            Reason::NoNegative => "no_negative",
            Reason::NotQualifying => "not_qualifying",
            Reason::MissingInputs => "missing_inputs",
        }
    }
}

/// One patient's IMWG MRD category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientMrd {
    pub patient_id: String,
    /// The deepest category reached; `None` with `derivable` = no category, `None` without it
    /// = not derivable (missing sensitivity or method could give one).
    pub category: Option<Category>,
    /// Every category reached (deepest first).
    pub met: Vec<Category>,
    pub derivable: bool,
    pub reason: Reason,
    /// In words (English), with the counts the decision rests on.
    pub basis: String,
}

/// How one negative result stands against the flow/sequencing criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qual {
    Yes(Category),
    /// Sensitivity coarser than the minimum, or a method other than NGF/NGS.
    No,
    /// Sensitivity or method not recorded (or a sensitivity not readable as a number).
    Unknown,
}

/// A sensitivity as written (`1e-5`, `0.00001`, `10^-5`, `10-5`, `10⁻⁵`) as a fraction of
/// cells; `None` when it is not one (not a number in (0, 1)).
pub fn parse_sensitivity(s: &str) -> Option<f64> {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '⁻' | '−' => '-',
            '⁰' => '0',
            '¹' => '1',
            '²' => '2',
            '³' => '3',
            '⁴' => '4',
            '⁵' => '5',
            '⁶' => '6',
            '⁷' => '7',
            '⁸' => '8',
            '⁹' => '9',
            c => c,
        })
        .collect();
    let x = match t.parse::<f64>() {
        Ok(x) => x,
        Err(_) => {
            let rest = t.strip_prefix("10")?;
            let rest = rest.strip_prefix('^').unwrap_or(rest);
            let e: i32 = rest.parse().ok()?;
            10f64.powi(e)
        }
    };
    (x.is_finite() && x > 0.0 && x < 1.0).then_some(x)
}

/// A negative result against the flow/sequencing criteria (method NGF/NGS, sensitivity at
/// the minimum or finer). A definite "no" (coarse sensitivity, other method) wins over a
/// missing input.
fn qualify(a: &Assessment, cfg: &MrdConfig) -> Qual {
    let method = match a.mrd_method.as_ref().map(|m| m.v.as_str()) {
        Some("NGF") => Some(Category::Flow),
        Some("NGS") => Some(Category::Sequencing),
        Some(_) => return Qual::No,
        None => None,
    };
    let sens = match &a.mrd_sensitivity {
        Some(s) => match parse_sensitivity(&s.v) {
            Some(x) if x <= cfg.min_sensitivity * (1.0 + 1e-9) => true,
            Some(_) => return Qual::No,
            None => false,
        },
        None => false,
    };
    match method {
        Some(c) if sens => Qual::Yes(c),
        _ => Qual::Unknown,
    }
}

fn is(v: &Option<mmreport_core::model::Val<String>>, code: &str) -> bool {
    v.as_ref().is_some_and(|x| x.v == code)
}

/// PET/CT results by assessment date: (any negative, any positive).
fn pet_by_date(asm: &[&Assessment]) -> BTreeMap<Date, (bool, bool)> {
    let mut m: BTreeMap<Date, (bool, bool)> = BTreeMap::new();
    for a in asm {
        if let Some(d) = &a.assessment_date {
            let e = m.entry(d.v).or_default();
            e.0 |= is(&a.pet_ct, "negative");
            e.1 |= is(&a.pet_ct, "positive");
        }
    }
    m
}

/// PET/CT negative at this assessment: on its own row, or on another row of the same date,
/// with no positive PET/CT that day.
fn imaging_negative(a: &Assessment, pet: &BTreeMap<Date, (bool, bool)>) -> bool {
    match &a.assessment_date {
        Some(d) => pet.get(&d.v).is_some_and(|(neg, pos)| *neg && !pos),
        None => is(&a.pet_ct, "negative"),
    }
}

/// Sustained negativity: qualifying negative marrow results (with imaging negativity when
/// required) whose first and last are at least `sustained_days` apart, no positive marrow
/// result (and, when imaging is required, no positive PET/CT) between them. Undated results
/// cannot be placed and are left out. Returns the longest span in days.
fn sustained_span(asm: &[&Assessment], pet: &BTreeMap<Date, (bool, bool)>, cfg: &MrdConfig) -> i64 {
    let mut dated: Vec<(&Assessment, Date)> = asm
        .iter()
        .filter_map(|a| a.assessment_date.as_ref().map(|d| (*a, d.v)))
        .collect();
    dated.sort_by_key(|x| x.1);
    let (mut start, mut best): (Option<Date>, i64) = (None, -1);
    for (a, d) in dated {
        let pet_pos = is(&a.pet_ct, "positive") && cfg.sustained_requires_imaging;
        if is(&a.mrd, "positive") || pet_pos {
            start = None;
            continue;
        }
        let member = is(&a.mrd, "negative")
            && matches!(qualify(a, cfg), Qual::Yes(_))
            && (!cfg.sustained_requires_imaging || imaging_negative(a, pet));
        if member {
            let s = *start.get_or_insert(d);
            best = best.max((d - s).num_days());
        }
    }
    best
}

/// What a patient in CR reached: the categories met, the negative results whose inputs are
/// missing, the qualifying ones, and the longest sustained span in days (-1: none).
struct Met {
    met: std::collections::BTreeSet<Category>,
    unknown: usize,
    qualifying: usize,
    span: i64,
}

fn categories_met(asm: &[&Assessment], negatives: &[&Assessment], cfg: &MrdConfig) -> Met {
    let pet = pet_by_date(asm);
    let mut m = Met {
        met: std::collections::BTreeSet::new(),
        unknown: 0,
        qualifying: 0,
        span: sustained_span(asm, &pet, cfg),
    };
    for a in negatives {
        match qualify(a, cfg) {
            Qual::Yes(c) => {
                m.qualifying += 1;
                m.met.insert(c);
                if imaging_negative(a, &pet) {
                    m.met.insert(Category::ImagingPlus);
                }
            }
            Qual::Unknown => m.unknown += 1,
            Qual::No => {}
        }
    }
    if m.span >= cfg.sustained_days {
        m.met.insert(Category::Sustained);
    }
    m
}

/// The deepest IMWG MRD category of one patient from their assessments; `in_cr` = best
/// response CR or sCR.
pub fn classify(patient_id: &str, asm: &[&Assessment], in_cr: bool, cfg: &MrdConfig) -> PatientMrd {
    let out = |category: Option<Category>, met: Vec<Category>, reason: Reason, basis: String| {
        PatientMrd {
            patient_id: patient_id.to_string(),
            derivable: category.is_some() || reason != Reason::MissingInputs,
            category,
            met,
            reason,
            basis,
        }
    };
    let results: Vec<&Assessment> = asm
        .iter()
        .copied()
        .filter(|a| is(&a.mrd, "negative") || is(&a.mrd, "positive"))
        .collect();
    if !in_cr {
        let basis = "no IMWG MRD category: best response below CR (the MRD categories require CR)";
        return out(None, vec![], Reason::NotCr, basis.into());
    }
    if results.is_empty() {
        return out(
            None,
            vec![],
            Reason::NoResult,
            "no IMWG MRD category: no MRD result".into(),
        );
    }
    let negatives: Vec<&Assessment> = results
        .iter()
        .copied()
        .filter(|a| is(&a.mrd, "negative"))
        .collect();
    if negatives.is_empty() {
        let basis = format!(
            "no IMWG MRD category: {} MRD result(s), all positive",
            results.len()
        );
        return out(None, vec![], Reason::NoNegative, basis);
    }
    let Met {
        met,
        unknown,
        qualifying,
        span,
    } = categories_met(asm, &negatives, cfg);
    let met: Vec<Category> = met.into_iter().rev().collect();
    if let Some(&deepest) = met.first() {
        let names: Vec<&str> = met.iter().map(|c| c.code()).collect();
        let mut basis = format!(
            "{}: in CR; reached {} ({} negative result(s) by NGF/NGS at sensitivity {:e} or finer",
            deepest.code(),
            names.join(", "),
            qualifying,
            cfg.min_sensitivity
        );
        if span > 0 {
            let _ = write!(basis, "; consecutive negatives {span} days apart");
        }
        basis.push(')');
        return out(Some(deepest), met, Reason::Reached, basis);
    }
    if unknown > 0 {
        let basis = format!(
            "not derivable: in CR; {unknown} negative result(s) without a recorded sensitivity or \
             method (NGF/NGS at {:e} or finer needed)",
            cfg.min_sensitivity
        );
        return out(None, vec![], Reason::MissingInputs, basis);
    }
    let basis = format!(
        "no IMWG MRD category: in CR; {} negative result(s), none by NGF/NGS at sensitivity {:e} \
         or finer",
        negatives.len(),
        cfg.min_sensitivity
    );
    out(None, vec![], Reason::NotQualifying, basis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitivities_as_written() {
        let near =
            |s: &str, x: f64| parse_sensitivity(s).is_some_and(|v| (v - x).abs() < x * 1e-12);
        assert!(near("1e-5", 1e-5));
        assert!(near("0.00001", 1e-5));
        assert!(near("10^-6", 1e-6));
        assert!(near("10-4", 1e-4));
        assert!(near("10⁻⁵", 1e-5));
        assert_eq!(parse_sensitivity("high"), None);
        assert_eq!(parse_sensitivity("10"), None);
        assert_eq!(parse_sensitivity("0"), None);
    }
}
