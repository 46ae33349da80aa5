//! Refractoriness and exposure classes (Gandhi et al., Leukemia 2019;33:2266, MAMMOTH).
//!
//! A patient is refractory to a drug class when refractory to any drug of it: proteasome
//! inhibitors (PI), immunomodulatory drugs (IMiD), anti-CD38 antibodies. One, two or three
//! refractory classes make single-, double- or triple-class refractory; penta-refractory is
//! refractory to two PIs, two IMiDs and an anti-CD38 antibody (counts in config). The drug
//! lists are data (`config/rules.toml` `[refractoriness]`, spellings in `config/values.toml`
//! `[categories.drug]`).
//!
//! Inputs: the `refractory_to` list (a given list means "refractory to these and no other"),
//! the per-drug `refractory_<drug>` yes/no columns, and for exposure the `exposed_to` list and
//! the `prior_<drug>` columns (refractory implies exposed). A class that unknown inputs could
//! change is not derived (`None`), never "none" by default.

use crate::config::RefractorinessConfig;
use crate::{finding, RuleInfo};
use mmreport_core::model::{Finding, Patient, Severity, Val};
use serde::Serialize;

/// Single/double/triple-class refractory and none, by the number of refractory classes.
pub const CLASS: &str = "gandhi2019.refractoriness.class";
/// Penta-refractory: two PIs, two IMiDs and an anti-CD38 antibody.
pub const PENTA: &str = "gandhi2019.refractoriness.penta";
/// Exposure classes (triple-class exposed = exposed to a PI, an IMiD and an anti-CD38).
pub const EXPOSURE: &str = "gandhi2019.exposure.class";
/// A listed drug that the drug vocabulary does not know.
pub const UNKNOWN_DRUG: &str = "gandhi2019.refractoriness.unknown_drug";
/// The `refractory_to` list and a `refractory_<drug>` column disagree.
pub const CONFLICT: &str = "gandhi2019.refractoriness.conflict";

const SOURCE: &str = "Gandhi et al., Leukemia 2019;33:2266 (MAMMOTH)";

/// The rules of this module as data.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: CLASS,
        version: "gandhi2019",
        source: SOURCE,
        summary: "Refractory classes (PI, IMiD, anti-CD38): single-, double-, triple-class",
    },
    RuleInfo {
        id: PENTA,
        version: "gandhi2019",
        source: SOURCE,
        summary: "Penta-refractory: refractory to 2 PIs, 2 IMiDs and an anti-CD38 antibody",
    },
    RuleInfo {
        id: EXPOSURE,
        version: "gandhi2019",
        source: SOURCE,
        summary: "Exposed classes (exposure list, prior-drug columns, refractoriness)",
    },
    RuleInfo {
        id: UNKNOWN_DRUG,
        version: "gandhi2019",
        source: SOURCE,
        summary: "A listed drug that config/values.toml [categories.drug] does not know",
    },
    RuleInfo {
        id: CONFLICT,
        version: "gandhi2019",
        source: SOURCE,
        summary: "refractory_to and a refractory_<drug> column disagree (drug unknown)",
    },
];

/// The list item meaning "no drug" (`config/values.toml` `[categories.drug] none`).
pub const NONE_ITEM: &str = "none";

/// The three drug classes, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrugClass {
    Pi,
    Imid,
    AntiCd38,
}

impl DrugClass {
    pub const ALL: [DrugClass; 3] = [DrugClass::Pi, DrugClass::Imid, DrugClass::AntiCd38];

    /// The code in results.json.
    pub fn code(self) -> &'static str {
        match self {
            DrugClass::Pi => "pi",
            DrugClass::Imid => "imid",
            DrugClass::AntiCd38 => "anti_cd38",
        }
    }

    /// Name as a clinician writes it.
    pub fn label(self) -> &'static str {
        match self {
            DrugClass::Pi => "PI",
            DrugClass::Imid => "IMiD",
            DrugClass::AntiCd38 => "anti-CD38",
        }
    }

    fn drugs(self, cfg: &RefractorinessConfig) -> &[String] {
        match self {
            DrugClass::Pi => &cfg.pi,
            DrugClass::Imid => &cfg.imid,
            DrugClass::AntiCd38 => &cfg.anti_cd38,
        }
    }

    fn penta_count(self, cfg: &RefractorinessConfig) -> u32 {
        match self {
            DrugClass::Pi => cfg.penta_pi,
            DrugClass::Imid => cfg.penta_imid,
            DrugClass::AntiCd38 => cfg.penta_anti_cd38,
        }
    }
}

/// One patient's refractoriness and exposure classes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientRefractoriness {
    pub patient_id: String,
    /// Classes with a drug known refractory (`pi`, `imid`, `anti_cd38`).
    pub refractory_classes: Vec<String>,
    /// `triple_class`, `double_class`, `single_class`, `none`; `None` = not derivable.
    pub class: Option<String>,
    /// `None` = not derivable.
    pub penta: Option<bool>,
    /// Classes with a drug the patient was exposed to.
    pub exposed_classes: Vec<String>,
    /// An `exposed_to` list was given: `exposed_classes` is then complete.
    pub exposure_complete: bool,
    /// Drugs known refractory (generic names, class order).
    pub refractory_drugs: Vec<String>,
    /// Why, in words (for `mmreport check`).
    pub basis: String,
}

impl PatientRefractoriness {
    /// Triple-class refractory (`None` = not derivable).
    pub fn triple_class(&self) -> Option<bool> {
        self.class.as_deref().map(|c| c == "triple_class")
    }

    /// Exposed to all three classes: yes when all three are; no when the exposure is
    /// complete (an `exposed_to` list was given) and a class is missing; else not derivable.
    pub fn triple_class_exposed(&self) -> Option<bool> {
        if self.exposed_classes.len() == DrugClass::ALL.len() {
            Some(true)
        } else if self.exposure_complete {
            Some(false)
        } else {
            None
        }
    }
}

/// Whether a patient's disease is refractory to `drug`: listed in `refractory_to` or its
/// `refractory_<drug>` column yes → yes; its column no, or a `refractory_to` list that does
/// not name it → no; a list and a column that disagree, or no input → unknown.
fn drug_refractory(p: &Patient, drug: &str) -> Option<bool> {
    let listed = p
        .refractory_to
        .as_ref()
        .map(|l| l.v.iter().any(|d| d == drug));
    let column = p.refractory_drugs.get(drug).map(|v| v.v);
    match (listed, column) {
        (Some(a), Some(b)) if a != b => None,
        (_, Some(b)) => Some(b),
        (l, None) => l,
    }
}

/// The `prior_<drug>` column of the drugs that have one.
fn prior_flag(p: &Patient, drug: &str) -> Option<bool> {
    let v = match drug {
        "bortezomib" => &p.prior_bortezomib,
        "lenalidomide" => &p.prior_lenalidomide,
        "pomalidomide" => &p.prior_pomalidomide,
        "carfilzomib" => &p.prior_carfilzomib,
        "daratumumab" => &p.prior_daratumumab,
        _ => return None,
    };
    v.as_ref().map(|x| x.v)
}

/// Exposed to `drug`: in `exposed_to`, a `prior_<drug>` yes, or known refractory.
fn drug_exposed(p: &Patient, drug: &str) -> bool {
    p.exposed_to
        .as_ref()
        .is_some_and(|l| l.v.iter().any(|d| d == drug))
        || prior_flag(p, drug) == Some(true)
        || drug_refractory(p, drug) == Some(true)
}

/// Per class: drugs known refractory, and drugs whose status is unknown.
struct ClassStatus {
    class: DrugClass,
    refractory: Vec<String>,
    unknown: Vec<String>,
}

fn class_status(p: &Patient, cfg: &RefractorinessConfig) -> Vec<ClassStatus> {
    DrugClass::ALL
        .iter()
        .map(|&class| {
            let mut s = ClassStatus {
                class,
                refractory: Vec::new(),
                unknown: Vec::new(),
            };
            for d in class.drugs(cfg) {
                match drug_refractory(p, d) {
                    Some(true) => s.refractory.push(d.clone()),
                    Some(false) => {}
                    None => s.unknown.push(d.clone()),
                }
            }
            s
        })
        .collect()
}

/// The class name of a number of refractory classes.
fn class_name(n: usize) -> &'static str {
    match n {
        0 => "none",
        1 => "single_class",
        2 => "double_class",
        _ => "triple_class",
    }
}

/// [`CLASS`]: derived when the known refractory classes and those the unknown drugs could
/// add give the same class.
fn classify(st: &[ClassStatus]) -> (Option<String>, String) {
    let lo = st.iter().filter(|s| !s.refractory.is_empty()).count();
    let hi = st
        .iter()
        .filter(|s| !s.refractory.is_empty() || !s.unknown.is_empty())
        .count();
    let known: Vec<String> = st
        .iter()
        .filter(|s| !s.refractory.is_empty())
        .map(|s| format!("{} ({})", s.class.label(), s.refractory.join(", ")))
        .collect();
    let known = if known.is_empty() {
        "no class".to_string()
    } else {
        known.join(", ")
    };
    if lo == hi {
        let name = class_name(lo);
        (
            Some(name.to_string()),
            format!("{name}: refractory to {known}"),
        )
    } else {
        let unknown: Vec<String> = st.iter().flat_map(|s| s.unknown.clone()).collect();
        (
            None,
            format!(
                "not derivable: refractory to {known}; unknown for {}",
                unknown.join(", ")
            ),
        )
    }
}

/// [`PENTA`]: yes when every class reaches its count with known refractory drugs; no when a
/// class cannot reach it even with its unknown drugs; otherwise not derivable.
fn penta(st: &[ClassStatus], cfg: &RefractorinessConfig) -> (Option<bool>, String) {
    let reached = |s: &ClassStatus| s.refractory.len() as u32 >= s.class.penta_count(cfg);
    let possible =
        |s: &ClassStatus| (s.refractory.len() + s.unknown.len()) as u32 >= s.class.penta_count(cfg);
    if st.iter().all(reached) {
        (Some(true), "penta-refractory".into())
    } else if let Some(s) = st.iter().find(|s| !possible(s)) {
        (
            Some(false),
            format!(
                "not penta-refractory: {} of {} {} drugs refractory",
                s.refractory.len(),
                s.class.penta_count(cfg),
                s.class.label()
            ),
        )
    } else {
        (None, "penta-refractory not derivable".into())
    }
}

/// Unknown drugs of a drug list: one finding per list cell naming them.
fn unknown_drugs(
    p: &Patient,
    column: &str,
    list: &Option<Val<Vec<String>>>,
    cfg: &RefractorinessConfig,
) -> Option<Finding> {
    let l = list.as_ref()?;
    let known = |d: &String| {
        d == NONE_ITEM
            || cfg
                .pi
                .iter()
                .chain(&cfg.imid)
                .chain(&cfg.anti_cd38)
                .chain(&cfg.other_drugs)
                .any(|k| k == d)
    };
    let unknown: Vec<&str> =
        l.v.iter()
            .filter(|d| !known(d))
            .map(String::as_str)
            .collect();
    if unknown.is_empty() {
        return None;
    }
    Some(
        finding(
            Severity::Warning,
            UNKNOWN_DRUG,
            Some(l.at),
            column,
            &p.patient_id,
            format!(
                "{} unknown drug name(s) in {column}; add the spelling to config/values.toml \
                 [categories.drug] (its refractoriness is not counted)",
                unknown.len()
            ),
        )
        .with_value(unknown.join(", "))
        .with_param("n", unknown.len().to_string()),
    )
}

/// `refractory_to` and `refractory_<drug>` columns that disagree: one finding per drug.
fn conflicts(p: &Patient) -> Vec<Finding> {
    let Some(list) = p.refractory_to.as_ref() else {
        return Vec::new();
    };
    p.refractory_drugs
        .iter()
        .filter(|(d, v)| list.v.iter().any(|x| x == *d) != v.v)
        .map(|(d, v)| {
            finding(
                Severity::Warning,
                CONFLICT,
                Some(v.at),
                &format!("refractory_{d}"),
                &p.patient_id,
                format!(
                    "refractory_{d} disagrees with the refractory_to list; refractoriness to \
                     {d} is taken as unknown"
                ),
            )
            .with_param("drug", d.as_str())
        })
        .collect()
}

/// Refractoriness and exposure classes of one patient, with the findings on its drug lists.
pub fn evaluate_patient(
    p: &Patient,
    cfg: &RefractorinessConfig,
) -> (PatientRefractoriness, Vec<Finding>) {
    let st = class_status(p, cfg);
    let (class, class_basis) = classify(&st);
    let (penta, penta_basis) = penta(&st, cfg);
    let basis = if p.refractory_to.is_none() && p.refractory_drugs.is_empty() {
        "not derivable: no refractory_to list or refractory_<drug> column".to_string()
    } else {
        format!("{class_basis}; {penta_basis}")
    };
    let exposed_classes = DrugClass::ALL
        .iter()
        .filter(|c| c.drugs(cfg).iter().any(|d| drug_exposed(p, d)))
        .map(|c| c.code().to_string())
        .collect();
    let mut findings: Vec<Finding> = unknown_drugs(p, "refractory_to", &p.refractory_to, cfg)
        .into_iter()
        .chain(unknown_drugs(p, "exposed_to", &p.exposed_to, cfg))
        .collect();
    findings.extend(conflicts(p));
    let rec = PatientRefractoriness {
        patient_id: p.patient_id.clone(),
        refractory_classes: st
            .iter()
            .filter(|s| !s.refractory.is_empty())
            .map(|s| s.class.code().to_string())
            .collect(),
        class,
        penta,
        exposed_classes,
        exposure_complete: p.exposed_to.is_some(),
        refractory_drugs: st.iter().flat_map(|s| s.refractory.clone()).collect(),
        basis,
    };
    (rec, findings)
}
