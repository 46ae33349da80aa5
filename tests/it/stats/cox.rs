//! Cox regression against `coxph` / `summary.coxph`.
use mmreport::stats::{cox, CoxFit, Ties};
use serde_json::Value;

use super::golden::{bools, load, matrix, name, nums, Checker, ITERATIVE};

#[test]
fn cox_matches_coxph() {
    let cases = load("cox");
    assert!(cases.len() >= 10);
    let mut ck = Checker::new("cox");
    for case in &cases {
        let nm = name(case);
        let time = nums(&case["time"]);
        let event = bools(&case["event"]);
        let x = matrix(&case["x"]);
        let fit = cox(&time, &event, &x, ties_of(case)).unwrap();
        check_fit_flags(&nm, &fit, case);
        check_likelihood_score_and_lrt(&mut ck, &nm, &fit, case);
        check_coefficients(&mut ck, &nm, &fit, case);
        check_wald_and_variance(&mut ck, &nm, &fit, case);
    }
    ck.report();
}

/// The tie handling a golden case was fitted with in R.
fn ties_of(case: &Value) -> Ties {
    match case["ties"].as_str().unwrap() {
        "efron" => Ties::Efron,
        "breslow" => Ties::Breslow,
        t => panic!("{t}"),
    }
}

/// Exact agreement with R on the fit's state: the monotone-likelihood warning, convergence
/// and the number of Newton-Raphson iterations.
fn check_fit_flags(nm: &str, fit: &CoxFit, case: &Value) {
    assert_eq!(
        fit.monotone_likelihood,
        case["infinite_warning"].as_bool().unwrap(),
        "{nm}: monotone flag"
    );
    assert_eq!(
        fit.converged,
        !case["not_converged"].as_bool().unwrap(),
        "{nm}: converged"
    );
    assert_eq!(
        fit.iterations as f64,
        case["iter"].as_f64().unwrap(),
        "{nm}: iterations"
    );
}

/// The log-likelihoods and the global score and likelihood-ratio tests with their P.
fn check_likelihood_score_and_lrt(ck: &mut Checker, nm: &str, fit: &CoxFit, case: &Value) {
    let w = |c: &str| format!("{nm}/{c}");
    ck.num(
        &w("loglik_null"),
        fit.loglik_null,
        case["loglik_null"].as_f64().unwrap(),
        ITERATIVE,
    );
    ck.num(
        &w("loglik"),
        fit.loglik,
        case["loglik"].as_f64().unwrap(),
        ITERATIVE,
    );
    ck.num(
        &w("score"),
        fit.score_chisq,
        case["score_chisq"].as_f64().unwrap(),
        ITERATIVE,
    );
    ck.num(
        &w("score_p"),
        fit.score_p,
        case["score_p"].as_f64().unwrap(),
        ITERATIVE,
    );
    ck.num(
        &w("lrt"),
        fit.lrt_chisq,
        case["lrt_chisq"].as_f64().unwrap(),
        ITERATIVE,
    );
    ck.num(
        &w("lrt_p"),
        fit.lrt_p,
        case["lrt_p"].as_f64().unwrap(),
        ITERATIVE,
    );
}

/// Per-coefficient results: `summary.coxph`'s table and the HR interval.
fn check_coefficients(ck: &mut Checker, nm: &str, fit: &CoxFit, case: &Value) {
    let w = |c: &str| format!("{nm}/{c}");
    ck.vec(&w("coef"), &fit.coef, &nums(&case["coef"]), ITERATIVE);
    ck.vec(&w("se"), &fit.se, &nums(&case["se"]), ITERATIVE);
    ck.vec(&w("z"), &fit.z, &nums(&case["z"]), ITERATIVE);
    ck.vec(&w("p_wald"), &fit.p_wald, &nums(&case["p_wald"]), ITERATIVE);
    ck.vec(
        &w("hr_lower"),
        &fit.hr_lower,
        &nums(&case["hr_lower"]),
        ITERATIVE,
    );
    ck.vec(
        &w("hr_upper"),
        &fit.hr_upper,
        &nums(&case["hr_upper"]),
        ITERATIVE,
    );
}

/// The global Wald test with its P, and the variance matrix row by row.
fn check_wald_and_variance(ck: &mut Checker, nm: &str, fit: &CoxFit, case: &Value) {
    let w = |c: &str| format!("{nm}/{c}");
    ck.num(
        &w("wald"),
        fit.wald_chisq,
        case["wald_chisq"].as_f64().unwrap(),
        ITERATIVE,
    );
    ck.num(
        &w("wald_p"),
        fit.wald_p,
        case["wald_p"].as_f64().unwrap(),
        ITERATIVE,
    );
    for (i, row) in matrix(&case["var"]).iter().enumerate() {
        ck.vec(&w(&format!("var[{i}]")), &fit.var[i], row, ITERATIVE);
    }
}

/// Found by `props::cox_separation_is_flagged`: both covariates separate the one event
/// from everyone else at risk, the information matrix collapses at the estimate (full
/// rank at beta = 0). R's coxph gives both coefficients NA with zero variance (checked
/// with R 4.x / survival); this fit is returned flagged, never as an error.
#[test]
fn information_collapsing_at_the_estimate_is_a_flagged_fit() {
    let time = [11.0, 37.0, 0.0, 0.0, 12.0, 0.0];
    // Generated as event = x1 && time % 3 != 0: the x1 = 1 subject at 12 is censored.
    let event = [true, false, false, false, false, false];
    let x: Vec<Vec<f64>> = [
        (1.0, -0.40),
        (0.0, 2.37),
        (0.0, 0.0),
        (0.0, 0.0),
        (1.0, -0.39),
        (0.0, 0.0),
    ]
    .iter()
    .map(|&(a, b)| vec![a, b])
    .collect();
    let fit = cox(&time, &event, &x, Ties::Breslow).unwrap();
    assert!(fit.monotone_likelihood);
    assert!(fit.infinite_coef.iter().any(|&b| b));
    assert!(fit.loglik.is_finite() && fit.loglik >= fit.loglik_null);
    assert!(fit.coef.iter().all(|c| c.is_finite()));
    assert!(fit.se.iter().any(|s| s.is_nan()), "{:?}", fit.se);
    assert!(fit.wald_p.is_nan());
    for (j, inf) in fit.infinite_coef.iter().enumerate() {
        if fit.se[j].is_nan() {
            assert!(inf, "a coefficient without variance is flagged infinite");
            assert!(fit.p_wald[j].is_nan());
        }
    }
}
