//! Whole survival analyses against R, on cohorts built by committed code: every configured
//! survival job of `results.json` (n, events, median with its CI, log-rank, Cox HR with CI,
//! Wald and likelihood-ratio P) against R's `survival` on the same patients, without and with
//! a data cut-off (R truncates the uncut times at the cut-off: `pmin(time, cutoff)`, event
//! only on or before it). Also: every `results.json` these cohorts give reads back.
//!
//! Regenerate the R inputs and the expected values (R with `survival`; CI needs no R):
//!   cargo test --test it rgolden::write_r_inputs -- --ignored
//!   Rscript tests/golden/make_analysis_fixtures.R

use super::golden_dir;
use super::util::*;
use mmreport::pipeline;
use mmreport::results::Results;
use serde_json::Value;

/// The cohorts and their data cut-offs (a date inside each cohort's follow-up).
pub(super) fn cohorts() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let example = std::fs::read(format!(
        "{}/examples/bendamustine-32.xlsx",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let t = tempfile::tempdir().unwrap();
    let synthetic = t.path().join("s.xlsx");
    mmreport::demo::write_synthetic(&synthetic, 400, 7).unwrap();
    vec![
        ("small", super::snapshot::small_cohort(), "2021-09-30"),
        ("example", example, "2021-12-31"),
        (
            "synthetic400",
            std::fs::read(synthetic).unwrap(),
            "2021-06-30",
        ),
    ]
}

pub(super) fn results(bytes: &[u8], cutoff: Option<&str>) -> Results {
    let mut c = ctx();
    if let Some(d) = cutoff {
        c.config.config.dates.data_cutoff = d.to_string().try_into().unwrap();
    }
    pipeline::process(bytes, "cohort.xlsx", &c).unwrap().results
}

/// Writes, per cohort, the uncut per-patient times and group levels R starts from, and the
/// survival jobs with the cut-off.
#[test]
#[ignore = "writes the R inputs; run by hand before make_analysis_fixtures.R"]
fn write_r_inputs() {
    let dir = golden_dir().join("analysis");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = ctx().config.config;
    for (name, bytes, cutoff) in cohorts() {
        let r = results(&bytes, None);
        let mut csv = String::from("USUBJID,STARTDT,OS_DAYS,OS_EVENT,PFS_DAYS,PFS_EVENT");
        for g in &cfg.groupings {
            csv.push_str(&format!(",G_{}", g.id));
        }
        csv.push('\n');
        for a in &r.datasets.adsl {
            let tte = |code: &str| {
                let t = r
                    .datasets
                    .adtte
                    .iter()
                    .find(|t| t.usubjid == a.usubjid && t.paramcd == code)
                    .unwrap();
                format!("{},{}", t.days, u8::from(t.cnsr == 0))
            };
            csv.push_str(&format!(
                "{},{},{},{}",
                a.usubjid,
                a.index_date.as_deref().unwrap_or(""),
                tte("OS"),
                tte("PFS")
            ));
            let groups: std::collections::BTreeMap<&str, &str> = a
                .groups
                .split(';')
                .filter_map(|kv| kv.split_once('='))
                .collect();
            for g in &cfg.groupings {
                csv.push_str(&format!(
                    ",{}",
                    groups.get(g.id.as_str()).copied().unwrap_or("NA")
                ));
            }
            csv.push('\n');
        }
        std::fs::write(dir.join(format!("{name}.csv")), csv).unwrap();
        let jobs: Vec<Value> = cfg
            .survival
            .iter()
            .map(|j| serde_json::json!({"id": j.id, "endpoint": format!("{:?}", j.endpoint).to_uppercase(), "grouping": j.grouping}))
            .collect();
        let meta = serde_json::json!({"cutoff": cutoff, "days_per_month": cfg.time.days_per_month, "jobs": jobs});
        std::fs::write(
            dir.join(format!("{name}.jobs.json")),
            serde_json::to_string_pretty(&meta).unwrap(),
        )
        .unwrap();
    }
}

pub(super) fn close(what: &str, got: Option<f64>, want: &Value, tol: f64) {
    let want = want.as_f64();
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) => assert!(
            (g - w).abs() <= tol * w.abs().max(1e-300) || (g - w).abs() < 1e-13,
            "{what}: mmreport {g}, R {w}"
        ),
        _ => panic!("{what}: mmreport {got:?}, R {want:?}"),
    }
}

pub(super) fn check_job(what: &str, s: &mmreport::results::Survival, want: &Value) {
    let groups = want["groups"].as_array().unwrap();
    assert_eq!(s.groups.len(), groups.len(), "{what}: groups");
    for (g, w) in s.groups.iter().zip(groups) {
        let w_n = w["n"].as_u64().unwrap() as usize;
        assert_eq!(
            (g.n, g.events),
            (w_n, w["events"].as_u64().unwrap() as usize),
            "{what}"
        );
        close(&format!("{what} median"), g.median, &w["median"], 1e-9);
        close(&format!("{what} lower"), g.median_ci[0], &w["lower"], 1e-9);
        close(&format!("{what} upper"), g.median_ci[1], &w["upper"], 1e-9);
    }
    if let Some(lr) = want.get("logrank").filter(|v| !v.is_null()) {
        let got = s.logrank.as_ref().unwrap();
        close(
            &format!("{what} log-rank chisq"),
            Some(got.chisq),
            &lr["chisq"],
            1e-9,
        );
        close(&format!("{what} log-rank p"), Some(got.p), &lr["p"], 1e-9);
    }
    if let Some(c) = want.get("cox").filter(|v| !v.is_null()) {
        let got = s.cox.as_ref().unwrap();
        close(&format!("{what} p_lrt"), got.p_lrt, &c["p_lrt"], 1e-6);
        if c["monotone"].as_bool().unwrap() {
            assert_eq!(got.hr, None, "{what}: a monotone fit's HR is not estimable");
        } else {
            close(&format!("{what} hr"), got.hr, &c["hr"], 1e-6);
            close(&format!("{what} hr lower"), got.ci[0], &c["lower"], 1e-6);
            close(&format!("{what} hr upper"), got.ci[1], &c["upper"], 1e-6);
            close(&format!("{what} p_wald"), got.p_wald, &c["p_wald"], 1e-6);
        }
    }
}

/// A grouping with levels against R: each level's KM (as [`check_job`]), the k-sample
/// log-rank, every level's HR against the first level with CI and Wald P, the global LRT,
/// and the patients in no group.
pub(super) fn check_levels(what: &str, s: &mmreport::results::Survival, want: &Value) {
    check_job(what, s, want);
    assert_eq!(
        s.not_grouped as u64,
        want["not_grouped"].as_u64().unwrap(),
        "{what}: patients without a level"
    );
    let w = &want["cox_levels"];
    let got = s.cox.as_ref().unwrap();
    assert_eq!(got.reference, w["reference"].as_str().unwrap(), "{what}");
    close(
        &format!("{what} global LRT p"),
        got.p_lrt,
        &w["p_lrt"],
        1e-6,
    );
    let levels = w["levels"].as_array().unwrap();
    assert_eq!(got.levels.len(), levels.len(), "{what}: levels");
    for (g, l) in got.levels.iter().zip(levels) {
        let name = format!("{what} {}", g.level);
        assert_eq!(g.level, l["level"].as_str().unwrap(), "{what}");
        close(&format!("{name} hr"), g.hr, &l["hr"], 1e-6);
        close(&format!("{name} lower"), g.ci[0], &l["lower"], 1e-6);
        close(&format!("{name} upper"), g.ci[1], &l["upper"], 1e-6);
        close(&format!("{name} p_wald"), g.p_wald, &l["p_wald"], 1e-6);
    }
}

#[test]
fn survival_analyses_match_r_with_and_without_a_cutoff() {
    let want: Value = serde_json::from_str(
        &std::fs::read_to_string(golden_dir().join("analysis/expected.json")).unwrap(),
    )
    .unwrap();
    let mut compared = 0;
    let mut monotone = 0;
    for (name, bytes, cutoff) in cohorts() {
        for (label, cut) in [("none", None), ("cutoff", Some(cutoff))] {
            let r = results(&bytes, cut);
            let jobs = &want[name][label];
            for s in &r.analyses.survival {
                let w = &jobs[&s.id];
                assert!(!w.is_null(), "{name}/{label}/{}: no R value", s.id);
                check_job(&format!("{name}/{label}/{}", s.id), s, w);
                monotone += usize::from(w["cox"]["monotone"].as_bool() == Some(true));
                compared += 1;
            }
        }
    }
    assert!(compared >= 30, "{compared}");
    assert!(monotone >= 1, "the monotone-likelihood LRT case is covered");
}

#[test]
fn the_cutoff_censors_and_says_so_once_per_patient() {
    let (_, bytes, cutoff) = cohorts().swap_remove(1);
    let r = results(&bytes, Some(cutoff));
    let cut: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "cohort.data_cutoff")
        .collect();
    assert!(!cut.is_empty());
    let mut ids: Vec<_> = cut.iter().map(|f| f.patient_id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), cut.len(), "one finding per patient");
    assert!(cut
        .iter()
        .all(|f| f.severity == mmreport::model::Severity::Info));
    assert_eq!(
        r.finding_counts.error,
        results(&bytes, None).finding_counts.error
    );
    let last = r
        .datasets
        .adtte
        .iter()
        .filter_map(|t| t.event_date.clone().or(t.censor_date.clone()))
        .max()
        .unwrap();
    assert!(last.as_str() <= cutoff, "{last} after the cut-off");
    assert!(r.analyses.methods.en.contains("administrative censoring"));
}

#[test]
fn every_results_json_reads_back() {
    for (name, bytes, cutoff) in cohorts() {
        for cut in [None, Some(cutoff)] {
            let r = results(&bytes, cut);
            let text = serde_json::to_string(&r).unwrap();
            let back: Results = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{name} {cut:?}: results.json does not read back: {e}"));
            let again = serde_json::to_string(&back).unwrap();
            let at = again.bytes().zip(text.bytes()).position(|(a, b)| a != b);
            assert!(
                at.is_none() && again.len() == text.len(),
                "{name} {cut:?}: differs after reading back, at {at:?}: {}",
                &again[at.unwrap_or(0).saturating_sub(80)..][..160.min(again.len())]
            );
        }
    }
}
