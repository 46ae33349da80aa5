//! Table 1 by the paper's method: Shapiro-Wilk at the configured alpha (0.05) chooses mean ± SD
//! (normal) or median (Q1, Q3) (not normal), quartiles by SPSS's definition (R type 6) unless
//! configured; categorical variables as n (%) of those with a value; FISH over those tested;
//! derived ISS / R-ISS beside the recorded stage.

use super::Input;
use crate::model::{EmdOnset, EmdType, Patient, Val};
use crate::results::{BaselineRow, Level};
use crate::stats::{self, QuantileType};
use std::collections::BTreeMap;

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
    Level {
        level: name.into(),
        count,
        fraction: if n == 0 { 0.0 } else { count as f64 / n as f64 },
    }
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

/// Table 1 rows, in the paper's order.
pub fn table1(input: &Input<'_>) -> Vec<BaselineRow> {
    let ps: Vec<&Patient> = input.patients.clone();
    let num = |f: &dyn Fn(&Patient) -> Option<f64>| ps.iter().map(|p| f(p)).collect::<Vec<_>>();
    let g = |v: &Option<Val<f64>>| v.as_ref().map(|x| x.v);
    let ages: Vec<Option<f64>> = input.derived.iter().map(|d| d.age).collect();
    let mut rows = vec![
        continuous(input, "age", "years", "demographics", ages),
        counts(
            "sex",
            "demographics",
            ps.iter()
                .map(|p| p.sex.as_ref().map(|s| format!("{:?}", s.v).to_lowercase()))
                .collect(),
            &["male", "female"],
        ),
        continuous(
            input,
            "bm_plasma_cell_pct",
            "%",
            "disease",
            num(&|p| g(&p.bm_plasma_cell_pct)),
        ),
        continuous(input, "calcium", "mmol/L", "labs", num(&|p| g(&p.calcium))),
        continuous(
            input,
            "creatinine",
            "µmol/L",
            "labs",
            num(&|p| g(&p.creatinine)),
        ),
        continuous(
            input,
            "beta2_microglobulin",
            "mg/L",
            "labs",
            num(&|p| g(&p.beta2_microglobulin)),
        ),
        continuous(input, "albumin", "g/L", "labs", num(&|p| g(&p.albumin))),
        continuous(input, "ldh", "U/L", "labs", num(&|p| g(&p.ldh))),
        counts(
            "m_protein_type",
            "disease",
            ps.iter()
                .map(|p| p.m_protein_type.as_ref().map(|v| v.v.clone()))
                .collect(),
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
        ),
        counts(
            "first_symptom",
            "disease",
            ps.iter()
                .map(|p| p.first_symptom.as_ref().map(|v| v.v.clone()))
                .collect(),
            &[],
        ),
        counts(
            "ds_stage",
            "disease",
            ps.iter()
                .map(|p| p.ds_stage.as_ref().map(|v| v.v.clone()))
                .collect(),
            &["IA", "IB", "IIA", "IIB", "IIIA", "IIIB"],
        ),
        counts(
            "iss_stage",
            "disease",
            ps.iter()
                .map(|p| p.iss_stage.as_ref().map(|v| roman(v.v)))
                .collect(),
            &["I", "II", "III"],
        ),
    ];
    // Derived staging beside the recorded stage.
    let staging: std::collections::HashMap<&str, &crate::rules::staging::PatientStaging> = input
        .outcome
        .staging
        .iter()
        .map(|s| (s.patient_id.as_str(), s))
        .collect();
    let st = |p: &Patient| staging.get(p.patient_id.as_str()).copied();
    rows.push(counts(
        "iss_derived",
        "derived",
        ps.iter()
            .map(|p| st(p).and_then(|s| s.iss_derived).map(roman))
            .collect(),
        &["I", "II", "III"],
    ));
    rows.push(counts(
        "r_iss",
        "derived",
        ps.iter()
            .map(|p| st(p).and_then(|s| s.r_iss).map(roman))
            .collect(),
        &["I", "II", "III"],
    ));
    rows.push(continuous(
        input,
        "esr",
        "mm/h",
        "labs",
        num(&|p| g(&p.esr)),
    ));
    rows.push(continuous(
        input,
        "hemoglobin",
        "g/L",
        "labs",
        num(&|p| g(&p.hemoglobin)),
    ));
    rows.push(continuous(
        input,
        "wbc",
        "10^9/L",
        "labs",
        num(&|p| g(&p.wbc)),
    ));
    rows.push(continuous(
        input,
        "platelets",
        "10^9/L",
        "labs",
        num(&|p| g(&p.platelets)),
    ));

    // FISH among those tested.
    let tested: Vec<&Patient> = ps.iter().copied().filter(|p| t(&p.fish_tested)).collect();
    let mut fish_items: Vec<(String, Test)> = vec![
        ("IgH".into(), Box::new(|p: &Patient| t(&p.fish_igh))),
        ("1q21+".into(), Box::new(|p: &Patient| t(&p.fish_1q_gain))),
        (
            "del(17p)/TP53".into(),
            Box::new(|p: &Patient| t(&p.fish_del17p)),
        ),
        ("t(14;16)".into(), Box::new(|p: &Patient| t(&p.fish_t14_16))),
        ("t(14;20)".into(), Box::new(|p: &Patient| t(&p.fish_t14_20))),
        ("t(4;14)".into(), Box::new(|p: &Patient| t(&p.fish_t4_14))),
        ("del(13q)".into(), Box::new(|p: &Patient| t(&p.fish_del13q))),
        ("t(11;14)".into(), Box::new(|p: &Patient| t(&p.fish_t11_14))),
    ];
    let mut others: Vec<String> = tested
        .iter()
        .filter_map(|p| p.fish_other.as_ref())
        .flat_map(|o| o.v.clone())
        .collect();
    others.sort();
    others.dedup();
    for name in others {
        let key = name.clone();
        fish_items.push((
            name,
            Box::new(move |p: &Patient| p.fish_other.as_ref().is_some_and(|o| o.v.contains(&key))),
        ));
    }
    let abnormal = |p: &Patient| {
        t(&p.fish_igh)
            || t(&p.fish_1q_gain)
            || t(&p.fish_del17p)
            || t(&p.fish_t14_16)
            || t(&p.fish_t14_20)
            || t(&p.fish_t4_14)
            || t(&p.fish_del13q)
            || t(&p.fish_t11_14)
            || p.fish_other.as_ref().is_some_and(|o| !o.v.is_empty())
    };
    fish_items.push(("negative".into(), Box::new(move |p: &Patient| !abnormal(p))));
    rows.push(multi("fish", "fish", &tested, &fish_items));
    rows.push(counts(
        "high_risk",
        "fish",
        tested
            .iter()
            .map(|p| {
                st(p)
                    .and_then(|s| s.high_risk_fish)
                    .map(|b| if b { "yes" } else { "no" }.to_string())
            })
            .collect(),
        &["yes", "no"],
    ));
    rows.push(continuous(
        input,
        "prior_lines",
        "",
        "prior",
        num(&|p| p.prior_lines.as_ref().map(|v| f64::from(v.v))),
    ));
    for (name, f) in [
        (
            "pathological_fracture",
            (|p: &Patient| yes_no(&p.pathological_fracture)) as fn(&Patient) -> Option<String>,
        ),
        ("amyloidosis", |p| yes_no(&p.amyloidosis)),
        ("emd", |p| yes_no(&p.emd)),
    ] {
        rows.push(counts(
            name,
            "disease",
            ps.iter().map(|p| f(p)).collect(),
            &["yes", "no"],
        ));
    }
    let emd: Vec<&Patient> = ps.iter().copied().filter(|p| t(&p.emd)).collect();
    rows.push(counts(
        "emd_onset",
        "emd",
        emd.iter()
            .map(|p| {
                p.emd_onset.as_ref().map(|v| match v.v {
                    EmdOnset::AtDiagnosis => "at_diagnosis".to_string(),
                    EmdOnset::AtRelapse => "at_relapse".to_string(),
                })
            })
            .collect(),
        &["at_diagnosis", "at_relapse"],
    ));
    rows.push(counts(
        "emd_type",
        "emd",
        emd.iter()
            .map(|p| {
                p.emd_type.as_ref().map(|v| match v.v {
                    EmdType::Paraskeletal => "paraskeletal".to_string(),
                    EmdType::SoftTissue => "soft_tissue".to_string(),
                })
            })
            .collect(),
        &["paraskeletal", "soft_tissue"],
    ));
    // Sites: a patient may have several; fractions over EMD patients.
    let mut site_counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in &emd {
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
    rows.push(BaselineRow {
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
    });
    for (name, f) in [
        (
            "prior_bortezomib",
            (|p: &Patient| yes_no(&p.prior_bortezomib)) as fn(&Patient) -> Option<String>,
        ),
        ("prior_lenalidomide", |p| yes_no(&p.prior_lenalidomide)),
        ("prior_pomalidomide", |p| yes_no(&p.prior_pomalidomide)),
        ("prior_carfilzomib", |p| yes_no(&p.prior_carfilzomib)),
        ("prior_daratumumab", |p| yes_no(&p.prior_daratumumab)),
        ("prior_asct", |p| yes_no(&p.prior_asct)),
    ] {
        rows.push(counts(
            name,
            "prior",
            ps.iter().map(|p| f(p)).collect(),
            &["yes", "no"],
        ));
    }
    rows.push(counts(
        "regimen",
        "treatment",
        ps.iter()
            .map(|p| p.regimen.as_ref().map(|v| v.v.clone()))
            .collect(),
        &[],
    ));
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
