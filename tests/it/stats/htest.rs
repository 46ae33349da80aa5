//! Hypothesis tests against R's `stats`.
use mmreport::stats::{
    chisq_test, clopper_pearson, fisher_exact, t_test_student, t_test_welch, wilcoxon_rank_sum,
};
use serde_json::Value;

use super::golden::{load, matrix, name, nums, Checker, CLOSED};

fn table(v: &Value) -> Vec<Vec<u64>> {
    matrix(v)
        .into_iter()
        .map(|r| r.into_iter().map(|x| x as u64).collect())
        .collect()
}

#[test]
fn t_tests_match_r() {
    let mut ck = Checker::new("ttest");
    for case in &load("ttest") {
        let nm = name(case);
        let (x, y) = (nums(&case["x"]), nums(&case["y"]));
        let level = case["level"].as_f64().unwrap();
        let mut check = |kind: &str, got: mmreport::stats::TTest, want: &Value| {
            ck.num(
                &format!("{nm}/{kind}/t"),
                got.statistic,
                want["statistic"].as_f64().unwrap(),
                CLOSED,
            );
            ck.num(
                &format!("{nm}/{kind}/df"),
                got.df,
                want["df"].as_f64().unwrap(),
                CLOSED,
            );
            ck.num(
                &format!("{nm}/{kind}/p"),
                got.p,
                want["p"].as_f64().unwrap(),
                CLOSED,
            );
            ck.num(
                &format!("{nm}/{kind}/lower"),
                got.conf_lower,
                want["conf_lower"].as_f64().unwrap(),
                CLOSED,
            );
            ck.num(
                &format!("{nm}/{kind}/upper"),
                got.conf_upper,
                want["conf_upper"].as_f64().unwrap(),
                CLOSED,
            );
        };
        check(
            "student",
            t_test_student(&x, &y, level).unwrap(),
            &case["student"],
        );
        if case["welch"].is_null() {
            assert!(t_test_welch(&x, &y, level).is_err());
        } else {
            check(
                "welch",
                t_test_welch(&x, &y, level).unwrap(),
                &case["welch"],
            );
        }
    }
    ck.report();
}

#[test]
fn wilcoxon_matches_r() {
    let mut ck = Checker::new("wilcox");
    for case in &load("wilcox") {
        let nm = name(case);
        let r = wilcoxon_rank_sum(&nums(&case["x"]), &nums(&case["y"])).unwrap();
        assert_eq!(r.exact, case["exact"].as_bool().unwrap(), "{nm}: exact");
        ck.num(
            &format!("{nm}/W"),
            r.statistic,
            case["statistic"].as_f64().unwrap(),
            CLOSED,
        );
        ck.num(&format!("{nm}/p"), r.p, case["p"].as_f64().unwrap(), CLOSED);
    }
    ck.report();
}

#[test]
fn fisher_matches_r() {
    let mut ck = Checker::new("fisher");
    for case in &load("fisher") {
        let nm = name(case);
        let f = fisher_exact(&table(&case["table"])).unwrap();
        ck.num(&format!("{nm}/p"), f.p, case["p"].as_f64().unwrap(), CLOSED);
    }
    ck.report();
}

#[test]
fn chisq_matches_r() {
    let mut ck = Checker::new("chisq");
    for case in &load("chisq") {
        let nm = name(case);
        let t = table(&case["table"]);
        for (key, yates) in [("yates", true), ("plain", false)] {
            let r = chisq_test(&t, yates).unwrap();
            let want = &case[key];
            ck.num(
                &format!("{nm}/{key}/X2"),
                r.statistic,
                want["statistic"].as_f64().unwrap(),
                CLOSED,
            );
            ck.num(
                &format!("{nm}/{key}/df"),
                r.df,
                want["df"].as_f64().unwrap(),
                0.0,
            );
            ck.num(
                &format!("{nm}/{key}/p"),
                r.p,
                want["p"].as_f64().unwrap(),
                CLOSED,
            );
        }
    }
    ck.report();
}

#[test]
fn clopper_pearson_matches_binom_test() {
    let mut ck = Checker::new("binom");
    for case in &load("binom") {
        let k = case["k"].as_f64().unwrap() as u64;
        let n = case["n"].as_f64().unwrap() as u64;
        let level = case["level"].as_f64().unwrap();
        let (lo, up) = clopper_pearson(k, n, level).unwrap();
        ck.num(
            &format!("{k}/{n}@{level} lower"),
            lo,
            case["lower"].as_f64().unwrap(),
            CLOSED,
        );
        ck.num(
            &format!("{k}/{n}@{level} upper"),
            up,
            case["upper"].as_f64().unwrap(),
            CLOSED,
        );
    }
    ck.report();
}
