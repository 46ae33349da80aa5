//! Log-rank and Peto-Peto tests for k groups, as R's `survival::survdiff`
//! (`survdiff2.c`, G-rho family of Harrington & Fleming 1982).
//!
//! `rho = 0` is the log-rank test, `rho = 1` the Peto-Peto modification of the
//! Gehan-Wilcoxon test; each death time is weighted by `S(t-)^rho`, where `S` is
//! the pooled left-continuous Kaplan-Meier of the stratum. Observed and expected
//! (weighted) counts per group, the variance matrix, and the chi-square
//! `(O - E)' V^- (O - E)` computed on the groups with positive expected count,
//! dropping the first, with `df = #(E > 0) - 1`, as `survdiff()` does.
//!
//! Numerically tied times are merged first (`timefix = TRUE`, `aeqSurv`).
//!
//! Cost: one sort by time (plus a stable sort by stratum when stratified), then a
//! linear backward pass with O(k^2) work per distinct death time.
#![allow(clippy::needless_range_loop)]

use serde::Serialize;

use super::dist::pchisq_upper;
use super::error::{check_len, check_survival, Result, StatsError};
use super::linalg::solve;
use super::timefix::timefix_sorted;

/// Largest number of groups accepted (the work per death time is O(k^2)).
pub const MAX_GROUPS: usize = 100;

/// Result of a (stratified) G-rho test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRank {
    /// Distinct group labels, increasing; the order of all per-group vectors.
    pub groups: Vec<usize>,
    /// Subjects per group.
    pub n: Vec<usize>,
    /// Observed (weighted when `rho != 0`) events per group, summed over strata.
    pub observed: Vec<f64>,
    /// Expected (weighted) events per group, summed over strata.
    pub expected: Vec<f64>,
    /// Variance matrix of `O - E` (k x k), summed over strata.
    pub variance: Vec<Vec<f64>>,
    /// Chi-square statistic.
    pub chisq: f64,
    /// Degrees of freedom: number of groups with positive expected count, minus 1.
    pub df: usize,
    /// p-value `pchisq(chisq, df, lower.tail = FALSE)`.
    pub p: f64,
    /// Weight exponent used.
    pub rho: f64,
}

/// Log-rank (`rho = 0`) or Peto-Peto (`rho = 1`) test for k groups
/// (`survdiff(Surv(time, event) ~ group, rho = rho)`).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::logrank;
/// // survival::aml: weeks to relapse (1 = relapse), maintained (0) or not (1).
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
///     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
///     .map(|e| e == 1);
/// let group: Vec<usize> = (0..23).map(|i| usize::from(i >= 11)).collect();
/// // survdiff(Surv(time, status) ~ x, aml): chisq 3.40 on 1 df, p = 0.0653.
/// let lr = logrank(&time, &event, &group, 0.0)?;
/// assert_eq!((lr.groups, lr.observed, lr.df), (vec![0, 1], vec![7.0, 11.0], 1));
/// assert!((lr.chisq / 3.3963886989776 - 1.0).abs() < 1e-9);
/// assert!((lr.p / 0.0653393220405051 - 1.0).abs() < 1e-9);
/// // Peto-Peto, survdiff(..., rho = 1): p = 0.0955.
/// let pp = logrank(&time, &event, &group, 1.0)?;
/// assert!((pp.p / 0.0954911154064931 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn logrank(time: &[f64], event: &[bool], group: &[usize], rho: f64) -> Result<LogRank> {
    let strata = vec![0usize; time.len()];
    logrank_stratified(time, event, group, &strata, rho)
}

/// One subject: (stratum, time, event, group index).
type Rec = (usize, f64, bool, u32);

/// Stratified G-rho test (`survdiff(Surv(time, event) ~ group + strata(s), rho = rho)`):
/// observed, expected and variance accumulated within strata and summed.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::logrank_stratified;
/// // survival::aml: weeks to relapse (1 = relapse), maintained (0) or not (1).
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
///     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
///     .map(|e| e == 1);
/// let group: Vec<usize> = (0..23).map(|i| usize::from(i >= 11)).collect();
/// let strata: Vec<usize> = (0..23).map(|i| i % 2).collect();
/// // survdiff(Surv(time, status) ~ x + strata(s)): p = 0.0991.
/// let lr = logrank_stratified(&time, &event, &group, &strata, 0.0)?;
/// assert!((lr.chisq / 2.72075937326547 - 1.0).abs() < 1e-9);
/// assert!((lr.p / 0.0990508821410607 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn logrank_stratified(
    time: &[f64],
    event: &[bool],
    group: &[usize],
    strata: &[usize],
    rho: f64,
) -> Result<LogRank> {
    check_survival(time, event.len())?;
    check_len("group", group.len(), time.len())?;
    check_len("strata", strata.len(), time.len())?;
    if !rho.is_finite() || rho < 0.0 {
        return Err(StatsError::InvalidArgument(format!(
            "rho must be finite and >= 0, got {rho}"
        )));
    }
    let labels = group_labels(group)?;
    let rec = sorted_records(time, event, group, strata, &labels);
    let mut sums = Sums::new(labels.len(), &rec);
    let mut start = 0usize;
    while start < rec.len() {
        let s = rec[start].0;
        let end = start + rec[start..].partition_point(|r| r.0 == s);
        sums.add_stratum(&rec[start..end], rho);
        start = end;
    }
    let (chisq, df, p) = chisq_test(&sums.obs, &sums.exp, &sums.var)?;
    Ok(LogRank {
        groups: labels,
        n: sums.n_per,
        observed: sums.obs,
        expected: sums.exp,
        variance: sums.var,
        chisq,
        df,
        p,
        rho,
    })
}

/// The distinct group labels, increasing; errors unless there are 2 to
/// [`MAX_GROUPS`] of them.
fn group_labels(group: &[usize]) -> Result<Vec<usize>> {
    let mut labels: Vec<usize> = group.to_vec();
    labels.sort_unstable();
    labels.dedup();
    let k = labels.len();
    if k < 2 {
        return Err(StatsError::Degenerate("there is only 1 group".into()));
    }
    if k > MAX_GROUPS {
        return Err(StatsError::InvalidArgument(format!(
            "{k} groups; at most {MAX_GROUPS} are supported"
        )));
    }
    Ok(labels)
}

/// The subjects as records, sorted by time with numerically tied times merged
/// (aeqSurv, over all strata), then stable-sorted by stratum, which keeps the
/// time order within strata.
fn sorted_records(
    time: &[f64],
    event: &[bool],
    group: &[usize],
    strata: &[usize],
    labels: &[usize],
) -> Vec<Rec> {
    let mut rec: Vec<Rec> = Vec::with_capacity(time.len());
    for i in 0..time.len() {
        let g = labels.binary_search(&group[i]).unwrap_or(0) as u32;
        rec.push((strata[i], time[i], event[i], g));
    }
    rec.sort_unstable_by(|a, b| a.1.total_cmp(&b.1));
    let mut times: Vec<f64> = rec.iter().map(|r| r.1).collect();
    timefix_sorted(&mut times);
    for (r, t) in rec.iter_mut().zip(times) {
        r.1 = t;
    }
    if rec.windows(2).any(|w| w[0].0 != w[1].0) {
        rec.sort_by_key(|r| r.0);
    }
    rec
}

/// Per-group sums of `survdiff2.c`, accumulated stratum by stratum, with the
/// work buffers of one stratum (numbers at risk, left-continuous KM).
struct Sums {
    n_per: Vec<usize>,
    obs: Vec<f64>,
    exp: Vec<f64>,
    var: Vec<Vec<f64>>,
    risk: Vec<f64>,
    kaplan: Vec<f64>,
}

impl Sums {
    /// Zero sums for `k` groups, with the subjects counted per group.
    fn new(k: usize, rec: &[Rec]) -> Sums {
        let mut n_per = vec![0usize; k];
        for r in rec {
            n_per[r.3 as usize] += 1;
        }
        Sums {
            n_per,
            obs: vec![0.0f64; k],
            exp: vec![0.0f64; k],
            var: vec![vec![0.0f64; k]; k],
            risk: vec![0.0f64; k],
            kaplan: Vec::new(),
        }
    }

    /// Add one stratum (records sorted by time): a backward pass over its distinct
    /// times, growing the risk sets, weighting each death time by `S(t-)^rho`.
    fn add_stratum(&mut self, recs: &[Rec], rho: f64) {
        let n = recs.len();
        self.risk.iter_mut().for_each(|r| *r = 0.0);
        // Left-continuous pooled KM at each record (only for rho != 0).
        if rho != 0.0 {
            left_km(recs, &mut self.kaplan);
        }
        let mut i = n;
        while i > 0 {
            let last = i - 1;
            let t = recs[last].1;
            let wt = if rho == 0.0 {
                1.0
            } else {
                self.kaplan[last].powf(rho)
            };
            let mut deaths = 0.0f64;
            let mut j = i;
            while j > 0 && recs[j - 1].1 == t {
                let r = &recs[j - 1];
                let g = r.3 as usize;
                self.risk[g] += 1.0;
                if r.2 {
                    deaths += 1.0;
                    self.obs[g] += wt;
                }
                j -= 1;
            }
            i = j;
            if deaths > 0.0 {
                self.add_death_time(wt, deaths, (n - j) as f64);
            }
        }
    }

    /// Expected counts and (hypergeometric) variance of one death time with
    /// weight `wt`, `deaths` events and `nrisk` subjects at risk.
    fn add_death_time(&mut self, wt: f64, deaths: f64, nrisk: f64) {
        let k = self.exp.len();
        for g in 0..k {
            self.exp[g] += wt * deaths * self.risk[g] / nrisk;
        }
        if nrisk == 1.0 {
            return;
        }
        let wt2 = wt * wt;
        for a in 0..k {
            let tmp = wt2 * deaths * self.risk[a] * (nrisk - deaths) / (nrisk * (nrisk - 1.0));
            self.var[a][a] += tmp;
            for b in 0..k {
                self.var[a][b] -= tmp * self.risk[b] / nrisk;
            }
        }
    }
}

/// The pooled Kaplan-Meier just before each record's time (`S(t-)`), of records
/// sorted by time, written into `kaplan`.
fn left_km(recs: &[Rec], kaplan: &mut Vec<f64>) {
    let n = recs.len();
    kaplan.clear();
    kaplan.resize(n, 1.0);
    let mut km = 1.0f64;
    let mut i = 0;
    while i < n {
        let nrisk = (n - i) as f64;
        let mut deaths = 0.0;
        let mut j = i;
        while j < n && recs[j].1 == recs[i].1 {
            kaplan[j] = km;
            if recs[j].2 {
                deaths += 1.0;
            }
            j += 1;
        }
        km = km * (nrisk - deaths) / nrisk;
        i = j;
    }
}

/// `survdiff`'s chi-square `(O - E)' V^- (O - E)` over the groups with a positive
/// expected count, dropping the first: returns the statistic, `df` and p-value.
fn chisq_test(obs: &[f64], exp: &[f64], var: &[Vec<f64>]) -> Result<(f64, usize, f64)> {
    let keep: Vec<usize> = (0..exp.len()).filter(|&g| exp[g] > 0.0).collect();
    if keep.len() < 2 {
        return Err(StatsError::Degenerate(
            "fewer than two groups with a positive expected number of events; no test".into(),
        ));
    }
    let df = keep.len() - 1;
    let diff: Vec<f64> = keep[1..].iter().map(|&g| obs[g] - exp[g]).collect();
    let vv: Vec<Vec<f64>> = keep[1..]
        .iter()
        .map(|&a| keep[1..].iter().map(|&b| var[a][b]).collect())
        .collect();
    let sol =
        solve(&vv, &diff).ok_or_else(|| StatsError::Singular("log-rank variance matrix".into()))?;
    let chisq: f64 = sol.iter().zip(diff.iter()).map(|(a, b)| a * b).sum();
    let p = pchisq_upper(chisq, df as f64)?;
    Ok((chisq, df, p))
}
