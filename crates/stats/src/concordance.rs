//! Harrell's concordance of a Cox model, as `coxph`'s `fit$concordance`
//! (`survival::concordancefit`, `timewt = "n"`, `reverse = TRUE`).

#![allow(clippy::needless_range_loop)]

use serde::Serialize;

use super::cox::CoxFit;
use super::error::{check_finite, check_len, check_survival, Result, StatsError};
use super::timefix::timefix_sorted;

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

/// Fenwick tree of weights over the ranks of the risk score, with the weight of
/// each rank kept apart: the "greater, smaller, tied" sums of `walkup` in
/// `concordance3.c` in `O(log n)`.
struct Tree {
    fen: Vec<f64>,
    node: Vec<f64>,
    total: f64,
}

impl Tree {
    fn new(n: usize) -> Tree {
        Tree {
            fen: vec![0.0; n + 1],
            node: vec![0.0; n],
            total: 0.0,
        }
    }

    fn add(&mut self, rank: usize, w: f64) {
        self.node[rank] += w;
        self.total += w;
        let mut i = rank + 1;
        while i < self.fen.len() {
            self.fen[i] += w;
            i += i & i.wrapping_neg();
        }
    }

    /// Weights with a greater, smaller and equal rank.
    fn sums(&self, rank: usize) -> [f64; 3] {
        let mut smaller = 0.0;
        let mut i = rank;
        while i > 0 {
            smaller += self.fen[i];
            i -= i & i.wrapping_neg();
        }
        let tied = self.node[rank];
        [self.total - smaller - tied, smaller, tied]
    }
}

/// Counts and per-subject influence (`imat[0..3]`) of `concordance3.c`.
struct Counts {
    count: [f64; 5],
    imat: [Vec<f64>; 3],
}

/// The pairs of one time with events (`concordance3.c`, passes 1 and 2): each
/// death is compared with the risk set (longer times and censored at that time),
/// tied deaths count as tied on y (and on x and y when their scores tie).
fn death_time(c: &mut Counts, group: &[usize], rank: &[usize], all: &mut Tree, dead: &mut Tree) {
    let (mut dwt, mut dwt2) = (0.0f64, 0.0f64);
    let mut xsave = rank[group[0]];
    for &jj in group {
        c.count[3] += dwt;
        dwt += 1.0;
        if rank[jj] != xsave {
            dwt2 = 0.0;
            xsave = rank[jj];
        }
        c.count[4] += dwt2;
        dwt2 += 1.0;
        let w = all.sums(rank[jj]);
        for k in 0..3 {
            c.count[k] += w[k];
            c.imat[k][jj] += w[k];
        }
        dead.add(rank[jj], 1.0);
    }
    for &jj in group {
        let w = dead.sums(rank[jj]);
        c.imat[0][jj] -= w[1];
        c.imat[1][jj] -= w[0];
        c.imat[2][jj] -= w[2];
        all.add(rank[jj], 1.0);
    }
}

/// Walk the subjects from the longest time down (censored before deaths at a
/// time, then by score), as `concordancefit`'s `docount` with `timewt = "n"`.
fn count_pairs(time: &[f64], event: &[bool], rank: &[usize], nrank: usize) -> Counts {
    let n = time.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        time[b]
            .total_cmp(&time[a])
            .then(event[a].cmp(&event[b]))
            .then(rank[a].cmp(&rank[b]))
    });
    let mut c = Counts {
        count: [0.0; 5],
        imat: [vec![0.0; n], vec![0.0; n], vec![0.0; n]],
    };
    let (mut all, mut dead) = (Tree::new(nrank), Tree::new(nrank));
    let mut i = 0;
    while i < n {
        let ii = order[i];
        if !event[ii] {
            let w = dead.sums(rank[ii]);
            c.imat[0][ii] -= w[1];
            c.imat[1][ii] -= w[0];
            c.imat[2][ii] -= w[2];
            all.add(rank[ii], 1.0);
            i += 1;
        } else {
            let end = i + order[i..].partition_point(|&j| time[j] == time[ii]);
            death_time(&mut c, &order[i..end], rank, &mut all, &mut dead);
            i = end;
        }
    }
    for ii in 0..n {
        let w = dead.sums(rank[ii]);
        c.imat[0][ii] += w[1];
        c.imat[1][ii] += w[0];
        c.imat[2][ii] += w[2];
    }
    c.count[3] -= c.count[4];
    c
}

/// Harrell's concordance of a risk score as `coxph` reports it in
/// `fit$concordance` (survival 3.5: `concordancefit(y, lp, timewt = "n",
/// reverse = TRUE)`): over all comparable pairs (the shorter time is an event),
/// a pair is concordant when the shorter time has the higher risk; pairs tied on
/// the score count 1/2; pairs of events at the same time are tied on y and not
/// used. `concordance = (concordant + tied_x / 2) / (concordant + discordant +
/// tied_x)`; its standard error is the infinitesimal jackknife of
/// `concordancefit` (`sqrt(sum(dfbeta^2))`, Therneau and Watson 2017), not the
/// older Cox-variance. Times are merged with `timefix` as in `coxph`; scores tie
/// only when exactly equal. Runs in `O(n log n)` (a Fenwick tree where R uses a
/// balanced binary tree).
///
/// Errors when there are no comparable pairs (e.g. no events).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::concordance;
/// // survival::aml with the group as the score (1 = not maintained, higher risk):
/// // coxph(Surv(time, status) ~ x, aml)$concordance: concordant 81, discordant 31,
/// // tied.x 98, tied.y 1, tied.xy 2, concordance 0.6190, std 0.0632.
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
///     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
///     .map(|e| e == 1);
/// let risk: Vec<f64> = (0..23).map(|i| if i >= 11 { 1.0 } else { 0.0 }).collect();
/// let c = concordance(&time, &event, &risk)?;
/// assert_eq!((c.concordant, c.discordant, c.tied_x), (81.0, 31.0, 98.0));
/// assert_eq!((c.tied_y, c.tied_xy), (1.0, 2.0));
/// assert!((c.concordance / 0.619047619047619 - 1.0).abs() < 1e-9);
/// assert!((c.std_err / 0.0631849960441082 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn concordance(time: &[f64], event: &[bool], risk: &[f64]) -> Result<Concordance> {
    check_survival(time, event.len())?;
    check_finite("risk score", risk)?;
    check_len("risk score", risk.len(), time.len())?;
    let mut sorted: Vec<usize> = (0..time.len()).collect();
    sorted.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut st: Vec<f64> = sorted.iter().map(|&i| time[i]).collect();
    timefix_sorted(&mut st);
    let mut t = vec![0.0; time.len()];
    for (&i, v) in sorted.iter().zip(st) {
        t[i] = v;
    }
    let mut u = risk.to_vec();
    u.sort_by(f64::total_cmp);
    u.dedup();
    let rank: Vec<usize> = risk.iter().map(|r| u.partition_point(|v| v < r)).collect();
    let c = count_pairs(&t, event, &rank, u.len());
    let [conc, disc, tx, ty, txy] = c.count;
    let npair = conc + disc + tx;
    if !(npair > 0.0) {
        return Err(StatsError::Degenerate(
            "no comparable pairs for the concordance (no events with a longer time at risk)".into(),
        ));
    }
    let somer = (conc - disc) / npair;
    let var: f64 = (0..time.len())
        .map(|i| {
            let [a, b, tie] = [c.imat[0][i], c.imat[1][i], c.imat[2][i]];
            let d = ((a - b) - (a + b + tie) * somer) / (2.0 * npair);
            d * d
        })
        .sum();
    // reverse = TRUE: concordant and discordant swap, the concordance flips.
    Ok(Concordance {
        concordant: disc,
        discordant: conc,
        tied_x: tx,
        tied_y: ty,
        tied_xy: txy,
        concordance: 1.0 - (somer + 1.0) / 2.0,
        std_err: var.sqrt(),
    })
}

/// The linear predictor of a fitted model as `coxph`'s `linear.predictors`:
/// `x %*% coef - sum(coef * means)`, the means being those `coxph` centres on
/// (0 for a column whose values are all in {-1, 0, 1}). The centring does not
/// change the concordance but keeps the scores numerically as R has them.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{concordance, cox, linear_predictor, Ties};
/// // survival::aml, maintained (0) or not (1).
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
///     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
///     .map(|e| e == 1);
/// let x: Vec<Vec<f64>> = (0..23).map(|i| vec![f64::from(u8::from(i >= 11))]).collect();
/// let fit = cox(&time, &event, &x, Ties::Efron)?;
/// let lp = linear_predictor(&x, &fit)?;
/// assert_eq!((lp[0], lp[11]), (0.0, fit.coef[0]));
/// let c = concordance(&time, &event, &lp)?;
/// assert!((c.concordance / 0.619047619047619 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn linear_predictor(x: &[Vec<f64>], fit: &CoxFit) -> Result<Vec<f64>> {
    let p = fit.coef.len();
    if x.is_empty() {
        return Err(StatsError::Empty("covariates"));
    }
    for (i, row) in x.iter().enumerate() {
        check_len("covariate row", row.len(), p)?;
        if let Some(j) = row.iter().position(|v| !v.is_finite()) {
            return Err(StatsError::NonFinite {
                what: "covariates",
                index: i * p + j,
            });
        }
    }
    let nf = x.len() as f64;
    let offset: f64 = (0..p)
        .map(|j| {
            let col = x.iter().map(|r| r[j]);
            let zero_one = col.clone().all(|v| v == -1.0 || v == 0.0 || v == 1.0);
            let mean = if zero_one { 0.0 } else { col.sum::<f64>() / nf };
            fit.coef[j] * mean
        })
        .sum();
    Ok(x.iter()
        .map(|r| r.iter().zip(&fit.coef).map(|(v, b)| v * b).sum::<f64>() - offset)
        .collect())
}
