//! Descriptive statistics and Shapiro-Wilk against R.
use mmreport::stats::{mean, median, quantiles, sd, shapiro_wilk, QuantileType};

use super::golden::{load, name, nums, opt, Checker, CLOSED};

#[test]
fn describe_matches_r() {
    let cases = load("describe");
    let mut ck = Checker::new("describe");
    for case in &cases {
        let nm = name(case);
        let x = nums(&case["x"]);
        ck.num(
            &format!("{nm}/mean"),
            mean(&x).unwrap(),
            case["mean"].as_f64().unwrap(),
            CLOSED,
        );
        ck.opt(&format!("{nm}/sd"), sd(&x).ok(), opt(&case["sd"]), CLOSED);
        ck.num(
            &format!("{nm}/median"),
            median(&x).unwrap(),
            case["median"].as_f64().unwrap(),
            CLOSED,
        );
        let probs = nums(&case["probs"]);
        let q6 = quantiles(&x, &probs, QuantileType::Type6).unwrap();
        let q7 = quantiles(&x, &probs, QuantileType::Type7).unwrap();
        ck.vec(&format!("{nm}/type6"), &q6, &nums(&case["q6"]), CLOSED);
        ck.vec(&format!("{nm}/type7"), &q7, &nums(&case["q7"]), CLOSED);
    }
    ck.report();
}

#[test]
fn shapiro_matches_r() {
    let cases = load("shapiro");
    assert!(cases.len() >= 20);
    let mut ck = Checker::new("shapiro");
    let mut sizes = Vec::new();
    for case in &cases {
        let nm = name(case);
        let x = nums(&case["x"]);
        sizes.push(x.len());
        let sw = shapiro_wilk(&x).unwrap();
        ck.num(
            &format!("{nm}/W"),
            sw.w,
            case["w"].as_f64().unwrap(),
            CLOSED,
        );
        ck.num(
            &format!("{nm}/p"),
            sw.p,
            case["p"].as_f64().unwrap(),
            CLOSED,
        );
    }
    assert!(sizes.contains(&3) && sizes.contains(&5000));
    ck.report();
}
