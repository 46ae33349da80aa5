//! Concordance and the proportional-hazards test of multivariable Cox models
//! against `coxph(...)$concordance` and `cox.zph(fit)` (`tests/golden/make_fixtures_15.R`).
use mmreport::stats::{concordance, cox, cox_zph, linear_predictor, StatsError, Ties};
use serde_json::Value;

use super::golden::{bools, load, matrix, name, nums, usizes, Checker, CLOSED, ITERATIVE};

fn ties_of(case: &Value) -> Ties {
    match case["ties"].as_str().unwrap() {
        "efron" => Ties::Efron,
        "breslow" => Ties::Breslow,
        t => panic!("{t}"),
    }
}

#[test]
fn concordance_and_zph_match_coxph() {
    let cases = load("cox_extra");
    assert!(cases.len() >= 15);
    let mut ck = Checker::new("cox_extra");
    let (mut collinear, mut zph_checked) = (0, 0);
    for case in &cases {
        let nm = name(case);
        let (time, event, x) = (
            nums(&case["time"]),
            bools(&case["event"]),
            matrix(&case["x"]),
        );
        let terms: Vec<Vec<usize>> = case["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(usizes)
            .collect();
        let fit = cox(&time, &event, &x, ties_of(case));
        if case["collinear"].as_bool().unwrap() {
            // R drops an aliased coefficient as NA; the crate refuses with a clear error.
            assert!(matches!(fit, Err(StatsError::Singular(_))), "{nm}: {fit:?}");
            collinear += 1;
            continue;
        }
        let fit = fit.unwrap();
        assert_eq!(
            fit.monotone_likelihood,
            case["infinite_warning"].as_bool().unwrap(),
            "{nm}"
        );
        let c = concordance(&time, &event, &linear_predictor(&x, &fit).unwrap()).unwrap();
        let w = &case["concordance"];
        let counts = [c.concordant, c.discordant, c.tied_x, c.tied_y, c.tied_xy];
        let want: Vec<f64> = ["concordant", "discordant", "tied_x", "tied_y", "tied_xy"]
            .iter()
            .map(|k| w[k].as_f64().unwrap())
            .collect();
        assert_eq!(counts.to_vec(), want, "{nm}: concordance counts");
        // Closed forms of the ranks of the scores (exact counts above).
        ck.num(
            &format!("{nm}/concordance"),
            c.concordance,
            w["concordance"].as_f64().unwrap(),
            CLOSED,
        );
        ck.num(
            &format!("{nm}/std"),
            c.std_err,
            w["std"].as_f64().unwrap(),
            CLOSED,
        );
        if case.get("zph").is_none() {
            continue;
        }
        let z = cox_zph(&time, &event, &x, ties_of(case), &fit, &terms).unwrap();
        let want = &case["zph"];
        let rows: Vec<_> = z.terms.iter().chain(std::iter::once(&z.global)).collect();
        let df: Vec<f64> = rows.iter().map(|r| r.df as f64).collect();
        assert_eq!(df, nums(&want["df"]), "{nm}: zph df");
        let chisq: Vec<f64> = rows.iter().map(|r| r.chisq).collect();
        ck.vec(
            &format!("{nm}/zph/chisq"),
            &chisq,
            &nums(&want["chisq"]),
            ITERATIVE,
        );
        let p: Vec<f64> = rows.iter().map(|r| r.p).collect();
        ck.vec(&format!("{nm}/zph/p"), &p, &nums(&want["p"]), ITERATIVE);
        zph_checked += 1;
    }
    assert_eq!((collinear, zph_checked), (1, 14));
    ck.report();
}
