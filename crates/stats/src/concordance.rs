//! Harrell's concordance of a Cox model, as `coxph`'s `fit$concordance`
//! (`survival::concordancefit`, `timewt = "n"`, `reverse = TRUE`).

use serde::Serialize;

use super::cox::CoxFit;
use super::error::{Result, StatsError};

/// Concordance counts, estimate and standard error, as `coxph` reports them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concordance {
    /// Concordant pairs.
    pub concordant: f64,
    /// Discordant pairs.
    pub discordant: f64,
    /// Pairs tied on the predictor (not on time).
    pub tied_x: f64,
    /// Pairs tied on time (both events).
    pub tied_y: f64,
    /// Pairs tied on both.
    pub tied_xy: f64,
    /// The concordance `(concordant + tied_x / 2) / (concordant + discordant + tied_x)`.
    pub concordance: f64,
    /// Its standard error (infinitesimal jackknife, as `concordancefit`).
    pub std_err: f64,
}

/// Concordance of a risk score (stub).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::concordance;
/// let _ = concordance(&[1.0, 2.0, 3.0], &[true, true, false], &[0.3, 0.2, 0.1]);
/// ```
pub fn concordance(time: &[f64], event: &[bool], risk: &[f64]) -> Result<Concordance> {
    let _ = (time, event, risk);
    Err(StatsError::Degenerate(
        "concordance: not implemented yet".into(),
    ))
}

/// The linear predictor `x %*% coef` of a fitted model (stub).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{cox, linear_predictor, Ties};
/// let _ = linear_predictor;
/// ```
pub fn linear_predictor(x: &[Vec<f64>], fit: &CoxFit) -> Result<Vec<f64>> {
    let _ = (x, fit);
    Err(StatsError::Degenerate(
        "linear_predictor: not implemented yet".into(),
    ))
}
