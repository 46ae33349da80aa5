//! Test of the proportional-hazards assumption of a Cox model, as R's
//! `survival::cox.zph(fit)` with its defaults (`transform = "km"`, `terms = TRUE`,
//! `global = TRUE`).

#![allow(clippy::needless_range_loop)]

use serde::Serialize;

use super::cox::{CoxFit, Ties};
use super::dist::pchisq_upper;
use super::error::{check_len, check_survival, Result, StatsError};
use super::linalg::solve;
use super::timefix::timefix_sorted;

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

/// Check the inputs of [`cox_zph`]: survival data, one covariate row of the
/// model's width per subject, and terms that partition the columns.
fn check_input(
    time: &[f64],
    event: &[bool],
    x: &[Vec<f64>],
    fit: &CoxFit,
    terms: &[Vec<usize>],
) -> Result<usize> {
    check_survival(time, event.len())?;
    check_len("covariate rows", x.len(), time.len())?;
    let p = fit.coef.len();
    for (i, row) in x.iter().enumerate() {
        check_len("covariate row", row.len(), p)?;
        if let Some(j) = row.iter().position(|v| !v.is_finite()) {
            return Err(StatsError::NonFinite {
                what: "covariates",
                index: i * p + j,
            });
        }
    }
    if fit.coef.iter().any(|b| !b.is_finite()) {
        return Err(StatsError::Degenerate(
            "the model has a non-finite coefficient".into(),
        ));
    }
    let mut seen = vec![false; p];
    for t in terms {
        if t.is_empty() {
            return Err(StatsError::InvalidArgument("a term without columns".into()));
        }
        for &j in t {
            if j >= p || seen[j] {
                return Err(StatsError::InvalidArgument(format!(
                    "term column {j} is out of range or in two terms (the model has {p} columns)"
                )));
            }
            seen[j] = true;
        }
    }
    if seen.iter().any(|s| !s) {
        return Err(StatsError::InvalidArgument(
            "every model column must belong to a term".into(),
        ));
    }
    Ok(p)
}

/// The data of `zph1.c` in increasing time: merged times, status, centred risk
/// score `eta`, the centred KM time transform `g(t)` and the covariates centred
/// on their means (column-major).
struct Sorted {
    time: Vec<f64>,
    status: Vec<bool>,
    eta: Vec<f64>,
    gt: Vec<f64>,
    cov: Vec<Vec<f64>>,
}

/// `1 - S(t-)`, the left-continuous Kaplan-Meier transform of `cox.zph`
/// (`transform = "km"`), for times in increasing order.
fn km_transform(time: &[f64], status: &[bool]) -> Vec<f64> {
    let n = time.len();
    let mut out = vec![0.0; n];
    let mut s = 1.0f64;
    let mut i = 0;
    while i < n {
        let end = i + time[i..].partition_point(|&t| t == time[i]);
        let d = status[i..end].iter().filter(|&&e| e).count() as f64;
        for v in &mut out[i..end] {
            *v = 1.0 - s;
        }
        s *= 1.0 - d / (n - i) as f64;
        i = end;
    }
    out
}

fn prepare(time: &[f64], event: &[bool], x: &[Vec<f64>], fit: &CoxFit) -> Sorted {
    let n = time.len();
    let p = fit.coef.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut t: Vec<f64> = order.iter().map(|&i| time[i]).collect();
    timefix_sorted(&mut t);
    let status: Vec<bool> = order.iter().map(|&i| event[i]).collect();
    let lp: Vec<f64> = order
        .iter()
        .map(|&i| x[i].iter().zip(&fit.coef).map(|(v, b)| v * b).sum())
        .collect();
    let lp_mean = lp.iter().sum::<f64>() / n as f64;
    let eta = lp.iter().map(|v| v - lp_mean).collect();
    let tt = km_transform(&t, &status);
    let nd = status.iter().filter(|&&e| e).count() as f64;
    let tmean = tt
        .iter()
        .zip(&status)
        .filter(|(_, &e)| e)
        .map(|(v, _)| v)
        .sum::<f64>()
        / nd;
    let gt = tt.iter().map(|v| v - tmean).collect();
    let cov = (0..p)
        .map(|j| {
            let col: Vec<f64> = order.iter().map(|&i| x[i][j]).collect();
            let m = col.iter().sum::<f64>() / n as f64;
            col.iter().map(|v| v - m).collect()
        })
        .collect();
    Sorted {
        time: t,
        status,
        eta,
        gt,
        cov,
    }
}

/// Running sums of `zph1.c` over the risk set (`denom`, `a`, `cmat`) and over
/// the deaths of the current time (`denom2`, `a2`, `cmat2`).
struct Sums {
    denom: f64,
    a: Vec<f64>,
    cmat: Vec<Vec<f64>>,
    denom2: f64,
    a2: Vec<f64>,
    cmat2: Vec<Vec<f64>>,
}

/// The score `u` (length `2p`) and information `imat` (`2p x 2p`) of the model
/// extended by `x * g(t)`, at the fitted coefficients (`zph1.c`).
fn score_and_information(d: &Sorted, efron: bool) -> (Vec<f64>, Vec<Vec<f64>>) {
    let p = d.cov.len();
    let mut u = vec![0.0; 2 * p];
    let mut imat = vec![vec![0.0; 2 * p]; 2 * p];
    let mut s = Sums {
        denom: 0.0,
        a: vec![0.0; p],
        cmat: vec![vec![0.0; p]; p],
        denom2: 0.0,
        a2: vec![0.0; p],
        cmat2: vec![vec![0.0; p]; p],
    };
    let mut ip = d.time.len();
    while ip > 0 {
        let dtime = d.time[ip - 1];
        let timewt = d.gt[ip - 1];
        let mut ndead = 0usize;
        while ip > 0 && d.time[ip - 1] == dtime {
            let k = ip - 1;
            let risk = d.eta[k].exp();
            let (den, a, c) = if d.status[k] {
                ndead += 1;
                for i in 0..p {
                    u[i] += d.cov[i][k];
                    u[i + p] += timewt * d.cov[i][k];
                }
                (&mut s.denom2, &mut s.a2, &mut s.cmat2)
            } else {
                (&mut s.denom, &mut s.a, &mut s.cmat)
            };
            *den += risk;
            for i in 0..p {
                a[i] += risk * d.cov[i][k];
                for j in 0..=i {
                    c[i][j] += risk * d.cov[i][k] * d.cov[j][k];
                }
            }
            ip -= 1;
        }
        if ndead > 0 {
            add_deaths(&mut s, &mut u, &mut imat, ndead, timewt, efron);
        }
    }
    // The fill of zph1.c: the lower triangles of the two diagonal blocks and of
    // the upper-right block from their upper triangles, then the lower-left block.
    for i in 0..p {
        for j in 0..i {
            imat[i][j] = imat[j][i];
            imat[i][j + p] = imat[j][i + p];
            imat[i + p][j + p] = imat[j + p][i + p];
        }
    }
    for i in 0..p {
        for j in 0..p {
            imat[i + p][j] = imat[j][i + p];
        }
    }
    (u, imat)
}

/// Close a death time: Breslow adds the deaths at once, Efron in `ndead`
/// equal parts; each part updates `u` and the three blocks of `imat`.
fn add_deaths(
    s: &mut Sums,
    u: &mut [f64],
    imat: &mut [Vec<f64>],
    ndead: usize,
    timewt: f64,
    efron: bool,
) {
    let p = s.a.len();
    let nd = ndead as f64;
    let (parts, wt) = if efron { (ndead, 1.0) } else { (1, nd) };
    let frac = if efron { nd } else { 1.0 };
    for _ in 0..parts {
        s.denom += s.denom2 / frac;
        for i in 0..p {
            s.a[i] += s.a2[i] / frac;
            let mean = s.a[i] / s.denom;
            u[i] -= wt * mean;
            u[i + p] -= timewt * wt * mean;
            for j in 0..=i {
                s.cmat[i][j] += s.cmat2[i][j] / frac;
                let temp = wt * (s.cmat[i][j] - mean * s.a[j]) / s.denom;
                imat[j][i] += temp;
                imat[j][i + p] += temp * timewt;
                imat[j + p][i + p] += temp * timewt * timewt;
            }
        }
    }
    s.denom2 = 0.0;
    for i in 0..p {
        s.a2[i] = 0.0;
        for j in 0..p {
            s.cmat2[i][j] = 0.0;
        }
    }
}

/// The score test `u' I^-1 u` of the columns `cols` of the time-interaction block,
/// with the model's own `p` columns in the information and 0 in the score.
fn score_test(u: &[f64], imat: &[Vec<f64>], p: usize, cols: &[usize]) -> Result<ZphRow> {
    let kk: Vec<usize> = (0..p).chain(cols.iter().map(|&j| j + p)).collect();
    let sub: Vec<Vec<f64>> = kk
        .iter()
        .map(|&r| kk.iter().map(|&c| imat[r][c]).collect())
        .collect();
    let mut uu = vec![0.0; p];
    uu.extend(cols.iter().map(|&j| u[j + p]));
    let sol = solve(&sub, &uu).ok_or_else(|| {
        StatsError::Singular("information matrix of the proportional-hazards test".into())
    })?;
    let chisq: f64 = sol.iter().zip(&uu).map(|(a, b)| a * b).sum();
    let df = cols.len();
    Ok(ZphRow {
        chisq,
        df,
        p: pchisq_upper(chisq, df as f64)?,
    })
}

/// Test of proportional hazards as R's `cox.zph(fit)` with its defaults
/// (survival 3.5, `zph1.c`; Grambsch and Therneau 1994): the score test, at the
/// fitted coefficients, of adding `x * g(t)` to the model, where `g(t) = 1 -
/// S(t-)` is the left-continuous Kaplan-Meier transform of time (`transform =
/// "km"`) centred on its mean over the events. One test per term (`terms[k]` are
/// the columns of `x` of term `k`: a factor of `k` levels is one term of `k - 1`
/// degrees of freedom, as `terms = TRUE`) and a global test of all columns.
/// `time`, `event`, `x` and `ties` must be those of the fit; times are merged
/// with `timefix` as `coxph` stores them.
///
/// Errors when the terms do not partition the columns, a coefficient is not
/// finite, or an information matrix is singular.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{cox, cox_zph, Ties};
/// // survival::aml, maintained (0) or not (1).
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
///     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
///     .map(|e| e == 1);
/// let x: Vec<Vec<f64>> = (0..23).map(|i| vec![f64::from(u8::from(i >= 11))]).collect();
/// let fit = cox(&time, &event, &x, Ties::Efron)?;
/// // cox.zph(coxph(Surv(time, status) ~ x, aml)): x chisq 0.00788, df 1, p 0.929.
/// let z = cox_zph(&time, &event, &x, Ties::Efron, &fit, &[vec![0]])?;
/// assert!((z.terms[0].chisq / 0.00787507772332374 - 1.0).abs() < 1e-6);
/// assert_eq!((z.terms[0].df, z.global.df), (1, 1));
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn cox_zph(
    time: &[f64],
    event: &[bool],
    x: &[Vec<f64>],
    ties: Ties,
    fit: &CoxFit,
    terms: &[Vec<usize>],
) -> Result<CoxZph> {
    let p = check_input(time, event, x, fit, terms)?;
    if !event.iter().any(|&e| e) {
        return Err(StatsError::Degenerate("no events".into()));
    }
    let d = prepare(time, event, x, fit);
    let (u, imat) = score_and_information(&d, ties == Ties::Efron);
    let rows = terms
        .iter()
        .map(|cols| score_test(&u, &imat, p, cols))
        .collect::<Result<Vec<_>>>()?;
    let all: Vec<usize> = (0..p).collect();
    let global = score_test(&u, &imat, p, &all)?;
    Ok(CoxZph {
        terms: rows,
        global,
    })
}
