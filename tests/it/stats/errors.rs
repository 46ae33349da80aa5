//! Invalid input gives typed errors, never panics.
use mmreport::stats::*;

#[test]
fn survival_input_validation() {
    let e = [true, false];
    assert_eq!(
        kaplan_meier(&[], &[], ConfType::Log, 0.95).unwrap_err(),
        StatsError::Empty("time")
    );
    assert!(matches!(
        kaplan_meier(&[1.0], &e, ConfType::Log, 0.95),
        Err(StatsError::LengthMismatch { .. })
    ));
    assert!(matches!(
        kaplan_meier(&[1.0, f64::NAN], &e, ConfType::Log, 0.95),
        Err(StatsError::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        kaplan_meier(&[1.0, f64::INFINITY], &e, ConfType::Log, 0.95),
        Err(StatsError::NonFinite { .. })
    ));
    assert_eq!(
        kaplan_meier(&[1.0, -2.0], &e, ConfType::Log, 0.95).unwrap_err(),
        StatsError::NegativeTime { index: 1 }
    );
    for level in [0.0, 1.0, f64::NAN, 1.5] {
        assert!(matches!(
            kaplan_meier(&[1.0, 2.0], &e, ConfType::Log, level),
            Err(StatsError::InvalidArgument(_))
        ));
    }
    let fit = kaplan_meier(&[1.0, 2.0], &e, ConfType::Log, 0.95).unwrap();
    assert!(fit.quantile(1.5).is_err());
    assert!(fit.quantile(f64::NAN).is_err());
    assert!(fit.survival_at(f64::NAN).is_err());
    assert!(reverse_kaplan_meier(&[1.0], &e, ConfType::Log, 0.95).is_err());
}

#[test]
fn logrank_validation() {
    let t = [1.0, 2.0, 3.0, 4.0];
    let e = [true, true, false, true];
    assert!(matches!(
        logrank(&t, &e, &[0, 1], 0.0),
        Err(StatsError::LengthMismatch { .. })
    ));
    assert!(matches!(
        logrank(&t, &e, &[0, 0, 0, 0], 0.0),
        Err(StatsError::Degenerate(_))
    ));
    assert!(matches!(
        logrank(&t, &e, &[0, 1, 0, 1], f64::NAN),
        Err(StatsError::InvalidArgument(_))
    ));
    assert!(matches!(
        logrank_stratified(&t, &e, &[0, 1, 0, 1], &[0], 0.0),
        Err(StatsError::LengthMismatch { .. })
    ));
    // No events at all: no group has a positive expected count.
    assert!(matches!(
        logrank(&t, &[false; 4], &[0, 1, 0, 1], 0.0),
        Err(StatsError::Degenerate(_))
    ));
    assert!(logrank(&[], &[], &[], 0.0).is_err());
    // One group per subject: refused instead of an O(k^2) blow-up.
    let n = 500;
    let t: Vec<f64> = (0..n).map(f64::from).collect();
    let g: Vec<usize> = (0..n as usize).collect();
    assert!(matches!(
        logrank(&t, &vec![true; n as usize], &g, 0.0),
        Err(StatsError::InvalidArgument(_))
    ));
}

#[test]
fn cox_validation() {
    let t = [1.0, 2.0, 3.0, 4.0];
    let e = [true, true, false, true];
    let x = vec![vec![1.0], vec![2.0], vec![0.5], vec![3.0]];
    assert!(cox(&t, &e, &x[..3], Ties::Efron).is_err());
    let ragged = vec![vec![1.0], vec![2.0, 1.0], vec![0.5], vec![3.0]];
    assert!(matches!(
        cox(&t, &e, &ragged, Ties::Efron),
        Err(StatsError::LengthMismatch { .. })
    ));
    let nan = vec![vec![1.0], vec![f64::NAN], vec![0.5], vec![3.0]];
    assert!(matches!(
        cox(&t, &e, &nan, Ties::Efron),
        Err(StatsError::NonFinite { .. })
    ));
    let constant = vec![vec![2.0]; 4];
    assert!(matches!(
        cox(&t, &e, &constant, Ties::Efron),
        Err(StatsError::Singular(_))
    ));
    let collinear = vec![
        vec![1.0, 2.0],
        vec![2.0, 4.0],
        vec![0.5, 1.0],
        vec![3.0, 6.0],
    ];
    assert!(matches!(
        cox(&t, &e, &collinear, Ties::Efron),
        Err(StatsError::Singular(_))
    ));
    assert!(matches!(
        cox(&t, &[false; 4], &x, Ties::Efron),
        Err(StatsError::Degenerate(_))
    ));
    let empty: Vec<Vec<f64>> = vec![vec![]; 4];
    assert!(cox(&t, &e, &empty, Ties::Efron).is_err());
}

#[test]
fn cox_separation_terminates_and_is_reported() {
    // Perfect separation: every event has x = 1, every x = 0 subject is censored.
    let n = 200;
    let t: Vec<f64> = (0..n).map(|i| (i % 37) as f64 + 1.0).collect();
    let x: Vec<Vec<f64>> = (0..n).map(|i| vec![(i % 2) as f64]).collect();
    let e: Vec<bool> = (0..n).map(|i| i % 2 == 1).collect();
    for ties in [Ties::Efron, Ties::Breslow] {
        let fit = cox(&t, &e, &x, ties).unwrap();
        assert!(fit.monotone_likelihood);
        assert!(fit.iterations <= 20);
        assert!(fit.coef[0] > 5.0 && fit.coef[0].is_finite());
        assert!(fit.loglik.is_finite() && fit.loglik >= fit.loglik_null);
    }
    // Huge covariate values must not overflow into NaN results.
    let xb: Vec<Vec<f64>> = (0..n).map(|i| vec![(i % 2) as f64 * 1e6]).collect();
    let fit = cox(&t, &e, &xb, Ties::Efron).unwrap();
    assert!(fit.loglik.is_finite());
}

#[test]
fn describe_validation() {
    assert!(matches!(mean(&[]), Err(StatsError::Empty(_))));
    assert!(matches!(
        mean(&[1.0, f64::NAN]),
        Err(StatsError::NonFinite { .. })
    ));
    assert!(matches!(sd(&[1.0]), Err(StatsError::SampleSize { .. })));
    assert!(median(&[]).is_err());
    assert!(quantile(&[1.0, 2.0], 1.1, QuantileType::Type6).is_err());
    assert!(quantile(&[1.0, 2.0], -0.1, QuantileType::Type7).is_err());
    assert_eq!(
        shapiro_wilk(&[1.0, 2.0]).unwrap_err(),
        StatsError::SampleSize {
            n: 2,
            min: 3,
            max: 5000
        }
    );
    let big: Vec<f64> = (0..5001).map(f64::from).collect();
    assert!(matches!(
        shapiro_wilk(&big),
        Err(StatsError::SampleSize { .. })
    ));
    assert!(matches!(
        shapiro_wilk(&[3.0, 3.0, 3.0, 3.0]),
        Err(StatsError::Degenerate(_))
    ));
}

#[test]
fn htest_validation() {
    assert!(t_test_student(&[], &[1.0, 2.0], 0.95).is_err());
    assert!(t_test_welch(&[1.0], &[1.0, 2.0], 0.95).is_err());
    assert!(matches!(
        t_test_student(&[2.0, 2.0], &[2.0, 2.0], 0.95),
        Err(StatsError::Degenerate(_))
    ));
    assert!(wilcoxon_rank_sum(&[1.0, f64::NAN], &[2.0]).is_err());
    assert!(matches!(
        wilcoxon_rank_sum(&[1.0; 60], &[1.0; 60]),
        Err(StatsError::Degenerate(_))
    ));
    assert!(fisher_exact(&[vec![1, 2]]).is_err());
    assert!(fisher_exact(&[vec![1, 2], vec![3]]).is_err());
    assert!(fisher_exact(&[vec![0, 0], vec![0, 0]]).is_err());
    assert!(matches!(
        fisher_exact(&[vec![u64::MAX, 1], vec![1, 1]]),
        Err(StatsError::InvalidArgument(_))
    ));
    assert!(matches!(
        fisher_exact(&[vec![1_000_000, 1, 2], vec![1, 1, 3]]),
        Err(StatsError::TooLarge { .. })
    ));
    // Large 2 x 2 tables are fine (closed form).
    assert!(fisher_exact(&[vec![1_000_000, 1], vec![1, 1]]).is_ok());
    let huge = 1u64 << 40;
    assert!(matches!(
        fisher_exact(&[vec![huge, huge], vec![huge, huge]]),
        Err(StatsError::TooLarge { .. })
    ));
    // R's default workspace fails on this 3 x 5 table too (FEXACT error 7).
    let big = vec![
        vec![20u64, 15, 10, 5, 3],
        vec![10, 12, 18, 20, 7],
        vec![5, 8, 12, 25, 30],
    ];
    assert_eq!(
        fisher_exact_with_limit(&big, 100_000).unwrap_err(),
        StatsError::TooLarge { limit: 100_000 }
    );
    // The observed table is the mode: p = 1 without expanding the network.
    let flat = vec![vec![30u64; 5]; 5];
    assert!((fisher_exact(&flat).unwrap().p - 1.0).abs() < 1e-12);
    assert!(matches!(
        chisq_test(&[vec![0, 0], vec![3, 4]], true),
        Err(StatsError::Degenerate(_))
    ));
    assert!(clopper_pearson(5, 3, 0.95).is_err());
    assert!(clopper_pearson(0, 0, 0.95).is_err());
    assert!(clopper_pearson(1, 3, 1.0).is_err());
    assert_eq!(clopper_pearson(0, 10, 0.95).unwrap().0, 0.0);
    assert_eq!(clopper_pearson(10, 10, 0.95).unwrap().1, 1.0);
}

#[test]
fn median_rules_by_hand() {
    // Flat at 0.5 between t = 2 and the event at t = 6: midpoint 4.
    let fit = kaplan_meier(
        &[1.0, 2.0, 4.0, 6.0],
        &[true, true, false, true],
        ConfType::Log,
        0.95,
    )
    .unwrap();
    assert_eq!(fit.median().estimate, Some(4.0));
    // Curve ends at 0.5: print.survfit gives the time it reached 0.5 (quantile.survfit the
    // midpoint of that time and the last follow-up).
    let fit = kaplan_meier(
        &[1.0, 2.0, 3.0, 4.0],
        &[true, true, false, false],
        ConfType::Log,
        0.95,
    )
    .unwrap();
    assert_eq!(fit.median().estimate, Some(2.0));
    assert_eq!(fit.quantile(0.5).unwrap().estimate, Some(3.0));
    // Never reaches 0.5.
    let fit = kaplan_meier(&[1.0, 2.0, 3.0], &[true, false, false], ConfType::Log, 0.95).unwrap();
    assert_eq!(fit.median().estimate, None);
    // Landmarks: step function.
    let s = fit.survival_at(1.5).unwrap();
    assert!((s.surv - 2.0 / 3.0).abs() < 1e-15);
    assert_eq!(s.n_risk, 2);
    assert_eq!(fit.survival_at(0.5).unwrap().surv, 1.0);
    assert_eq!(fit.survival_at(10.0).unwrap().n_risk, 0);
}

#[test]
fn factor_dummies_are_treatment_coded() {
    let (levels, rows) = factor_dummies(&[2, 0, 1, 2, 0]).unwrap();
    assert_eq!(levels, vec![1, 2]);
    assert_eq!(
        rows,
        vec![
            vec![0.0, 1.0],
            vec![0.0, 0.0],
            vec![1.0, 0.0],
            vec![0.0, 1.0],
            vec![0.0, 0.0]
        ]
    );
    assert!(factor_dummies(&[]).is_err());
    assert!(matches!(
        factor_dummies(&[3, 3]),
        Err(StatsError::Degenerate(_))
    ));
}

#[test]
fn conf_type_serde() {
    let c: ConfType = serde_json::from_str("\"log-log\"").unwrap();
    assert_eq!(c, ConfType::LogLog);
    let c: ConfType = serde_json::from_str("\"log_log\"").unwrap();
    assert_eq!(c, ConfType::LogLog);
    assert_eq!(
        serde_json::to_string(&ConfType::Plain).unwrap(),
        "\"plain\""
    );
    assert_eq!(ConfType::default(), ConfType::Log);
    let t: Ties = serde_json::from_str("\"breslow\"").unwrap();
    assert_eq!(t, Ties::Breslow);
}

/// Issue 15: RMST rejects a bad horizon and mismatched comparisons.
#[test]
fn rmst_validation() {
    let km = kaplan_meier(&[1.0, 2.0, 3.0], &[true, false, true], ConfType::Log, 0.95).unwrap();
    for tau in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(rmst(&km, tau), Err(StatsError::InvalidArgument(_))),
            "{tau}"
        );
    }
    let err = rmst(&km, 3.5).unwrap_err();
    assert_eq!(
        err,
        StatsError::TauBeyondFollowUp {
            tau: 3.5,
            last: 3.0
        }
    );
    assert_eq!(
        err.to_string(),
        "restriction time tau = 3.5 is beyond the last observed time 3"
    );
    let a = rmst(&km, 3.0).unwrap();
    let b = rmst(&km, 2.5).unwrap();
    assert!(matches!(
        rmst_compare(&a, &b, 0.95),
        Err(StatsError::InvalidArgument(_))
    ));
    assert!(matches!(
        rmst_compare(&a, &a, 1.0),
        Err(StatsError::InvalidArgument(_))
    ));

    let st = [CrStatus::Event, CrStatus::Competing];
    assert!(matches!(
        cumulative_incidence(&[1.0], &st, 0.95),
        Err(StatsError::LengthMismatch { .. })
    ));
    assert_eq!(
        cumulative_incidence(&[1.0, -1.0], &st, 0.95).unwrap_err(),
        StatsError::NegativeTime { index: 1 }
    );
    let cif = cumulative_incidence(&[1.0, 2.0], &st, 0.95).unwrap();
    assert!(cif.at(f64::NAN).is_err() && cif.at(-1.0).is_err());
    assert!(matches!(
        gray_test(&[1.0, 2.0], &st, &[0, 0]),
        Err(StatsError::Degenerate(_))
    ));
    assert!(matches!(
        gray_test(&[1.0, 2.0], &st, &[0]),
        Err(StatsError::LengthMismatch { .. })
    ));
    // No event of interest in any group: the variance is singular (cuminc: stat -1).
    let none = [
        CrStatus::Competing,
        CrStatus::Censored,
        CrStatus::Competing,
        CrStatus::Censored,
    ];
    assert!(matches!(
        gray_test(&[1.0, 2.0, 3.0, 4.0], &none, &[0, 0, 1, 1]),
        Err(StatsError::Singular(_))
    ));
}

/// Issue 15: concordance and cox.zph validation (terms must partition the columns).
#[test]
fn concordance_and_zph_validation() {
    let (t, e) = ([1.0, 2.0, 3.0], [true, true, false]);
    assert!(matches!(
        concordance(&t, &e, &[0.1, f64::NAN, 0.2]),
        Err(StatsError::NonFinite { .. })
    ));
    assert!(matches!(
        concordance(&t, &[false; 3], &[0.1, 0.2, 0.3]),
        Err(StatsError::Degenerate(_))
    ));
    let x: Vec<Vec<f64>> = vec![
        vec![0.0, 1.0],
        vec![1.0, 0.5],
        vec![1.0, 2.0],
        vec![0.0, 1.5],
    ];
    let (t4, e4) = ([1.0, 2.0, 3.0, 4.0], [true, true, false, true]);
    let fit = cox(&t4, &e4, &x, Ties::Efron).unwrap();
    for terms in [
        vec![vec![0]],
        vec![vec![0], vec![0, 1]],
        vec![vec![0], vec![2]],
        vec![vec![0], vec![]],
    ] {
        assert!(
            matches!(
                cox_zph(&t4, &e4, &x, Ties::Efron, &fit, &terms),
                Err(StatsError::InvalidArgument(_))
            ),
            "{terms:?}"
        );
    }
    // Valid terms, but 3 events cannot identify 2 covariates and 2 time interactions:
    // the 4 x 4 information is singular (R's solve() fails the same way).
    assert!(matches!(
        cox_zph(&t4, &e4, &x, Ties::Efron, &fit, &[vec![1], vec![0]]),
        Err(StatsError::Singular(_))
    ));
}
