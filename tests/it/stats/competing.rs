//! Competing risks against R (`tests/golden/make_fixtures_15.R`): the
//! Aalen-Johansen curve of multi-state `survfit` (estimate, infinitesimal-jackknife
//! std.err, log CI, `summary(fit, times = )`) and Gray's test of `cmprsk::cuminc`.
use mmreport::stats::{cumulative_incidence, gray_test, CifFit, CrStatus};
use serde_json::Value;

use super::golden::{load, name, nums, opts, usizes, Checker, CLOSED};

fn statuses(v: &Value) -> Vec<CrStatus> {
    usizes(v)
        .into_iter()
        .map(|s| match s {
            0 => CrStatus::Censored,
            1 => CrStatus::Event,
            2 => CrStatus::Competing,
            other => panic!("status {other}"),
        })
        .collect()
}

/// Every row of the curve: counts exactly, estimates to 1e-9.
fn check_rows(ck: &mut Checker, nm: &str, fit: &CifFit, want: &Value) {
    let w = |k: &str| nums(&want[k]);
    let rows = &fit.rows;
    let col = |f: fn(&mmreport::stats::CifRow) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    assert_eq!(col(|r| r.time), w("time"), "{nm}: times");
    assert_eq!(col(|r| r.n_risk as f64), w("n_risk"), "{nm}: n.risk");
    assert_eq!(col(|r| r.n_event as f64), w("n_event"), "{nm}: n.event");
    assert_eq!(
        col(|r| r.n_competing as f64),
        w("n_competing"),
        "{nm}: competing"
    );
    assert_eq!(col(|r| r.n_censor as f64), w("n_censor"), "{nm}: n.censor");
    ck.vec(
        &format!("{nm}/estimate"),
        &col(|r| r.estimate),
        &w("estimate"),
        CLOSED,
    );
    ck.vec(
        &format!("{nm}/std_err"),
        &col(|r| r.std_err),
        &w("std_err"),
        CLOSED,
    );
    let lower: Vec<Option<f64>> = rows.iter().map(|r| r.lower).collect();
    let upper: Vec<Option<f64>> = rows.iter().map(|r| r.upper).collect();
    ck.opt_vec(
        &format!("{nm}/lower"),
        &lower,
        &opts(&want["lower"]),
        CLOSED,
    );
    ck.opt_vec(
        &format!("{nm}/upper"),
        &upper,
        &opts(&want["upper"]),
        CLOSED,
    );
}

/// `summary(fit, times = )`: the requested times R keeps, with their values.
fn check_at(ck: &mut Checker, nm: &str, fit: &CifFit, case: &Value) {
    let at: Vec<_> = nums(&case["times"])
        .into_iter()
        .filter_map(|t| fit.at(t).unwrap())
        .collect();
    let want = &case["at"];
    let times: Vec<f64> = at.iter().map(|a| a.time).collect();
    assert_eq!(times, nums(&want["time"]), "{nm}: summary times");
    let n_risk: Vec<f64> = at.iter().map(|a| a.n_risk as f64).collect();
    assert_eq!(n_risk, nums(&want["n_risk"]), "{nm}: summary n.risk");
    let est: Vec<f64> = at.iter().map(|a| a.estimate).collect();
    ck.vec(
        &format!("{nm}/at/estimate"),
        &est,
        &nums(&want["estimate"]),
        CLOSED,
    );
    let se: Vec<f64> = at.iter().map(|a| a.std_err).collect();
    ck.vec(
        &format!("{nm}/at/std_err"),
        &se,
        &nums(&want["std_err"]),
        CLOSED,
    );
    let lower: Vec<Option<f64>> = at.iter().map(|a| a.lower).collect();
    ck.opt_vec(
        &format!("{nm}/at/lower"),
        &lower,
        &opts(&want["lower"]),
        CLOSED,
    );
    let upper: Vec<Option<f64>> = at.iter().map(|a| a.upper).collect();
    ck.opt_vec(
        &format!("{nm}/at/upper"),
        &upper,
        &opts(&want["upper"]),
        CLOSED,
    );
}

#[test]
fn cumulative_incidence_matches_multistate_survfit() {
    let cases = load("cif");
    assert!(cases.len() >= 15);
    let mut ck = Checker::new("cif");
    for case in &cases {
        let nm = name(case);
        let status = statuses(&case["status"]);
        let fit = cumulative_incidence(&nums(&case["time"]), &status, 0.95).unwrap();
        assert_eq!(fit.n, status.len(), "{nm}");
        assert_eq!(
            fit.events,
            status.iter().filter(|s| **s == CrStatus::Event).count(),
            "{nm}"
        );
        check_rows(&mut ck, &nm, &fit, &case["rows"]);
        check_at(&mut ck, &nm, &fit, case);
    }
    ck.report();
}

#[test]
fn gray_test_matches_cuminc() {
    let cases = load("gray");
    assert!(cases.len() >= 10);
    let mut ck = Checker::new("gray");
    for case in &cases {
        let nm = name(case);
        let g = gray_test(
            &nums(&case["time"]),
            &statuses(&case["status"]),
            &usizes(&case["group"]),
        )
        .unwrap();
        assert_eq!(g.df as f64, case["df"].as_f64().unwrap(), "{nm}: df");
        ck.num(
            &format!("{nm}/chisq"),
            g.chisq,
            case["chisq"].as_f64().unwrap(),
            CLOSED,
        );
        ck.num(
            &format!("{nm}/p"),
            g.p,
            case["p_upper"].as_f64().unwrap(),
            CLOSED,
        );
        // cuminc's own 1 - pchisq agrees to 1e-12 absolute.
        assert!(
            (g.p - case["p"].as_f64().unwrap()).abs() < 1e-12,
            "{nm}: cuminc p"
        );
    }
    ck.report();
}
