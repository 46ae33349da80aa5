//! Restricted mean survival time against `survfit`'s `rmean` / `se(rmean)` and the
//! `survRM2` contrasts computed from them (`tests/golden/make_fixtures_15.R`).
use mmreport::stats::{kaplan_meier, rmst, rmst_compare, ConfType, Rmst, StatsError};
use serde_json::Value;

use super::golden::{bools, load, name, nums, opts, Checker, CLOSED};

/// One arm: its KM curve and restricted mean; `None` when R extrapolated (tau beyond
/// the arm's last time), after checking that the crate refuses it.
fn arm(ck: &mut Checker, nm: &str, case: &Value, which: &str) -> Option<Rmst> {
    let a = &case[which];
    let time = nums(&a["time"]);
    let km = kaplan_meier(&time, &bools(&a["event"]), ConfType::Log, 0.95).unwrap();
    let tau = case["tau"].as_f64().unwrap();
    let got = rmst(&km, tau);
    if a["beyond"].as_bool().unwrap() {
        let last = time.iter().copied().fold(0.0, f64::max);
        assert_eq!(
            got.unwrap_err(),
            StatsError::TauBeyondFollowUp { tau, last },
            "{nm}/{which}"
        );
        return None;
    }
    let r = got.unwrap();
    let want = nums(&a["rmst"]);
    ck.num(&format!("{nm}/{which}/rmean"), r.estimate, want[0], CLOSED);
    ck.num(&format!("{nm}/{which}/se"), r.se, want[1], CLOSED);
    Some(r)
}

#[test]
fn rmst_matches_survfit_rmean_and_survrm2() {
    let cases = load("rmst");
    assert!(cases.len() >= 15);
    let mut ck = Checker::new("rmst");
    let mut refused = 0;
    for case in &cases {
        let nm = name(case);
        let (a, b) = (arm(&mut ck, &nm, case, "a"), arm(&mut ck, &nm, case, "b"));
        let (Some(a), Some(b)) = (a, b) else {
            refused += 1;
            continue;
        };
        let level = case["level"].as_f64().unwrap();
        let cmp = &case["compare"];
        if opts(&cmp["difference"]["p"])[0].is_none() {
            // No events before tau in either arm: R's p is NA, the crate refuses.
            assert!(
                matches!(rmst_compare(&a, &b, level), Err(StatsError::Degenerate(_))),
                "{nm}"
            );
            continue;
        }
        let c = rmst_compare(&a, &b, level).unwrap();
        for (what, got) in [("difference", &c.difference), ("ratio", &c.ratio)] {
            let w = &cmp[what];
            let one = |k: &str| opts(&w[k])[0].unwrap();
            ck.num(
                &format!("{nm}/{what}/estimate"),
                got.estimate,
                one("estimate"),
                CLOSED,
            );
            ck.num(
                &format!("{nm}/{what}/lower"),
                got.lower,
                one("lower"),
                CLOSED,
            );
            ck.num(
                &format!("{nm}/{what}/upper"),
                got.upper,
                one("upper"),
                CLOSED,
            );
            ck.num(&format!("{nm}/{what}/p"), got.p, one("p"), CLOSED);
        }
    }
    assert_eq!(refused, 1, "exactly the beyond-follow-up case is refused");
    ck.report();
}
