//! Test of the proportional-hazards assumption of a Cox model, as R's
//! `survival::cox.zph(fit)` with its defaults (`transform = "km"`, `terms = TRUE`,
//! `global = TRUE`).

use serde::Serialize;

use super::cox::{CoxFit, Ties};
use super::error::{Result, StatsError};

/// One row of the `cox.zph` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZphRow {
    /// Score statistic.
    pub chisq: f64,
    /// Degrees of freedom (columns of the term).
    pub df: usize,
    /// p-value.
    pub p: f64,
}

/// `cox.zph(fit)$table`: one row per term and the global test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoxZph {
    /// Per term, in the order given.
    pub terms: Vec<ZphRow>,
    /// Global test.
    pub global: ZphRow,
}

/// `cox.zph(fit)` (stub).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::cox_zph;
/// let _ = cox_zph;
/// ```
pub fn cox_zph(
    time: &[f64],
    event: &[bool],
    x: &[Vec<f64>],
    ties: Ties,
    fit: &CoxFit,
    terms: &[Vec<usize>],
) -> Result<CoxZph> {
    let _ = (time, event, x, ties, fit, terms);
    Err(StatsError::Degenerate(
        "cox_zph: not implemented yet".into(),
    ))
}
