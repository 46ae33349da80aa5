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
    /// Number of tables enumerated.
    pub tables: u64,
}

/// Default node limit of the r x c enumeration.
pub const FISHER_NODE_LIMIT: u64 = 20_000_000;

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
    let rows: Vec<u64> = table.iter().map(|r| r.iter().sum()).collect();
    let cols: Vec<u64> = (0..c).map(|j| table.iter().map(|r| r[j]).sum()).collect();
    let n: u64 = rows.iter().sum();
    Ok((rows, cols, n))
}

/// Fisher's exact test (`fisher.test(table)$p.value`, two-sided).
pub fn fisher_exact(table: &[Vec<u64>]) -> Result<Fisher> {
    fisher_exact_with_limit(table, FISHER_NODE_LIMIT)
}

/// [`fisher_exact`] with an explicit limit on the enumeration size; exceeding
/// it returns [`StatsError::TooLarge`].
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
    // r x c: enumerate all tables with the observed margins.
    let lf: Vec<f64> = (0..=n).map(ln_factorial).collect();
    let konst: f64 = rows.iter().map(|&v| lf[v as usize]).sum::<f64>()
        + cols.iter().map(|&v| lf[v as usize]).sum::<f64>()
        - lf[n as usize];
    let obs_cells: f64 = table
        .iter()
        .flat_map(|r| r.iter())
        .map(|&v| lf[v as usize])
        .sum();
    let lp_obs = konst - obs_cells;
    let mut en = Enum {
        lf: &lf,
        nr: rows.len(),
        nc: cols.len(),
        thresh: lp_obs + REL_ERR.ln(),
        konst,
        p: 0.0,
        nodes: 0,
        tables: 0,
        limit,
    };
    let mut rem_rows = rows.clone();
    let mut rem_cols = cols.clone();
    en.col(0, &mut rem_rows, &mut rem_cols, 0.0)?;
    Ok(Fisher {
        p: en.p.min(1.0),
        odds_ratio: None,
        tables: en.tables,
    })
}

fn ln_dhyper(x: u64, m: u64, n: u64, k: u64) -> f64 {
    // choose(m, x) choose(n, k - x) / choose(m + n, k)
    ln_choose(m, x) + ln_choose(n, k - x) - ln_choose(m + n, k)
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

struct Enum<'a> {
    lf: &'a [f64],
    nr: usize,
    nc: usize,
    thresh: f64,
    konst: f64,
    p: f64,
    nodes: u64,
    tables: u64,
    limit: u64,
}

impl Enum<'_> {
    /// Fill column `j` (all columns but the last are free; the last is determined).
    fn col(&mut self, j: usize, rr: &mut [u64], cc: &mut [u64], acc: f64) -> Result<()> {
        if j == self.nc - 1 {
            // Last column equals the remaining row sums.
            let s: f64 = rr.iter().map(|&v| self.lf[v as usize]).sum();
            let lp = self.konst - acc - s;
            self.tables += 1;
            if lp <= self.thresh {
                self.p += lp.exp();
            }
            return Ok(());
        }
        let total = cc[j];
        self.cell(j, 0, total, rr, cc, acc)
    }

    /// Fill cell (i, j) given `left` units of column j still to place.
    fn cell(
        &mut self,
        j: usize,
        i: usize,
        left: u64,
        rr: &mut [u64],
        cc: &mut [u64],
        acc: f64,
    ) -> Result<()> {
        self.nodes += 1;
        if self.nodes > self.limit {
            return Err(StatsError::TooLarge { limit: self.limit });
        }
        if i == self.nr - 1 {
            if left > rr[i] {
                return Ok(());
            }
            rr[i] -= left;
            let r = self.col(j + 1, rr, cc, acc + self.lf[left as usize]);
            rr[i] += left;
            return r;
        }
        // Remaining capacity of the rows below i must absorb the rest.
        let below: u64 = rr[i + 1..].iter().sum();
        let lo = left.saturating_sub(below);
        let hi = left.min(rr[i]);
        for v in lo..=hi {
            rr[i] -= v;
            let r = self.cell(j, i + 1, left - v, rr, cc, acc + self.lf[v as usize]);
            rr[i] += v;
            r?;
        }
        Ok(())
    }
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
