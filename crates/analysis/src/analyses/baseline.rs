//! Table 1 by the paper's method: Shapiro-Wilk at the configured alpha (0.05) chooses mean ± SD
//! (normal) or median (Q1, Q3) (not normal), quartiles by SPSS's definition (R type 6) unless
//! configured; categorical variables as n (%) of those with a value; FISH over those tested;
//! derived ISS / R-ISS beside the recorded stage.

use super::Input;
use crate::model::{EmdOnset, EmdType, Patient, Val};
use crate::results::{BaselineRow, Level};
use crate::rules::config::HighRiskDefinition;
use crate::rules::staging::PatientStaging;
use crate::rules::PatientRefractoriness;
use crate::stats::{self, QuantileType};
use std::collections::{BTreeMap, HashMap};

fn continuous(
    input: &Input<'_>,
    variable: &str,
    unit: &str,
    section: &str,
    values: Vec<Option<f64>>,
) -> BaselineRow {
    let total = values.len();
    let x: Vec<f64> = values.into_iter().flatten().collect();
    let qt = if input.cfg.descriptive.quantile_type == 7 {
        QuantileType::Type7
    } else {
        QuantileType::Type6
    };
    let mut row = BaselineRow {
        variable: variable.into(),
        label: variable.into(),
        section: section.into(),
        n: x.len(),
        missing: total - x.len(),
        unit: (!unit.is_empty()).then(|| unit.to_string()),
        summary: "median_iqr".into(),
        ..BaselineRow::default()
    };
    if x.is_empty() {
        return row;
    }
    row.mean = stats::mean(&x).ok();
    row.sd = stats::sd(&x).ok();
    row.median = stats::median(&x).ok();
    if let Ok(q) = stats::quantiles(&x, &[0.25, 0.75], qt) {
        row.q1 = q.first().copied();
        row.q3 = q.get(1).copied();
    }
    row.min = x.iter().copied().reduce(f64::min);
    row.max = x.iter().copied().reduce(f64::max);
    if let Ok(sw) = stats::shapiro_wilk(&x) {
        row.shapiro_w = Some(sw.w);
        row.shapiro_p = Some(sw.p);
        if sw.p > input.cfg.descriptive.normality_alpha {
            row.summary = "mean_sd".into();
        }
    }
    row
}

fn counts(
    variable: &str,
    section: &str,
    values: Vec<Option<String>>,
    order: &[&str],
) -> BaselineRow {
    let total = values.len();
    let present: Vec<String> = values.into_iter().flatten().collect();
    let n = present.len();
    let mut map: BTreeMap<String, usize> = BTreeMap::new();
    for v in &present {
        *map.entry(v.clone()).or_default() += 1;
    }
    // Configured order first, then the rest by count (descending) and name.
    let mut levels: Vec<Level> = Vec::new();
    for o in order {
        if let Some(c) = map.remove(*o) {
            levels.push(level(o, c, n));
        }
    }
    let mut rest: Vec<(String, usize)> = map.into_iter().collect();
    rest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    levels.extend(rest.into_iter().map(|(k, c)| level(&k, c, n)));
    BaselineRow {
        variable: variable.into(),
        label: variable.into(),
        section: section.into(),
        summary: "counts".into(),
        n,
        missing: total - n,
        levels,
        ..BaselineRow::default()
    }
}

fn level(name: &str, count: usize, n: usize) -> Level {
    Level::new(
        name,
        count,
        if n == 0 { 0.0 } else { count as f64 / n as f64 },
    )
}

fn yes_no(v: &Option<Val<bool>>) -> Option<String> {
    v.as_ref()
        .map(|x| if x.v { "yes" } else { "no" }.to_string())
}

/// Counts of a set of yes/no columns over a denominator (FISH abnormalities over tested,
/// EMD sites over EMD patients): one `counts` row whose levels are the columns.
type Test = Box<dyn Fn(&Patient) -> bool>;

fn multi(
    variable: &str,
    section: &str,
    denom: &[&Patient],
    items: &[(String, Test)],
) -> BaselineRow {
    let n = denom.len();
    BaselineRow {
        variable: variable.into(),
        label: variable.into(),
        section: section.into(),
        summary: "counts".into(),
        n,
        missing: 0,
        levels: items
            .iter()
            .map(|(name, f)| level(name, denom.iter().filter(|p| f(p)).count(), n))
            .collect(),
        ..BaselineRow::default()
    }
}

fn t(v: &Option<Val<bool>>) -> bool {
    v.as_ref().is_some_and(|x| x.v)
}

/// The value of a numeric patient field.
fn num(v: &Option<Val<f64>>) -> Option<f64> {
    v.as_ref().map(|x| x.v)
}

/// How a Table 1 row read from one patient field summarises it.
enum Kind {
    /// Continuous ([`continuous`]), with its unit (empty: none).
    Continuous(&'static str, fn(&Patient) -> Option<f64>),
    /// Categorical n (%) ([`counts`]), the listed levels first.
    Categorical(&'static [&'static str], fn(&Patient) -> Option<String>),
}

/// A Table 1 row read from one patient field.
struct Field {
    variable: &'static str,
    section: &'static str,
    kind: Kind,
}

const YES_NO: &[&str] = &["yes", "no"];
const STAGES: &[&str] = &["I", "II", "III"];

/// A categorical yes/no row.
const fn yes_no_field(
    variable: &'static str,
    section: &'static str,
    get: fn(&Patient) -> Option<String>,
) -> Field {
    Field {
        variable,
        section,
        kind: Kind::Categorical(YES_NO, get),
    }
}

/// A continuous row of a numeric lab field.
const fn lab(
    variable: &'static str,
    unit: &'static str,
    get: fn(&Patient) -> Option<f64>,
) -> Field {
    Field {
        variable,
        section: "labs",
        kind: Kind::Continuous(unit, get),
    }
}

/// Recorded demographics, disease and labs (the rows after age), in the paper's order.
const RECORDED: &[Field] = &[
    Field {
        variable: "sex",
        section: "demographics",
        kind: Kind::Categorical(&["male", "female"], |p| {
            p.sex.as_ref().map(|s| format!("{:?}", s.v).to_lowercase())
        }),
    },
    Field {
        variable: "bm_plasma_cell_pct",
        section: "disease",
        kind: Kind::Continuous("%", |p| num(&p.bm_plasma_cell_pct)),
    },
    lab("calcium", "mmol/L", |p| num(&p.calcium)),
    lab("creatinine", "µmol/L", |p| num(&p.creatinine)),
    lab("beta2_microglobulin", "mg/L", |p| {
        num(&p.beta2_microglobulin)
    }),
    lab("albumin", "g/L", |p| num(&p.albumin)),
    lab("ldh", "U/L", |p| num(&p.ldh)),
    Field {
        variable: "m_protein_type",
        section: "disease",
        kind: Kind::Categorical(
            &[
                "IgG",
                "IgA",
                "IgM",
                "IgD",
                "IgE",
                "kappa",
                "lambda",
                "non_secretory",
            ],
            |p| p.m_protein_type.as_ref().map(|v| v.v.clone()),
        ),
    },
    Field {
        variable: "first_symptom",
        section: "disease",
        kind: Kind::Categorical(&[], |p| p.first_symptom.as_ref().map(|v| v.v.clone())),
    },
    Field {
        variable: "ds_stage",
        section: "disease",
        kind: Kind::Categorical(&["IA", "IB", "IIA", "IIB", "IIIA", "IIIB"], |p| {
            p.ds_stage.as_ref().map(|v| v.v.clone())
        }),
    },
    Field {
        variable: "iss_stage",
        section: "disease",
        kind: Kind::Categorical(STAGES, |p| p.iss_stage.as_ref().map(|v| roman(v.v))),
    },
];

/// Blood counts and ESR, after the derived staging.
const BLOOD: &[Field] = &[
    lab("esr", "mm/h", |p| num(&p.esr)),
    lab("hemoglobin", "g/L", |p| num(&p.hemoglobin)),
    lab("wbc", "10^9/L", |p| num(&p.wbc)),
    lab("platelets", "10^9/L", |p| num(&p.platelets)),
];

/// Prior lines and disease features, after FISH.
const HISTORY: &[Field] = &[
    Field {
        variable: "prior_lines",
        section: "prior",
        kind: Kind::Continuous("", |p| p.prior_lines.as_ref().map(|v| f64::from(v.v))),
    },
    yes_no_field("pathological_fracture", "disease", |p| {
        yes_no(&p.pathological_fracture)
    }),
    yes_no_field("amyloidosis", "disease", |p| yes_no(&p.amyloidosis)),
    yes_no_field("emd", "disease", |p| yes_no(&p.emd)),
];

/// Onset and type of extramedullary disease, over the EMD patients.
const EMD: &[Field] = &[
    Field {
        variable: "emd_onset",
        section: "emd",
        kind: Kind::Categorical(&["at_diagnosis", "at_relapse"], |p| {
            p.emd_onset.as_ref().map(|v| match v.v {
                EmdOnset::AtDiagnosis => "at_diagnosis".to_string(),
                EmdOnset::AtRelapse => "at_relapse".to_string(),
            })
        }),
    },
    Field {
        variable: "emd_type",
        section: "emd",
        kind: Kind::Categorical(&["paraskeletal", "soft_tissue"], |p| {
            p.emd_type.as_ref().map(|v| match v.v {
                EmdType::Paraskeletal => "paraskeletal".to_string(),
                EmdType::SoftTissue => "soft_tissue".to_string(),
            })
        }),
    },
];

/// Prior treatments and the regimen, the last rows.
const TREATMENT: &[Field] = &[
    yes_no_field("prior_bortezomib", "prior", |p| yes_no(&p.prior_bortezomib)),
    yes_no_field("prior_lenalidomide", "prior", |p| {
        yes_no(&p.prior_lenalidomide)
    }),
    yes_no_field("prior_pomalidomide", "prior", |p| {
        yes_no(&p.prior_pomalidomide)
    }),
    yes_no_field("prior_carfilzomib", "prior", |p| {
        yes_no(&p.prior_carfilzomib)
    }),
    yes_no_field("prior_daratumumab", "prior", |p| {
        yes_no(&p.prior_daratumumab)
    }),
    yes_no_field("prior_asct", "prior", |p| yes_no(&p.prior_asct)),
];

/// The study regimen, the last row.
const REGIMEN: &[Field] = &[Field {
    variable: "regimen",
    section: "treatment",
    kind: Kind::Categorical(&[], |p| p.regimen.as_ref().map(|v| v.v.clone())),
}];

/// A FISH abnormality: its level name and whether a patient has it.
type Abnormality = (&'static str, fn(&Patient) -> bool);

/// The recorded FISH abnormalities, in the paper's order (then any other, then negative).
const FISH: [Abnormality; 8] = [
    ("IgH", |p| t(&p.fish_igh)),
    ("1q21+", |p| t(&p.fish_1q_gain)),
    ("del(17p)/TP53", |p| t(&p.fish_del17p)),
    ("t(14;16)", |p| t(&p.fish_t14_16)),
    ("t(14;20)", |p| t(&p.fish_t14_20)),
    ("t(4;14)", |p| t(&p.fish_t4_14)),
    ("del(13q)", |p| t(&p.fish_del13q)),
    ("t(11;14)", |p| t(&p.fish_t11_14)),
];

/// Any FISH abnormality, listed or other.
fn fish_abnormal(p: &Patient) -> bool {
    FISH.iter().any(|(_, f)| f(p)) || p.fish_other.as_ref().is_some_and(|o| !o.v.is_empty())
}

/// FISH among those tested: the listed abnormalities, every other one recorded (sorted),
/// then negative (no abnormality).
fn fish(tested: &[&Patient]) -> BaselineRow {
    let mut items: Vec<(String, Test)> = FISH
        .iter()
        .map(|(name, f)| (name.to_string(), Box::new(*f) as Test))
        .collect();
    let mut others: Vec<String> = tested
        .iter()
        .filter_map(|p| p.fish_other.as_ref())
        .flat_map(|o| o.v.clone())
        .collect();
    others.sort();
    others.dedup();
    for name in others {
        let key = name.clone();
        items.push((
            name,
            Box::new(move |p: &Patient| p.fish_other.as_ref().is_some_and(|o| o.v.contains(&key))),
        ));
    }
    items.push(("negative".into(), Box::new(|p: &Patient| !fish_abnormal(p))));
    multi("fish", "fish", tested, &items)
}

/// EMD sites: a patient may have several (each counted once); fractions over EMD patients,
/// by count (descending) then name.
fn emd_sites(emd: &[&Patient]) -> BaselineRow {
    let mut site_counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in emd {
        if let Some(s) = &p.emd_sites {
            let mut seen: Vec<&String> = s.v.iter().collect();
            seen.sort();
            seen.dedup();
            for x in seen {
                *site_counts.entry(x.clone()).or_default() += 1;
            }
        }
    }
    let mut sites: Vec<(String, usize)> = site_counts.into_iter().collect();
    sites.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    BaselineRow {
        variable: "emd_sites".into(),
        label: "emd_sites".into(),
        section: "emd".into(),
        summary: "counts".into(),
        n: emd.len(),
        levels: sites
            .into_iter()
            .map(|(k, c)| level(&k, c, emd.len()))
            .collect(),
        ..BaselineRow::default()
    }
}

/// Builds Table 1 rows; holds the staging the rules derived, by patient.
struct Table1<'i, 'a> {
    input: &'i Input<'a>,
    staging: HashMap<&'i str, &'i PatientStaging>,
}

impl<'i, 'a> Table1<'i, 'a> {
    /// Indexes the derived staging by patient.
    fn new(input: &'i Input<'a>) -> Self {
        let staging = input
            .outcome
            .staging
            .iter()
            .map(|s| (s.patient_id.as_str(), s))
            .collect();
        Table1 { input, staging }
    }

    /// The derived staging of one patient.
    fn staging_of(&self, p: &Patient) -> Option<&'i PatientStaging> {
        self.staging.get(p.patient_id.as_str()).copied()
    }

    /// One row per field, over `ps`.
    fn fields(&self, fields: &[Field], ps: &[&Patient]) -> Vec<BaselineRow> {
        fields
            .iter()
            .map(|f| match f.kind {
                Kind::Continuous(unit, get) => continuous(
                    self.input,
                    f.variable,
                    unit,
                    f.section,
                    ps.iter().map(|p| get(p)).collect(),
                ),
                Kind::Categorical(order, get) => counts(
                    f.variable,
                    f.section,
                    ps.iter().map(|p| get(p)).collect(),
                    order,
                ),
            })
            .collect()
    }

    /// A derived stage (ISS, R-ISS) beside the recorded one, over every patient.
    fn staged(&self, variable: &str, get: fn(&PatientStaging) -> Option<u8>) -> BaselineRow {
        let values = self
            .input
            .patients
            .iter()
            .map(|p| self.staging_of(p).and_then(get).map(roman))
            .collect();
        counts(variable, "derived", values, STAGES)
    }

    /// High-risk cytogenetics (by the staging rules) among those tested.
    fn high_risk(&self, tested: &[&Patient]) -> BaselineRow {
        let values = tested
            .iter()
            .map(|p| {
                self.staging_of(p)
                    .and_then(|s| s.high_risk_fish)
                    .map(|b| if b { "yes" } else { "no" }.to_string())
            })
            .collect();
        counts("high_risk", "fish", values, YES_NO)
    }

    /// High risk by the IMS/IMWG 2025 definition over every patient (not derivable counted
    /// missing: its inputs are not only FISH).
    fn high_risk_2025(&self) -> BaselineRow {
        let by_id: HashMap<&str, Option<bool>> = self
            .input
            .outcome
            .high_risk
            .iter()
            .map(|h| (h.patient_id.as_str(), h.high_risk))
            .collect();
        let values = self
            .input
            .patients
            .iter()
            .map(|p| {
                by_id
                    .get(p.patient_id.as_str())
                    .copied()
                    .flatten()
                    .map(|b| if b { "yes" } else { "no" }.to_string())
            })
            .collect();
        counts("high_risk_ims_imwg2025", "fish", values, YES_NO)
    }

    /// Triple-class refractory, penta-refractory and triple-class exposed (Gandhi 2019) over
    /// every patient, not-derivable classes counted missing; no rows when no patient has a
    /// refractoriness input (a workbook without these columns keeps its Table 1).
    fn refractoriness(&self) -> Vec<BaselineRow> {
        let by_id: HashMap<&str, &PatientRefractoriness> = self
            .input
            .outcome
            .refractoriness
            .iter()
            .map(|r| (r.patient_id.as_str(), r))
            .collect();
        let of: Vec<Option<&PatientRefractoriness>> = self
            .input
            .patients
            .iter()
            .map(|p| by_id.get(p.patient_id.as_str()).copied())
            .collect();
        if !of
            .iter()
            .flatten()
            .any(|r| r.class.is_some() || r.penta.is_some() || r.exposure_complete)
        {
            return Vec::new();
        }
        let yn = |b: bool| if b { "yes" } else { "no" }.to_string();
        let row = |variable: &str, f: &dyn Fn(&PatientRefractoriness) -> Option<bool>| {
            let values = of.iter().map(|r| r.and_then(f).map(yn)).collect();
            counts(variable, "prior", values, YES_NO)
        };
        vec![
            row("triple_class_refractory", &|r| r.triple_class()),
            row("penta_refractory", &|r| r.penta),
            row("triple_class_exposed", &|r| r.triple_class_exposed()),
        ]
    }
}

/// Table 1 rows, in the paper's order.
pub fn table1(input: &Input<'_>) -> Vec<BaselineRow> {
    let b = Table1::new(input);
    let all: &[&Patient] = &input.patients;
    let tested: Vec<&Patient> = all.iter().copied().filter(|p| t(&p.fish_tested)).collect();
    let emd: Vec<&Patient> = all.iter().copied().filter(|p| t(&p.emd)).collect();
    let ages: Vec<Option<f64>> = input.derived.iter().map(|d| d.age).collect();
    let mut rows = vec![continuous(input, "age", "years", "demographics", ages)];
    rows.extend(b.fields(RECORDED, all));
    rows.push(b.staged("iss_derived", |s| s.iss_derived));
    rows.push(b.staged("r_iss", |s| s.r_iss));
    rows.extend(b.fields(BLOOD, all));
    rows.push(fish(&tested));
    rows.push(match input.cfg.rules.high_risk_definition {
        HighRiskDefinition::Imwg2016 => b.high_risk(&tested),
        HighRiskDefinition::ImsImwg2025 => b.high_risk_2025(),
    });
    rows.extend(b.fields(HISTORY, all));
    rows.extend(b.fields(EMD, &emd));
    rows.push(emd_sites(&emd));
    rows.extend(b.fields(TREATMENT, all));
    rows.extend(b.refractoriness());
    rows.extend(b.fields(REGIMEN, all));
    for r in &mut rows {
        let key = format!("variable.{}", r.variable);
        r.label = input.labels_en.get(&key).to_string();
    }
    rows
}

fn roman(n: u8) -> String {
    match n {
        1 => "I",
        2 => "II",
        _ => "III",
    }
    .to_string()
}
