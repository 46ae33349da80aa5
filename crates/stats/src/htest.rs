//! Hypothesis tests, reproducing R's `stats` package:
//!
//! * [`t_test_student`] / [`t_test_welch`]: `t.test(x, y, var.equal = TRUE | FALSE)`;
//! * [`wilcoxon_rank_sum`]: `wilcox.test(x, y)` (Mann-Whitney): exact p from the
//!   null distribution of W when both samples have fewer than 50 values and there
//!   are no ties, otherwise the normal approximation with tie correction and
//!   continuity correction;
//! * [`fisher_exact`]: `fisher.test` two-sided p; 2 x 2 exactly as R (hypergeometric
//!   probabilities <= the observed one times `1 + 1e-7`), r x c by exhaustive
//!   enumeration of the tables with the observed margins with the same rule
//!   (R uses the network algorithm FEXACT; same quantity);
//! * [`chisq_test`]: `chisq.test(table, correct = yates)` (Yates only for 2 x 2);
//! * [`clopper_pearson`]: the exact CI of `binom.test`.
#![allow(clippy::needless_range_loop)]

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::function::factorial::ln_factorial;

use super::describe::{mean_unchecked, var_unchecked};
use super::dist::{pchisq_upper, pnorm, pnorm_upper, pt_two_sided, qbeta, qt};
use super::error::{check_finite, check_level, Result, StatsError};

/// Two-sample t test result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TTest {
    /// t statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Mean of x.
    pub mean_x: f64,
    /// Mean of y.
    pub mean_y: f64,
    /// Lower limit of the CI for `mean_x - mean_y`.
    pub conf_lower: f64,
    /// Upper limit of the CI for `mean_x - mean_y`.
    pub conf_upper: f64,
}

fn two_samples(x: &[f64], y: &[f64], level: f64) -> Result<()> {
    check_finite("x", x)?;
    check_finite("y", y)?;
    check_level(level)
}

/// Student's two-sample t test with pooled variance (`t.test(x, y, var.equal = TRUE)`).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::t_test_student;
/// let x = [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8];
/// let y = [4.5, 5.1, 3.9, 6.2, 5.8];
/// // t.test(x, y, var.equal = TRUE): t = -2.6278, df = 10, p-value = 0.02526,
/// // 95 percent confidence interval -3.2735 -0.2694.
/// let t = t_test_student(&x, &y, 0.95)?;
/// assert_eq!(t.df, 10.0);
/// let want = [-2.62777925765735, 0.0252582384515894, -3.27345307063908, -0.269404072218062];
/// let got = [t.statistic, t.p, t.conf_lower, t.conf_upper];
/// assert!(got.iter().zip(want).all(|(g, w)| (g / w - 1.0).abs() < 1e-9));
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn t_test_student(x: &[f64], y: &[f64], level: f64) -> Result<TTest> {
    two_samples(x, y, level)?;
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    if nx + ny < 3.0 {
        return Err(StatsError::Degenerate("not enough observations".into()));
    }
    let mx = mean_unchecked(x);
    let my = mean_unchecked(y);
    let vx = if x.len() > 1 { var_unchecked(x) } else { 0.0 };
    let vy = if y.len() > 1 { var_unchecked(y) } else { 0.0 };
    let df = nx + ny - 2.0;
    let mut v = 0.0;
    if nx > 1.0 {
        v += (nx - 1.0) * vx;
    }
    if ny > 1.0 {
        v += (ny - 1.0) * vy;
    }
    v /= df;
    let stderr = (v * (1.0 / nx + 1.0 / ny)).sqrt();
    finish_t(mx, my, stderr, df, level)
}

/// Welch's two-sample t test (`t.test(x, y)`), Welch-Satterthwaite df.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::t_test_welch;
/// let x = [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8];
/// let y = [4.5, 5.1, 3.9, 6.2, 5.8];
/// // t.test(x, y): t = -2.7758, df = 9.9633, p-value = 0.01965.
/// let t = t_test_welch(&x, &y, 0.95)?;
/// let want = [-2.7758488806613, 9.96333939688471, 0.0196534711647244, -3.19404142578328];
/// let got = [t.statistic, t.df, t.p, t.conf_lower];
/// assert!(got.iter().zip(want).all(|(g, w)| (g / w - 1.0).abs() < 1e-9));
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn t_test_welch(x: &[f64], y: &[f64], level: f64) -> Result<TTest> {
    two_samples(x, y, level)?;
    if x.len() < 2 || y.len() < 2 {
        return Err(StatsError::Degenerate(
            "each sample needs at least 2 observations".into(),
        ));
    }
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let mx = mean_unchecked(x);
    let my = mean_unchecked(y);
    let stderrx = (var_unchecked(x) / nx).sqrt();
    let stderry = (var_unchecked(y) / ny).sqrt();
    let stderr = (stderrx * stderrx + stderry * stderry).sqrt();
    let df = stderr.powi(4) / (stderrx.powi(4) / (nx - 1.0) + stderry.powi(4) / (ny - 1.0));
    finish_t(mx, my, stderr, df, level)
}

fn finish_t(mx: f64, my: f64, stderr: f64, df: f64, level: f64) -> Result<TTest> {
    if !(stderr >= 10.0 * f64::EPSILON * mx.abs().max(my.abs())) || stderr == 0.0 {
        return Err(StatsError::Degenerate(
            "data are essentially constant".into(),
        ));
    }
    let t = (mx - my) / stderr;
    let p = pt_two_sided(t, df)?;
    let alpha = 1.0 - level;
    let cint = qt(1.0 - alpha / 2.0, df)?;
    Ok(TTest {
        statistic: t,
        df,
        p,
        mean_x: mx,
        mean_y: my,
        conf_lower: (t - cint) * stderr,
        conf_upper: (t + cint) * stderr,
    })
}

/// Wilcoxon rank-sum / Mann-Whitney test result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RankSum {
    /// W = rank sum of x minus `n_x (n_x + 1) / 2`.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Whether the exact null distribution was used.
    pub exact: bool,
}

/// Mid-ranks (R's `rank(ties.method = "average")`) and whether there are ties.
pub(crate) fn midranks(v: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_unstable_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut tie_sizes = Vec::new();
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        tie_sizes.push(j - i + 1);
        i = j + 1;
    }
    (r, tie_sizes)
}

/// Counts of the Mann-Whitney statistic `W = 0..=m n` under H0 (R's `cwilcox`),
/// via the rank-sum subset recursion.
fn wilcox_counts(m: usize, n: usize) -> Vec<f64> {
    let total = m + n;
    let max_w = m * n;
    // dp[j][s]: subsets of size j of {1..i} with (sum of elements - j(j+1)/2) = s.
    // Adding element i to a subset of size j-1 raises s by i - j.
    let mut dp = vec![vec![0.0f64; max_w + 1]; m + 1];
    dp[0][0] = 1.0;
    for i in 1..=total {
        for j in (1..=m.min(i)).rev() {
            let shift = i - j;
            if shift > max_w {
                continue;
            }
            let (lo, hi) = dp.split_at_mut(j);
            let prev = &lo[j - 1];
            let cur = &mut hi[0];
            for s in (shift..=max_w).rev() {
                let add = prev[s - shift];
                if add != 0.0 {
                    cur[s] += add;
                }
            }
        }
    }
    dp.swap_remove(m)
}

/// Two-sample Wilcoxon rank-sum test as `wilcox.test(x, y)` (two-sided, `mu = 0`,
/// `correct = TRUE`, `exact = NULL`).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::wilcoxon_rank_sum;
/// let x = [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8];
/// let y = [4.5, 5.1, 3.9, 6.2, 5.8];
/// // wilcox.test(x, y): W = 4, p-value = 0.0303 (exact: no ties, small samples).
/// let w = wilcoxon_rank_sum(&x, &y)?;
/// assert_eq!((w.statistic, w.exact), (4.0, true));
/// assert!((w.p / 0.0303030303030303 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn wilcoxon_rank_sum(x: &[f64], y: &[f64]) -> Result<RankSum> {
    check_finite("x", x)?;
    check_finite("y", y)?;
    let (nx, ny) = (x.len(), y.len());
    let mut all = Vec::with_capacity(nx + ny);
    all.extend_from_slice(x);
    all.extend_from_slice(y);
    let (r, ties) = midranks(&all);
    let nxf = nx as f64;
    let nyf = ny as f64;
    let w = r[..nx].iter().sum::<f64>() - nxf * (nxf + 1.0) / 2.0;
    let has_ties = ties.iter().any(|&t| t > 1);
    if nx < 50 && ny < 50 && !has_ties {
        let counts = wilcox_counts(nx, ny);
        let total: f64 = counts.iter().sum();
        let wi = w.round() as usize;
        let p = if w > nxf * nyf / 2.0 {
            counts[wi.min(counts.len())..].iter().sum::<f64>() / total
        } else {
            counts[..=wi.min(counts.len() - 1)].iter().sum::<f64>() / total
        };
        return Ok(RankSum {
            statistic: w,
            p: (2.0 * p).min(1.0),
            exact: true,
        });
    }
    let z0 = w - nxf * nyf / 2.0;
    let ntot = nxf + nyf;
    let tie_term: f64 = ties
        .iter()
        .map(|&t| {
            let t = t as f64;
            t * t * t - t
        })
        .sum();
    let sigma = ((nxf * nyf / 12.0) * ((ntot + 1.0) - tie_term / (ntot * (ntot - 1.0)))).sqrt();
    if !(sigma > 0.0) {
        return Err(StatsError::Degenerate(
            "all observations are tied; no rank test".into(),
        ));
    }
    let correction = if z0 > 0.0 {
        0.5
    } else if z0 < 0.0 {
        -0.5
    } else {
        0.0
    };
    let z = (z0 - correction) / sigma;
    let p = 2.0 * pnorm(z)?.min(pnorm_upper(z)?);
    Ok(RankSum {
        statistic: w,
        p: p.min(1.0),
        exact: false,
    })
}

/// Fisher's exact test result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fisher {
    /// Two-sided p-value.
    pub p: f64,
    /// For 2 x 2 tables, the *sample* odds ratio `(a d) / (b c)` (not R's
    /// conditional MLE); `None` for larger tables or when undefined (0/0).
    pub odds_ratio: Option<f64>,
    /// Work units evaluated (tables for 2 x 2, network paths for r x c).
    pub tables: u64,
}

/// Largest grand total accepted for an r x c table (exact tests are for small
/// tables; use [`chisq_test`] beyond).
pub const FISHER_MAX_N: u64 = 100_000;

/// Default limit on the work units of the r x c network algorithm.
pub const FISHER_NODE_LIMIT: u64 = 20_000_000;

fn checked_sum(it: impl Iterator<Item = u64>) -> Result<u64> {
    let mut acc = 0u64;
    for v in it {
        acc = acc
            .checked_add(v)
            .ok_or_else(|| StatsError::InvalidArgument("table counts overflow".into()))?;
    }
    Ok(acc)
}

fn check_table(table: &[Vec<u64>]) -> Result<(Vec<u64>, Vec<u64>, u64)> {
    let r = table.len();
    if r < 2 {
        return Err(StatsError::InvalidArgument(
            "table needs at least 2 rows".into(),
        ));
    }
    let c = table[0].len();
    if c < 2 {
        return Err(StatsError::InvalidArgument(
            "table needs at least 2 columns".into(),
        ));
    }
    for row in table {
        if row.len() != c {
            return Err(StatsError::LengthMismatch {
                what: "table row",
                got: row.len(),
                expected: c,
            });
        }
    }
    let rows: Vec<u64> = table
        .iter()
        .map(|r| checked_sum(r.iter().copied()))
        .collect::<Result<_>>()?;
    let cols: Vec<u64> = (0..c)
        .map(|j| checked_sum(table.iter().map(|r| r[j])))
        .collect::<Result<_>>()?;
    let n = checked_sum(rows.iter().copied())?;
    Ok((rows, cols, n))
}

/// Fisher's exact test (`fisher.test(table)$p.value`, two-sided).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::fisher_exact;
/// // fisher.test(rbind(c(3, 1), c(1, 3))): p-value = 0.4857; sample odds ratio 9.
/// let f = fisher_exact(&[vec![3, 1], vec![1, 3]])?;
/// assert!((f.p / 0.485714285714286 - 1.0).abs() < 1e-9);
/// assert_eq!(f.odds_ratio, Some(9.0));
/// // fisher.test(rbind(c(3, 1, 4), c(1, 5, 0))): p-value = 0.05162 (r x c).
/// let f = fisher_exact(&[vec![3, 1, 4], vec![1, 5, 0]])?;
/// assert!((f.p / 0.0516150516150517 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn fisher_exact(table: &[Vec<u64>]) -> Result<Fisher> {
    fisher_exact_with_limit(table, FISHER_NODE_LIMIT)
}

/// [`fisher_exact`] with an explicit limit on the enumeration size; exceeding
/// it returns [`StatsError::TooLarge`].
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{fisher_exact_with_limit, StatsError};
/// let table = [vec![3, 1, 4], vec![1, 5, 0]];
/// // fisher.test(rbind(c(3, 1, 4), c(1, 5, 0))): p-value = 0.05162.
/// let f = fisher_exact_with_limit(&table, 1_000)?;
/// assert!((f.p / 0.0516150516150517 - 1.0).abs() < 1e-9);
/// assert_eq!(fisher_exact_with_limit(&table, 1), Err(StatsError::TooLarge { limit: 1 }));
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn fisher_exact_with_limit(table: &[Vec<u64>], limit: u64) -> Result<Fisher> {
    let (rows, cols, n) = check_table(table)?;
    if n == 0 {
        return Err(StatsError::Degenerate("empty table".into()));
    }
    const REL_ERR: f64 = 1.0 + 1e-7;
    if rows.len() == 2 && cols.len() == 2 {
        // stats::fisher.test, 2 x 2 branch with or = 1.
        let m = cols[0];
        let nn = cols[1];
        let k = rows[0];
        let x = table[0][0];
        let lo = k.saturating_sub(nn);
        let hi = k.min(m);
        if hi - lo >= 10_000_000 {
            return Err(StatsError::TooLarge { limit: 10_000_000 });
        }
        let logdc: Vec<f64> = (lo..=hi).map(|s| ln_dhyper(s, m, nn, k)).collect();
        let mx = logdc.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let d: Vec<f64> = logdc.iter().map(|v| (v - mx).exp()).collect();
        let sum: f64 = d.iter().sum();
        let d: Vec<f64> = d.iter().map(|v| v / sum).collect();
        let dobs = d[(x - lo) as usize];
        let p: f64 = d.iter().filter(|&&v| v <= dobs * REL_ERR).sum();
        let (a, b, c, dd) = (
            table[0][0] as f64,
            table[0][1] as f64,
            table[1][0] as f64,
            table[1][1] as f64,
        );
        let or = (a * dd) / (b * c);
        return Ok(Fisher {
            p: p.min(1.0),
            odds_ratio: if or.is_nan() { None } else { Some(or) },
            tables: d.len() as u64,
        });
    }
    // r x c: network algorithm over the columns (needs a ln n! table).
    if n > FISHER_MAX_N {
        return Err(StatsError::TooLarge { limit });
    }
    let (p, work) = fisher_network(table, &rows, &cols, n, limit)?;
    Ok(Fisher {
        p: p.min(1.0),
        odds_ratio: None,
        tables: work,
    })
}

fn ln_dhyper(x: u64, m: u64, n: u64, k: u64) -> f64 {
    // choose(m, x) choose(n, k - x) / choose(m + n, k)
    ln_choose(m, x) + ln_choose(n, k - x) - ln_choose(m + n, k)
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

/// Exact r x c Fisher p-value: the sum of the probabilities of all tables with
/// the observed margins whose probability is `<= P_obs (1 + 1e-7)`.
///
/// The tables are generated column by column (after orienting the table so the
/// rows are the shorter side). A node of stage `j` is the sorted multiset of
/// row totals still to be filled by columns `j..`; the probability of the
/// remaining part depends only on the node, so paths reaching it are merged and
/// carry only their "past" log weight `-sum ln x!` (Mehta & Patel's network
/// algorithm, 1983). For each node, bounds on the future log weight (row-wise and
/// column-wise relaxations) decide for a whole set of completions at once whether
/// every one of them qualifies (their total weight is the closed form
/// `N! / (prod r! prod c!)`), none does, or the node must be expanded.
/// Returns the p-value and the number of work units; more than `limit` units
/// gives [`StatsError::TooLarge`].
fn fisher_network(
    table: &[Vec<u64>],
    rows: &[u64],
    cols: &[u64],
    n: u64,
    limit: u64,
) -> Result<(f64, u64)> {
    // Orient: rows = shorter side (the node is a vector of row totals).
    let (rows, mut cols) = if rows.len() <= cols.len() {
        (rows.to_vec(), cols.to_vec())
    } else {
        (cols.to_vec(), rows.to_vec())
    };
    cols.sort_unstable_by(|a, b| b.cmp(a));
    let mut net = Network::new(table, &rows, &cols, n, limit);
    let mut stage = Stage::new();
    let mut key0 = rows.clone();
    key0.sort_unstable();
    stage.insert(key0, vec![(0.0, 1.0)]);
    for j in 0..cols.len() {
        let mut next = net.advance(&mut stage, &cols, j)?;
        merge_paths(&mut next);
        stage = next;
    }
    Ok((net.p, net.work))
}

/// The nodes of one stage of the network: each sorted multiset of row totals
/// still to fill, with the (past log weight, multiplicity) of the paths reaching it.
/// Ordered, so that the p-value is summed in the same order on every run: a hash map's
/// per-process random order changed its last bits from one run to the next.
type Stage = BTreeMap<Vec<u64>, Vec<(f64, f64)>>;

/// State of the network algorithm of [`fisher_network`]: the `ln n!` table, the
/// constant and threshold of the inclusion rule, and the p-value and work units
/// accumulated so far.
struct Network {
    lf: Vec<f64>,
    /// `ln(N! / (prod r! prod c!))`: the log probability of a table is `lnk - sum ln x!`.
    lnk: f64,
    /// A table is included when its weight `-sum ln x!` is at most `th`.
    th: f64,
    nr: usize,
    limit: u64,
    p: f64,
    work: u64,
}

/// The columns `j..` still to allocate at a stage, with what the bounds need.
struct Rest<'a> {
    cols: &'a [u64],
    /// `sum ln c!` over those columns.
    lf: f64,
    /// Their total.
    n: u64,
    /// Upper bound of the future log weight from the column-wise relaxation.
    up_cols: f64,
}

impl Network {
    /// The `ln n!` table and the inclusion threshold `P_obs (1 + 1e-7)` of an
    /// oriented table (`rows` the shorter side, `cols` decreasing).
    fn new(table: &[Vec<u64>], rows: &[u64], cols: &[u64], n: u64, limit: u64) -> Network {
        let lf: Vec<f64> = (0..=n).map(ln_factorial).collect();
        let lfu = |v: u64| lf[v as usize];
        let lnk: f64 = rows.iter().map(|&v| lfu(v)).sum::<f64>()
            + cols.iter().map(|&v| lfu(v)).sum::<f64>()
            - lfu(n);
        let obs_w: f64 = -table
            .iter()
            .flat_map(|r| r.iter())
            .map(|&v| lfu(v))
            .sum::<f64>();
        // Include a table when lnk + w <= lnk + obs_w + ln(1 + 1e-7).
        let th = obs_w + (1e-7f64).ln_1p();
        Network {
            lf,
            lnk,
            th,
            nr: rows.len(),
            limit,
            p: 0.0,
            work: 0,
        }
    }

    fn lfu(&self, v: u64) -> f64 {
        self.lf[v as usize]
    }

    /// Even split of `total` over `k` cells: the smallest sum of ln x!.
    fn even(&self, total: u64, k: u64) -> f64 {
        if k == 0 {
            return 0.0;
        }
        let q = total / k;
        let rem = total % k;
        rem as f64 * self.lfu(q + 1) + (k - rem) as f64 * self.lfu(q)
    }

    /// Process stage `j`: settle every node of `stage` by its bounds and expand
    /// the undecided paths by column `j` (not after the last column); returns the
    /// nodes of stage `j + 1`.
    fn advance(&mut self, stage: &mut Stage, cols: &[u64], j: usize) -> Result<Stage> {
        let rest = &cols[j..];
        let rest = Rest {
            cols: rest,
            lf: rest.iter().map(|&v| self.lfu(v)).sum(),
            n: rest.iter().sum(),
            up_cols: -rest
                .iter()
                .map(|&c| self.even(c, self.nr as u64))
                .sum::<f64>(),
        };
        let mut next = Stage::new();
        for (key, pasts) in std::mem::take(stage) {
            let expand = self.settle(&key, pasts, &rest)?;
            if expand.is_empty() || j + 1 == cols.len() {
                continue;
            }
            self.expand(&key, cols[j], &expand, &mut next)?;
        }
        Ok(next)
    }

    /// Bounds of one node: the paths whose every completion qualifies add their
    /// closed-form total to `p`, those with none are dropped; returns the
    /// undecided paths. Counts one work unit per path.
    fn settle(
        &mut self,
        key: &[u64],
        pasts: Vec<(f64, f64)>,
        rest: &Rest,
    ) -> Result<Vec<(f64, f64)>> {
        let key_lf: f64 = key.iter().map(|&v| self.lfu(v)).sum();
        // Closed-form log of the total future weight.
        let total = self.lfu(rest.n) - key_lf - rest.lf;
        // Upper bound of the future log weight (most probable completion).
        let ncols_rest = rest.cols.len() as u64;
        let up_rows: f64 = -key.iter().map(|&r| self.even(r, ncols_rest)).sum::<f64>();
        let upper = up_rows.min(rest.up_cols);
        // Lower bound (least probable completion): ln is superadditive.
        let lower = (-key_lf).max(-rest.lf);
        let mut expand: Vec<(f64, f64)> = Vec::new();
        for (v, m) in pasts {
            self.work += 1;
            if v + upper <= self.th {
                self.p += m * (self.lnk + v + total).exp();
            } else if v + lower > self.th {
                // no completion qualifies
            } else {
                expand.push((v, m));
            }
        }
        if self.work > self.limit {
            return Err(StatsError::TooLarge { limit: self.limit });
        }
        Ok(expand)
    }

    /// Allocate column total `col` over the rows of node `key` (`x_i <= key_i`),
    /// moving the paths `expand` to the child nodes in `next` with their weight
    /// `-sum ln x_i!` added; errors once the work exceeds the limit.
    fn expand(
        &mut self,
        key: &[u64],
        col: u64,
        expand: &[(f64, f64)],
        next: &mut Stage,
    ) -> Result<()> {
        let (lf, limit, work) = (&self.lf, self.limit, &mut self.work);
        let mut x = vec![0u64; self.nr];
        let mut err = None;
        allocate(key, col, 0, &mut x, &mut |x: &[u64]| {
            let delta: f64 = -x.iter().map(|&v| lf[v as usize]).sum::<f64>();
            let mut nk: Vec<u64> = key.iter().zip(x.iter()).map(|(k, v)| k - v).collect();
            nk.sort_unstable();
            let entry = next.entry(nk).or_default();
            entry.extend(expand.iter().map(|&(v, m)| (v + delta, m)));
            *work += expand.len() as u64;
            if *work > limit {
                err = Some(StatsError::TooLarge { limit });
                return false;
            }
            true
        });
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Merge the paths of each node whose past weights are numerically equal
/// (relative gap `1e-12`), adding their multiplicities.
fn merge_paths(next: &mut Stage) {
    for pasts in next.values_mut() {
        pasts.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::with_capacity(pasts.len());
        for &(v, m) in pasts.iter() {
            match merged.last_mut() {
                Some(last) if (v - last.0).abs() <= 1e-12 * (1.0 + v.abs()) => last.1 += m,
                _ => merged.push((v, m)),
            }
        }
        *pasts = merged;
    }
}

/// Enumerate the allocations `x` of `total` over the rows with `x_i <= caps_i`,
/// calling `f` for each; stops early when `f` returns false.
fn allocate(
    caps: &[u64],
    total: u64,
    i: usize,
    x: &mut [u64],
    f: &mut dyn FnMut(&[u64]) -> bool,
) -> bool {
    let nr = caps.len();
    if i == nr - 1 {
        if total > caps[i] {
            return true;
        }
        x[i] = total;
        return f(x);
    }
    let below: u64 = caps[i + 1..].iter().sum();
    let lo = total.saturating_sub(below);
    let hi = total.min(caps[i]);
    for v in lo..=hi {
        x[i] = v;
        if !allocate(caps, total - v, i + 1, x, f) {
            return false;
        }
    }
    true
}

/// Pearson chi-square test result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChiSq {
    /// X-squared.
    pub statistic: f64,
    /// Degrees of freedom `(r - 1)(c - 1)`.
    pub df: f64,
    /// p-value.
    pub p: f64,
    /// Expected counts under independence.
    pub expected: Vec<Vec<f64>>,
    /// Whether Yates' continuity correction was applied (2 x 2 and requested).
    pub yates: bool,
}

/// Pearson chi-square test of independence (`chisq.test(table, correct = yates)`);
/// Yates' correction `min(0.5, |O - E|)` is applied only to 2 x 2 tables.
/// Errors on a zero row or column total (R gives NaN).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::chisq_test;
/// let table = [vec![12, 7], vec![5, 9]];
/// // chisq.test(rbind(c(12, 7), c(5, 9))): X-squared = 1.456, df = 1, p-value = 0.2276.
/// let c = chisq_test(&table, true)?;
/// assert!((c.statistic / 1.45599637881468 - 1.0).abs() < 1e-9);
/// assert!((c.p / 0.22756821457581 - 1.0).abs() < 1e-9 && c.yates);
/// // correct = FALSE: X-squared = 2.4306, p-value = 0.119.
/// let c = chisq_test(&table, false)?;
/// assert!((c.p / 0.118989205532145 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn chisq_test(table: &[Vec<u64>], yates: bool) -> Result<ChiSq> {
    let (rows, cols, n) = check_table(table)?;
    if rows.contains(&0) || cols.contains(&0) {
        return Err(StatsError::Degenerate(
            "a row or column total is zero".into(),
        ));
    }
    let nf = n as f64;
    let expected: Vec<Vec<f64>> = rows
        .iter()
        .map(|&r| cols.iter().map(|&c| r as f64 * c as f64 / nf).collect())
        .collect();
    let is22 = rows.len() == 2 && cols.len() == 2;
    let mut corr = 0.0;
    if yates && is22 {
        corr = 0.5f64;
        for (orow, erow) in table.iter().zip(expected.iter()) {
            for (&o, &e) in orow.iter().zip(erow.iter()) {
                corr = corr.min((o as f64 - e).abs());
            }
        }
    }
    let mut stat = 0.0;
    for (orow, erow) in table.iter().zip(expected.iter()) {
        for (&o, &e) in orow.iter().zip(erow.iter()) {
            let d = (o as f64 - e).abs() - corr;
            stat += d * d / e;
        }
    }
    let df = ((rows.len() - 1) * (cols.len() - 1)) as f64;
    Ok(ChiSq {
        statistic: stat,
        df,
        p: pchisq_upper(stat, df)?,
        expected,
        yates: yates && is22,
    })
}

/// Exact Clopper-Pearson interval for a proportion `k / n`, as `binom.test(k, n,
/// conf.level = level)$conf.int`: `qbeta(a/2, k, n - k + 1)` and
/// `qbeta(1 - a/2, k + 1, n - k)`, with 0 and 1 at the boundaries.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::clopper_pearson;
/// // binom.test(3, 10)$conf.int: 0.06673951 0.65245285
/// let (lo, hi) = clopper_pearson(3, 10, 0.95)?;
/// assert!((lo / 0.0667395111777345 - 1.0).abs() < 1e-9);
/// assert!((hi / 0.652452850059997 - 1.0).abs() < 1e-9);
/// assert_eq!(clopper_pearson(0, 10, 0.95)?.0, 0.0);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn clopper_pearson(k: u64, n: u64, level: f64) -> Result<(f64, f64)> {
    check_level(level)?;
    if n == 0 {
        return Err(StatsError::Empty("n"));
    }
    if k > n {
        return Err(StatsError::InvalidArgument(format!(
            "successes {k} exceed trials {n}"
        )));
    }
    let alpha = (1.0 - level) / 2.0;
    let (kf, nf) = (k as f64, n as f64);
    let lower = if k == 0 {
        0.0
    } else {
        qbeta(alpha, kf, nf - kf + 1.0)?
    };
    let upper = if k == n {
        1.0
    } else {
        qbeta(1.0 - alpha, kf + 1.0, nf - kf)?
    };
    Ok((lower, upper))
}

#[cfg(test)]
mod determinism {
    /// The r x c p-value is the same to the last bit on every call (the network's nodes
    /// were once kept in a hash map, whose random order changed the summation order).
    #[test]
    fn fisher_network_sums_in_a_fixed_order() {
        let table = vec![
            vec![3, 1, 4, 2, 0],
            vec![1, 5, 2, 2, 3],
            vec![4, 2, 1, 3, 2],
        ];
        let first = super::fisher_exact(&table).unwrap().p.to_bits();
        for _ in 0..50 {
            let p = super::fisher_exact(&table).unwrap().p.to_bits();
            assert_eq!(p, first);
        }
    }
}
