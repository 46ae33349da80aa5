//! Survival analysis and the statistics of a clinical "Table 1", reproducing R.
//!
//! A pure library (no I/O, no global state) used by mmreport's clinical reports
//! but independent of them. R is the reference: every routine reproduces a named
//! R function (R 4.x, `survival` 3.x, `stats`, `cmprsk`) and is checked against golden
//! values computed by R (in the mmreport repository, `tests/golden/make_fixtures.R` and
//! `make_fixtures_15.R`,
//! agreement to 1e-9 relative for closed forms, 1e-6 for iterative fits):
//!
//! * [`km`]: Kaplan-Meier (`survfit`), landmarks, quantiles, reverse KM;
//! * [`logrank`](mod@logrank): G-rho tests (`survdiff`), stratified;
//! * [`cox`](mod@cox): Cox regression (`coxph`), Efron and Breslow ties;
//! * [`concordance`](mod@concordance): the concordance of a Cox model (`coxph`'s
//!   `fit$concordance`, infinitesimal-jackknife standard error);
//! * [`zph`]: the proportional-hazards test (`cox.zph`, KM transform, per term);
//! * [`rmst`](mod@rmst): restricted mean survival time (`survfit`'s `rmean`) and
//!   the two-arm difference and ratio of `survRM2`;
//! * [`competing`]: Aalen-Johansen cumulative incidence (multi-state `survfit`)
//!   and Gray's test (`cmprsk::cuminc`);
//! * [`describe`]: mean, SD, median, quantile types 6 and 7, Shapiro-Wilk;
//! * [`htest`]: t tests, Wilcoxon rank-sum, Fisher, chi-square, Clopper-Pearson.
//!
//! Distribution functions come from `statrs`. All inputs are validated; errors
//! are [`StatsError`], never panics.
//!
//! Conventions: times are in whatever unit the caller uses (the app uses months =
//! days / 30.4375) and must be finite and non-negative; numerically tied times
//! (gap <= `sqrt(eps)`) are merged as R's `timefix = TRUE` does. Where R returns
//! `NA`, the Rust value is `None`. Resource guards: at most
//! [`logrank::MAX_GROUPS`] groups in a log-rank test; r x c Fisher tests are
//! bounded by [`htest::FISHER_NODE_LIMIT`] work units (R's default FEXACT
//! workspace fails on tables of the same size) and return
//! [`StatsError::TooLarge`] beyond.
//!
//! # Example
//!
//! R's `survival::aml` (weeks to relapse of acute myelogenous leukaemia,
//! maintenance chemotherapy or not), with the values R prints:
//!
//! ```rust
//! use mmreport_stats::{cox, kaplan_meier, logrank, ConfType, Ties};
//!
//! let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
//!     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
//! let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
//!     .map(|e| e == 1);
//! let group: Vec<usize> = (0..23).map(|i| usize::from(i >= 11)).collect(); // 1 = not maintained
//!
//! // survfit(Surv(time, status) ~ 1, subset = x == "Maintained"): median 31, 95% CI (18, NA).
//! let km = kaplan_meier(&time[..11], &event[..11], ConfType::Log, 0.95)?;
//! let median = km.median();
//! assert_eq!((median.estimate, median.lower, median.upper), (Some(31.0), Some(18.0), None));
//!
//! // survdiff(Surv(time, status) ~ x): Chisq = 3.4 on 1 degrees of freedom, p = 0.07.
//! let lr = logrank(&time, &event, &group, 0.0)?;
//! assert!((lr.p / 0.0653393220405051 - 1.0).abs() < 1e-9);
//!
//! // coxph(Surv(time, status) ~ x): exp(coef) = 2.498, 95% CI (0.916, 6.81).
//! let x: Vec<Vec<f64>> = group.iter().map(|&g| vec![g as f64]).collect();
//! let fit = cox(&time, &event, &x, Ties::Efron)?;
//! assert!((fit.hr[0] / 2.49810532617214 - 1.0).abs() < 1e-9);
//! assert!((fit.hr_upper[0] / 6.8134957660633 - 1.0).abs() < 1e-9);
//! # Ok::<(), mmreport_stats::StatsError>(())
//! ```

// Guards such as `!(x > 0.0)` are deliberate: they are also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod competing;
pub mod concordance;
pub mod cox;
pub mod describe;
mod dist;
pub mod error;
pub mod htest;
pub mod km;
mod linalg;
pub mod logrank;
pub mod rmst;
mod timefix;
pub mod zph;

pub use competing::{cumulative_incidence, gray_test, CifAt, CifFit, CifRow, CrStatus, GrayTest};
pub use concordance::{concordance, linear_predictor, Concordance};
pub use cox::{cox, cox_with, factor_dummies, CoxControl, CoxFit, Ties};
pub use describe::{
    mean, median, quantile, quantiles, sd, shapiro_wilk, var, QuantileType, ShapiroWilk,
};
pub use error::StatsError;
pub use htest::{
    chisq_test, clopper_pearson, fisher_exact, fisher_exact_with_limit, t_test_student,
    t_test_welch, wilcoxon_rank_sum, ChiSq, Fisher, RankSum, TTest,
};
pub use km::{kaplan_meier, reverse_kaplan_meier, ConfType, KmFit, KmRow, Quantile, SurvAt};
pub use logrank::{logrank, logrank_stratified, LogRank};
pub use rmst::{rmst, rmst_compare, Contrast, Rmst, RmstComparison};
pub use zph::{cox_zph, CoxZph, ZphRow};
