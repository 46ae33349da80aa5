//! Restricted mean survival time (RMST) of a Kaplan-Meier curve, as R's
//! `print(survfit(...), rmean = tau)` (`survival:::survmean`), and the two-arm
//! contrasts of `survRM2::rmst2` (difference and ratio with normal CIs).

use serde::Serialize;

use super::error::{Result, StatsError};
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

/// Restricted mean survival time up to `tau` (stub).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{kaplan_meier, rmst, ConfType};
/// let km = kaplan_meier(&[1.0, 2.0, 3.0], &[true, false, true], ConfType::Log, 0.95)?;
/// let _ = rmst(&km, 2.5);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn rmst(km: &KmFit, tau: f64) -> Result<Rmst> {
    let _ = (km, tau);
    Err(StatsError::Degenerate("rmst: not implemented yet".into()))
}

/// Difference and ratio of two restricted means (stub).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{rmst_compare, Rmst};
/// let a = Rmst { tau: 10.0, estimate: 6.0, se: 1.0, n: 10, events: 5 };
/// let b = Rmst { tau: 10.0, estimate: 5.0, se: 1.0, n: 10, events: 6 };
/// let _ = rmst_compare(&a, &b, 0.95);
/// ```
pub fn rmst_compare(a: &Rmst, b: &Rmst, level: f64) -> Result<RmstComparison> {
    let _ = (a, b, level);
    Err(StatsError::Degenerate(
        "rmst_compare: not implemented yet".into(),
    ))
}
