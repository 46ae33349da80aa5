//! Kaplan-Meier estimator for right-censored data, as R's `survival::survfit`
//! (`survfit.formula` → `survfitKM`, survival 3.x).
//!
//! Conventions reproduced:
//! * the table lists every distinct time at which an event or a censoring happens
//!   (`n.risk`, `n.event`, `n.censor`, `surv`);
//! * `std_err` is survfit's `std.err`: the Greenwood standard error of the
//!   cumulative hazard (of `log S`), `sqrt(sum d / (n (n - d)))`; it is infinite
//!   once the curve reaches 0;
//! * pointwise confidence intervals as `survival:::survfit_confint` with
//!   `conf.type = "log"` (default), `"log-log"` or `"plain"`, the upper bound
//!   capped at 1 (log and plain); undefined bounds are `None` (R's `NA`);
//! * quantiles (median) and their confidence limits exactly as
//!   `quantile.survfit` (`survival:::findq`), including the midpoint rule when
//!   the curve is flat at the target probability and `None` when not reached;
//! * survival at landmark times as `summary(fit, times = t, extend = TRUE)`;
//! * reverse Kaplan-Meier (censoring as the event) for median follow-up;
//! * numerically tied times merged first, as survfit's `timefix = TRUE`
//!   (`aeqSurv`).
//!
//! Cost: one sort of the `(time, event)` pairs, then a linear pass.

use serde::{Deserialize, Serialize};

use super::dist::qnorm;
use super::error::{check_level, check_survival, Result, StatsError};
use super::timefix::timefix_sorted;

/// Transform used for the pointwise confidence band (survfit's `conf.type`).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{kaplan_meier, ConfType};
/// // survival::aml, maintained arm: weeks to relapse, 1 = relapse, 0 = censored.
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0].map(|e| e == 1);
/// // survfit(..., conf.type = "log-log"): median 31, 95% CI (13, NA).
/// let km = kaplan_meier(&time, &event, ConfType::LogLog, 0.95)?;
/// let median = km.median();
/// assert_eq!((median.estimate, median.lower, median.upper), (Some(31.0), Some(13.0), None));
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfType {
    /// `conf.type = "log"` (the survfit default): CI for `log S`.
    #[default]
    Log,
    /// `conf.type = "log-log"`: CI for `log(-log S)`.
    #[serde(alias = "log-log", alias = "loglog")]
    LogLog,
    /// `conf.type = "plain"`: CI for `S` itself, clipped to [0, 1].
    Plain,
}

/// One row of the Kaplan-Meier table (one distinct time).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmRow {
    /// The time.
    pub time: f64,
    /// Subjects at risk just before `time` (those with time >= `time`).
    pub n_risk: usize,
    /// Events at `time`.
    pub n_event: usize,
    /// Censorings at `time`.
    pub n_censor: usize,
    /// Kaplan-Meier survival just after `time`.
    pub surv: f64,
    /// Greenwood standard error of the cumulative hazard (survfit's `std.err`);
    /// `+inf` once `surv` is 0.
    pub std_err: f64,
    /// Lower confidence limit (`None` where R gives `NA`).
    pub lower: Option<f64>,
    /// Upper confidence limit (`None` where R gives `NA`).
    pub upper: Option<f64>,
}

/// Survival estimate at a landmark time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SurvAt {
    /// The landmark time.
    pub time: f64,
    /// Survival (step function, right-continuous).
    pub surv: f64,
    /// Standard error of `log S` at that time.
    pub std_err: f64,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
    /// Number at risk at the landmark (subjects with time >= `time`).
    pub n_risk: usize,
}

/// A survival quantile with its confidence interval (from the band).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantile {
    /// Probability of the *event* (0.5 for the median), as `quantile.survfit`'s `probs`.
    pub p: f64,
    /// Estimate; `None` if the curve never reaches `1 - p`.
    pub estimate: Option<f64>,
    /// Lower limit (quantile of the lower band); `None` when not reached.
    pub lower: Option<f64>,
    /// Upper limit (quantile of the upper band); `None` when not reached.
    pub upper: Option<f64>,
}

/// A fitted Kaplan-Meier curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmFit {
    /// Table at every distinct event or censoring time, increasing.
    pub rows: Vec<KmRow>,
    /// Number of subjects.
    pub n: usize,
    /// Number of events.
    pub events: usize,
    /// Confidence transform.
    pub conf: ConfType,
    /// Confidence level (e.g. 0.95).
    pub level: f64,
    z: f64,
}

/// Pointwise confidence limits, as `survival:::survfit_confint` (`logse = TRUE`,
/// `ulimit = TRUE`, no `selow`).
pub(crate) fn conf_limits(conf: ConfType, z: f64, p: f64, se: f64) -> (Option<f64>, Option<f64>) {
    let fin = |v: f64| if v.is_nan() { None } else { Some(v) };
    match conf {
        ConfType::Plain => {
            let se2 = se * p * z;
            let lo = p - se2;
            let hi = p + se2;
            // pmax/pmin propagate NaN in R.
            (
                fin(if lo.is_nan() { lo } else { lo.max(0.0) }),
                fin(if hi.is_nan() { hi } else { hi.min(1.0) }),
            )
        }
        ConfType::Log => {
            if p == 0.0 {
                return (None, None);
            }
            let se2 = z * se;
            let lo = (p.ln() - se2).exp();
            let hi = (p.ln() + se2).exp();
            (fin(lo), fin(if hi.is_nan() { hi } else { hi.min(1.0) }))
        }
        ConfType::LogLog => {
            if p == 0.0 || p == 1.0 {
                return (None, None);
            }
            let se2 = z * se / p.ln();
            let ll = (-p.ln()).ln();
            let lo = (-(ll - se2).exp()).exp();
            let hi = (-(ll + se2).exp()).exp();
            (fin(lo), fin(hi))
        }
    }
}

/// Kaplan-Meier fit (`survfit(Surv(time, event) ~ 1, conf.type = conf, conf.int = level)`).
///
/// Errors on empty input, mismatched lengths, non-finite or negative times, or a
/// confidence level outside (0, 1).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{kaplan_meier, ConfType};
/// // survival::aml, maintained arm: weeks to relapse, 1 = relapse, 0 = censored.
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0].map(|e| e == 1);
/// let km = kaplan_meier(&time, &event, ConfType::Log, 0.95)?;
/// // summary(survfit(Surv(time, event) ~ 1))$surv[1] = 10/11, at 11 at risk.
/// assert_eq!((km.rows[0].time, km.rows[0].n_risk, km.events), (9.0, 11, 7));
/// assert!((km.rows[0].surv / 0.90909090909090906 - 1.0).abs() < 1e-9);
/// // Median 31 weeks, 95% CI (18, NA).
/// let median = km.median();
/// assert_eq!((median.estimate, median.lower, median.upper), (Some(31.0), Some(18.0), None));
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn kaplan_meier(time: &[f64], event: &[bool], conf: ConfType, level: f64) -> Result<KmFit> {
    check_survival(time, event.len())?;
    check_level(level)?;
    let z = qnorm(1.0 - (1.0 - level) / 2.0)?;
    let mut pairs: Vec<(f64, bool)> = time.iter().copied().zip(event.iter().copied()).collect();
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut times: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    timefix_sorted(&mut times);
    for (p, t) in pairs.iter_mut().zip(times) {
        p.0 = t;
    }
    Ok(fit_sorted(&pairs, conf, level, z))
}

/// Reverse Kaplan-Meier (`survfit(Surv(time, 1 - event) ~ 1)`): the censoring
/// distribution, whose median is the median follow-up (Schemper & Smith 1996).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{reverse_kaplan_meier, ConfType};
/// // survival::aml (both arms): median follow-up 161 weeks, 95% CI (45, NA), as
/// // survfit(Surv(time, 1 - status) ~ 1).
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
///     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
///     .map(|e| e == 1);
/// let fu = reverse_kaplan_meier(&time, &event, ConfType::Log, 0.95)?.median();
/// assert_eq!((fu.estimate, fu.lower, fu.upper), (Some(161.0), Some(45.0), None));
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn reverse_kaplan_meier(
    time: &[f64],
    event: &[bool],
    conf: ConfType,
    level: f64,
) -> Result<KmFit> {
    check_survival(time, event.len())?;
    let flipped: Vec<bool> = event.iter().map(|e| !e).collect();
    kaplan_meier(time, &flipped, conf, level)
}

/// KM over pairs already sorted by time (ties in any order).
fn fit_sorted(pairs: &[(f64, bool)], conf: ConfType, level: f64, z: f64) -> KmFit {
    let n = pairs.len();
    let mut rows = Vec::new();
    let mut surv = 1.0f64;
    let mut var = 0.0f64;
    let mut events = 0usize;
    let mut i = 0usize;
    while i < n {
        let t = pairs[i].0;
        let n_risk = n - i;
        let mut d = 0usize;
        let mut j = i;
        while j < n && pairs[j].0 == t {
            if pairs[j].1 {
                d += 1;
            }
            j += 1;
        }
        let c = (j - i) - d;
        if d > 0 {
            let nr = n_risk as f64;
            let df = d as f64;
            surv *= (nr - df) / nr;
            if d == n_risk {
                var = f64::INFINITY;
            } else {
                var += df / (nr * (nr - df));
            }
        }
        events += d;
        let std_err = var.sqrt();
        let (lower, upper) = conf_limits(conf, z, surv, std_err);
        rows.push(KmRow {
            time: t,
            n_risk,
            n_event: d,
            n_censor: c,
            surv,
            std_err,
            lower,
            upper,
        });
        i = j;
    }
    KmFit {
        rows,
        n,
        events,
        conf,
        level,
        z,
    }
}

/// R's `approx(x, y = 1:n, xout = p, method = "constant", f = 1, rule = 1)` on the
/// (x, index) pairs: the index of the first node with `x >= p`, after sorting the
/// nodes by `x`; `None` outside `[min x, max x]`.
fn approx_right(nodes: &mut [(f64, usize)], p: f64) -> Option<usize> {
    if nodes.is_empty() {
        return None;
    }
    if !nodes.windows(2).all(|w| w[0].0 <= w[1].0) {
        nodes.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let first = nodes[0].0;
    let last = nodes[nodes.len() - 1].0;
    if p < first || p > last {
        return None;
    }
    let k = nodes.partition_point(|node| node.0 < p);
    nodes.get(k).map(|node| node.1)
}

/// `survival:::findq`: quantile `p` of the step function with jumps at `x`
/// and cumulative distribution `y` (`None` = NA), tolerance `tol`.
fn findq(x: &[f64], y: &[Option<f64>], p: f64, tol: f64) -> Option<f64> {
    let max_y = y.iter().flatten().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    if max_y < p {
        return None;
    }
    let xmax = *x.last()?;
    // Drop duplicated y values (R's duplicated(): first occurrence kept, NA
    // duplicates NA). Fast path: the curve is usually monotone, so dropping
    // adjacent repeats suffices; otherwise fall back to a hash set.
    let mut xs = Vec::with_capacity(x.len());
    let mut ys: Vec<Option<f64>> = Vec::with_capacity(y.len());
    let monotone = y.iter().all(Option::is_some)
        && y.windows(2)
            .all(|w| matches!((w[0], w[1]), (Some(a), Some(b)) if a <= b));
    if monotone {
        for (&xi, &yi) in x.iter().zip(y.iter()) {
            if ys.last() != Some(&yi) {
                xs.push(xi);
                ys.push(yi);
            }
        }
    } else {
        let mut seen = std::collections::HashSet::new();
        for (&xi, &yi) in x.iter().zip(y.iter()) {
            let key = yi.map(|v| if v == 0.0 { 0u64 } else { v.to_bits() });
            if seen.insert(key) {
                xs.push(xi);
                ys.push(yi);
            }
        }
    }
    let n = ys.len();
    let mut nodes1: Vec<(f64, usize)> = Vec::with_capacity(n);
    let mut nodes2: Vec<(f64, usize)> = Vec::with_capacity(n);
    for (i, yi) in ys.iter().enumerate() {
        if let Some(v) = yi {
            nodes1.push((v + tol, i));
            nodes2.push((v - tol, i));
        }
    }
    let i1 = approx_right(&mut nodes1, p);
    let i2 = approx_right(&mut nodes2, p);
    let mut quant = match (i1, i2) {
        (Some(a), Some(b)) => Some((xs[a] + xs[b]) / 2.0),
        _ => None,
    };
    if p == 0.0 {
        quant = xs.first().copied();
    }
    if let Some(Some(ylast)) = ys.last() {
        if (p - ylast).abs() < tol {
            quant = i1.map(|a| (xs[a] + xmax) / 2.0);
        }
    }
    quant
}

/// `survival:::survmean`'s `minmin(y, x)`: among the times whose `y` is known and below
/// `0.5 + sqrt(eps)`, the first; when its `y` is 0.5 within that tolerance and a later kept
/// `y` is smaller, the midpoint of the two times (the flat stretch at 0.5).
fn minmin(time: &[f64], y: &[Option<f64>]) -> Option<f64> {
    let tol = f64::EPSILON.sqrt();
    let mut kept = time
        .iter()
        .zip(y)
        .filter_map(|(&t, &v)| v.filter(|v| *v < 0.5 + tol).map(|v| (t, v)));
    let (x1, y1) = kept.next()?;
    if (y1 - 0.5).abs() < tol {
        if let Some((x2, _)) = kept.find(|&(_, v)| v < y1) {
            return Some((x1 + x2) / 2.0);
        }
    }
    Some(x1)
}

impl KmFit {
    /// The z value of the confidence level.
    ///
    /// # Examples
    ///
    /// ```rust
    /// use mmreport_stats::{kaplan_meier, ConfType};
    /// let km = kaplan_meier(&[1.0, 2.0, 3.0], &[true, false, true], ConfType::Log, 0.95)?;
    /// // qnorm(0.975)
    /// assert!((km.z() / 1.9599639845400536 - 1.0).abs() < 1e-9);
    /// # Ok::<(), mmreport_stats::StatsError>(())
    /// ```
    pub fn z(&self) -> f64 {
        self.z
    }

    /// Survival at time `t` (`summary(fit, times = t, extend = TRUE)`): the step
    /// function value and its band at the last table time `<= t` (surv 1 with
    /// band [1, 1] before the first time), and the number at risk at `t`.
    ///
    /// # Examples
    ///
    /// ```rust
    /// use mmreport_stats::{kaplan_meier, ConfType};
    /// // survival::aml, maintained arm: weeks to relapse, 1 = relapse, 0 = censored.
    /// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0];
    /// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0].map(|e| e == 1);
    /// let km = kaplan_meier(&time, &event, ConfType::Log, 0.95)?;
    /// // summary(fit, times = 12, extend = TRUE): surv 0.909, CI (0.754, 1), 10 at risk.
    /// let at = km.survival_at(12.0)?;
    /// assert!((at.surv / 0.909090909090909 - 1.0).abs() < 1e-9);
    /// assert!((at.lower.unwrap() / 0.754133845081525 - 1.0).abs() < 1e-9);
    /// assert_eq!((at.upper, at.n_risk), (Some(1.0), 10));
    /// # Ok::<(), mmreport_stats::StatsError>(())
    /// ```
    pub fn survival_at(&self, t: f64) -> Result<SurvAt> {
        if !t.is_finite() {
            return Err(StatsError::NonFinite {
                what: "landmark time",
                index: 0,
            });
        }
        let k = self.rows.partition_point(|r| r.time <= t);
        let n_risk = self
            .rows
            .get(self.rows.partition_point(|r| r.time < t))
            .map_or(0, |r| r.n_risk);
        if k == 0 {
            // Before the first time, summary.survfit reports the origin row that
            // survfit0() adds: surv = 1 with a degenerate band [1, 1] for every
            // conf.type.
            return Ok(SurvAt {
                time: t,
                surv: 1.0,
                std_err: 0.0,
                lower: Some(1.0),
                upper: Some(1.0),
                n_risk,
            });
        }
        let r = &self.rows[k - 1];
        Ok(SurvAt {
            time: t,
            surv: r.surv,
            std_err: r.std_err,
            lower: r.lower,
            upper: r.upper,
            n_risk,
        })
    }

    /// Quantile of the survival distribution, as `quantile.survfit(fit, probs = p)`:
    /// the smallest time at which `S <= 1 - p` (midpoint of the flat stretch when
    /// `S` equals `1 - p` exactly over an interval, tolerance `sqrt(eps)`), with the
    /// confidence limits taken where the lower and upper bands cross `1 - p`.
    ///
    /// # Examples
    ///
    /// ```rust
    /// use mmreport_stats::{kaplan_meier, ConfType};
    /// // survival::aml, maintained arm: weeks to relapse, 1 = relapse, 0 = censored.
    /// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0];
    /// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0].map(|e| e == 1);
    /// let km = kaplan_meier(&time, &event, ConfType::Log, 0.95)?;
    /// // quantile(fit, probs = 0.25): 18 weeks, 95% CI (13, NA).
    /// let q = km.quantile(0.25)?;
    /// assert_eq!((q.estimate, q.lower, q.upper), (Some(18.0), Some(13.0), None));
    /// # Ok::<(), mmreport_stats::StatsError>(())
    /// ```
    pub fn quantile(&self, p: f64) -> Result<Quantile> {
        if !(0.0..=1.0).contains(&p) {
            return Err(StatsError::InvalidArgument(format!(
                "quantile probability must be in [0, 1], got {p}"
            )));
        }
        let tol = f64::EPSILON.sqrt();
        let mut x = Vec::with_capacity(self.rows.len() + 1);
        x.push(0.0);
        x.extend(self.rows.iter().map(|r| r.time));
        let curve = |f: &dyn Fn(&KmRow) -> Option<f64>| -> Vec<Option<f64>> {
            let mut y = Vec::with_capacity(self.rows.len() + 1);
            y.push(Some(0.0));
            y.extend(self.rows.iter().map(|r| f(r).map(|s| 1.0 - s)));
            y
        };
        let est = findq(&x, &curve(&|r| Some(r.surv)), p, tol);
        let lower = findq(&x, &curve(&|r| r.lower), p, tol);
        let upper = findq(&x, &curve(&|r| r.upper), p, tol);
        Ok(Quantile {
            p,
            estimate: est,
            lower,
            upper,
        })
    }

    /// Median survival with its CI as R prints it (`print.survfit`, `summary(fit)$table`,
    /// and so survminer's `surv_median`): `survival:::survmean`'s rule, applied to the curve
    /// and to each band, is the first time the value is at most 0.5 (midpoint when it equals
    /// 0.5 within `sqrt(eps)` and later drops below). Where a band is not monotone this can
    /// be earlier than [`KmFit::quantile`]`(0.5)`, which follows `quantile.survfit`; the two
    /// R functions then disagree, and the printed value is the one papers report.
    ///
    /// # Examples
    ///
    /// ```rust
    /// use mmreport_stats::{kaplan_meier, ConfType};
    /// // survival::aml, maintained arm: weeks to relapse, 1 = relapse, 0 = censored.
    /// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0];
    /// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0].map(|e| e == 1);
    /// let km = kaplan_meier(&time, &event, ConfType::Log, 0.95)?;
    /// // print(survfit(...)): median 31, 0.95LCL 18, 0.95UCL NA.
    /// let m = km.median();
    /// assert_eq!((m.estimate, m.lower, m.upper), (Some(31.0), Some(18.0), None));
    /// # Ok::<(), mmreport_stats::StatsError>(())
    /// ```
    pub fn median(&self) -> Quantile {
        let time: Vec<f64> = self.rows.iter().map(|r| r.time).collect();
        let band = |f: &dyn Fn(&KmRow) -> Option<f64>| -> Vec<Option<f64>> {
            self.rows.iter().map(f).collect()
        };
        Quantile {
            p: 0.5,
            estimate: minmin(&time, &band(&|r| Some(r.surv))),
            lower: minmin(&time, &band(&|r| r.lower)),
            upper: minmin(&time, &band(&|r| r.upper)),
        }
    }
}
