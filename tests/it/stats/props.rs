//! Property tests (proptest) of the survival code.
use mmreport::stats::{cox, kaplan_meier, logrank, ConfType, StatsError, Ties};
use proptest::prelude::*;

/// Survival data with ties: integer-valued times (as f64) and event flags.
fn surv_data(max_n: usize) -> impl Strategy<Value = Vec<(f64, bool)>> {
    prop::collection::vec((0u16..60, any::<bool>()), 1..max_n).prop_map(|v| {
        v.into_iter()
            .map(|(t, e)| (f64::from(t) / 4.0, e))
            .collect()
    })
}

fn split(d: &[(f64, bool)]) -> (Vec<f64>, Vec<bool>) {
    (
        d.iter().map(|p| p.0).collect(),
        d.iter().map(|p| p.1).collect(),
    )
}

fn conf() -> impl Strategy<Value = ConfType> {
    prop_oneof![
        Just(ConfType::Log),
        Just(ConfType::LogLog),
        Just(ConfType::Plain)
    ]
}

fn close(a: Option<f64>, b: Option<f64>, tol: f64) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x == y || ((x - y) / y.abs().max(1e-300)).abs() <= tol,
        _ => false,
    }
}

/// Closeness for a sum of squares such as a chi-square statistic: relative for values of
/// ordinary size, absolute near zero, where a sum in another order leaves rounding residue
/// (0 against 5e-33 is agreement, not a relative error of 1).
fn close_chisq(x: f64, y: f64, tol: f64) -> bool {
    (x - y).abs() <= tol * x.abs().max(y.abs()) + 1e-12
}

proptest! {
    #![proptest_config(crate::util::proptest_config(200))]

    #[test]
    fn km_is_monotone_bounded_and_inside_band(d in surv_data(80), ct in conf()) {
        let (t, e) = split(&d);
        let fit = kaplan_meier(&t, &e, ct, 0.95).unwrap();
        let mut prev = 1.0;
        for r in &fit.rows {
            prop_assert!((0.0..=1.0).contains(&r.surv));
            prop_assert!(r.surv <= prev);
            prev = r.surv;
            if let Some(lo) = r.lower {
                prop_assert!(lo <= r.surv * (1.0 + 1e-12) && lo >= 0.0);
            }
            if let Some(up) = r.upper {
                prop_assert!(up >= r.surv * (1.0 - 1e-12) && up <= 1.0);
            }
        }
        prop_assert_eq!(fit.rows.iter().map(|r| r.n_event + r.n_censor).sum::<usize>(), t.len());
        let m = fit.median();
        if let (Some(est), Some(lo)) = (m.estimate, m.lower) {
            prop_assert!(lo <= est);
        }
        if let (Some(est), Some(up)) = (m.estimate, m.upper) {
            prop_assert!(up >= est);
        }
    }

    #[test]
    fn logrank_of_identical_groups_is_zero(d in surv_data(60), rho in prop_oneof![Just(0.0), Just(1.0)]) {
        let (t, e) = split(&d);
        prop_assume!(e.iter().any(|&x| x));
        let time: Vec<f64> = t.iter().chain(t.iter()).copied().collect();
        let event: Vec<bool> = e.iter().chain(e.iter()).copied().collect();
        let group: Vec<usize> = (0..time.len()).map(|i| usize::from(i >= t.len())).collect();
        match logrank(&time, &event, &group, rho) {
            Ok(lr) => {
                prop_assert!(lr.chisq.abs() < 1e-9, "chisq {}", lr.chisq);
                prop_assert!(lr.p > 1.0 - 1e-6);
                prop_assert_eq!(&lr.observed[0], &lr.observed[1]);
            }
            // Zero variance (every death time empties the risk set): R's solve() fails too.
            Err(StatsError::Singular(_)) => {}
            Err(other) => prop_assert!(false, "{}", other),
        }
    }

    #[test]
    fn permuting_rows_changes_nothing(d in surv_data(60), seed in any::<u64>()) {
        let (t, e) = split(&d);
        let n = t.len();
        let g: Vec<usize> = (0..n).map(|i| i % 2).collect();
        let x: Vec<Vec<f64>> = (0..n).map(|i| vec![(i % 2) as f64, ((i * 7) % 5) as f64]).collect();
        // Deterministic permutation from the seed.
        let mut perm: Vec<usize> = (0..n).collect();
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            perm.swap(i, (s >> 33) as usize % (i + 1));
        }
        let pt: Vec<f64> = perm.iter().map(|&i| t[i]).collect();
        let pe: Vec<bool> = perm.iter().map(|&i| e[i]).collect();
        let pg: Vec<usize> = perm.iter().map(|&i| g[i]).collect();
        let px: Vec<Vec<f64>> = perm.iter().map(|&i| x[i].clone()).collect();

        let a = kaplan_meier(&t, &e, ConfType::Log, 0.95).unwrap();
        let b = kaplan_meier(&pt, &pe, ConfType::Log, 0.95).unwrap();
        prop_assert_eq!(a, b);

        match (logrank(&t, &e, &g, 0.0), logrank(&pt, &pe, &pg, 0.0)) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(&a.observed, &b.observed);
                prop_assert!(close_chisq(a.chisq, b.chisq, 1e-9));
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a, b),
        }

        match (cox(&t, &e, &x, Ties::Efron), cox(&pt, &pe, &px, Ties::Efron)) {
            // Rows are fitted in a canonical order: a permutation gives the same bits.
            // (Compared as text: a monotone fit's NaN standard errors are equal there.)
            (Ok(a), Ok(b)) => prop_assert_eq!(format!("{a:?}"), format!("{b:?}")),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a, b),
        }
    }

    #[test]
    fn scaling_time_scales_quantiles(
        d in surv_data(80),
        c in prop_oneof![Just(0.5), Just(2.0), Just(30.4375), Just(1.0 / 30.4375), Just(12.0)],
        ct in conf(),
    ) {
        let (t, e) = split(&d);
        let ts: Vec<f64> = t.iter().map(|v| v * c).collect();
        let a = kaplan_meier(&t, &e, ct, 0.95).unwrap();
        let b = kaplan_meier(&ts, &e, ct, 0.95).unwrap();
        for p in [0.25, 0.5, 0.75] {
            let qa = a.quantile(p).unwrap();
            let qb = b.quantile(p).unwrap();
            prop_assert!(close(qa.estimate.map(|v| v * c), qb.estimate, 1e-12), "{:?} {:?}", qa, qb);
            prop_assert!(close(qa.lower.map(|v| v * c), qb.lower, 1e-12));
            prop_assert!(close(qa.upper.map(|v| v * c), qb.upper, 1e-12));
        }
        for (ra, rb) in a.rows.iter().zip(b.rows.iter()) {
            prop_assert_eq!(ra.surv, rb.surv);
        }
    }

    #[test]
    fn cox_score_test_equals_logrank_without_ties(
        v in prop::collection::vec((any::<bool>(), any::<bool>()), 4..60),
    ) {
        // Distinct times: the Cox score test of a binary covariate is the log-rank test.
        let time: Vec<f64> = (0..v.len()).map(|i| (i + 1) as f64).collect();
        let event: Vec<bool> = v.iter().map(|p| p.0).collect();
        let g: Vec<usize> = v.iter().map(|p| usize::from(p.1)).collect();
        let x: Vec<Vec<f64>> = g.iter().map(|&gi| vec![gi as f64]).collect();
        if let (Ok(lr), Ok(fit)) = (logrank(&time, &event, &g, 0.0), cox(&time, &event, &x, Ties::Breslow)) {
            prop_assert!(close_chisq(lr.chisq, fit.score_chisq, 1e-9), "{} {}", lr.chisq, fit.score_chisq);
        }
    }
}

proptest! {
    #![proptest_config(crate::util::proptest_config(300))]

    /// Separated data: every event has x1 = 1 and every x1 = 0 subject is
    /// censored. The fit must terminate, stay finite and flag monotone likelihood.
    #[test]
    fn cox_separation_is_flagged(
        d in prop::collection::vec((0u16..40, any::<bool>(), -3.0f64..3.0), 6..120),
        efron in any::<bool>(),
    ) {
        let time: Vec<f64> = d.iter().map(|p| f64::from(p.0)).collect();
        let x1: Vec<f64> = d.iter().map(|p| f64::from(u8::from(p.1))).collect();
        let event: Vec<bool> = d.iter().map(|p| p.1 && p.0 % 3 != 0).collect();
        prop_assume!(event.iter().any(|&e| e) && x1.contains(&0.0));
        let x: Vec<Vec<f64>> = d.iter().zip(x1.iter()).map(|(p, &a)| vec![a, (p.2 * 100.0).round() / 100.0]).collect();
        let ties = if efron { Ties::Efron } else { Ties::Breslow };
        match cox(&time, &event, &x, ties) {
            Ok(fit) => {
                prop_assert!(fit.loglik.is_finite());
                prop_assert!(fit.coef.iter().all(|c| c.is_finite()));
                prop_assert!(fit.iterations <= 20);
                prop_assert!(fit.monotone_likelihood, "{:?}", fit);
            }
            // Rank deficiency at beta = 0 (constant column, single subject at risk) is
            // a typed error; it must never appear only at the estimate.
            Err(StatsError::Singular(m)) => prop_assert!(!m.contains("estimate"), "{}", m),
            Err(e) => prop_assert!(false, "{}", e),
        }
    }
}
