//! Kaplan-Meier against `survfit`, `quantile.survfit`, `summary.survfit`.
use mmreport::stats::{kaplan_meier, reverse_kaplan_meier, ConfType, KmFit};
use serde_json::Value;

use super::golden::{bools, load, name, nums, opts, Checker, CLOSED};

fn conf_of(key: &str) -> ConfType {
    match key {
        "log" => ConfType::Log,
        "log_log" => ConfType::LogLog,
        "plain" => ConfType::Plain,
        other => panic!("conf type {other}"),
    }
}

#[test]
fn km_matches_survfit() {
    let cases = load("km");
    assert!(cases.len() >= 20);
    let mut ck = Checker::new("km");
    for case in &cases {
        let nm = name(case);
        let time = nums(&case["time"]);
        let event = bools(&case["event"]);
        let level = case["level"].as_f64().unwrap();
        for (key, fit) in case["fits"].as_object().unwrap() {
            let conf = conf_of(key);
            let km = kaplan_meier(&time, &event, conf, level).unwrap();
            let prefix = format!("{nm}/{key}");
            check_table(&mut ck, &prefix, &km, &fit["table"]);
            check_quantiles_and_median(&mut ck, &prefix, &km, fit);
            check_landmarks(&mut ck, &prefix, &km, &fit["landmarks"]);
        }
        check_reverse_median(&mut ck, &nm, &time, &event, &case["reverse_median"]);
    }
    ck.report();
}

/// The survfit table row by row: times and counts exactly, survival and its CI closed-form.
fn check_table(ck: &mut Checker, prefix: &str, km: &KmFit, t: &Value) {
    let rt = nums(&t["time"]);
    assert_eq!(km.rows.len(), rt.len(), "{prefix}: rows");
    let w = |c: &str| format!("{prefix}/{c}");
    ck.vec(
        &w("time"),
        &km.rows.iter().map(|r| r.time).collect::<Vec<_>>(),
        &rt,
        0.0,
    );
    for (col, got) in [
        (
            "n_risk",
            km.rows.iter().map(|r| r.n_risk as f64).collect::<Vec<_>>(),
        ),
        (
            "n_event",
            km.rows.iter().map(|r| r.n_event as f64).collect(),
        ),
        (
            "n_censor",
            km.rows.iter().map(|r| r.n_censor as f64).collect(),
        ),
    ] {
        ck.vec(&w(col), &got, &nums(&t[col]), 0.0);
    }
    ck.vec(
        &w("surv"),
        &km.rows.iter().map(|r| r.surv).collect::<Vec<_>>(),
        &nums(&t["surv"]),
        CLOSED,
    );
    ck.opt_vec(
        &w("std_err"),
        &km.rows.iter().map(|r| Some(r.std_err)).collect::<Vec<_>>(),
        &opts(&t["std_err"]),
        CLOSED,
    );
    ck.opt_vec(
        &w("lower"),
        &km.rows.iter().map(|r| r.lower).collect::<Vec<_>>(),
        &opts(&t["lower"]),
        CLOSED,
    );
    ck.opt_vec(
        &w("upper"),
        &km.rows.iter().map(|r| r.upper).collect::<Vec<_>>(),
        &opts(&t["upper"]),
        CLOSED,
    );
}

/// Quantiles (`quantile.survfit`), including the median and its CI, and the median as
/// `print.survfit` gives it.
fn check_quantiles_and_median(ck: &mut Checker, prefix: &str, km: &KmFit, fit: &Value) {
    let w = |c: &str| format!("{prefix}/{c}");
    let q = &fit["quantiles"];
    let probs = nums(&q["probs"]);
    let (est, lo, up) = (opts(&q["estimate"]), opts(&q["lower"]), opts(&q["upper"]));
    for (i, &p) in probs.iter().enumerate() {
        let got = km.quantile(p).unwrap();
        ck.opt(
            &w(&format!("quantile {p} estimate")),
            got.estimate,
            est[i],
            CLOSED,
        );
        ck.opt(&w(&format!("quantile {p} lower")), got.lower, lo[i], CLOSED);
        ck.opt(&w(&format!("quantile {p} upper")), got.upper, up[i], CLOSED);
    }
    // The median as print.survfit gives it.
    let med = km.median();
    let pm = &fit["print_median"];
    ck.opt(&w("median"), med.estimate, opts(&pm["estimate"])[0], CLOSED);
    ck.opt(&w("median lower"), med.lower, opts(&pm["lower"])[0], CLOSED);
    ck.opt(&w("median upper"), med.upper, opts(&pm["upper"])[0], CLOSED);
}

/// Landmark survival (`summary.survfit(times = )`): estimate, CI and number at risk.
fn check_landmarks(ck: &mut Checker, prefix: &str, km: &KmFit, l: &Value) {
    let w = |c: &str| format!("{prefix}/{c}");
    let times = nums(&l["times"]);
    let (s, se, lo, up, nr) = (
        nums(&l["surv"]),
        opts(&l["std_err"]),
        opts(&l["lower"]),
        opts(&l["upper"]),
        nums(&l["n_risk"]),
    );
    for (i, &tt) in times.iter().enumerate() {
        let at = km.survival_at(tt).unwrap();
        let wl = |c: &str| w(&format!("landmark {tt} {c}"));
        ck.num(&wl("surv"), at.surv, s[i], CLOSED);
        if at.surv > 0.0 {
            ck.opt(&wl("std_err"), Some(at.std_err), se[i], CLOSED);
        }
        ck.opt(&wl("lower"), at.lower, lo[i], CLOSED);
        ck.opt(&wl("upper"), at.upper, up[i], CLOSED);
        ck.num(&wl("n_risk"), at.n_risk as f64, nr[i], 0.0);
    }
}

/// Median follow-up from the reverse KM (log CI).
fn check_reverse_median(ck: &mut Checker, nm: &str, time: &[f64], event: &[bool], r: &Value) {
    let rv = reverse_kaplan_meier(time, event, ConfType::Log, 0.95).unwrap();
    let rm = rv.median();
    ck.opt(
        &format!("{nm}/reverse median"),
        rm.estimate,
        opts(&r["estimate"])[0],
        CLOSED,
    );
    ck.opt(
        &format!("{nm}/reverse median lower"),
        rm.lower,
        opts(&r["lower"])[0],
        CLOSED,
    );
    ck.opt(
        &format!("{nm}/reverse median upper"),
        rm.upper,
        opts(&r["upper"])[0],
        CLOSED,
    );
}
