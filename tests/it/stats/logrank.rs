//! Log-rank / Peto-Peto against `survdiff`.
use mmreport::stats::{logrank, logrank_stratified};

use super::golden::{bools, load, matrix, name, nums, usizes, Checker, CLOSED};

#[test]
fn logrank_matches_survdiff() {
    let cases = load("logrank");
    assert!(cases.len() >= 20);
    let mut ck = Checker::new("logrank");
    for case in &cases {
        let nm = name(case);
        let time = nums(&case["time"]);
        let event = bools(&case["event"]);
        let group = usizes(&case["group"]);
        let rho = case["rho"].as_f64().unwrap();
        let fit = if case["strata"].is_null() {
            logrank(&time, &event, &group, rho).unwrap()
        } else {
            logrank_stratified(&time, &event, &group, &usizes(&case["strata"]), rho).unwrap()
        };
        ck.vec(
            &format!("{nm}/observed"),
            &fit.observed,
            &nums(&case["observed"]),
            CLOSED,
        );
        ck.vec(
            &format!("{nm}/expected"),
            &fit.expected,
            &nums(&case["expected"]),
            CLOSED,
        );
        let v = matrix(&case["variance"]);
        for (i, row) in v.iter().enumerate() {
            ck.vec(&format!("{nm}/var[{i}]"), &fit.variance[i], row, CLOSED);
        }
        ck.num(
            &format!("{nm}/chisq"),
            fit.chisq,
            case["chisq"].as_f64().unwrap(),
            CLOSED,
        );
        assert_eq!(fit.df as f64, case["df"].as_f64().unwrap(), "{nm}: df");
        ck.num(
            &format!("{nm}/p"),
            fit.p,
            case["p"].as_f64().unwrap(),
            CLOSED,
        );
    }
    ck.report();
}
