//! Integration tests for the HTML report (`render::html`) and its SVG figures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mmreport::adam::Datasets;
use mmreport::config::{Config, Language};
use mmreport::model::{Finding, Severity};
use mmreport::render::html::{render_html, RenderedHtml, SECTIONS};
use mmreport::results::*;
use serde_json::json;
use std::collections::BTreeMap;

const XSS: &str = "<script>alert(1)</script>";

/// A Kaplan-Meier table (survfit conventions, log CI) of `(time, event)` pairs.
fn km(data: &[(f64, bool)]) -> (Vec<KmPoint>, Option<f64>, [Option<f64>; 2]) {
    let mut times: Vec<f64> = data.iter().map(|d| d.0).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let (mut s, mut var) = (1.0_f64, 0.0_f64);
    let mut out = Vec::new();
    for t in times {
        let n_risk = data.iter().filter(|d| d.0 >= t).count();
        let d = data.iter().filter(|x| x.0 == t && x.1).count();
        let c = data.iter().filter(|x| x.0 == t && !x.1).count();
        if d > 0 {
            s *= 1.0 - d as f64 / n_risk as f64;
            if n_risk > d {
                var += d as f64 / (n_risk as f64 * (n_risk - d) as f64);
            }
        }
        let se = var.sqrt();
        let (lo, hi) = if s > 0.0 {
            (
                Some((s.ln() - 1.96 * se).exp()),
                Some((s.ln() + 1.96 * se).exp().min(1.0)),
            )
        } else {
            (None, None)
        };
        out.push(KmPoint {
            time: t,
            n_risk,
            n_event: d,
            n_censor: c,
            surv: s,
            std_err: se,
            lower: lo,
            upper: hi,
        });
    }
    let median = out.iter().find(|p| p.surv <= 0.5).map(|p| p.time);
    let hi = out
        .iter()
        .find(|p| p.upper.is_some_and(|u| u <= 0.5))
        .map(|p| p.time);
    (out, median, [median.map(|m| m * 0.7), hi])
}

fn group(label: &str, data: &[(f64, bool)], risk_times: &[f64]) -> SurvGroup {
    let (table, median, median_ci) = km(data);
    let landmarks = [6.0, 12.0, 24.0]
        .iter()
        .map(|t| {
            let p = table.iter().rev().find(|p| p.time <= *t);
            Landmark {
                time: *t,
                surv: Some(p.map_or(1.0, |p| p.surv)),
                lower: p.and_then(|p| p.lower),
                upper: p.and_then(|p| p.upper),
                n_risk: data.iter().filter(|d| d.0 >= *t).count(),
            }
        })
        .collect();
    SurvGroup {
        label: label.into(),
        n: data.len(),
        events: data.iter().filter(|d| d.1).count(),
        median,
        median_ci,
        landmarks,
        km: table,
        at_risk: risk_times
            .iter()
            .map(|t| data.iter().filter(|d| d.0 >= *t).count())
            .collect(),
        ..SurvGroup::default()
    }
}

/// 32 patients' (time, event) pairs: deterministic, with censoring.
fn cohort(seed: u64, n: usize, scale: f64, event_every: usize) -> Vec<(f64, bool)> {
    let mut x = seed;
    (0..n)
        .map(|i| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = ((x >> 33) as f64) / (1u64 << 31) as f64;
            let t = ((-u.max(1e-3).ln()) * scale).clamp(0.5, 30.0);
            ((t * 10.0).round() / 10.0, i % event_every != 0)
        })
        .collect()
}

fn survival(
    id: &str,
    endpoint: &str,
    grouping: &str,
    groups: Vec<(&str, Vec<(f64, bool)>)>,
) -> Survival {
    let risk_times = vec![0.0, 6.0, 12.0, 18.0, 24.0, 30.0];
    let two = groups.len() == 2;
    Survival {
        id: id.into(),
        endpoint: endpoint.into(),
        grouping: grouping.into(),
        groups: groups
            .iter()
            .map(|(l, d)| group(l, d, &risk_times))
            .collect(),
        risk_times,
        not_estimable: None,
        not_grouped: 0,
        missing: None,
        logrank: two.then_some(LogRankResult {
            chisq: 5.43,
            df: 1,
            p: 0.0198,
        }),
        cox: two.then(|| CoxResult {
            hr: Some(0.41),
            ci: [Some(0.19), Some(0.88)],
            p_wald: Some(0.022),
            p_lrt: Some(0.018),
            reference: groups[1].0.to_string(),
            note: None,
            levels: Vec::new(),
        }),
    }
}

fn counts(n: usize, c: [usize; 8], orr: usize, dcr: usize) -> ResponseCounts {
    let cats = ["sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE"];
    let rate = |k: usize| Rate {
        k,
        n,
        fraction: (n > 0).then(|| k as f64 / n as f64),
        ci: [
            Some(k as f64 / n.max(1) as f64 * 0.6),
            Some((k as f64 / n.max(1) as f64 * 1.4).min(1.0)),
        ],
    };
    ResponseCounts {
        n,
        counts: cats.iter().map(|s| s.to_string()).zip(c).collect(),
        orr: rate(orr),
        dcr: rate(dcr),
    }
}

fn level(l: &str, count: usize, of: usize) -> Level {
    Level::new(l, count, count as f64 / of as f64)
}

fn finding(sev: Severity, rule: &str, row: u32, value: &str, message: &str) -> Finding {
    let mut f = Finding::general(sev, rule, message);
    f.sheet = Some("patients".into());
    f.row = Some(row);
    f.column = Some("note".into());
    f.cell = Some(format!("F{row}"));
    f.patient_id = Some(format!("P{row:02}"));
    f.value = Some(value.into());
    f
}

/// A realistic 32-patient `Results` (the seed paper's shape).
pub fn fixture() -> Results {
    let findings = fixture_findings();
    Results {
        schema_version: SCHEMA_VERSION,
        pseudonymized: false,
        changes: None,
        generator: Generator {
            name: "mmreport".into(),
            version: "0.1.0".into(),
        },
        input: Input {
            file: "cohort.xlsx".into(),
            sha256: "ab".repeat(32),
        },
        config_sha256: "cd".repeat(32),
        time_unit: "months".into(),
        data_cutoff: "2022-12-09".into(),
        run_date: "2022-12-09".into(),
        language: "en".into(),
        cohort: CohortSummary {
            patients_read: 33,
            patients_analysed: 32,
            excluded: vec![Excluded {
                patient_id: "P33".into(),
                reasons: vec!["index_date missing".into()],
            }],
        },
        finding_counts: FindingCounts::of(&findings),
        findings,
        imwg: fixture_imwg(),
        validation: fixture_validation(),
        analyses: fixture_analyses(),
        datasets: Datasets::default(),
    }
}

/// One finding of each severity, one with a script in its value and message.
fn fixture_findings() -> Vec<Finding> {
    vec![
        finding(
            Severity::Error,
            "date_order",
            12,
            "2019-01-01",
            "death_date 2019-01-01 is before index_date 2020-03-02",
        ),
        finding(
            Severity::Warning,
            "plausible_range",
            5,
            "9.8",
            "calcium 9.8 mmol/L is outside 1.0-5.0",
        ),
        finding(
            Severity::Warning,
            "free_text",
            7,
            XSS,
            &format!("note contains {XSS}"),
        ),
        finding(
            Severity::Info,
            "unit_converted",
            9,
            "0.42 g/dL",
            "albumin converted to g/L",
        ),
    ]
}

/// Disease-status rows: agreeing, disagreeing (with a script as its basis) and not derivable.
fn fixture_imwg() -> Vec<ImwgRow> {
    vec![
        typed(
            json!({"patient_id": "P01", "recorded": "refractory", "derived": "refractory", "agrees": true, "basis": "progression 35 days after the last dose", "relapse_evidence": []}),
        ),
        typed(
            json!({"patient_id": "P02", "recorded": "relapsed", "derived": "refractory", "agrees": false, "basis": XSS, "relapse_evidence": ["M-protein rise ≥ 25%"]}),
        ),
        typed(
            json!({"patient_id": "P03", "recorded": null, "derived": null, "agrees": null, "basis": "no prior-line dates", "relapse_evidence": []}),
        ),
    ]
}

/// The validation summary and two derived responses, one disagreeing.
fn fixture_validation() -> Validation {
    Validation {
        summary: json!({"criteria_version": "IMWG 2016", "ctcae_version": "CTCAE v5", "patients": 32, "responses_disagree": 1}),
        derived_responses: vec![
            typed(
                json!({"patient_id": "P04", "after_cycle": 2, "date": "2020-05-01", "recorded": "PR", "derived": "SD", "agrees": false, "basis": "serum M -31%", "rule": "imwg2016.response.pr"}),
            ),
            typed(
                json!({"patient_id": "P05", "after_cycle": 2, "date": "2020-06-01", "recorded": "PR", "derived": "PR", "agrees": true, "basis": "serum M -61%", "rule": "imwg2016.response.pr"}),
            ),
        ],
        staging: vec![],
        diagnosis: vec![],
        high_risk: vec![],
        refractoriness: vec![],
    }
}

/// The analyses of the 32 patients (PFS and OS times from fixed seeds).
fn fixture_analyses() -> Analyses {
    let all_pfs = cohort(7, 32, 14.0, 3);
    let all_os = cohort(11, 32, 30.0, 2);
    Analyses {
        study_title: "Bendamustine combination chemotherapy in RRMM".into(),
        flow: Flow {
            read: 33,
            excluded: vec![level("index_date missing", 1, 33)],
            excluded_patients: 1,
            analysed: 32,
            completed: vec![
                CyclesStep { cycles: 2, n: 29 },
                CyclesStep { cycles: 4, n: 15 },
                CyclesStep { cycles: 6, n: 3 },
                CyclesStep { cycles: 8, n: 1 },
            ],
        },
        baseline: fixture_baseline(),
        exposure: fixture_exposure(),
        response: fixture_response(),
        survival: fixture_survival(&all_pfs, &all_os),
        followup: fixture_followup(),
        deaths: Deaths { n: 10, of: 32, fraction: 10.0 / 32.0, causes: vec![level("progression", 8, 10), level("heart failure", 1, 10), level("lung cancer", 1, 10)] },
        forest: fixture_forest(),
        adverse_events: fixture_adverse_events(),
        hb_drop: HbDrop { threshold: 10.0, n: 9, of: 32 },
        swimmer: fixture_swimmer(&all_os),
        waterfall: fixture_waterfall(),
        methods: Methods {
            en: format!("Responses were assessed by the IMWG 2016 criteria.\n\nSurvival was estimated by Kaplan-Meier. Note: {XSS}"),
            zh: "疗效按 IMWG 2016 标准评价。\n\n生存采用 Kaplan-Meier 法估计。".into(),
        },
        ..Analyses::default()
    }
}

/// Swimmer rows: one or two responses per patient, and the death of those who died.
fn fixture_swimmer(all_os: &[(f64, bool)]) -> Vec<SwimmerRow> {
    (0..32)
        .map(|i| {
            let end = all_os[i].0;
            let mut marks = vec![SwimmerMark {
                time: (end * 0.3).max(1.0),
                kind: ["PR", "SD", "VGPR", "CR", "PD"][i % 5].into(),
            }];
            if end > 6.0 {
                marks.push(SwimmerMark {
                    time: end * 0.6,
                    kind: ["PR", "SD", "PD", "CR", "MR"][i % 5].into(),
                });
            }
            if all_os[i].1 {
                marks.push(SwimmerMark {
                    time: end,
                    kind: "death".into(),
                });
            }
            SwimmerRow {
                patient_id: format!("P{:02}", i + 1),
                regimen: Some(["BD", "BP", "BCD"][i % 3].into()),
                end,
                ongoing: !all_os[i].1,
                marks,
            }
        })
        .collect()
}

/// Waterfall rows: changes from -100% to +59%.
fn fixture_waterfall() -> Vec<WaterfallRow> {
    (0..29)
        .map(|i| WaterfallRow {
            patient_id: format!("P{:02}", i + 1),
            change_pct: -100.0 + (i as f64 * 37.0) % 160.0,
            measure: "serum".into(),
            best_response: Some(["CR", "VGPR", "PR", "SD", "PD", "MR"][i % 6].into()),
        })
        .collect()
}

/// Table 1 rows: mean (SD), counts and median (IQR), with missing values and a script in a
/// level.
fn fixture_baseline() -> Vec<BaselineRow> {
    let bl = |variable: &str, section: &str, summary: &str| BaselineRow {
        variable: variable.into(),
        label: variable.into(),
        section: section.into(),
        summary: summary.into(),
        n: 32,
        ..Default::default()
    };
    vec![
        BaselineRow {
            mean: Some(60.0),
            sd: Some(8.77),
            shapiro_w: Some(0.98),
            shapiro_p: Some(0.71),
            ..bl("age", "demographics", "mean_sd")
        },
        BaselineRow {
            levels: vec![level("male", 22, 32), level("female", 10, 32)],
            ..bl("sex", "demographics", "counts")
        },
        BaselineRow {
            median: Some(27.5),
            q1: Some(6.5),
            q3: Some(80.8),
            shapiro_p: Some(0.004),
            ..bl("bm_plasma_cell_pct", "disease", "median_iqr")
        },
        BaselineRow {
            levels: vec![
                level("IgG", 17, 32),
                level("IgA", 6, 32),
                level("kappa", 6, 32),
                level("lambda", 2, 32),
                level("non_secretory", 1, 32),
            ],
            ..bl("m_protein_type", "disease", "counts")
        },
        BaselineRow {
            n: 30,
            missing: 2,
            median: Some(197.7),
            q1: Some(164.0),
            q3: Some(240.4),
            shapiro_p: Some(0.01),
            ..bl("ldh", "labs", "median_iqr")
        },
        BaselineRow {
            n: 23,
            missing: 9,
            levels: vec![
                level("1q21 (+)", 12, 23),
                level("TP53 (+)", 3, 23),
                level(XSS, 1, 23),
            ],
            ..bl("fish", "fish", "counts")
        },
    ]
}

/// Cycles and regimens given, bendamustine dose.
fn fixture_exposure() -> Exposure {
    Exposure {
        n: 32,
        cycles_median: Some(3.0),
        cycles_min: Some(1),
        cycles_max: Some(8),
        cycles_distribution: vec![
            level("1", 3, 32),
            level("2", 14, 32),
            level("4", 12, 32),
            level("6", 2, 32),
            level("8", 1, 32),
        ],
        regimens: vec![
            level("BD", 12, 32),
            level("BP", 11, 32),
            level("BCD", 9, 32),
        ],
        dose_median: Some(90.0),
        dose_min: Some(70.0),
        dose_max: Some(100.0),
    }
}

/// Responses at cycles 2 and 4, final and best, the EMD subgroups and their test, time to and
/// duration of response.
fn fixture_response() -> ResponseSection {
    ResponseSection {
        checkpoints: vec![
            Checkpoint {
                after_cycle: 2,
                counts: counts(29, [0, 1, 0, 11, 0, 10, 7, 0], 12, 22),
            },
            Checkpoint {
                after_cycle: 4,
                counts: counts(15, [0, 1, 0, 10, 0, 3, 1, 0], 11, 14),
            },
        ],
        final_: counts(29, [0, 1, 1, 9, 0, 6, 12, 0], 11, 17),
        best: counts(29, [0, 1, 2, 10, 0, 6, 10, 0], 13, 19),
        subgroups: vec![
            Subgroup {
                id: "emd".into(),
                label: "Extramedullary disease".into(),
                level: "yes".into(),
                final_: counts(19, [0, 0, 1, 4, 0, 5, 9, 0], 5, 10),
            },
            Subgroup {
                id: "emd".into(),
                label: "Extramedullary disease".into(),
                level: "no".into(),
                final_: counts(10, [0, 1, 0, 5, 0, 1, 3, 0], 6, 7),
            },
        ],
        subgroup_tests: vec![SubgroupTest {
            id: "emd".into(),
            test: "fisher".into(),
            p: Some(0.046),
            note: None,
        }],
        time_to_response: KmMedian {
            n: 11,
            events: 11,
            median: Some(1.9),
            ci: [Some(1.6), Some(2.3)],
        },
        duration_of_response: KmMedian {
            n: 11,
            events: 4,
            median: None,
            ci: [Some(8.0), None],
        },
        mrd: None,
    }
}

/// PFS and OS of all patients and PFS by prior lines (two groups, log-rank and Cox).
fn fixture_survival(all_pfs: &[(f64, bool)], all_os: &[(f64, bool)]) -> Vec<Survival> {
    let (ge3, lt3) = all_pfs.split_at(20);
    let lt3: Vec<(f64, bool)> = lt3.iter().map(|d| (d.0 + 6.0, d.0 > 12.0)).collect();
    vec![
        survival("pfs_all", "pfs", "all", vec![("All", all_pfs.to_vec())]),
        survival("os_all", "os", "all", vec![("All", all_os.to_vec())]),
        survival(
            "pfs_by_prior_lines",
            "pfs",
            "prior_lines >= 3",
            vec![(">= 3 prior lines", ge3.to_vec()), ("< 3 prior lines", lt3)],
        ),
    ]
}

/// Follow-up of all patients and of survivors, and by reverse Kaplan-Meier.
fn fixture_followup() -> Followup {
    Followup {
        all: MedianRange {
            n: 32,
            median: Some(11.0),
            min: Some(1.0),
            max: Some(27.0),
        },
        survivors: MedianRange {
            n: 22,
            median: Some(13.0),
            min: Some(3.0),
            max: Some(27.0),
        },
        reverse_km: KmMedian {
            n: 32,
            events: 22,
            median: Some(14.2),
            ci: [Some(11.0), None],
        },
    }
}

/// Forest rows, the last without an estimate.
fn fixture_forest() -> Vec<ForestRow> {
    vec![
        ForestRow {
            id: "prior_lines".into(),
            label: "Prior lines".into(),
            comparison: ">= 3 vs < 3".into(),
            n: 32,
            events: 18,
            hr: Some(1.8),
            ci: [Some(0.7), Some(4.6)],
            p: Some(0.22),
            reference: false,
        },
        ForestRow {
            id: "cycles".into(),
            label: "Cycles completed".into(),
            comparison: ">= 3 vs 1-2".into(),
            n: 32,
            events: 18,
            hr: Some(0.21),
            ci: [Some(0.08), Some(0.52)],
            p: Some(0.0008),
            reference: false,
        },
        ForestRow {
            id: "emd".into(),
            label: "EMD".into(),
            comparison: "yes vs no".into(),
            n: 32,
            events: 18,
            hr: None,
            ci: [None, None],
            p: None,
            reference: false,
        },
    ]
}

/// Adverse events, one row per term: WBC decreased from both sources (recorded 16 patients,
/// labs 18, merged 20 at the worst grade of either), fatigue recorded only.
fn fixture_adverse_events() -> Vec<AeRow> {
    let grades = |g: &[(&str, usize)]| -> BTreeMap<String, usize> {
        g.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    };
    let counts = |n, any, g: &[(&str, usize)], g3, base| AeSourceCounts {
        n,
        any,
        grade: grades(g),
        grade3plus: g3,
        not_treatment_emergent: 0,
        baseline_abnormal: base,
    };
    vec![
        AeRow {
            term: "White blood cell decreased".into(),
            category: "hematologic".into(),
            n: 32,
            any: 20,
            grade: grades(&[("1", 10), ("2", 6), ("3", 4)]),
            grade3plus: 4,
            sources: vec!["recorded".into(), "labs".into()],
            by_source: BTreeMap::from([
                (
                    "recorded".to_string(),
                    counts(32, 16, &[("1", 10), ("2", 4), ("3", 2)], 2, None),
                ),
                (
                    "labs".to_string(),
                    counts(30, 18, &[("1", 9), ("2", 6), ("3", 3)], 3, Some(7)),
                ),
            ]),
        },
        AeRow {
            term: "Fatigue".into(),
            category: "non_hematologic".into(),
            n: 32,
            any: 14,
            grade: grades(&[("1", 10), ("2", 4)]),
            grade3plus: 0,
            sources: vec!["recorded".into()],
            by_source: BTreeMap::from([(
                "recorded".to_string(),
                counts(32, 14, &[("1", 10), ("2", 4)], 0, None),
            )]),
        },
    ]
}

/// A small fixture for the snapshot: one patient group, few rows.
fn small() -> Results {
    let mut r = fixture();
    let a = &mut r.analyses;
    a.baseline.truncate(2);
    a.survival = vec![survival(
        "pfs_all",
        "pfs",
        "all",
        vec![(
            "All",
            vec![
                (2.0, true),
                (5.0, false),
                (7.5, true),
                (13.0, false),
                (20.0, true),
            ],
        )],
    )];
    a.swimmer.truncate(3);
    a.waterfall.truncate(4);
    a.forest.truncate(1);
    r.findings.truncate(3);
    r
}

fn config(lang: Language) -> Config {
    let mut c = Config::defaults().unwrap().config;
    c.study.language = lang;
    c
}

fn render(lang: Language) -> RenderedHtml {
    render_html(&fixture(), &config(lang)).unwrap()
}

#[test]
fn every_section_present_and_no_template_syntax_left() {
    for lang in [Language::En, Language::Zh] {
        let out = render(lang);
        for id in SECTIONS {
            assert!(
                out.html.contains(&format!(r#"id="{id}""#)),
                "{lang:?}: section {id}"
            );
            assert!(
                out.html.contains(&format!(r##"href="#{id}""##))
                    || ["header", "summary"].contains(id),
                "toc {id}"
            );
        }
        // Sections appear in report order.
        let pos: Vec<usize> = SECTIONS
            .iter()
            .map(|id| out.html.find(&format!(r#"id="{id}""#)).unwrap())
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "order {pos:?}");
        assert!(!out.html.contains("{{") && !out.html.contains("{%") && !out.html.contains("{#"));
        assert!(!out.html.contains("{n}") && !out.html.contains("{cycles}"));
    }
}

#[test]
fn script_in_data_is_escaped() {
    for lang in [Language::En, Language::Zh] {
        let out = render(lang);
        assert!(!out.html.contains("<script"), "unescaped script");
        assert!(out.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        for (name, svg) in &out.figures {
            assert!(!svg.contains("<script"), "{name}");
        }
    }
}

#[test]
fn self_contained_no_urls_no_js() {
    let out = render(Language::En);
    let lower = out.html.to_lowercase();
    assert!(!lower.contains("http"), "external reference");
    assert!(!lower.contains("<link") && !lower.contains("<img") && !lower.contains("@import"));
    assert!(!lower.contains("<script") && !lower.contains("javascript:"));
    assert!(out.html.contains("@page { size: A4"));
    assert!(out.html.contains("break-before: page"));
    assert!(out.html.contains(r#"class="three-line""#));
}

#[test]
fn figures_are_named_and_inline() {
    let out = render(Language::En);
    let names: Vec<&str> = out.figures.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "flow.svg",
        "pfs_all.svg",
        "os_all.svg",
        "pfs_by_prior_lines.svg",
        "forest.svg",
        "swimmer.svg",
        "waterfall.svg",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    for (name, svg) in &out.figures {
        assert!(svg.starts_with("<svg"), "{name}");
        assert!(
            svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#),
            "{name} standalone"
        );
    }
    // Inline copies: one <svg per figure.
    assert_eq!(out.html.matches("<svg").count(), out.figures.len());
}

#[test]
fn numbers_in_journal_style() {
    let out = render(Language::En);
    assert!(out.html.contains("Log-rank P = 0.020"), "log-rank on plot");
    assert!(
        out.html.contains("(HR reference)"),
        "reference group marked in the legend"
    );
    assert!(out.html.contains("P = 0.022"), "Wald P");
    // Significant figures by the magnitude of the row's mean or median (issue 14).
    assert!(out.html.contains("60 ± 9"));
    assert!(out.html.contains("198 (164, 240)"));
    assert!(out.html.contains("30 (2 missing)"));
    assert!(out.html.contains("22 (69)"));
    // The escaper leaves `/` as it is (`render::escape`).
    assert!(out.html.contains("11/29 (38)"));
    assert!(out.html.contains("not reached"));
    assert!(out.html.contains("Shapiro-Wilk"));
    assert!(out.html.contains("The first 4 of 4 findings"));
}

#[test]
fn chinese_report_is_complete() {
    let out = render(Language::Zh);
    for h in [
        "患者流程",
        "数据核查",
        "基线临床特征",
        "疗效评价",
        "生存分析",
        "不良反应",
        "泳道图",
        "瀑布图",
        "无进展生存期",
        "风险人数",
        "目录",
    ] {
        assert!(out.html.contains(h), "missing {h}");
    }
    assert!(out.html.contains("疗效按 IMWG 2016 标准评价"));
    assert!(out.html.contains(r#"lang="zh-CN""#));
    assert!(
        out.html.contains("完成≥2个疗程（n = 29）"),
        "flow figure box"
    );
    // The exclusion reason of the flow figure in Chinese, not "index_date missing".
    assert!(out.html.contains("缺少入组日期"), "exclusion reason");
    assert!(!out.html.contains("index_date missing"), "exclusion reason");
    // An unresolved label shows as its key (`html.tab_flow`); rule ids in the data such as
    // `imwg2016.response.pr` are preceded by a dot and do not count.
    for prefix in [
        "html.",
        "section.",
        "endpoint.",
        "response.",
        "variable.",
        "summary.",
        "category.",
    ] {
        let body = &out.html[out.html.find("</style>").unwrap()..];
        for (i, _) in body.match_indices(prefix) {
            let before = body[..i].chars().last().unwrap_or(' ');
            let after = body[i + prefix.len()..].chars().next().unwrap_or(' ');
            let is_key =
                !(before.is_alphanumeric() || before == '.' || before == '_' || before == '-')
                    && after.is_ascii_lowercase();
            assert!(
                !is_key,
                "unresolved label: {}",
                &body[i..(i + 40).min(body.len())]
            );
        }
    }
    for (name, svg) in &out.figures {
        assert!(svg.contains("Noto Sans CJK SC"), "{name} font stack");
    }
}

/// `<text …>content</text>` elements of an SVG: (x, y, anchor, content).
fn texts(svg: &str) -> Vec<(i64, i64, String, String)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let k = format!(" {name}=\"");
        let i = tag.find(&k)? + k.len();
        Some(tag[i..i + tag[i..].find('"')?].to_string())
    };
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let Some(gt) = rest.find('>') else { break };
        let tag = &rest[..gt];
        let Some(end) = rest.find("</text>") else {
            break;
        };
        let content = rest[gt + 1..end].trim().to_string();
        let num = |n: &str| {
            attr(tag, n)
                .and_then(|v| v.parse::<f64>().ok())
                .map(|v| v.round() as i64)
        };
        if let (Some(x), Some(y)) = (num("x"), num("y")) {
            out.push((x, y, attr(tag, "text-anchor").unwrap_or_default(), content));
        }
        rest = &rest[end..];
    }
    out
}

#[test]
fn risk_table_is_aligned_with_x_ticks() {
    let r = fixture();
    let out = render_html(&r, &config(Language::En)).unwrap();
    for s in &r.analyses.survival {
        let svg = &out
            .figures
            .iter()
            .find(|(n, _)| n == &format!("{}.svg", s.id))
            .unwrap()
            .1;
        let t = texts(svg);
        let mut rows: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
        for (x, y, anchor, c) in &t {
            if anchor == "middle" {
                rows.entry(*y).or_default().push((*x, c.clone()));
            }
        }
        for v in rows.values_mut() {
            v.sort();
        }
        let tick_labels: Vec<String> = s
            .risk_times
            .iter()
            .map(|v| mmreport::render::figures::tick(*v))
            .collect();
        let tick_row = rows
            .values()
            .find(|v| v.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>() == tick_labels)
            .unwrap_or_else(|| panic!("{}: no tick-label row {tick_labels:?} in {rows:?}", s.id));
        let tick_x: Vec<i64> = tick_row.iter().map(|(x, _)| *x).collect();
        let tick_y = rows
            .iter()
            .find(|(_, v)| *v == tick_row)
            .map(|(y, _)| *y)
            .unwrap();
        for g in &s.groups {
            let want: Vec<String> = g.at_risk.iter().map(|n| n.to_string()).collect();
            let row = rows
                .iter()
                .find(|(y, v)| {
                    **y > tick_y && v.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>() == want
                })
                .unwrap_or_else(|| panic!("{}: no risk row {want:?}", s.id));
            let xs: Vec<i64> = row.1.iter().map(|(x, _)| *x).collect();
            assert_eq!(
                xs, tick_x,
                "{}: risk numbers of {} not under the ticks",
                s.id, g.label
            );
        }
    }
}

#[test]
fn censor_marks_and_median_lines_drawn() {
    let r = fixture();
    let out = render_html(&r, &config(Language::En)).unwrap();
    let svg = &out
        .figures
        .iter()
        .find(|(n, _)| n == "pfs_all.svg")
        .unwrap()
        .1;
    let censored = r.analyses.survival[0].groups[0]
        .km
        .iter()
        .filter(|p| p.n_censor > 0)
        .count();
    assert!(censored > 0);
    // Each censor mark is two short strokes; the curve is one long polyline.
    assert!(
        svg.matches("<polyline").count() > 2 * censored,
        "censor ticks"
    );
    assert!(svg.contains("Number at risk"));
    assert!(svg.contains("All patients: n = 32"));
    // CI band on by default, off when configured.
    assert!(svg.contains("<polygon"));
    let mut c = config(Language::En);
    c.report.km_ci_band = false;
    let out2 = render_html(&r, &c).unwrap();
    let svg2 = &out2
        .figures
        .iter()
        .find(|(n, _)| n == "pfs_all.svg")
        .unwrap()
        .1;
    assert!(!svg2.contains("<polygon"));
}

#[test]
fn empty_analyses_still_render() {
    let mut r = fixture();
    r.analyses = Analyses::default();
    r.imwg.clear();
    let out = render_html(&r, &config(Language::En)).unwrap();
    assert!(out.html.contains("No data for this section."));
    assert!(out.figures.is_empty());
}

#[test]
fn template_override_directory_replaces_embedded_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.css"), "body { color: #123456; }").unwrap();
    let mut c = config(Language::En);
    c.report.template_dir = Some(dir.path().display().to_string());
    let out = render_html(&fixture(), &c).unwrap();
    assert!(out.html.contains("#123456"));
    assert!(!out.html.contains("three-line { border-collapse"));
    // A partial label catalog overrides its keys; the rest come from the embedded one.
    std::fs::create_dir_all(dir.path().join("labels")).unwrap();
    std::fs::write(
        dir.path().join("labels/html.toml"),
        "[section]\nflow = { en = \"Patient disposition\", zh = \"患者分布\" }\n",
    )
    .unwrap();
    let out = render_html(&fixture(), &c).unwrap();
    assert!(out.html.contains("Patient disposition"));
    assert!(
        out.html.contains("Data validation") && out.html.contains("Baseline characteristics (n = ")
    );
    // A broken override is an error, not a panic.
    std::fs::write(dir.path().join("report.html"), "{% if %}").unwrap();
    assert!(render_html(&fixture(), &c).is_err());
}

#[test]
fn deterministic() {
    assert_eq!(render(Language::En), render(Language::En));
}

#[test]
fn snapshot_small_report() {
    let out = render_html(&small(), &config(Language::En)).unwrap();
    insta::assert_snapshot!("html_small_en", out.html);
}

/// Renders the report with headless Chromium and checks the screenshot is not blank. Skipped
/// (with a note) when `/usr/bin/chromium` is absent; CI installs it.
#[test]
fn chromium_screenshot() {
    let chromium = std::path::Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        eprintln!("note: /usr/bin/chromium not found; screenshot check skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for lang in [Language::En, Language::Zh] {
        let out = render(lang);
        let html = dir.path().join(format!("report-{lang:?}.html"));
        let png = dir.path().join(format!("report-{lang:?}.png"));
        std::fs::write(&html, &out.html).unwrap();
        // MMREPORT_PREVIEW_DIR=/tmp/x keeps the HTML and screenshots for a person to look at.
        if let Ok(keep) = std::env::var("MMREPORT_PREVIEW_DIR") {
            let _ = std::fs::create_dir_all(&keep);
            let _ = std::fs::write(format!("{keep}/report-{lang:?}.html"), &out.html);
        }
        let profile = tempfile::tempdir().unwrap();
        let status = std::process::Command::new(chromium)
            .args(super::util::chromium_args(profile.path()))
            .args([
                &format!("--screenshot={}", png.display()),
                "--window-size=1200,3000",
                &format!("file://{}", html.display()),
            ])
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let bytes = std::fs::read(&png).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
        assert!(
            bytes.len() > 50_000,
            "screenshot suspiciously small: {} bytes",
            bytes.len()
        );
        if let Ok(keep) = std::env::var("MMREPORT_PREVIEW_DIR") {
            let _ = std::fs::copy(&png, format!("{keep}/report-{lang:?}.png"));
        }
    }
}

/// A typed results row from its JSON form (the shape results.json has).
fn typed<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}
