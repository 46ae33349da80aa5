//! Integration tests for `demo`: the written workbooks (read back with calamine, not with
//! the crate's reader) reproduce the seed paper's counts, both layouts carry the same
//! information, and output is byte-identical for the same input.
#![allow(clippy::expect_used)]

use calamine::{open_workbook_auto, Data, DataType, Reader};
use mmreport::demo::{
    paper_cohort, synthetic_cohort, write_synthetic, write_workbook, AeTerm, DemoAssessment,
    DemoCohort, DemoPatient, Layout, MProtein,
};
use mmreport::model::{DiseaseStatus, Response};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

type Row = HashMap<String, Data>;

/// Rows of a sheet as header → cell maps; `header_row` is 0-based.
fn sheet(path: &Path, name: &str, header_row: usize) -> Vec<Row> {
    let mut wb = open_workbook_auto(path).expect("open");
    let range = wb.worksheet_range(name).expect("sheet");
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let start = range.start().map_or(0, |(r, _)| r as usize);
    let hdr_idx = header_row - start;
    let header: Vec<String> = rows[hdr_idx].iter().map(|c| c.to_string()).collect();
    rows[hdr_idx + 1..]
        .iter()
        .filter(|r| r.iter().any(|c| !matches!(c, Data::Empty)))
        .filter(|r| !r[0].to_string().starts_with("注"))
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

fn s(r: &Row, k: &str) -> String {
    r.get(k).map(|c| c.to_string()).unwrap_or_default()
}

fn f(r: &Row, k: &str) -> f64 {
    r.get(k).and_then(|c| c.as_f64()).unwrap_or(f64::NAN)
}

fn count<'a>(xs: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for x in xs {
        *m.entry(x.to_string()).or_insert(0) += 1;
    }
    m
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// SPSS / R type-6 quantile.
fn q6(xs: &[f64], p: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let h = p * (v.len() as f64 + 1.0);
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    v[lo - 1] + frac * (v[lo] - v[lo - 1])
}

fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn written(layout: Layout) -> (tempfile::TempDir, PathBuf, DemoCohort) {
    let d = tmp();
    let p = d.path().join("c.xlsx");
    let c = paper_cohort();
    write_workbook(&c, layout, &p).expect("write");
    (d, p, c)
}

/// The sheets of the canonical paper workbook, written and read back once for the tests here.
struct PaperSheets {
    pts: Vec<Row>,
    tr: Vec<Row>,
    asm: Vec<Row>,
    aes: Vec<Row>,
    labs: Vec<Row>,
}

/// The shared [`PaperSheets`], made on first use.
fn paper_sheets() -> &'static PaperSheets {
    static SHEETS: LazyLock<PaperSheets> = LazyLock::new(|| {
        let (_d, path, _) = written(Layout::Canonical);
        PaperSheets {
            pts: sheet(&path, "patients", 0),
            tr: sheet(&path, "treatment", 0),
            asm: sheet(&path, "assessments", 0),
            aes: sheet(&path, "adverse_events", 0),
            labs: sheet(&path, "labs", 0),
        }
    });
    &SHEETS
}

/// Patients with `yes` in a column.
fn yes_count(pts: &[Row], col: &str) -> usize {
    pts.iter().filter(|r| s(r, col) == "yes").count()
}

/// A cell as a date (None if empty or not a date).
fn date(r: &Row, k: &str) -> Option<chrono::NaiveDate> {
    r.get(k).and_then(|c| c.as_date())
}

/// Cycles completed per patient (treatment sheet).
fn cycles_by_patient(tr: &[Row]) -> HashMap<String, u32> {
    tr.iter()
        .map(|r| (s(r, "patient_id"), f(r, "cycles_completed") as u32))
        .collect()
}

/// Worst recorded grade per (term, patient).
fn worst_grades(aes: &[Row]) -> BTreeMap<(String, String), u32> {
    let mut worst: BTreeMap<(String, String), u32> = BTreeMap::new();
    for r in aes {
        let e = worst.entry((s(r, "term"), s(r, "patient_id"))).or_insert(0);
        *e = (*e).max(f(r, "grade") as u32);
    }
    worst
}

/// CTCAE v5 grade of a white-cell count (LLN 4.0 x 10^9/L).
fn grade_wbc(v: f64) -> u32 {
    if v < 1.0 {
        4
    } else if v < 2.0 {
        3
    } else if v < 3.0 {
        2
    } else if v < 4.0 {
        1
    } else {
        0
    }
}

/// CTCAE v5 grade of a platelet count (LLN 100 x 10^9/L).
fn grade_plt(v: f64) -> u32 {
    if v < 25.0 {
        4
    } else if v < 50.0 {
        3
    } else if v < 75.0 {
        2
    } else if v < 100.0 {
        1
    } else {
        0
    }
}

/// 32 patients: 22 men and 10 women, mean age 60 (42 to 80).
#[test]
fn paper_canonical_patients_sex_and_age() {
    let pts = &paper_sheets().pts;
    assert_eq!(pts.len(), 32);
    assert_eq!(
        count(pts.iter().map(|r| r["sex"].get_string().unwrap_or(""))),
        counts(&[("M", 22), ("F", 10)])
    );
    let ages: Vec<f64> = pts.iter().map(|r| f(r, "age")).collect();
    assert_eq!(ages.iter().sum::<f64>() / 32.0, 60.0);
    assert_eq!(ages.iter().cloned().fold(f64::MAX, f64::min), 42.0);
    assert_eq!(ages.iter().cloned().fold(f64::MIN, f64::max), 80.0);
}

/// Table 1: medians (IQR) of the labs and marrow, means of hemoglobin and platelets.
#[test]
fn paper_canonical_table1_lab_medians_and_means() {
    let pts = &paper_sheets().pts;
    let table1 = [
        ("bm_plasma_cell_pct", 27.50, 6.50, 80.80),
        ("calcium", 2.17, 2.02, 2.45),
        ("creatinine", 77.70, 68.08, 106.43),
        ("beta2_microglobulin", 4.41, 3.84, 9.18),
        ("albumin", 33.10, 27.70, 37.40),
        ("ldh", 197.70, 164.00, 240.40),
        ("esr", 125.00, 60.00, 140.00),
        ("wbc", 4.20, 3.70, 6.80),
    ];
    for (col, med, q1, q3) in table1 {
        let v: Vec<f64> = pts.iter().map(|r| f(r, col)).collect();
        assert_eq!(
            (r2(q6(&v, 0.5)), r2(q6(&v, 0.25)), r2(q6(&v, 0.75))),
            (med, q1, q3),
            "{col}"
        );
    }
    let mean = |col: &str| pts.iter().map(|r| f(r, col)).sum::<f64>() / 32.0;
    assert_eq!(r2(mean("hemoglobin")), 92.94);
    assert_eq!(r2(mean("platelets")), 140.00);
}

/// M-protein types, first symptoms, Durie-Salmon and ISS stages (consistent with their labs).
#[test]
fn paper_canonical_m_protein_symptoms_and_stages() {
    let pts = &paper_sheets().pts;
    let m = count(
        pts.iter()
            .map(|r| r["m_protein_type"].get_string().unwrap_or("")),
    );
    assert_eq!(
        m,
        counts(&[
            ("IgG", 17),
            ("IgA", 6),
            ("kappa light chain", 6),
            ("lambda light chain", 2),
            ("non-secretory", 1)
        ])
    );
    let sym = count(
        pts.iter()
            .map(|r| r["first_symptom"].get_string().unwrap_or("")),
    );
    assert_eq!(
        sym,
        counts(&[
            ("lumbosacral pain", 16),
            ("chest and back pain", 11),
            ("fatigue with lower-limb edema", 3),
            ("fever", 2)
        ])
    );
    assert_eq!(
        count(pts.iter().map(|r| r["ds_stage"].get_string().unwrap_or(""))),
        counts(&[("IIIA", 29), ("IIIB", 3)])
    );
    assert_eq!(
        count(
            pts.iter()
                .map(|r| r["iss_stage"].get_string().unwrap_or(""))
        ),
        counts(&[("II", 17), ("III", 15)])
    );
    for r in pts {
        // Stages agree with the labs they are defined by.
        assert_eq!(s(r, "ds_stage") == "IIIB", f(r, "creatinine") >= 177.0);
        assert_eq!(
            s(r, "iss_stage") == "III",
            f(r, "beta2_microglobulin") >= 5.5
        );
        assert!(!(f(r, "beta2_microglobulin") < 3.5 && f(r, "albumin") >= 35.0));
    }
}

/// Fractures, amyloidosis, prior drugs and FISH: tested, each abnormality, negative, high
/// risk; every non-IgH abnormality is in a patient with EMD.
#[test]
fn paper_canonical_fractures_prior_drugs_and_fish() {
    let pts = &paper_sheets().pts;
    let yes = |col: &str| yes_count(pts, col);
    assert_eq!(yes("pathological_fracture"), 20);
    assert_eq!(yes("amyloidosis"), 1);
    assert_eq!(yes("prior_bortezomib"), 32);
    assert_eq!(yes("prior_lenalidomide"), 29);
    assert_eq!(yes("fish_tested"), 23);
    for (col, n) in [
        ("fish_igh", 3),
        ("fish_1q_gain", 12),
        ("fish_del17p", 3),
        ("fish_t14_16", 4),
        ("fish_t14_20", 1),
        ("fish_t4_14", 3),
        ("fish_del13q", 2),
        ("fish_t11_14", 1),
    ] {
        assert_eq!(yes(col), n, "{col}");
    }
    assert_eq!(
        pts.iter()
            .filter(|r| s(r, "fish_other") == "t(4;11)")
            .count(),
        1
    );
    let abn = [
        "fish_del17p",
        "fish_t4_14",
        "fish_t14_16",
        "fish_t14_20",
        "fish_1q_gain",
        "fish_del13q",
        "fish_t11_14",
        "fish_igh",
    ];
    let tested: Vec<&Row> = pts
        .iter()
        .filter(|r| s(r, "fish_tested") == "yes")
        .collect();
    let negative = tested
        .iter()
        .filter(|r| abn.iter().all(|c| s(r, c) == "no") && s(r, "fish_other").is_empty())
        .count();
    assert_eq!(negative, 5);
    let high = pts
        .iter()
        .filter(|r| {
            ["fish_del17p", "fish_t4_14", "fish_t14_16", "fish_t14_20"]
                .iter()
                .any(|c| s(r, c) == "yes")
        })
        .count();
    assert_eq!(high, 8);
    let non_igh_abn: Vec<&&Row> = tested
        .iter()
        .filter(|r| abn[..7].iter().any(|c| s(r, c) == "yes") || !s(r, "fish_other").is_empty())
        .collect();
    assert_eq!(non_igh_abn.len(), 15);
    assert!(non_igh_abn.iter().all(|r| s(r, "emd") == "yes"));
}

/// Prior lines 4 (2, 6), 20 with >= 3; extramedullary disease: onset, type and sites.
#[test]
fn paper_canonical_prior_lines_and_extramedullary_disease() {
    let pts = &paper_sheets().pts;
    let yes = |col: &str| yes_count(pts, col);
    let lines: Vec<f64> = pts.iter().map(|r| f(r, "prior_lines")).collect();
    assert_eq!(
        (q6(&lines, 0.5), q6(&lines, 0.25), q6(&lines, 0.75)),
        (4.0, 2.0, 6.0)
    );
    assert_eq!(lines.iter().filter(|&&l| l >= 3.0).count(), 20);

    assert_eq!(yes("emd"), 19);
    assert_eq!(
        count(
            pts.iter()
                .filter(|r| s(r, "emd") == "yes")
                .map(|r| r["emd_onset"].get_string().unwrap_or(""))
        ),
        counts(&[("at_diagnosis", 7), ("at_relapse", 12)])
    );
    assert_eq!(
        count(
            pts.iter()
                .filter(|r| s(r, "emd") == "yes")
                .map(|r| r["emd_type"].get_string().unwrap_or(""))
        ),
        counts(&[("paraskeletal", 16), ("soft_tissue", 3)])
    );
    let sites: Vec<String> = pts
        .iter()
        .flat_map(|r| {
            s(r, "emd_sites")
                .split("; ")
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        count(sites.iter().map(String::as_str)),
        counts(&[
            ("head", 3),
            ("chest wall", 2),
            ("thoracic spine", 6),
            ("lumbar spine", 5),
            ("pelvis", 3),
            ("spinal canal", 2)
        ])
    );
}

/// Regimens, a bendamustine dose of 60 for all, and the distribution of cycles (median 3).
#[test]
fn paper_canonical_regimens_and_cycles() {
    let tr = &paper_sheets().tr;
    assert_eq!(tr.len(), 32);
    assert_eq!(
        count(tr.iter().map(|r| r["regimen"].get_string().unwrap_or(""))),
        counts(&[
            ("BRD", 14),
            ("BPD", 13),
            ("BDd", 2),
            ("Bd", 1),
            ("BKd", 1),
            ("BEVD", 1)
        ])
    );
    assert!(tr.iter().all(|r| f(r, "bendamustine_dose") == 60.0));
    let cyc = cycles_by_patient(tr);
    let mut dist = BTreeMap::new();
    for c in cyc.values() {
        *dist.entry(*c).or_insert(0) += 1;
    }
    assert_eq!(
        dist,
        BTreeMap::from([
            (1, 3),
            (2, 9),
            (3, 5),
            (4, 9),
            (5, 3),
            (6, 1),
            (7, 1),
            (8, 1)
        ])
    );
    let v: Vec<f64> = cyc.values().map(|&c| f64::from(c)).collect();
    assert_eq!(q6(&v, 0.5), 3.0);
}

/// Responses at each checkpoint; baselines (cycle 0) carry no response.
#[test]
fn paper_canonical_checkpoint_responses() {
    let asm = &paper_sheets().asm;
    // Checkpoint responses.
    let at = |k: f64| {
        count(
            asm.iter()
                .filter(|r| f(r, "after_cycle") == k)
                .map(|r| r["response"].get_string().unwrap_or("")),
        )
    };
    assert_eq!(
        at(2.0),
        counts(&[("CR", 1), ("PR", 11), ("SD", 10), ("PD", 7)])
    );
    assert_eq!(
        at(4.0),
        counts(&[("CR", 1), ("PR", 10), ("SD", 3), ("PD", 1)])
    );
    assert_eq!(at(6.0), counts(&[("VGPR", 1), ("PR", 1), ("PD", 1)]));
    assert_eq!(at(8.0), counts(&[("VGPR", 1)]));
    assert_eq!(
        asm.iter().filter(|r| f(r, "after_cycle") == 0.0).count(),
        32
    );
    assert!(asm
        .iter()
        .filter(|r| f(r, "after_cycle") == 0.0)
        .all(|r| s(r, "response").is_empty()));
}

/// The final (last) response among patients with >= 2 cycles: overall, with >= 4 cycles and
/// with EMD.
#[test]
fn paper_canonical_final_responses() {
    let PaperSheets { pts, tr, asm, .. } = paper_sheets();
    let cyc = cycles_by_patient(tr);
    // Final (last) response among patients with >= 2 cycles.
    let mut last: BTreeMap<String, (f64, String)> = BTreeMap::new();
    for r in asm.iter().filter(|r| f(r, "after_cycle") > 0.0) {
        let e = last
            .entry(s(r, "patient_id"))
            .or_insert((0.0, String::new()));
        if f(r, "after_cycle") >= e.0 {
            *e = (f(r, "after_cycle"), s(r, "response"));
        }
    }
    let final_of = |filter: &dyn Fn(&str) -> bool| {
        count(
            last.iter()
                .filter(|(id, _)| cyc[*id] >= 2 && filter(id))
                .map(|(_, (_, r))| r.as_str()),
        )
    };
    assert_eq!(
        final_of(&|_| true),
        counts(&[("CR", 1), ("VGPR", 1), ("PR", 9), ("SD", 6), ("PD", 12)])
    );
    let orr = |m: &BTreeMap<String, usize>| {
        ["sCR", "CR", "VGPR", "PR"]
            .iter()
            .map(|k| m.get(*k).copied().unwrap_or(0))
            .sum::<usize>()
    };
    assert_eq!(orr(&final_of(&|id| cyc[id] >= 4)), 11);
    assert_eq!(final_of(&|id| cyc[id] >= 4).values().sum::<usize>(), 15);
    let emd: HashMap<String, bool> = pts
        .iter()
        .map(|r| (s(r, "patient_id"), s(r, "emd") == "yes"))
        .collect();
    assert!(emd.iter().filter(|(_, e)| **e).all(|(id, _)| cyc[id] >= 2));
    assert_eq!(
        final_of(&|id| emd[id]),
        counts(&[("VGPR", 1), ("PR", 4), ("SD", 5), ("PD", 9)])
    );
}

/// Ten deaths and their causes, each on the last follow-up date after a documented
/// progression; dates within the study window.
#[test]
fn paper_canonical_deaths_and_follow_up() {
    let tr = &paper_sheets().tr;
    // Deaths and follow-up.
    let dead: Vec<&Row> = tr
        .iter()
        .filter(|r| s(r, "vital_status") == "dead")
        .collect();
    assert_eq!(dead.len(), 10);
    assert_eq!(
        count(
            dead.iter()
                .map(|r| r["death_cause"].get_string().unwrap_or(""))
        ),
        counts(&[("progression", 8), ("heart failure", 1), ("lung cancer", 1)])
    );
    for r in tr {
        let idx = date(r, "index_date").expect("index");
        let fu = date(r, "last_followup_date").expect("fu");
        assert!(fu <= chrono::NaiveDate::from_ymd_opt(2022, 12, 9).expect("d"));
        assert!(idx >= chrono::NaiveDate::from_ymd_opt(2019, 8, 1).expect("d"));
        assert!(idx <= chrono::NaiveDate::from_ymd_opt(2022, 9, 30).expect("d"));
        if let Some(d) = date(r, "death_date") {
            assert_eq!(d, fu);
            // Every death follows a documented progression.
            assert!(date(r, "progression_date").is_some_and(|p| p <= d));
        }
    }
}

/// Adverse events: worst grade per patient and term.
#[test]
fn paper_canonical_adverse_event_worst_grades() {
    let worst = worst_grades(&paper_sheets().aes);
    let by_grade = |term: &str| {
        let mut m = BTreeMap::new();
        for ((t, _), g) in &worst {
            if t == term {
                *m.entry(*g).or_insert(0usize) += 1;
            }
        }
        m
    };
    assert_eq!(
        by_grade(AeTerm::WbcDecreased.ctcae()),
        BTreeMap::from([(1, 10), (2, 4), (3, 2)])
    );
    assert_eq!(
        by_grade(AeTerm::PlateletDecreased.ctcae()),
        BTreeMap::from([(1, 2), (2, 1), (3, 5)])
    );
    assert_eq!(
        by_grade(AeTerm::Fatigue.ctcae()).values().sum::<usize>(),
        14
    );
    assert!(by_grade(AeTerm::Fatigue.ctcae()).keys().all(|g| *g <= 2));
    assert_eq!(
        by_grade(AeTerm::Anorexia.ctcae()).values().sum::<usize>(),
        11
    );
    assert_eq!(by_grade(AeTerm::Diarrhea.ctcae()), BTreeMap::from([(2, 2)]));
}

/// Labs agree with the recorded cytopenias (CTCAE v5, LLN WBC 4.0, PLT 100).
#[test]
fn paper_canonical_labs_agree_with_recorded_cytopenias() {
    let PaperSheets {
        pts, tr, aes, labs, ..
    } = paper_sheets();
    let worst = worst_grades(aes);
    let idx: HashMap<String, chrono::NaiveDate> = tr
        .iter()
        .map(|r| (s(r, "patient_id"), date(r, "index_date").expect("i")))
        .collect();
    let mut low_plt_baseline = 0;
    let mut hb_falls = 0;
    for p in pts {
        let id = s(p, "patient_id");
        let mine: Vec<&Row> = labs.iter().filter(|r| s(r, "patient_id") == id).collect();
        let base: Vec<&&Row> = mine
            .iter()
            .filter(|r| date(r, "draw_date").expect("d") <= idx[&id])
            .collect();
        let post: Vec<&&Row> = mine
            .iter()
            .filter(|r| date(r, "draw_date").expect("d") > idx[&id])
            .collect();
        let b = base.last().expect("baseline draw");
        assert_eq!(f(b, "platelets"), f(p, "platelets"));
        assert_eq!(f(b, "wbc"), f(p, "wbc"));
        assert_eq!(f(b, "hemoglobin"), f(p, "hemoglobin"));
        if f(b, "platelets") < 100.0 {
            low_plt_baseline += 1;
            assert!(
                worst.contains_key(&(AeTerm::PlateletDecreased.ctcae().to_string(), id.clone()))
            );
        }
        let lab_w = post
            .iter()
            .map(|r| grade_wbc(f(r, "wbc")))
            .max()
            .unwrap_or(0);
        let lab_p = post
            .iter()
            .map(|r| grade_plt(f(r, "platelets")))
            .max()
            .unwrap_or(0);
        let rec = |t: AeTerm| {
            worst
                .get(&(t.ctcae().to_string(), id.clone()))
                .copied()
                .unwrap_or(0)
        };
        assert_eq!(lab_w, rec(AeTerm::WbcDecreased), "{id} wbc");
        assert_eq!(lab_p, rec(AeTerm::PlateletDecreased), "{id} plt");
        if post
            .iter()
            .any(|r| f(b, "hemoglobin") - f(r, "hemoglobin") > 10.0)
        {
            hb_falls += 1;
        }
    }
    assert_eq!(low_plt_baseline, 3);
    assert_eq!(hb_falls, 2);
}

/// The planted fault lists: their sizes and the two suspicious notes.
#[test]
fn planted_fault_lists_and_suspicious_notes() {
    let c = paper_cohort();
    let p = &c.planted;
    assert_eq!(p.disease_status.len(), 3);
    assert_eq!(p.responses.len(), 3);
    assert_eq!(p.no_relapse_evidence.len(), 1);
    assert_eq!(p.suspicious_notes.len(), 2);
    assert!(p
        .suspicious_notes
        .iter()
        .any(|(_, n)| n == "<script>alert(1)</script>"));
    assert!(p
        .suspicious_notes
        .iter()
        .any(|(_, n)| n == "=HYPERLINK(\"http://x\",\"y\")"));
}

/// Disease status recorded vs IMWG-derived: the mismatches are exactly the planted ones; the
/// patients without relapse evidence are exactly the planted ones; dates are in order.
#[test]
fn planted_disease_status_and_relapse_evidence_faults_are_exactly_the_inconsistencies() {
    let c = paper_cohort();
    let p = &c.planted;
    // Disease status: recorded vs IMWG-derived.
    let mut mismatches = Vec::new();
    for pt in &c.patients {
        let refractory = (pt.relapse_date - pt.last_prior_regimen_end).num_days() <= 60;
        let truth = match (
            refractory,
            pt.prior_best_response.rank() < Response::MR.rank(),
        ) {
            (true, true) => DiseaseStatus::PrimaryRefractory,
            (true, false) => DiseaseStatus::RelapsedAndRefractory,
            (false, _) => DiseaseStatus::Relapsed,
        };
        if truth != pt.disease_status {
            mismatches.push((pt.patient_id.clone(), pt.disease_status, truth));
        }
        assert!(pt.birth_date < pt.diagnosis_date);
        assert!(pt.diagnosis_date <= pt.relapse_date && pt.relapse_date <= pt.index_date);
        assert!(pt.last_prior_regimen_end <= pt.index_date);
        // Relapse evidence (Kumar 2016 clinical list, or biochemical progression).
        let biochem = match (pt.m_protein_nadir, pt.m_protein_at_relapse) {
            (Some(n), Some(r)) => r - n >= 5.0 && r >= 1.25 * n,
            _ => false,
        };
        let evidence = pt.new_bone_lesion
            || pt.new_plasmacytoma
            || pt.plasmacytoma_growth
            || pt.hyperviscosity
            || pt.hb_drop >= 20.0
            || pt.creatinine_rise >= 176.8
            || pt.calcium > 2.75
            || biochem;
        assert_eq!(
            !evidence,
            p.no_relapse_evidence.contains(&pt.patient_id),
            "{}",
            pt.patient_id
        );
    }
    let planted: Vec<_> = p
        .disease_status
        .iter()
        .map(|x| (x.patient_id.clone(), x.recorded, x.truth))
        .collect();
    assert_eq!(mismatches, planted);
}

/// Responses: a compact IMWG 2016 derivation over serum / dFLC / marrow and SPD disagrees
/// with the recorded responses exactly where responses were planted.
#[test]
fn planted_response_faults_are_exactly_the_imwg_2016_mismatches() {
    let c = paper_cohort();
    let p = &c.planted;
    let mut derived_mismatch = Vec::new();
    for pt in &c.patients {
        let rows: Vec<_> = c
            .assessments
            .iter()
            .filter(|a| a.patient_id == pt.patient_id)
            .collect();
        derived_mismatch.extend(response_mismatches(pt, &rows));
    }
    let planted: Vec<_> = p
        .responses
        .iter()
        .map(|x| {
            (
                x.patient_id.clone(),
                x.after_cycle,
                Some(x.recorded),
                x.truth,
            )
        })
        .collect();
    assert_eq!(derived_mismatch, planted);
}

/// A recorded response and the one derived: (patient, after_cycle, recorded, derived).
type Mismatch = (String, u32, Option<Response>, Response);

/// One patient's recorded responses (the first assessment is the baseline) that the compact
/// derivation contradicts, following the nadir of the measure and of the plasmacytoma SPD.
fn response_mismatches(pt: &DemoPatient, rows: &[&DemoAssessment]) -> Vec<Mismatch> {
    let t = pt.m_protein_type;
    let base = rows[0];
    let b = measure_of(t, base);
    let mut nadir = b;
    let mut spd_nadir = base.plasmacytoma_spd;
    let mut mismatches = Vec::new();
    for a in &rows[1..] {
        let v = measure_of(t, a);
        let d = if progressed(t, v, nadir, a.plasmacytoma_spd, spd_nadir) {
            Response::PD
        } else {
            response_short_of_pd(t, base, a, v / b)
        };
        if Some(d) != a.response {
            mismatches.push((pt.patient_id.clone(), a.after_cycle, a.response, d));
        }
        nadir = nadir.min(v);
        if let (Some(s), Some(n)) = (a.plasmacytoma_spd, spd_nadir) {
            spd_nadir = Some(n.min(s));
        }
    }
    mismatches
}

/// The measure followed for this M-protein type: serum M for IgG / IgA, marrow plasma cells
/// for non-secretory, the dFLC for light chain.
fn measure_of(t: MProtein, a: &DemoAssessment) -> f64 {
    match t {
        MProtein::IgG | MProtein::IgA => a.serum_m_protein.unwrap_or(f64::NAN),
        MProtein::NonSecretory => a.bm_plasma_cell_pct.unwrap_or(f64::NAN),
        _ => a.involved_flc.unwrap_or(f64::NAN) - a.uninvolved_flc.unwrap_or(f64::NAN),
    }
}

/// PD: the measure up by its step (5 g/L serum, 10 points marrow, 100 mg/L dFLC) from the
/// nadir, and by 25% except for marrow; or the plasmacytoma SPD up 50% from its nadir.
fn progressed(t: MProtein, v: f64, nadir: f64, spd: Option<f64>, spd_nadir: Option<f64>) -> bool {
    let ns = t == MProtein::NonSecretory;
    let step = match t {
        MProtein::IgG | MProtein::IgA => 5.0,
        MProtein::NonSecretory => 10.0,
        _ => 100.0,
    };
    let spd_pd = match (spd, spd_nadir) {
        (Some(s), Some(n)) => s >= 1.5 * n && s > 0.0,
        _ => false,
    };
    (if ns {
        v - nadir >= step
    } else {
        v >= 1.25 * nadir && v - nadir >= step
    }) || spd_pd
}

/// Short of PD: CR (immunofixation negative, marrow < 5%), VGPR, PR, MR or SD from the
/// fraction `frac` of the baseline measure left and the plasmacytoma and urine reductions.
fn response_short_of_pd(
    t: MProtein,
    base: &DemoAssessment,
    a: &DemoAssessment,
    frac: f64,
) -> Response {
    let ns = t == MProtein::NonSecretory;
    let spd_ratio = match (a.plasmacytoma_spd, base.plasmacytoma_spd) {
        (Some(s), Some(b0)) if b0 > 0.0 => s / b0,
        _ => 0.0,
    };
    let cr = a.immunofixation_negative == Some(true)
        && a.bm_plasma_cell_pct.is_some_and(|m| m < 5.0)
        && !ns;
    let urine_ok_mr = match (a.urine_m_protein, base.urine_m_protein) {
        (Some(u), Some(u0)) if u0 > 0.0 => u / u0 <= 0.5,
        _ => true,
    };
    if cr {
        Response::CR
    } else if frac <= 0.1 && !ns && spd_ratio <= 0.5 {
        Response::VGPR
    } else if frac <= 0.5 && spd_ratio <= 0.5 {
        Response::PR
    } else if frac <= 0.75 && !ns && urine_ok_mr {
        Response::MR
    } else {
        Response::SD
    }
}

#[test]
fn messy_layout_carries_the_same_information() {
    let (_d1, canon, c) = written(Layout::Canonical);
    let (_d2, messy, _) = written(Layout::MessyChinese);
    let mut wb = open_workbook_auto(&messy).expect("open");
    assert_eq!(
        wb.sheet_names(),
        vec!["基线资料", "治疗方案", "疗效评估", "不良反应", "实验室检查"]
    );
    let range = wb.worksheet_range("基线资料").expect("sheet");
    assert!(range
        .get((0, 0))
        .is_some_and(|c| c.to_string().contains("苯达莫司汀")));

    let mp = sheet(&messy, "基线资料", 2);
    let cp = sheet(&canon, "patients", 0);
    assert_eq!(mp.len(), 32);
    for (m, c) in mp.iter().zip(&cp) {
        assert_eq!(s(m, "患者编号"), s(c, "patient_id"));
        assert_eq!(f(m, "血肌酐（mg/dL）"), f(c, "creatinine") / 88.4);
        assert_eq!(f(m, "血红蛋白(g/dL)"), f(c, "hemoglobin") / 10.0);
        assert_eq!(f(m, "白蛋白(g/dL)"), f(c, "albumin") / 10.0);
        assert_eq!(s(m, "性别"), if s(c, "sex") == "M" { "男" } else { "女" });
    }
    assert!(mp
        .iter()
        .any(|m| s(m, "血沉").chars().any(|ch| ('０'..='９').contains(&ch))));
    assert!(mp.iter().any(|m| s(m, "出生日期").contains('年')));
    assert!(
        mp.iter().any(|m| s(m, "FISH检测") == "是")
            && mp.iter().any(|m| s(m, "TP53缺失") == "未查")
    );
    // Wide responses equal the long canonical responses.
    for k in [1, 2, 3, 4, 5, 6, 8] {
        let col = format!("第{k}疗程疗效");
        let n = mp.iter().filter(|m| !s(m, &col).is_empty()).count();
        let expect = c
            .assessments
            .iter()
            .filter(|a| a.after_cycle == k && a.response.is_some())
            .count();
        assert_eq!(n, expect, "{col}");
    }
    let ma = sheet(&messy, "疗效评估", 1);
    assert_eq!(ma.len(), c.assessments.len());
    assert!(!ma[0].contains_key("疗效"));
    assert_eq!(sheet(&messy, "不良反应", 1).len(), c.adverse_events.len());
    assert_eq!(sheet(&messy, "实验室检查", 1).len(), c.labs.len());
    assert_eq!(sheet(&messy, "治疗方案", 1).len(), 32);
    // Formula-looking notes stay strings.
    assert!(mp
        .iter()
        .any(|m| s(m, "备注") == "=HYPERLINK(\"http://x\",\"y\")"));
}

#[test]
fn paper_workbooks_are_deterministic_and_committed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for (layout, name) in [
        (Layout::Canonical, "bendamustine-32.xlsx"),
        (Layout::MessyChinese, "bendamustine-32-zh-messy.xlsx"),
    ] {
        let (_d1, a, _) = written(layout);
        let (_d2, b, _) = written(layout);
        let bytes = std::fs::read(&a).expect("read");
        assert_eq!(bytes, std::fs::read(&b).expect("read"), "{name}");
        let committed = std::fs::read(root.join(name)).expect("committed example");
        assert!(committed == bytes, "examples/{name} is stale: run `cargo test --test it demo::regenerate_examples -- --ignored`");
    }
}

/// Rewrites the committed example workbooks.
#[test]
#[ignore]
fn regenerate_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    std::fs::create_dir_all(&root).expect("mkdir");
    let c = paper_cohort();
    write_workbook(&c, Layout::Canonical, &root.join("bendamustine-32.xlsx")).expect("write");
    write_workbook(
        &c,
        Layout::MessyChinese,
        &root.join("bendamustine-32-zh-messy.xlsx"),
    )
    .expect("write");
}

#[test]
fn synthetic_200_is_deterministic_and_readable() {
    let d = tmp();
    let a = d.path().join("a.xlsx");
    let b = d.path().join("b.xlsx");
    let via_cohort = d.path().join("c.xlsx");
    write_synthetic(&a, 200, 7).expect("write");
    write_synthetic(&b, 200, 7).expect("write");
    let c = synthetic_cohort(200, 7);
    write_workbook(&c, Layout::Canonical, &via_cohort).expect("write");
    let bytes = std::fs::read(&a).expect("read");
    assert_eq!(bytes, std::fs::read(&b).expect("read"));
    assert_eq!(bytes, std::fs::read(&via_cohort).expect("read"));
    assert_ne!(
        synthetic_cohort(20, 8).patients,
        synthetic_cohort(20, 7).patients
    );

    let mut wb = open_workbook_auto(&a).expect("open");
    assert_eq!(
        wb.sheet_names(),
        vec![
            "patients",
            "treatment",
            "assessments",
            "adverse_events",
            "labs"
        ]
    );
    for (name, n) in [
        ("patients", c.patients.len()),
        ("treatment", c.patients.len()),
        ("assessments", c.assessments.len()),
        ("adverse_events", c.adverse_events.len()),
        ("labs", c.labs.len()),
    ] {
        let r = wb.worksheet_range(name).expect("sheet");
        assert_eq!(r.height(), n + 1, "{name}");
    }
    assert_eq!(c.patients.len(), 200);
    assert_eq!(c.patients[0].patient_id, "S000001");
    assert!(c.assessments.len() > 400 && !c.adverse_events.is_empty() && c.labs.len() > 600);
    for p in &c.patients {
        assert!(p.index_date <= p.last_followup_date);
        assert!(p
            .progression_date
            .map_or(true, |d| d >= p.index_date && d <= p.last_followup_date));
        assert!((1..=8).contains(&p.cycles_completed));
    }
    assert!(c.planted == mmreport::demo::Planted::default());
}

/// The benchmark size: 100,000 patients with assessments, adverse events and labs.
/// Slow (minutes) and memory-hungry without rust_xlsxwriter's `constant_memory` feature.
#[test]
#[ignore]
fn synthetic_100k() {
    let d = tmp();
    let p = d.path().join("big.xlsx");
    let t = std::time::Instant::now();
    write_synthetic(&p, 100_000, 1).expect("write");
    let size = std::fs::metadata(&p).expect("meta").len();
    eprintln!("100k patients: {size} bytes in {:?}", t.elapsed());
    assert!(size > 10_000_000);
}
