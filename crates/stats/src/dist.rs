//! Thin, panic-free wrappers over the `statrs` distributions used by the engine
//! (R equivalents in brackets): normal (`pnorm`, `qnorm`), Student t (`pt`, `qt`),
//! chi-square (`pchisq`) and beta (`qbeta`) quantiles. No special function is
//! hand-rolled here; the only addition is one or two Newton steps polishing the
//! beta quantile to full double precision.

use statrs::distribution::{Beta, ChiSquared, Continuous, ContinuousCDF, Normal, StudentsT};

use super::error::{Result, StatsError};

fn std_normal() -> Result<Normal> {
    Normal::new(0.0, 1.0).map_err(|e| StatsError::InvalidArgument(e.to_string()))
}

/// Standard normal CDF (`pnorm(z)`).
pub(crate) fn pnorm(z: f64) -> Result<f64> {
    Ok(std_normal()?.cdf(z))
}

/// Standard normal upper tail (`pnorm(z, lower.tail = FALSE)`).
pub(crate) fn pnorm_upper(z: f64) -> Result<f64> {
    Ok(std_normal()?.sf(z))
}

/// Standard normal quantile (`qnorm(p)`), `p` in (0, 1).
pub(crate) fn qnorm(p: f64) -> Result<f64> {
    if !(p > 0.0 && p < 1.0) {
        return Err(StatsError::InvalidArgument(format!(
            "normal quantile of {p}"
        )));
    }
    Ok(std_normal()?.inverse_cdf(p))
}

/// Chi-square upper tail (`pchisq(x, df, lower.tail = FALSE)`), `df > 0`.
pub(crate) fn pchisq_upper(x: f64, df: f64) -> Result<f64> {
    if x.is_nan() {
        return Err(StatsError::InvalidArgument(
            "chi-square statistic is NaN".into(),
        ));
    }
    let d = ChiSquared::new(df).map_err(|e| StatsError::InvalidArgument(e.to_string()))?;
    if x <= 0.0 {
        return Ok(1.0);
    }
    Ok(d.sf(x))
}

fn student(df: f64) -> Result<StudentsT> {
    StudentsT::new(0.0, 1.0, df).map_err(|e| StatsError::InvalidArgument(e.to_string()))
}

/// Two-sided Student t p-value `2 * pt(-|t|, df)`.
pub(crate) fn pt_two_sided(t: f64, df: f64) -> Result<f64> {
    if t.is_nan() {
        return Err(StatsError::InvalidArgument("t statistic is NaN".into()));
    }
    let d = student(df)?;
    Ok((2.0 * d.sf(t.abs())).min(1.0))
}

/// Student t quantile (`qt(p, df)`), `p` in (0, 1).
pub(crate) fn qt(p: f64, df: f64) -> Result<f64> {
    if !(p > 0.0 && p < 1.0) {
        return Err(StatsError::InvalidArgument(format!("t quantile of {p}")));
    }
    let d = student(df)?;
    // Polish with Newton steps on the CDF (statrs' inverse is accurate to ~1e-10).
    let mut x = d.inverse_cdf(p);
    for _ in 0..3 {
        let f = d.pdf(x);
        if !(f > 0.0) || !x.is_finite() {
            break;
        }
        let c = if p < 0.5 {
            d.cdf(x) - p
        } else {
            (1.0 - p) - d.sf(x)
        };
        let nx = x - c / f;
        if !nx.is_finite() {
            break;
        }
        x = nx;
    }
    Ok(x)
}

/// Beta quantile (`qbeta(p, a, b)`), `p` in [0, 1], `a, b > 0`.
pub(crate) fn qbeta(p: f64, a: f64, b: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&p) {
        return Err(StatsError::InvalidArgument(format!("beta quantile of {p}")));
    }
    let d = Beta::new(a, b).map_err(|e| StatsError::InvalidArgument(e.to_string()))?;
    if p == 0.0 {
        return Ok(0.0);
    }
    if p == 1.0 {
        return Ok(1.0);
    }
    let mut x = d.inverse_cdf(p);
    // Newton polish on the regularised incomplete beta (statrs' inverse is an
    // approximation followed by a few Halley steps; this brings it to ~1 ulp).
    for _ in 0..4 {
        if !(x > 0.0 && x < 1.0) {
            break;
        }
        let f = d.pdf(x);
        if !(f > 0.0) || !f.is_finite() {
            break;
        }
        let c = if p < 0.5 {
            d.cdf(x) - p
        } else {
            (1.0 - p) - d.sf(x)
        };
        let nx = x - c / f;
        if !(nx > 0.0 && nx < 1.0) {
            break;
        }
        x = nx;
    }
    Ok(x)
}
