//! End to end on the bundled paper cohort: every number the seed paper prints, read from the
//! results the pipeline computes; and the messy Chinese rendering of the same cohort gives the
//! same derived data and results as the canonical one.

use super::util::ctx;
use mmreport::pipeline;
use mmreport::results::*;
use serde_json::Value;
use std::sync::LazyLock;

fn run(name: &str) -> Results {
    let bytes = std::fs::read(format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    pipeline::process(&bytes, name, &ctx()).unwrap().results
}

fn row<'a>(r: &'a Results, v: &str) -> &'a BaselineRow {
    r.analyses
        .baseline
        .iter()
        .find(|b| b.variable == v)
        .unwrap()
}

fn lv(b: &BaselineRow, level: &str) -> usize {
    b.levels
        .iter()
        .find(|l| l.level == level)
        .map(|l| l.count)
        .unwrap_or(0)
}

fn r2(x: Option<f64>) -> f64 {
    (x.unwrap() * 100.0).round() / 100.0
}

fn surv<'a>(r: &'a Results, id: &str) -> &'a Survival {
    r.analyses.survival.iter().find(|s| s.id == id).unwrap()
}

fn months(x: Option<f64>) -> Option<i64> {
    x.map(|m| m.round() as i64)
}

// Every number the seed paper prints, one test per part of the paper, all read from one
// run of the canonical workbook.

/// The results of the canonical paper workbook, computed once for all the tests here.
fn paper() -> &'static Results {
    static PAPER: LazyLock<Results> = LazyLock::new(|| run("bendamustine-32.xlsx"));
    &PAPER
}

/// Patients read and analysed; sex and age (Table 1).
#[test]
fn paper_prints_patients_sex_and_age() {
    let r = paper();
    assert_eq!(
        (r.cohort.patients_read, r.cohort.patients_analysed),
        (32, 32)
    );
    assert_eq!(
        (lv(row(r, "sex"), "male"), lv(row(r, "sex"), "female")),
        (22, 10)
    );
    let age = row(r, "age");
    assert_eq!(
        (age.summary.as_str(), r2(age.mean), age.min, age.max),
        ("mean_sd", 60.0, Some(42.0), Some(80.0))
    );
}

/// Table 1: every non-normal variable as median (IQR), hemoglobin and platelets as mean.
#[test]
fn paper_prints_table1_medians_and_means() {
    let r = paper();
    for (v, med, q1, q3) in [
        ("bm_plasma_cell_pct", 27.50, 6.50, 80.80),
        ("calcium", 2.17, 2.02, 2.45),
        ("creatinine", 77.70, 68.08, 106.43),
        ("beta2_microglobulin", 4.41, 3.84, 9.18),
        ("albumin", 33.10, 27.70, 37.40),
        ("ldh", 197.70, 164.00, 240.40),
        ("esr", 125.00, 60.00, 140.00),
        ("wbc", 4.20, 3.70, 6.80),
        ("prior_lines", 4.0, 2.0, 6.0),
    ] {
        let b = row(r, v);
        assert_eq!(
            b.summary, "median_iqr",
            "{v}: Shapiro-Wilk rejects normality"
        );
        assert_eq!((r2(b.median), r2(b.q1), r2(b.q3)), (med, q1, q3), "{v}");
    }
    for (v, mean) in [("hemoglobin", 92.94), ("platelets", 140.00)] {
        let b = row(r, v);
        assert_eq!((b.summary.as_str(), r2(b.mean)), ("mean_sd", mean), "{v}");
    }
}

/// Table 1: M-protein type, first symptom, Durie-Salmon and ISS stages, fractures,
/// amyloidosis and FISH.
#[test]
fn paper_prints_disease_characteristics_and_fish() {
    let r = paper();
    let mp = row(r, "m_protein_type");
    assert_eq!(
        ["IgG", "IgA", "kappa", "lambda", "non_secretory"].map(|l| lv(mp, l)),
        [17, 6, 6, 2, 1]
    );
    let fs = row(r, "first_symptom");
    assert_eq!(
        [
            "lumbosacral pain",
            "chest and back pain",
            "fatigue with lower-limb edema",
            "fever"
        ]
        .map(|l| lv(fs, l)),
        [16, 11, 3, 2]
    );
    assert_eq!(
        (
            lv(row(r, "ds_stage"), "IIIA"),
            lv(row(r, "ds_stage"), "IIIB")
        ),
        (29, 3)
    );
    assert_eq!(
        (
            lv(row(r, "iss_stage"), "II"),
            lv(row(r, "iss_stage"), "III")
        ),
        (17, 15)
    );
    assert_eq!(lv(row(r, "pathological_fracture"), "yes"), 20);
    assert_eq!(lv(row(r, "amyloidosis"), "yes"), 1);
    let fish = row(r, "fish");
    assert_eq!(fish.n, 23, "FISH over those tested");
    assert_eq!(
        [
            "negative",
            "IgH",
            "1q21+",
            "del(17p)/TP53",
            "t(14;16)",
            "t(14;20)",
            "t(4;14)",
            "del(13q)",
            "t(4;11)",
            "t(11;14)"
        ]
        .map(|l| lv(fish, l)),
        [5, 3, 12, 3, 4, 1, 3, 2, 1, 1]
    );
}

/// Extramedullary disease (onset, type, sites), prior drugs and the regimens given.
#[test]
fn paper_prints_extramedullary_disease_prior_drugs_and_regimens() {
    let r = paper();
    assert_eq!(lv(row(r, "emd"), "yes"), 19);
    assert_eq!(
        (
            lv(row(r, "emd_onset"), "at_diagnosis"),
            lv(row(r, "emd_onset"), "at_relapse")
        ),
        (7, 12)
    );
    assert_eq!(
        (
            lv(row(r, "emd_type"), "paraskeletal"),
            lv(row(r, "emd_type"), "soft_tissue")
        ),
        (16, 3)
    );
    let sites = row(r, "emd_sites");
    assert_eq!(
        [
            "head",
            "chest wall",
            "thoracic spine",
            "lumbar spine",
            "pelvis",
            "spinal canal"
        ]
        .map(|l| lv(sites, l)),
        [3, 2, 6, 5, 3, 2]
    );
    assert_eq!(
        (
            lv(row(r, "prior_bortezomib"), "yes"),
            lv(row(r, "prior_lenalidomide"), "yes")
        ),
        (32, 29)
    );
    let reg = row(r, "regimen");
    assert_eq!(["BRD", "BPD", "BDd"].map(|l| lv(reg, l)), [14, 13, 2]);
}

/// Exposure, 3 (1, 8) cycles, and the responses at each checkpoint.
#[test]
fn paper_prints_cycles_and_checkpoint_responses() {
    let a = &paper().analyses;
    // Exposure: 3 (1, 8) cycles.
    let e = &a.exposure;
    assert_eq!(
        (e.cycles_median, e.cycles_min, e.cycles_max),
        (Some(3.0), Some(1), Some(8))
    );
    // Responses at each checkpoint.
    let cp = |c: u32| {
        a.response
            .checkpoints
            .iter()
            .find(|x| x.after_cycle == c)
            .unwrap()
    };
    let cnt = |c: &ResponseCounts, k: &str| c.counts[k];
    let c2 = &cp(2).counts;
    assert_eq!(
        (
            c2.n,
            cnt(c2, "CR"),
            cnt(c2, "PR"),
            cnt(c2, "SD"),
            cnt(c2, "PD")
        ),
        (29, 1, 11, 10, 7)
    );
    let c4 = &cp(4).counts;
    assert_eq!(
        (
            c4.n,
            cnt(c4, "CR"),
            cnt(c4, "PR"),
            cnt(c4, "SD"),
            cnt(c4, "PD")
        ),
        (15, 1, 10, 3, 1)
    );
    let c6 = &cp(6).counts;
    assert_eq!(
        (c6.n, cnt(c6, "VGPR"), cnt(c6, "PR"), cnt(c6, "PD")),
        (3, 1, 1, 1)
    );
    let c8 = &cp(8).counts;
    assert_eq!((c8.n, cnt(c8, "VGPR")), (1, 1));
}

/// The final response, ORR 11/29 = 38% with its Clopper-Pearson CI, and the subgroups.
#[test]
fn paper_prints_final_response_orr_and_subgroups() {
    let a = &paper().analyses;
    let cnt = |c: &ResponseCounts, k: &str| c.counts[k];
    // Final response: ORR 11/29 = 38%, CR 1, VGPR 1, PR 9, SD 6, PD 12.
    let f = &a.response.final_;
    assert_eq!((f.orr.k, f.orr.n), (11, 29));
    assert_eq!(mmreport::render::format::pct(f.orr.fraction.unwrap()), "38");
    assert_eq!(
        ["CR", "VGPR", "PR", "SD", "PD"].map(|k| cnt(f, k)),
        [1, 1, 9, 6, 12]
    );
    let sub = |id: &str, level: &str| {
        &a.response
            .subgroups
            .iter()
            .find(|s| s.id == id && s.level == level)
            .unwrap()
            .final_
    };
    assert_eq!(
        (sub("cycles_ge4", "yes").orr.k, sub("cycles_ge4", "yes").n),
        (11, 15),
        "73% with >= 4 cycles"
    );
    let emd = sub("emd", "yes");
    assert_eq!(
        (emd.orr.k, emd.dcr.k, emd.n),
        (5, 10, 19),
        "EMD: ORR 26%, DCR 53%"
    );
    assert_eq!(
        ["VGPR", "PR", "SD", "PD"].map(|k| cnt(emd, k)),
        [1, 4, 5, 9]
    );
    // Clopper-Pearson CI of 11/29 (R: binom.test(11, 29)$conf.int).
    let ci = f.orr.ci;
    assert!(
        (ci[0].unwrap() - 0.2068686994865068).abs() < 1e-9
            && (ci[1].unwrap() - 0.5773953593355969).abs() < 1e-9
    );
}

/// PFS and OS medians overall, by prior lines and by cycles, with the log-rank and Cox
/// results and the risk table.
#[test]
fn paper_prints_survival_medians_and_comparisons() {
    let r = paper();
    assert_eq!(months(surv(r, "pfs_all").groups[0].median), Some(11));
    assert_eq!(months(surv(r, "os_all").groups[0].median), Some(25));
    let pl = surv(r, "pfs_by_prior_lines");
    assert_eq!((pl.groups[0].n, pl.groups[1].n), (20, 12));
    assert_eq!(
        (months(pl.groups[0].median), pl.groups[1].median),
        (Some(11), None),
        "< 3 lines: not reached"
    );
    assert!(pl.logrank.as_ref().unwrap().p > 0.05);
    let ol = surv(r, "os_by_prior_lines");
    assert_eq!(
        (months(ol.groups[0].median), ol.groups[1].median),
        (Some(25), None)
    );
    assert!(ol.logrank.as_ref().unwrap().p > 0.05);
    let pc = surv(r, "pfs_by_cycles");
    assert_eq!((pc.groups[0].n, pc.groups[1].n), (20, 12));
    assert_eq!(
        (months(pc.groups[0].median), months(pc.groups[1].median)),
        (Some(21), Some(2))
    );
    assert!(pc.logrank.as_ref().unwrap().p < 0.001);
    let oc = surv(r, "os_by_cycles");
    assert_eq!(
        (months(oc.groups[0].median), months(oc.groups[1].median)),
        (Some(28), Some(8))
    );
    let p = oc.logrank.as_ref().unwrap().p;
    assert!((0.01..0.05).contains(&p), "P = 0.02 in the paper; got {p}");
    assert_eq!(oc.cox.as_ref().unwrap().reference, "1-2 cycles");
    assert!(oc.cox.as_ref().unwrap().hr.unwrap() < 1.0);
    // Risk table is on the figure's ticks and starts with everyone at risk.
    assert_eq!(pc.risk_times[0], 0.0);
    assert_eq!((pc.groups[0].at_risk[0], pc.groups[1].at_risk[0]), (20, 12));
}

/// Follow-up of survivors, deaths and their causes.
#[test]
fn paper_prints_follow_up_and_deaths() {
    let a = &paper().analyses;
    // Follow-up of survivors: 13 (3-27) months.
    let s = &a.followup.survivors;
    assert_eq!(
        (s.n, months(s.median), months(s.min), months(s.max)),
        (22, Some(13), Some(3), Some(27))
    );
    // Deaths: 10 (31%), 8 from progression.
    assert_eq!(
        (
            a.deaths.n,
            mmreport::render::format::pct(a.deaths.fraction).as_str()
        ),
        (10, "31")
    );
    assert_eq!(
        a.deaths
            .causes
            .iter()
            .find(|c| c.level == "progression")
            .unwrap()
            .count,
        8
    );
}

/// Adverse events (recorded and from labs, each source's own counts) and the hemoglobin
/// falls.
#[test]
fn paper_prints_adverse_events_and_hb_drop() {
    let a = &paper().analyses;
    let ae = |term: &str, src: &str| {
        &a.adverse_events
            .iter()
            .find(|x| x.term == term)
            .unwrap()
            .by_source[src]
    };
    let g = |x: &AeSourceCounts, k: &str| x.grade[k];
    let wbc = ae("White blood cell decreased", "recorded");
    assert_eq!(
        (wbc.any, g(wbc, "1"), g(wbc, "2"), g(wbc, "3"), g(wbc, "4")),
        (16, 10, 4, 2, 0)
    );
    let plt = ae("Platelet count decreased", "recorded");
    assert_eq!(
        (plt.any, g(plt, "1"), g(plt, "2"), g(plt, "3")),
        (8, 2, 1, 5)
    );
    assert_eq!(
        ae("Platelet count decreased", "labs").baseline_abnormal,
        Some(3),
        "3 low before treatment"
    );
    assert_eq!(ae("Fatigue", "recorded").any, 14);
    assert_eq!(ae("Anorexia", "recorded").any, 11);
    assert!(
        ae("Fatigue", "recorded").grade3plus == 0 && ae("Anorexia", "recorded").grade3plus == 0
    );
    let d = ae("Diarrhea", "recorded");
    assert_eq!((d.any, g(d, "2")), (2, 2));
    assert_eq!(a.hb_drop.n, 2, "Hb fall > 1 g/dL in 2 patients");
}

/// The cohort flow: patients completing 2, 4, 6 and 8 cycles.
#[test]
fn paper_prints_cohort_flow() {
    let a = &paper().analyses;
    let steps: Vec<(u32, usize)> = a.flow.completed.iter().map(|c| (c.cycles, c.n)).collect();
    assert_eq!(steps, vec![(2, 29), (4, 15), (6, 3), (8, 1)]);
}

#[test]
fn the_validator_finds_exactly_what_the_generator_planted() {
    let r = paper();
    let planted = mmreport::demo::paper_cohort().planted;
    let mut disagree: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.rule == "imwg2016.disease_state.disagrees")
        .filter_map(|f| f.patient_id.clone())
        .collect();
    disagree.sort();
    let mut want: Vec<String> = planted
        .disease_status
        .iter()
        .map(|p| p.patient_id.clone())
        .collect();
    want.sort();
    assert_eq!(disagree, want);
    let mut resp: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.rule == "imwg2016.response.disagrees")
        .filter_map(|f| f.patient_id.clone())
        .collect();
    resp.sort();
    let mut want: Vec<String> = planted
        .responses
        .iter()
        .map(|p| p.patient_id.clone())
        .collect();
    want.sort();
    assert_eq!(resp, want);
    let none: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.rule == "imwg2016.relapse.none_documented")
        .filter_map(|f| f.patient_id.clone())
        .collect();
    assert_eq!(none, planted.no_relapse_evidence);
}

/// Provenance differs by layout (input name and hash, cell locations of findings, verbatim
/// AE terms); everything derived must be the same.
fn without_provenance(r: &Results) -> Value {
    let mut v = serde_json::to_value(r).unwrap();
    v["input"] = Value::Null;
    let mut f: Vec<Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            serde_json::json!([
                f["rule"],
                f["severity"],
                f["patient_id"],
                f["column"],
                f["message"]
            ])
        })
        .collect();
    f.sort_by_key(|x| x.to_string());
    v["findings"] = Value::Array(f);
    for row in v["datasets"]["adae"].as_array_mut().unwrap() {
        row["AETERM"] = Value::Null;
    }
    // The spellings as entered differ by layout (issue 14); the codes are compared.
    for row in v["analyses"]["baseline"].as_array_mut().unwrap() {
        for l in row["levels"].as_array_mut().unwrap() {
            l.as_object_mut().unwrap().remove("label");
        }
    }
    for l in v["analyses"]["deaths"]["causes"].as_array_mut().unwrap() {
        l.as_object_mut().unwrap().remove("label");
    }
    v
}

/// The analyses without the levels' spellings as entered (issue 14: the clinician's own
/// words, which differ by the workbook's language while the codes do not).
fn without_labels(a: &mmreport::results::Analyses) -> mmreport::results::Analyses {
    let mut a = a.clone();
    for row in &mut a.baseline {
        for l in &mut row.levels {
            l.label = None;
        }
    }
    for l in &mut a.deaths.causes {
        l.label = None;
    }
    a
}

#[test]
fn messy_chinese_layout_gives_identical_results() {
    let a = paper();
    let b = run("bendamustine-32-zh-messy.xlsx");
    assert_eq!(a.datasets.adsl, b.datasets.adsl);
    assert_eq!(a.datasets.adtte, b.datasets.adtte);
    assert_eq!(a.datasets.adrs, b.datasets.adrs);
    assert_eq!(without_labels(&a.analyses), without_labels(&b.analyses));
    assert_eq!(without_provenance(a), without_provenance(&b));
    // The Chinese workbook's levels carry its spellings; the English one's are the codes.
    let symptom = |r: &Results| {
        let row = r
            .analyses
            .baseline
            .iter()
            .find(|b| b.variable == "first_symptom");
        let row = row.unwrap();
        row.levels
            .iter()
            .map(|l| l.label.clone())
            .collect::<Vec<_>>()
    };
    assert!(symptom(a).iter().all(Option::is_none));
    assert!(symptom(&b).contains(&Some("腰骶部疼痛".to_string())));
}

/// Every Table 1 variable has a label in both languages (no raw `variable.*` key in a report).
#[test]
fn every_table1_variable_has_a_label() {
    let r = paper();
    for lang in [
        mmreport::config::Language::En,
        mmreport::config::Language::Zh,
    ] {
        let l = mmreport::render::labels::Labels::load(lang, None).unwrap();
        for b in &r.analyses.baseline {
            assert!(
                l.has(&format!("variable.{}", b.variable)),
                "{lang:?}: variable.{}",
                b.variable
            );
        }
    }
}
