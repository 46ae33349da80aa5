//! Typed errors of the statistics engine.
//!
//! Every public function of this crate validates its input and returns a
//! [`StatsError`] instead of panicking: empty inputs, non-finite values, negative
//! times, mismatched lengths, degenerate data and too-large enumerations are all
//! reported here.

use thiserror::Error;

/// Error returned by the statistics functions.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{kaplan_meier, ConfType, StatsError};
/// let err = kaplan_meier(&[1.0, -2.0], &[true, false], ConfType::Log, 0.95).unwrap_err();
/// assert_eq!(err, StatsError::NegativeTime { index: 1 });
/// assert_eq!(err.to_string(), "negative time at index 1");
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StatsError {
    /// An input that must hold at least one value is empty.
    #[error("empty input: {0}")]
    Empty(&'static str),
    /// Two inputs that must have the same length do not.
    #[error("length mismatch: {what} has {got} values, expected {expected}")]
    LengthMismatch {
        /// Which input is wrong.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The length it should have.
        expected: usize,
    },
    /// A value is NaN or infinite.
    #[error("non-finite value in {what} at index {index}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Position of the first offending value.
        index: usize,
    },
    /// A survival time is negative.
    #[error("negative time at index {index}")]
    NegativeTime {
        /// Position of the first offending value.
        index: usize,
    },
    /// An argument is outside its domain (probability, confidence level, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The sample size is outside the range the method supports.
    #[error("sample size {n} outside the supported range {min}..={max}")]
    SampleSize {
        /// Observed size.
        n: usize,
        /// Smallest supported size.
        min: usize,
        /// Largest supported size.
        max: usize,
    },
    /// The data do not allow the statistic to be computed (constant sample, a
    /// single group, no events, zero margins, ...).
    #[error("degenerate data: {0}")]
    Degenerate(String),
    /// A matrix that must be inverted is singular (collinear covariates, ...).
    #[error("singular matrix: {0}")]
    Singular(String),
    /// A restricted mean was asked beyond the follow-up of the curve: R's
    /// `survfit` would extend the last value of the curve flat to `tau`
    /// (and `survRM2::rmst2` stops), an extrapolation this crate refuses.
    #[error("restriction time tau = {tau} is beyond the last observed time {last}")]
    TauBeyondFollowUp {
        /// The requested restriction time.
        tau: f64,
        /// The last observed (event or censoring) time of the curve.
        last: f64,
    },
    /// An exact enumeration would be larger than the configured limit.
    #[error("exact enumeration too large (more than {limit} nodes); use an approximate test")]
    TooLarge {
        /// The node limit that was exceeded.
        limit: u64,
    },
}

/// Shorthand result type.
pub type Result<T> = std::result::Result<T, StatsError>;

/// Check that a slice of finite values is non-empty.
pub(crate) fn check_finite(what: &'static str, x: &[f64]) -> Result<()> {
    if x.is_empty() {
        return Err(StatsError::Empty(what));
    }
    if let Some(index) = x.iter().position(|v| !v.is_finite()) {
        return Err(StatsError::NonFinite { what, index });
    }
    Ok(())
}

/// Check right-censored survival input: non-empty, same length, finite, non-negative.
pub(crate) fn check_survival(time: &[f64], event_len: usize) -> Result<()> {
    check_finite("time", time)?;
    if event_len != time.len() {
        return Err(StatsError::LengthMismatch {
            what: "event",
            got: event_len,
            expected: time.len(),
        });
    }
    if let Some(index) = time.iter().position(|&t| t < 0.0) {
        return Err(StatsError::NegativeTime { index });
    }
    Ok(())
}

/// Check a length against the expected one.
pub(crate) fn check_len(what: &'static str, got: usize, expected: usize) -> Result<()> {
    if got != expected {
        return Err(StatsError::LengthMismatch {
            what,
            got,
            expected,
        });
    }
    Ok(())
}

/// Check a confidence level in (0, 1).
pub(crate) fn check_level(level: f64) -> Result<()> {
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::InvalidArgument(format!(
            "confidence level must be in (0, 1), got {level}"
        )));
    }
    Ok(())
}
