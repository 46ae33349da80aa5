//! Competing risks: the Aalen-Johansen cumulative incidence of one event in the
//! presence of one competing event, as R's multi-state
//! `survfit(Surv(time, factor(status, 0:2)) ~ 1)`, and Gray's test of equality of
//! cumulative incidence across groups, as `cmprsk::cuminc(...)$Tests`.

use serde::Serialize;

use super::error::{Result, StatsError};

/// Status of a subject at its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrStatus {
    /// Censored (R status 0).
    Censored,
    /// The event of interest (R status 1).
    Event,
    /// The competing event (R status 2).
    Competing,
}

/// One distinct time of the cumulative incidence curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CifRow {
    /// Time.
    pub time: f64,
    /// At risk just before `time`.
    pub n_risk: usize,
    /// Events of interest at `time`.
    pub n_event: usize,
    /// Competing events at `time`.
    pub n_competing: usize,
    /// Censored at `time`.
    pub n_censor: usize,
    /// Cumulative incidence of the event of interest.
    pub estimate: f64,
    /// Its standard error (infinitesimal jackknife, survfit's default).
    pub std_err: f64,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
}

/// The curve evaluated at a requested time (`summary(fit, times = )`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CifAt {
    /// Requested time.
    pub time: f64,
    /// Cumulative incidence.
    pub estimate: f64,
    /// Standard error.
    pub std_err: f64,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
    /// At risk at the requested time.
    pub n_risk: usize,
}

/// An Aalen-Johansen cumulative incidence curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CifFit {
    /// One row per distinct observed time.
    pub rows: Vec<CifRow>,
    /// Subjects.
    pub n: usize,
    /// Events of interest.
    pub events: usize,
    /// Competing events.
    pub competing_events: usize,
    /// Confidence level.
    pub level: f64,
}

/// Gray's test for one cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrayTest {
    /// Chi-square statistic.
    pub chisq: f64,
    /// Degrees of freedom (groups - 1).
    pub df: usize,
    /// p-value.
    pub p: f64,
}

/// Aalen-Johansen cumulative incidence (stub).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{cumulative_incidence, CrStatus};
/// let _ = cumulative_incidence(&[1.0, 2.0], &[CrStatus::Event, CrStatus::Competing], 0.95);
/// ```
pub fn cumulative_incidence(time: &[f64], status: &[CrStatus], level: f64) -> Result<CifFit> {
    let _ = (time, status, level);
    Err(StatsError::Degenerate(
        "cumulative_incidence: not implemented yet".into(),
    ))
}

impl CifFit {
    /// The curve at time `t` (stub).
    ///
    /// # Examples
    ///
    /// ```rust
    /// use mmreport_stats::{CifFit};
    /// let fit = CifFit { rows: vec![], n: 0, events: 0, competing_events: 0, level: 0.95 };
    /// let _ = fit.at(1.0);
    /// ```
    pub fn at(&self, t: f64) -> Result<Option<CifAt>> {
        let _ = t;
        Err(StatsError::Degenerate(
            "CifFit::at: not implemented yet".into(),
        ))
    }
}

/// Gray's test (stub).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{gray_test, CrStatus};
/// let _ = gray_test(&[1.0, 2.0], &[CrStatus::Event, CrStatus::Competing], &[0, 1]);
/// ```
pub fn gray_test(time: &[f64], status: &[CrStatus], group: &[usize]) -> Result<GrayTest> {
    let _ = (time, status, group);
    Err(StatsError::Degenerate(
        "gray_test: not implemented yet".into(),
    ))
}
