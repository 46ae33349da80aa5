//! Restricted mean survival time (RMST) of a Kaplan-Meier curve, as R's
//! `print(survfit(...), rmean = tau)` (`survival:::survmean`), and the two-arm
//! contrasts of `survRM2::rmst2` (difference and ratio with normal CIs).

use serde::Serialize;

use super::dist::{pnorm_upper, qnorm};
use super::error::{check_level, Result, StatsError};
use super::km::KmFit;

/// The restricted mean of one curve up to `tau`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rmst {
    /// Restriction time.
    pub tau: f64,
    /// Area under the KM curve on `[0, tau]` (R's `rmean`).
    pub estimate: f64,
    /// Its standard error (R's `se(rmean)`).
    pub se: f64,
    /// Subjects in the curve.
    pub n: usize,
    /// Events in the curve.
    pub events: usize,
}

/// An estimate with its confidence interval and two-sided p-value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contrast {
    /// Point estimate.
    pub estimate: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
    /// Two-sided p-value of the null (difference 0, ratio 1).
    pub p: f64,
}

/// Difference and ratio of two restricted means (`survRM2::rmst2`'s
/// `unadjusted.result`, arm 1 = `a`, arm 0 = `b`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RmstComparison {
    /// `a - b`.
    pub difference: Contrast,
    /// `a / b` (CI and p computed on the log scale).
    pub ratio: Contrast,
}

/// Restricted mean survival time up to `tau`: the area under the Kaplan-Meier
/// curve on `[0, tau]` and its standard error, as R's
/// `print(survfit(Surv(time, event) ~ 1), rmean = tau)` (`survival:::survmean`:
/// rectangles under the step function, variance
/// `sum_k (area after t_k up to tau)^2 d_k / (n_k (n_k - d_k))`, Miller 1981,
/// pp. 195-196; a term with `n_k = d_k` counts 0).
///
/// `tau` must be positive and not beyond the last observed time of the curve
/// (event or censoring): R's `survfit` would extend the curve flat past the end of
/// follow-up and `survRM2::rmst2` stops, so this refuses with
/// [`StatsError::TauBeyondFollowUp`] rather than extrapolate.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{kaplan_meier, rmst, ConfType, StatsError};
/// // survival::aml, maintained arm: weeks to relapse, 1 = relapse, 0 = censored.
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0].map(|e| e == 1);
/// let km = kaplan_meier(&time, &event, ConfType::Log, 0.95)?;
/// // print(survfit(Surv(time, status) ~ 1, aml, subset = x == "Maintained"), rmean = 40):
/// // rmean 28.90, se(rmean) 3.468 (with rmean = 200 R extends the curve flat: 59.8).
/// let r = rmst(&km, 40.0)?;
/// assert!((r.estimate / 28.8977272727273 - 1.0).abs() < 1e-9);
/// assert!((r.se / 3.4675776788916 - 1.0).abs() < 1e-9);
/// assert_eq!(
///     rmst(&km, 200.0).unwrap_err(),
///     StatsError::TauBeyondFollowUp { tau: 200.0, last: 161.0 }
/// );
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn rmst(km: &KmFit, tau: f64) -> Result<Rmst> {
    if !(tau.is_finite() && tau > 0.0) {
        return Err(StatsError::InvalidArgument(format!(
            "restriction time tau must be positive and finite, got {tau}"
        )));
    }
    let last = km.rows.last().map_or(0.0, |r| r.time);
    if tau > last {
        return Err(StatsError::TauBeyondFollowUp { tau, last });
    }
    // Rows with time <= tau, then tau itself (survmean's temptime/tempsurv/hh).
    let kept: Vec<_> = km.rows.iter().take_while(|r| r.time <= tau).collect();
    let mut rect = Vec::with_capacity(kept.len() + 1);
    let mut prev_time = 0.0f64;
    let mut prev_surv = 1.0f64;
    for r in &kept {
        rect.push((r.time - prev_time) * prev_surv);
        prev_time = r.time;
        prev_surv = r.surv;
    }
    rect.push((tau - prev_time) * prev_surv);
    let estimate: f64 = rect.iter().sum();
    // Walk back from tau: `after` is the area to the right of row k.
    let mut after = 0.0f64;
    let mut var = 0.0f64;
    for (k, r) in kept.iter().enumerate().rev() {
        after += rect[k + 1];
        let (n, d) = (r.n_risk as f64, r.n_event as f64);
        let hh = if n - d == 0.0 { 0.0 } else { d / (n * (n - d)) };
        var += after * after * hh;
    }
    Ok(Rmst {
        tau,
        estimate,
        se: var.sqrt(),
        n: km.n,
        events: km.events,
    })
}

/// Difference (`a - b`) and ratio (`a / b`) of two restricted means with normal
/// confidence intervals and two-sided Wald p-values, as `survRM2::rmst2`'s
/// unadjusted results (Uno et al. 2014): the difference has standard error
/// `sqrt(se_a^2 + se_b^2)`; the ratio is analysed on the log scale with standard
/// error `sqrt(se_a^2 / a^2 + se_b^2 / b^2)` (delta method) and its limits
/// transformed back. The two arms are independent samples with the same `tau`.
///
/// Errors when the `tau`s differ, the level is outside (0, 1), or both standard
/// errors are 0 (no events before `tau` in either arm: no variance, no test).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{rmst_compare, Rmst};
/// let a = Rmst { tau: 10.0, estimate: 6.0, se: 0.3, n: 40, events: 20 };
/// let b = Rmst { tau: 10.0, estimate: 5.0, se: 0.4, n: 40, events: 25 };
/// let c = rmst_compare(&a, &b, 0.95)?;
/// // Difference 1 with se 0.5: CI 1 -/+ qnorm(0.975) * 0.5, p = 2 * pnorm(-2).
/// assert!((c.difference.estimate - 1.0).abs() < 1e-12);
/// assert!((c.difference.lower / 0.0200180077299732 - 1.0).abs() < 1e-9);
/// assert!((c.difference.p / 0.0455002638963584 - 1.0).abs() < 1e-9);
/// assert!((c.ratio.estimate - 1.2).abs() < 1e-12);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn rmst_compare(a: &Rmst, b: &Rmst, level: f64) -> Result<RmstComparison> {
    check_level(level)?;
    if a.tau != b.tau {
        return Err(StatsError::InvalidArgument(format!(
            "restricted means to different horizons ({} and {}) cannot be compared",
            a.tau, b.tau
        )));
    }
    let se_diff = (a.se * a.se + b.se * b.se).sqrt();
    if !(se_diff > 0.0) {
        return Err(StatsError::Degenerate(
            "no events before tau in either group: the RMST contrast has no variance".into(),
        ));
    }
    let z = qnorm(1.0 - (1.0 - level) / 2.0)?;
    let diff = a.estimate - b.estimate;
    let difference = Contrast {
        estimate: diff,
        lower: diff - z * se_diff,
        upper: diff + z * se_diff,
        p: 2.0 * pnorm_upper(diff.abs() / se_diff)?,
    };
    let log_ratio = (a.estimate / b.estimate).ln();
    let se_log =
        (a.se * a.se / (a.estimate * a.estimate) + b.se * b.se / (b.estimate * b.estimate)).sqrt();
    let ratio = Contrast {
        estimate: a.estimate / b.estimate,
        lower: (log_ratio - z * se_log).exp(),
        upper: (log_ratio + z * se_log).exp(),
        p: 2.0 * pnorm_upper(log_ratio.abs() / se_log)?,
    };
    Ok(RmstComparison { difference, ratio })
}
