//! The Excel report: layout order, full findings, datasets, text safety, native KM charts,
//! reproducible bytes, layout overrides and errors (read back with calamine and the zip).

// Fixture and read-back helpers are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use calamine::{open_workbook_auto_from_rs, Data, Reader};
use mmreport::adam::{AdaeRow, AdrsRow, AdslRow, AdtteRow, Datasets};
use mmreport::config::{Config, Language};
use mmreport::model::{Finding, Severity};
use mmreport::render::labels::Labels;
use mmreport::render::xlsx::{render_xlsx, Layout, XlsxRenderError, EMBEDDED_LAYOUT};
use mmreport::results::*;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

const HYPERLINK: &str = "=HYPERLINK(\"http://x\",\"y\")";
const SCRIPT: &str = "<script>alert(1)</script>";

fn finding(sev: Severity, rule: &str, row: u32, value: &str, msg: &str) -> Finding {
    Finding {
        severity: sev,
        rule: rule.into(),
        sheet: Some("patients".into()),
        row: Some(row),
        column: Some("regimen".into()),
        cell: Some(format!("F{row}")),
        patient_id: Some(format!("P{row:02}")),
        value: Some(value.into()),
        message: msg.into(),
        header: None,
        params: Default::default(),
        at: None,
    }
}

fn km(rows: &[(f64, usize, usize, usize, f64)]) -> Vec<KmPoint> {
    rows.iter()
        .map(|&(time, n_risk, n_event, n_censor, surv)| KmPoint {
            time,
            n_risk,
            n_event,
            n_censor,
            surv,
            std_err: 0.05,
            lower: Some((surv - 0.2).max(0.0)),
            upper: if surv > 0.9 { None } else { Some(surv + 0.1) },
        })
        .collect()
}

fn group(label: &str, median: Option<f64>, rows: &[(f64, usize, usize, usize, f64)]) -> SurvGroup {
    SurvGroup {
        label: label.into(),
        n: rows.first().map(|r| r.1).unwrap_or(0),
        events: rows.iter().map(|r| r.2).sum(),
        median,
        median_ci: [median.map(|m| m - 2.0), None],
        landmarks: vec![
            Landmark {
                time: 6.0,
                surv: Some(0.8),
                lower: Some(0.6),
                upper: Some(0.95),
                n_risk: 4,
            },
            Landmark {
                time: 12.0,
                surv: None,
                lower: None,
                upper: None,
                n_risk: 0,
            },
        ],
        km: km(rows),
        at_risk: vec![5, 4, 2],
        ..SurvGroup::default()
    }
}

fn level(l: &str, count: usize, of: usize) -> Level {
    Level::new(l, count, count as f64 / of as f64)
}

fn counts(n: usize) -> ResponseCounts {
    let mut c = BTreeMap::new();
    for (k, v) in [
        ("sCR", 0),
        ("CR", 1),
        ("VGPR", 0),
        ("PR", 2),
        ("MR", 0),
        ("SD", 1),
        ("PD", 1),
        ("NE", 0),
    ] {
        c.insert(k.to_string(), v);
    }
    ResponseCounts {
        n,
        counts: c,
        orr: Rate {
            k: 3,
            n,
            fraction: Some(0.6),
            ci: [Some(0.147), Some(0.947)],
        },
        dcr: Rate {
            k: 4,
            n,
            fraction: Some(0.8),
            ci: [Some(0.284), Some(0.995)],
        },
    }
}

fn adsl(i: usize) -> AdslRow {
    AdslRow {
        usubjid: format!("P{i:02}"),
        sex: Some(if i % 2 == 0 { "male" } else { "female" }.into()),
        age: Some(55.0 + i as f64),
        age_derived: false,
        index_date: Some("2020-03-02".into()),
        regimen: Some(if i == 3 {
            HYPERLINK.into()
        } else {
            "BD".into()
        }),
        cycles_completed: Some(i as u32),
        prior_lines: Some(2),
        response_evaluable: "Y".into(),
        final_response: Some("PR".into()),
        best_response: Some("CR".into()),
        pfs_time: Some(3.5 * i as f64),
        pfs_event: Some("Y".into()),
        os_time: 4.25 * i as f64,
        os_event: "N".into(),
        followup_time: 4.25 * i as f64,
        alive: "Y".into(),
        groups: "prior_lines_ge3=N".into(),
        checkpoints: "C2=PR;C4=SD".into(),
        high_risk: None,
        triple_class_refractory: None,
        penta_refractory: None,
        triple_class_exposed: None,
    }
}

/// A realistic small `Results`: five patients, two survival analyses (one with two groups),
/// medians not reached, censoring, findings with formula-like and HTML-like values.
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
        run_date: "2023-01-15".into(),
        language: "en".into(),
        cohort: CohortSummary {
            patients_read: 6,
            patients_analysed: 5,
            excluded: vec![Excluded {
                patient_id: "P06".into(),
                reasons: vec!["index_date missing".into()],
            }],
        },
        finding_counts: FindingCounts::of(&findings),
        findings,
        imwg: fixture_imwg(),
        validation: fixture_validation(),
        analyses: fixture_analyses(),
        datasets: fixture_datasets(),
    }
}

/// Findings of every severity, with formula-like and HTML-like values and messages.
fn fixture_findings() -> Vec<Finding> {
    vec![
        finding(
            Severity::Error,
            "date_order",
            3,
            "2019-01-01",
            "death_date before index_date",
        ),
        finding(
            Severity::Warning,
            "unknown_value",
            4,
            HYPERLINK,
            "regimen not recognised",
        ),
        finding(
            Severity::Warning,
            "unknown_value",
            5,
            SCRIPT,
            "free text <b>bold</b>",
        ),
        finding(
            Severity::Info,
            "age_derived",
            6,
            "1960",
            "age derived from birth year",
        ),
        finding(
            Severity::Info,
            "formula_like",
            7,
            "+SUM(A1:A2)",
            "@cmd|' /C calc'!A0",
        ),
    ]
}

/// One disease-status row that disagrees with the recorded status.
fn fixture_imwg() -> Vec<ImwgRow> {
    vec![serde_json::from_value(serde_json::json!({
        "patient_id": "P01", "recorded": "refractory", "derived": "relapsed",
        "agrees": false, "basis": "progression 90 days after the last dose",
        "rule": "imwg2016.relapsed", "missing": [], "relapse_evidence": ["new bone lesion"],
        "relapse_evidence_rules": ["new_bone_lesion"]
    }))
    .unwrap()]
}

/// The validation summary and one derived response that disagrees.
fn fixture_validation() -> Validation {
    Validation {
        summary: serde_json::json!({"patients": 5, "responses_disagree": 1, "criteria_version": "IMWG 2016"}),
        derived_responses: vec![serde_json::from_value(serde_json::json!({
            "patient_id": "P02", "after_cycle": 2, "date": "2020-05-01", "recorded": "PR",
            "derived": "SD", "confirmed": true, "basis": "serum M 20 -> 15 (-25%)",
            "agrees": false, "rule": "imwg2016.sd", "measure": "serum"
        }))
        .unwrap()],
        staging: vec![],
        diagnosis: vec![],
        high_risk: vec![],
        refractoriness: vec![],
    }
}

/// The analyses of the five patients.
fn fixture_analyses() -> Analyses {
    Analyses {
        study_title: "Bendamustine in RRMM".into(),
        flow: Flow {
            read: 6,
            excluded: vec![level("index_date missing", 1, 6)],
            excluded_patients: 1,
            analysed: 5,
            completed: vec![
                CyclesStep { cycles: 2, n: 5 },
                CyclesStep { cycles: 4, n: 3 },
            ],
        },
        baseline: fixture_baseline(),
        exposure: fixture_exposure(),
        response: fixture_response(),
        survival: vec![fixture_pfs_all(), fixture_os_by_prior_lines()],
        followup: fixture_followup(),
        deaths: Deaths {
            n: 1,
            of: 5,
            fraction: 0.2,
            causes: vec![level("progression", 1, 1)],
        },
        forest: fixture_forest(),
        adverse_events: fixture_adverse_events(),
        hb_drop: HbDrop {
            threshold: 10.0,
            n: 2,
            of: 5,
        },
        swimmer: fixture_swimmer(),
        waterfall: fixture_waterfall(),
        methods: Methods {
            en: "Responses were classified by the IMWG 2016 criteria.\nSurvival was estimated by the Kaplan-Meier method.".into(),
            zh: "疗效按IMWG 2016标准评价。\n生存采用Kaplan-Meier法估计。".into(),
        },
        ..Analyses::default()
    }
}

/// PFS of all patients: one group, median 7.5, with censoring.
fn fixture_pfs_all() -> Survival {
    Survival {
        id: "pfs_all".into(),
        endpoint: "pfs".into(),
        grouping: "all".into(),
        groups: vec![group(
            "All",
            Some(7.5),
            &[
                (1.2, 5, 1, 0, 0.8),
                (3.0, 4, 0, 1, 0.8),
                (7.5, 3, 2, 0, 0.2666666666666667),
                (10.1, 1, 0, 1, 0.2666666666666667),
            ],
        )],
        risk_times: vec![0.0, 6.0, 12.0],
        not_estimable: None,
        not_grouped: 0,
        missing: None,
        logrank: None,
        cox: None,
    }
}

/// OS by prior lines: two groups, one median not reached, log-rank and Cox.
fn fixture_os_by_prior_lines() -> Survival {
    Survival {
        id: "os_by_prior_lines".into(),
        endpoint: "os".into(),
        grouping: "prior_lines >= 3".into(),
        groups: vec![
            group(
                "< 3 lines",
                None,
                &[(2.0, 3, 0, 1, 1.0), (9.0, 2, 1, 1, 0.5)],
            ),
            group(
                ">= 3 lines",
                Some(4.0),
                &[(1.0, 2, 1, 0, 0.5), (4.0, 1, 1, 0, 0.0)],
            ),
        ],
        risk_times: vec![0.0, 6.0, 12.0],
        not_estimable: None,
        not_grouped: 0,
        missing: None,
        logrank: Some(LogRankResult {
            chisq: 3.21,
            df: 1,
            p: 0.0731,
        }),
        cox: Some(CoxResult {
            hr: Some(3.4),
            ci: [Some(0.8), None],
            p_wald: Some(0.0004),
            p_lrt: Some(0.03),
            reference: "< 3 lines".into(),
            note: None,
            levels: Vec::new(),
        }),
    }
}

/// Table 1 rows: mean (SD), counts, and median (IQR) with a missing value.
fn fixture_baseline() -> Vec<BaselineRow> {
    vec![
        BaselineRow {
            variable: "age".into(),
            label: "Age, years".into(),
            section: "demographics".into(),
            summary: "mean_sd".into(),
            n: 5,
            mean: Some(58.0),
            sd: Some(1.5811388300841898),
            shapiro_w: Some(0.98),
            shapiro_p: Some(0.71),
            ..Default::default()
        },
        BaselineRow {
            variable: "sex".into(),
            label: "Sex".into(),
            section: "demographics".into(),
            summary: "counts".into(),
            n: 5,
            levels: vec![level("male", 2, 5), level("female", 3, 5)],
            ..Default::default()
        },
        BaselineRow {
            variable: "ldh".into(),
            label: "LDH, U/L".into(),
            section: "labs".into(),
            summary: "median_iqr".into(),
            n: 4,
            missing: 1,
            median: Some(197.7),
            q1: Some(164.0),
            q3: Some(240.4),
            shapiro_p: Some(0.01),
            ..Default::default()
        },
    ]
}

/// Cycles and regimens given (one regimen formula-like), bendamustine dose.
fn fixture_exposure() -> Exposure {
    Exposure {
        n: 5,
        cycles_median: Some(3.0),
        cycles_min: Some(1),
        cycles_max: Some(5),
        cycles_distribution: vec![level("1", 1, 5), level("3", 2, 5), level("5", 2, 5)],
        regimens: vec![level("BD", 4, 5), level(HYPERLINK, 1, 5)],
        dose_median: Some(90.0),
        dose_min: Some(70.0),
        dose_max: Some(100.0),
    }
}

/// Responses at cycle 2, final and best, the EMD subgroups and their test, time to and
/// duration of response.
fn fixture_response() -> ResponseSection {
    ResponseSection {
        checkpoints: vec![Checkpoint {
            after_cycle: 2,
            counts: counts(5),
        }],
        final_: counts(5),
        best: counts(5),
        subgroups: vec![
            Subgroup {
                id: "emd".into(),
                label: "Extramedullary disease".into(),
                level: "yes".into(),
                final_: counts(2),
            },
            Subgroup {
                id: "emd".into(),
                label: "Extramedullary disease".into(),
                level: "no".into(),
                final_: counts(3),
            },
        ],
        subgroup_tests: vec![SubgroupTest {
            id: "emd".into(),
            test: "fisher".into(),
            p: Some(0.52),
            note: None,
        }],
        time_to_response: KmMedian {
            n: 3,
            events: 3,
            median: Some(1.9),
            ci: [Some(1.0), None],
        },
        duration_of_response: KmMedian {
            n: 3,
            events: 1,
            median: None,
            ci: [Some(4.0), None],
        },
        mrd: None,
    }
}

/// Follow-up of all patients and of survivors, and by reverse Kaplan-Meier.
fn fixture_followup() -> Followup {
    Followup {
        all: MedianRange {
            n: 5,
            median: Some(8.5),
            min: Some(3.0),
            max: Some(21.25),
        },
        survivors: MedianRange {
            n: 4,
            median: Some(13.0),
            min: Some(3.0),
            max: Some(27.0),
        },
        reverse_km: KmMedian {
            n: 5,
            events: 4,
            median: Some(13.0),
            ci: [Some(3.0), None],
        },
    }
}

/// Forest rows, the last without an estimate.
fn fixture_forest() -> Vec<ForestRow> {
    vec![
        ForestRow {
            id: "prior_lines_ge3".into(),
            label: "Prior lines".into(),
            comparison: ">= 3 vs < 3".into(),
            n: 5,
            events: 3,
            hr: Some(2.5),
            ci: [Some(0.4), Some(15.2)],
            p: Some(0.33),
            reference: false,
        },
        ForestRow {
            id: "cycles_ge3".into(),
            label: "Cycles completed".into(),
            comparison: ">= 3 vs 1-2".into(),
            n: 5,
            events: 3,
            hr: Some(0.21),
            ci: [Some(0.08), Some(0.52)],
            p: Some(0.0008),
            reference: false,
        },
        ForestRow {
            id: "emd".into(),
            label: "Extramedullary disease".into(),
            comparison: "yes vs no".into(),
            n: 5,
            events: 3,
            hr: None,
            ci: [None, None],
            p: None,
            reference: false,
        },
    ]
}

/// Adverse events, one row per term: neutrophils from both sources, anemia from labs only.
fn fixture_adverse_events() -> Vec<AeRow> {
    let grades = |g: [usize; 5]| -> BTreeMap<String, usize> {
        (1..=5).map(|k| (k.to_string(), g[k - 1])).collect()
    };
    vec![
        AeRow {
            term: "Neutrophil count decreased".into(),
            category: "hematologic".into(),
            n: 5,
            any: 3,
            grade: grades([1, 1, 1, 0, 0]),
            grade3plus: 1,
            sources: vec!["recorded".into(), "labs".into()],
            by_source: BTreeMap::from([
                ("recorded".to_string(), AeSourceCounts::default()),
                ("labs".to_string(), AeSourceCounts::default()),
            ]),
        },
        AeRow {
            term: "Anemia".into(),
            category: "hematologic".into(),
            n: 5,
            any: 4,
            grade: grades([2, 2, 0, 0, 0]),
            grade3plus: 0,
            sources: vec!["labs".into()],
            by_source: BTreeMap::from([("labs".to_string(), AeSourceCounts::default())]),
        },
    ]
}

/// Swimmer rows: ongoing, died, and without regimen or marks.
fn fixture_swimmer() -> Vec<SwimmerRow> {
    vec![
        SwimmerRow {
            patient_id: "P01".into(),
            regimen: Some("BD".into()),
            end: 10.1,
            ongoing: true,
            marks: vec![SwimmerMark {
                time: 2.0,
                kind: "PR".into(),
            }],
        },
        SwimmerRow {
            patient_id: "P02".into(),
            regimen: Some("BDd".into()),
            end: 4.0,
            ongoing: false,
            marks: vec![
                SwimmerMark {
                    time: 2.0,
                    kind: "SD".into(),
                },
                SwimmerMark {
                    time: 4.0,
                    kind: "death".into(),
                },
            ],
        },
        SwimmerRow {
            patient_id: "P03".into(),
            regimen: None,
            end: 6.5,
            ongoing: true,
            marks: vec![],
        },
    ]
}

/// Waterfall rows: a serum and a dFLC measure.
fn fixture_waterfall() -> Vec<WaterfallRow> {
    vec![
        WaterfallRow {
            patient_id: "P01".into(),
            change_pct: -95.0,
            measure: "serum".into(),
            best_response: Some("CR".into()),
        },
        WaterfallRow {
            patient_id: "P02".into(),
            change_pct: 12.5,
            measure: "dflc".into(),
            best_response: Some("PD".into()),
        },
    ]
}

/// ADaM datasets: ADSL and ADTTE for the five patients, one ADRS and one ADAE row (its term
/// a script).
fn fixture_datasets() -> Datasets {
    Datasets {
        adsl: (1..=5).map(adsl).collect(),
        adtte: (1..=5)
            .flat_map(|i| {
                ["PFS", "OS"].map(|p| AdtteRow {
                    usubjid: format!("P{i:02}"),
                    paramcd: p.into(),
                    aval: 2.5 * i as f64,
                    avalu: "months".into(),
                    days: 76 * i as i64,
                    cnsr: u8::from(i % 2 == 0),
                    start_date: Some("2020-03-02".into()),
                    event_date: (i % 2 == 1).then(|| "2020-06-01".into()),
                    censor_date: (i % 2 == 0).then(|| "2020-07-01".into()),
                    description: "progression".into(),
                })
            })
            .collect(),
        adrs: vec![AdrsRow {
            usubjid: "P01".into(),
            after_cycle: Some(2),
            date: Some("2020-05-01".into()),
            response: Some("PR".into()),
            serum_m_protein: Some(12.5),
            urine_m_protein: None,
            involved_flc: None,
            uninvolved_flc: None,
            immunofixation_negative: Some(false),
            bm_plasma_cell_pct: None,
        }],
        adae: vec![AdaeRow {
            usubjid: "P02".into(),
            source: "recorded".into(),
            term: Some(SCRIPT.into()),
            decod: Some("Anemia".into()),
            grade: Some(2),
            baseline_grade: None,
            cycle: Some(1),
            onset_date: Some("2020-04-01".into()),
            serious: Some(false),
        }],
    }
}

fn config(lang: Language) -> Config {
    let mut cfg = Config::defaults().unwrap().config;
    cfg.study.language = lang;
    cfg
}

type Book = calamine::Sheets<Cursor<Vec<u8>>>;

fn open(bytes: &[u8]) -> Book {
    open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).unwrap()
}

fn strings(book: &mut Book, sheet: &str) -> Vec<String> {
    let range = book.worksheet_range(sheet).unwrap();
    range
        .cells()
        .filter_map(|(_, _, d)| match d {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn zip_entries(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        let mut s = String::new();
        if f.read_to_string(&mut s).is_ok() {
            out.insert(name, s);
        }
    }
    out
}

fn expected_sheet_names(lang: Language) -> Vec<String> {
    let layout = Layout::parse(EMBEDDED_LAYOUT, "embedded").unwrap();
    let labels = Labels::load(lang, None).unwrap();
    layout
        .sheets
        .iter()
        .map(|s| labels.get(&s.name).to_string())
        .collect()
}

#[test]
fn every_layout_sheet_in_order_in_both_languages() {
    let r = fixture();
    for lang in [Language::En, Language::Zh] {
        let bytes = render_xlsx(&r, &config(lang)).unwrap();
        let book = open(&bytes);
        let names = book.sheet_names();
        assert_eq!(names, expected_sheet_names(lang), "{lang:?}");
        assert_eq!(names.len(), 22);
        // No label key leaked (a missing catalog entry would show as its key).
        let mut book = book;
        for n in &names {
            for s in strings(&mut book, n) {
                assert!(!s.contains("xlsx_"), "{lang:?} sheet {n}: label key {s:?}");
            }
        }
    }
    let zh = render_xlsx(&r, &config(Language::Zh)).unwrap();
    let mut book = open(&zh);
    let overview = &book.sheet_names()[0];
    assert!(strings(&mut book, overview).contains(&"输入文件".to_string()));
}

#[test]
fn findings_sheet_holds_every_finding_and_text_stays_text() {
    let r = fixture();
    let bytes = render_xlsx(&r, &config(Language::En)).unwrap();
    let mut book = open(&bytes);
    let cells = strings(&mut book, "Findings");
    for f in &r.findings {
        assert!(cells.contains(&f.message), "{}", f.message);
        assert!(cells.contains(f.value.as_ref().unwrap()));
    }
    // The findings table: header + one row per finding.
    let range = book.worksheet_range("Findings").unwrap();
    let header = (0..range.height())
        .find(|&i| range.get((i, 0)) == Some(&Data::String("Severity".into())))
        .unwrap();
    let rows = (header + 1..range.height())
        .filter(|&i| matches!(range.get((i, 8)), Some(Data::String(_))))
        .count();
    assert_eq!(rows, r.findings.len());
    // HYPERLINK and script read back as exactly those strings ...
    assert!(cells.contains(&HYPERLINK.to_string()));
    assert!(cells.contains(&SCRIPT.to_string()));
    assert!(strings(&mut book, "ADSL").contains(&HYPERLINK.to_string()));
    // ... and no cell anywhere is a formula.
    for (name, xml) in zip_entries(&bytes) {
        if name.starts_with("xl/worksheets/sheet") {
            assert!(
                !xml.contains("<f>") && !xml.contains("<f "),
                "{name} has a formula"
            );
        }
    }
    // Native tables with filters on the list sheets.
    let tables: Vec<String> = zip_entries(&bytes)
        .into_iter()
        .filter(|(n, _)| n.starts_with("xl/tables/"))
        .map(|(_, x)| x)
        .collect();
    assert!(tables.len() >= 5, "{} tables", tables.len());
    assert!(tables.iter().all(|t| t.contains("<autoFilter")));
}

#[test]
fn datasets_have_every_row() {
    let r = fixture();
    let bytes = render_xlsx(&r, &config(Language::En)).unwrap();
    let mut book = open(&bytes);
    for (sheet, n) in [
        ("ADSL", r.datasets.adsl.len()),
        ("ADTTE", r.datasets.adtte.len()),
        ("ADRS", r.datasets.adrs.len()),
        ("ADAE", r.datasets.adae.len()),
    ] {
        let range = book.worksheet_range(sheet).unwrap();
        let header = (0..range.height())
            .find(|&i| range.get((i, 0)) == Some(&Data::String("USUBJID".into())))
            .unwrap();
        let rows = (header + 1..range.height())
            .filter(|&i| matches!(range.get((i, 0)), Some(Data::String(_))))
            .count();
        assert_eq!(rows, n, "{sheet}");
    }
    // ADTTE: AVAL exact, CNSR numeric, dates as dates.
    let range = book.worksheet_range("ADTTE").unwrap();
    let header = (0..range.height())
        .find(|&i| range.get((i, 0)) == Some(&Data::String("USUBJID".into())))
        .unwrap();
    // AVALU's label column sits beside AVALU (issue 14), so CNSR is the seventh column.
    assert_eq!(range.get((header, 6)), Some(&Data::String("CNSR".into())));
    assert_eq!(range.get((header + 1, 2)), Some(&Data::Float(2.5)));
    assert_eq!(
        range.get((header + 1, 4)),
        Some(&Data::String("months".into()))
    );
    assert_eq!(range.get((header + 1, 6)), Some(&Data::Float(0.0)));
    assert!(matches!(
        range.get((header + 1, 7)),
        Some(Data::DateTime(_))
    ));
}

#[test]
fn survival_sheet_has_native_scatter_charts_from_cells() {
    let r = fixture();
    let bytes = render_xlsx(&r, &config(Language::En)).unwrap();
    let entries = zip_entries(&bytes);
    let charts: Vec<&String> = entries
        .iter()
        .filter(|(n, _)| n.starts_with("xl/charts/chart"))
        .map(|(_, x)| x)
        .collect();
    // One per survival analysis plus the waterfall, forest and swimmer plots.
    assert_eq!(charts.len(), r.analyses.survival.len() + 3);
    let swimmer = charts
        .iter()
        .find(|x| x.contains("<c:barDir val=\"bar\"/>") && !x.contains("<c:errBars>"))
        .expect("swimmer bar chart");
    assert_eq!(
        swimmer.matches("<c:ser>").count(),
        3,
        "one series per regimen"
    );
    let forest = charts
        .iter()
        .find(|x| x.contains("<c:errBars>"))
        .expect("forest chart with error bars");
    assert!(forest.contains("<c:errValType val=\"cust\"/>"));
    assert!(forest.contains("<c:logBase val=\"10\"/>"));
    // Forest labels: string categories from the subgroup cells, not custom data labels.
    assert!(forest.contains("<c:barDir val=\"bar\"/>"));
    assert!(forest.contains("<c:cat><c:strRef><c:f>'Forest (PFS HR)'!$"));
    assert!(!forest.contains("<c:dLbls>"));
    let scatter: Vec<_> = charts
        .iter()
        .filter(|x| x.contains("<c:scatterChart>") && !x.contains("<c:errBars>"))
        .collect();
    assert_eq!(scatter.len(), r.analyses.survival.len());
    let two_groups = scatter
        .iter()
        .find(|x| x.matches("<c:ser>").count() == 7)
        .expect("2 groups x (step + 2 CI lines) + 1 censor series (one group has no censoring)");
    assert!(two_groups.contains("<a:prstDash val=\"dash\"/>"));
    // Series reference cell ranges on the survival sheet, not literals.
    assert!(two_groups.contains("<c:f>Survival!$A$"));
    assert!(two_groups.contains("<c:symbol val=\"plus\"/>"));
    // Without the CI band: step + censor series only.
    let mut cfg = config(Language::En);
    cfg.report.km_ci_band = false;
    let plain = zip_entries(&render_xlsx(&r, &cfg).unwrap());
    let counts: Vec<usize> = plain
        .iter()
        .filter(|(n, x)| {
            n.starts_with("xl/charts/")
                && x.contains("<c:scatterChart>")
                && !x.contains("<c:errBars>")
        })
        .map(|(_, x)| x.matches("<c:ser>").count())
        .collect();
    assert_eq!(counts, vec![2, 3]);
    // Step data: the exact KM values are in the sheet.
    let mut book = open(&bytes);
    let range = book.worksheet_range("Survival").unwrap();
    let nums: Vec<f64> = range
        .cells()
        .filter_map(|(_, _, d)| match d {
            Data::Float(f) => Some(*f),
            _ => None,
        })
        .collect();
    assert!(nums.contains(&0.2666666666666667));
    assert!(nums.contains(&10.1));
    let text = strings(&mut book, "Survival");
    // Medians not reached print NR; p-values in journal style.
    assert!(text.contains(&"NR".to_string()));
    assert!(text.contains(&"< 0.001".to_string()));
    assert!(text.contains(&"0.073".to_string()));
}

#[test]
#[ignore = "writes /tmp/xlsx_visual/report_{en,zh}.xlsx for a look in LibreOffice"]
fn write_visual_check_files() {
    let dir = std::path::Path::new("/tmp/xlsx_visual");
    std::fs::create_dir_all(dir).unwrap();
    for (lang, name) in [
        (Language::En, "report_en.xlsx"),
        (Language::Zh, "report_zh.xlsx"),
    ] {
        let bytes = render_xlsx(&fixture(), &config(lang)).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn step_points_double_each_time() {
    let r = fixture();
    let g = &r.analyses.survival[0].groups[0];
    let pts = mmreport::render::xlsx::step_points(g);
    assert_eq!(pts.len(), 1 + 2 * g.km.len());
    assert_eq!(pts[0], (0.0, 1.0));
    assert_eq!(pts[1], (1.2, 1.0));
    assert_eq!(pts[2], (1.2, 0.8));
    let band = mmreport::render::xlsx::ci_steps(g);
    assert_eq!(band.len(), pts.len());
    assert_eq!(band[0], (Some(1.0), Some(1.0)));
    assert_eq!(band[2], (g.km[0].lower, g.km[0].upper));
    let cens = mmreport::render::xlsx::censor_points(g);
    assert_eq!(cens, vec![(3.0, 0.8), (10.1, 0.2666666666666667)]);
}

#[test]
fn same_results_give_identical_bytes() {
    let r = fixture();
    let cfg = config(Language::En);
    let a = render_xlsx(&r, &cfg).unwrap();
    // The listing sheets are written in parallel: repeated renders would expose a format
    // numbered by whichever thread used it first.
    for i in 0..8 {
        let b = render_xlsx(&r, &cfg).unwrap();
        assert!(a == b, "render {i} differs from the first");
    }
    let core = &zip_entries(&a)["docProps/core.xml"];
    assert!(core.contains("2023-01-15T00:00:00Z"), "{core}");
}

#[test]
fn layout_override_reorders_sheets() {
    let dir = tempfile::tempdir().unwrap();
    // Move the findings sheet first, give it the methods too, and drop the methods sheet.
    let mut doc: toml::Table = EMBEDDED_LAYOUT.parse().unwrap();
    let sheets = doc.get_mut("sheet").unwrap().as_array_mut().unwrap();
    let name = |s: &toml::Value| s["name"].as_str().unwrap().to_string();
    let i = sheets
        .iter()
        .position(|s| name(s) == "xlsx_sheet.findings")
        .unwrap();
    let mut findings = sheets.remove(i);
    findings["sections"] = toml::Value::Array(vec!["findings".into(), "methods".into()]);
    sheets.retain(|s| name(s) != "xlsx_sheet.methods");
    sheets.insert(0, findings);
    let text = toml::to_string(&doc).unwrap();
    std::fs::write(dir.path().join("xlsx_layout.toml"), text).unwrap();
    let mut cfg = config(Language::En);
    cfg.report.template_dir = Some(dir.path().display().to_string());
    let bytes = render_xlsx(&fixture(), &cfg).unwrap();
    let mut book = open(&bytes);
    let names = book.sheet_names();
    assert_eq!(names[0], "Findings");
    assert_eq!(names[1], "Overview");
    assert!(!names.contains(&"Methods".to_string()));
    assert_eq!(names.len(), 21);
    let cells = strings(&mut book, "Findings");
    assert!(cells.iter().any(|s| s.contains("Kaplan-Meier method")));
}

#[test]
fn unknown_section_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = EMBEDDED_LAYOUT.replace("sections = [\"forest\"]", "sections = [\"kaplan_meier\"]");
    std::fs::write(dir.path().join("xlsx_layout.toml"), text).unwrap();
    let mut cfg = config(Language::En);
    cfg.report.template_dir = Some(dir.path().display().to_string());
    let err = render_xlsx(&fixture(), &cfg).unwrap_err();
    assert!(
        matches!(&err, XlsxRenderError::UnknownSection { id, .. } if id == "kaplan_meier"),
        "{err:?}"
    );
    assert!(err.to_string().contains("kaplan_meier"), "{err}");
    // A wrong style value and an unknown key are errors too.
    let bad = EMBEDDED_LAYOUT.replace("rule_top = \"thick\"", "rule_top = \"heavy\"");
    let layout = Layout::parse(&bad, "x.toml").unwrap();
    let cfg = config(Language::En);
    let catalog = mmreport::render::context::Catalog::load(&cfg).unwrap();
    let err = mmreport::render::xlsx::render_with(&fixture(), &cfg, &layout, &catalog).unwrap_err();
    assert!(err.to_string().contains("rule_top"), "{err}");
    let err = Layout::parse(&format!("{EMBEDDED_LAYOUT}\nbogus = 1\n"), "x.toml").unwrap_err();
    assert!(err.to_string().contains("bogus"), "{err}");
}

#[test]
fn every_xlsx_label_exists_in_both_languages() {
    let doc: toml::Table = include_str!("../../crates/core/labels/xlsx.toml")
        .parse()
        .unwrap();
    let mut n = 0;
    for (section, entries) in doc {
        for (key, v) in entries.as_table().unwrap() {
            for lang in ["en", "zh"] {
                let t = v.get(lang).and_then(|x| x.as_str());
                assert!(
                    t.is_some_and(|t| !t.is_empty()),
                    "{section}.{key} lacks {lang}"
                );
            }
            n += 1;
        }
    }
    assert!(n > 150, "{n} labels");
    // Every sheet name of the layout is a label, valid in both languages.
    let layout = Layout::parse(EMBEDDED_LAYOUT, "embedded").unwrap();
    for lang in [Language::En, Language::Zh] {
        let l = Labels::load(lang, None).unwrap();
        for s in &layout.sheets {
            assert!(l.has(&s.name), "{}", s.name);
            assert!(l.get(&s.name).chars().count() <= 31);
        }
    }
}

#[test]
fn empty_results_still_render() {
    let mut r = fixture();
    r.findings.clear();
    r.analyses = Analyses::default();
    r.datasets = Datasets::default();
    r.imwg.clear();
    r.validation = Validation::default();
    let bytes = render_xlsx(&r, &config(Language::Zh)).unwrap();
    let book = open(&bytes);
    assert_eq!(book.sheet_names(), expected_sheet_names(Language::Zh));
}

#[test]
fn invalid_sheet_name_from_a_label_override_is_an_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("labels")).unwrap();
    let text = include_str!("../../crates/core/labels/xlsx.toml").replace(
        "validation = { en = \"Validation\", zh = \"数据核查\" }",
        "validation = { en = \"Data/Validation\", zh = \"数据核查\" }",
    );
    std::fs::write(dir.path().join("labels/xlsx.toml"), text).unwrap();
    let mut cfg = config(Language::En);
    cfg.report.template_dir = Some(dir.path().display().to_string());
    let err = render_xlsx(&fixture(), &cfg).unwrap_err();
    assert!(
        matches!(&err, XlsxRenderError::SheetName { key, .. } if key == "xlsx_sheet.validation"),
        "{err:?}"
    );
}

#[test]
fn control_characters_and_overlong_text_are_written_as_text() {
    let mut r = fixture();
    r.findings[0].value = Some("bell\u{7}tab\tend".into());
    r.findings[1].message = "x".repeat(40_000);
    r.findings[2].value = Some("@SUM(1+1)*cmd|' /C calc'!A0".into());
    let bytes = render_xlsx(&r, &config(Language::En)).unwrap();
    let mut book = open(&bytes);
    let cells = strings(&mut book, "Findings");
    assert!(cells.contains(&"@SUM(1+1)*cmd|' /C calc'!A0".to_string()));
    assert!(cells
        .iter()
        .any(|s| s.starts_with("bell") && s.ends_with("end")));
    let long = cells.iter().find(|s| s.starts_with("xxxx")).unwrap();
    assert_eq!(long.chars().count(), 32_767);
}

#[test]
fn long_listings_get_a_sheet_filter_and_are_streamed() {
    let r = fixture();
    assert!(r.datasets.adsl.len() > 2);
    let dir = tempfile::tempdir().unwrap();
    let text =
        EMBEDDED_LAYOUT.replace("native_table_max_rows = 10000", "native_table_max_rows = 2");
    assert_ne!(text, EMBEDDED_LAYOUT, "the layout names the threshold");
    std::fs::write(dir.path().join("xlsx_layout.toml"), text).unwrap();
    let mut cfg = config(Language::En);
    cfg.report.template_dir = Some(dir.path().display().to_string());
    let bytes = render_xlsx(&r, &cfg).unwrap();
    let entries = zip_entries(&bytes);
    let book = open(&bytes);
    let names = book.sheet_names();
    let sheet_xml = |name: &str| {
        let i = names.iter().position(|n| n == name).unwrap();
        entries[&format!("xl/worksheets/sheet{}.xml", i + 1)].clone()
    };
    // Above the threshold: a worksheet filter over header + rows, no native table.
    let adsl = sheet_xml("ADSL");
    assert!(adsl.contains("<autoFilter ref="), "ADSL has a filter");
    assert!(!adsl.contains("<tablePart"), "ADSL has no native table");
    // Listing sheets are streamed (constant memory: inline strings), summary sheets are not.
    assert!(adsl.contains("t=\"inlineStr\""));
    assert!(!sheet_xml("Overview").contains("t=\"inlineStr\""));
    // Every row is still there, with numbers and dates typed.
    let mut book = book;
    let range = book.worksheet_range("ADSL").unwrap();
    let header = (0..range.height())
        .find(|&i| range.get((i, 0)) == Some(&Data::String("USUBJID".into())))
        .unwrap();
    let rows = (header + 1..range.height())
        .filter(|&i| matches!(range.get((i, 0)), Some(Data::String(_))))
        .count();
    assert_eq!(rows, r.datasets.adsl.len());
    // TRTSDT after SEX and its label column.
    assert!(matches!(
        range.get((header + 1, 5)),
        Some(Data::DateTime(_))
    ));
    // With the default threshold the same listing is a native table.
    let plain = zip_entries(&render_xlsx(&r, &config(Language::En)).unwrap());
    let i = names.iter().position(|n| n == "ADSL").unwrap();
    assert!(plain[&format!("xl/worksheets/sheet{}.xml", i + 1)].contains("<tablePart"));
}

/// Column widths of a worksheet's XML, by 1-based column.
fn col_widths(xml: &str) -> BTreeMap<u32, f64> {
    let mut out = BTreeMap::new();
    for part in xml.split("<col ").skip(1) {
        let attr = |name: &str| -> Option<&str> {
            let i = part.find(&format!("{name}=\""))? + name.len() + 2;
            part[i..].split('"').next()
        };
        let (Some(min), Some(max), Some(w)) = (attr("min"), attr("max"), attr("width")) else {
            continue;
        };
        let (min, max): (u32, u32) = (min.parse().unwrap(), max.parse().unwrap());
        for c in min..=max {
            out.insert(c, w.parse().unwrap());
        }
    }
    out
}

#[test]
fn listing_text_columns_widen_to_their_text_up_to_a_cap() {
    let mut r = fixture();
    let long = "Peripheral sensory neuropathy";
    r.datasets.adae[0].term = Some(long.into());
    r.datasets.adae[0].decod = Some("x".repeat(80));
    let bytes = render_xlsx(&r, &config(Language::En)).unwrap();
    let entries = zip_entries(&bytes);
    let book = open(&bytes);
    let i = book.sheet_names().iter().position(|n| n == "ADAE").unwrap();
    let widths = col_widths(&entries[&format!("xl/worksheets/sheet{}.xml", i + 1)]);
    // rust_xlsxwriter adds Excel's 0.71 character padding to the width it is given.
    let pad = 0.7109375;
    // SOURCE's label column (issue 14) sits between SOURCE and AETERM.
    assert_eq!(
        widths[&4],
        long.len() as f64 + 2.0 + pad,
        "AETERM fits its term"
    );
    assert_eq!(widths[&5], 40.0 + pad, "AEDECOD is capped");
    assert_eq!(widths[&6], 40.0 + pad, "AEDECOD's label is capped");
    assert_eq!(widths[&1], 12.0 + pad, "USUBJID keeps its kind's width");
}
