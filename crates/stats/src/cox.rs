//! Cox proportional hazards regression, as R's `survival::coxph` (`coxph.fit` →
//! `coxfit6.c`, T. Therneau).
//!
//! Reproduced: numerically tied times merged (`timefix = TRUE`, `aeqSurv`);
//! Efron (default) or Breslow handling of tied event times;
//! covariates centred and scaled (except columns whose values are all in
//! {-1, 0, 1}, R's `nocenter`); Newton-Raphson from `beta = 0` with the
//! generalised Cholesky of `cholesky2.c`, step-halving when the log partial
//! likelihood decreases or is not finite, convergence when
//! `|1 - loglik_old / loglik_new| <= 1e-9` (`coxph.control(eps = 1e-9,
//! iter.max = 20, toler.chol = .Machine$double.eps^0.75)`).
//!
//! Monotone likelihood (separation) is detected like `coxph.fit`'s warning
//! "Loglik converged before variable ...; coefficient may be infinite": after
//! convergence, a coefficient is flagged when the next Newton increment
//! `|u' V|` exceeds both `eps` and `sqrt(eps) * |beta|`. The iteration is
//! bounded (at most 20 steps) and non-finite likelihoods trigger step-halving,
//! so separated data neither loop nor overflow.
//!
//! Reported: coefficients, standard errors, hazard ratios with Wald CIs, Wald z
//! and p (`summary.coxph`), likelihood-ratio, Wald (`coxph.wtest`) and score
//! tests with their p-values.
#![allow(clippy::needless_range_loop)]

use serde::{Deserialize, Serialize};

use super::dist::{pchisq_upper, pnorm_upper, qnorm};
use super::error::{check_level, check_survival, Result, StatsError};
use super::linalg::{chinv2, cholesky2, chsolve2, Mat};
use super::timefix::timefix_sorted;

/// Handling of tied event times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    /// Efron approximation (coxph default).
    #[default]
    Efron,
    /// Breslow approximation.
    Breslow,
}

/// Control parameters (`coxph.control`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoxControl {
    /// Convergence tolerance on the relative change of the log-likelihood.
    pub eps: f64,
    /// Maximum number of Newton-Raphson iterations.
    pub iter_max: usize,
    /// Tolerance of the generalised Cholesky decomposition.
    pub toler_chol: f64,
    /// Relative tolerance of the infinite-coefficient check.
    pub toler_inf: f64,
    /// Confidence level of the hazard-ratio intervals.
    pub level: f64,
}

impl Default for CoxControl {
    fn default() -> Self {
        CoxControl {
            eps: 1e-9,
            iter_max: 20,
            toler_chol: f64::EPSILON.powf(0.75),
            toler_inf: 1e-9f64.sqrt(),
            level: 0.95,
        }
    }
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoxFit {
    /// Coefficients (log hazard ratios).
    pub coef: Vec<f64>,
    /// Standard errors (`sqrt(diag(var))`); NaN (R's NA) for a coefficient whose
    /// information collapsed at the estimate (see `monotone_likelihood`), as are its z,
    /// Wald p-value and limits, and then the global Wald test.
    pub se: Vec<f64>,
    /// Hazard ratios `exp(coef)`.
    pub hr: Vec<f64>,
    /// Lower Wald limits of the hazard ratios.
    pub hr_lower: Vec<f64>,
    /// Upper Wald limits of the hazard ratios.
    pub hr_upper: Vec<f64>,
    /// Wald z statistics.
    pub z: Vec<f64>,
    /// Wald p-values per coefficient.
    pub p_wald: Vec<f64>,
    /// Variance matrix of the coefficients (inverse information).
    pub var: Vec<Vec<f64>>,
    /// Log partial likelihood at `beta = 0`.
    pub loglik_null: f64,
    /// Log partial likelihood at the estimate.
    pub loglik: f64,
    /// Likelihood-ratio statistic `2 (loglik - loglik_null)`.
    pub lrt_chisq: f64,
    /// Its p-value on `df` degrees of freedom.
    pub lrt_p: f64,
    /// Global Wald statistic.
    pub wald_chisq: f64,
    /// Its p-value.
    pub wald_p: f64,
    /// Score (log-rank) statistic at `beta = 0`.
    pub score_chisq: f64,
    /// Its p-value.
    pub score_p: f64,
    /// Degrees of freedom of the global tests.
    pub df: usize,
    /// Newton-Raphson iterations used (R's `iter`).
    pub iterations: usize,
    /// Whether the iteration converged within `iter_max`.
    pub converged: bool,
    /// Monotone likelihood detected (some coefficient may be infinite).
    pub monotone_likelihood: bool,
    /// Per-coefficient flag of the infinite-coefficient check.
    pub infinite_coef: Vec<bool>,
    /// Number of subjects.
    pub n: usize,
    /// Number of events.
    pub events: usize,
}

/// Treatment-coded dummy columns of a factor, as R's `model.matrix(~ factor(codes))`
/// without the intercept: the smallest code is the reference level and each other
/// level gets a 0/1 column. Returns the non-reference levels (column order) and
/// one row per subject, ready to be appended to the other covariates of [`cox`].
pub fn factor_dummies(codes: &[usize]) -> Result<(Vec<usize>, Vec<Vec<f64>>)> {
    if codes.is_empty() {
        return Err(StatsError::Empty("factor codes"));
    }
    let mut levels = codes.to_vec();
    levels.sort_unstable();
    levels.dedup();
    if levels.len() < 2 {
        return Err(StatsError::Degenerate("factor has a single level".into()));
    }
    let others = levels[1..].to_vec();
    let rows = codes
        .iter()
        .map(|c| others.iter().map(|l| f64::from(u8::from(l == c))).collect())
        .collect();
    Ok((others, rows))
}

/// Fit `coxph(Surv(time, event) ~ x, ties = ties)` with default control.
///
/// `x[i]` holds the covariates of subject `i` (numeric values and factor dummies).
pub fn cox(time: &[f64], event: &[bool], x: &[Vec<f64>], ties: Ties) -> Result<CoxFit> {
    cox_with(time, event, x, ties, CoxControl::default())
}

struct Work<'a> {
    /// Covariates, column-major, sorted by time, centred and scaled.
    cov: Vec<Vec<f64>>,
    time: &'a [f64],
    status: &'a [bool],
    nvar: usize,
    u: Vec<f64>,
    imat: Mat,
    a: Vec<f64>,
    a2: Vec<f64>,
    cmat: Mat,
    cmat2: Mat,
    efron: bool,
}

impl Work<'_> {
    /// `coxfit6_iter`: log partial likelihood, score `u` and information `imat`
    /// (upper triangle filled as `imat[j][i]`, j <= i) at `beta`.
    fn iter(&mut self, beta: &[f64]) -> f64 {
        let nvar = self.nvar;
        let n = self.time.len();
        for i in 0..nvar {
            self.u[i] = 0.0;
            self.a2[i] = 0.0;
            self.a[i] = 0.0;
            for j in 0..nvar {
                self.imat[i][j] = 0.0;
                self.cmat[i][j] = 0.0;
                self.cmat2[i][j] = 0.0;
            }
        }
        let mut loglik = 0.0f64;
        let mut denom = 0.0f64;
        let mut person = n;
        while person > 0 {
            let dtime = self.time[person - 1];
            let mut ndead = 0usize;
            let mut denom2 = 0.0f64;
            while person > 0 && self.time[person - 1] == dtime {
                let p = person - 1;
                let mut zbeta = 0.0;
                for i in 0..nvar {
                    zbeta += beta[i] * self.cov[i][p];
                }
                let risk = zbeta.exp();
                if !self.status[p] {
                    denom += risk;
                    for i in 0..nvar {
                        let xi = self.cov[i][p];
                        self.a[i] += risk * xi;
                        for j in 0..=i {
                            self.cmat[i][j] += risk * xi * self.cov[j][p];
                        }
                    }
                } else {
                    ndead += 1;
                    denom2 += risk;
                    loglik += zbeta;
                    for i in 0..nvar {
                        let xi = self.cov[i][p];
                        self.u[i] += xi;
                        self.a2[i] += risk * xi;
                        for j in 0..=i {
                            self.cmat2[i][j] += risk * xi * self.cov[j][p];
                        }
                    }
                }
                person -= 1;
            }
            if ndead > 0 {
                let deadwt = ndead as f64;
                if !self.efron || ndead == 1 {
                    denom += denom2;
                    loglik -= deadwt * denom.ln();
                    for i in 0..nvar {
                        self.a[i] += self.a2[i];
                        let temp2 = self.a[i] / denom;
                        self.u[i] -= deadwt * temp2;
                        for j in 0..=i {
                            self.cmat[i][j] += self.cmat2[i][j];
                            self.imat[j][i] +=
                                deadwt * (self.cmat[i][j] - temp2 * self.a[j]) / denom;
                        }
                    }
                } else {
                    let nd = ndead as f64;
                    let wtave = deadwt / nd;
                    for _ in 0..ndead {
                        denom += denom2 / nd;
                        loglik -= wtave * denom.ln();
                        for i in 0..nvar {
                            self.a[i] += self.a2[i] / nd;
                            let temp2 = self.a[i] / denom;
                            self.u[i] -= wtave * temp2;
                            for j in 0..=i {
                                self.cmat[i][j] += self.cmat2[i][j] / nd;
                                self.imat[j][i] +=
                                    wtave * (self.cmat[i][j] - temp2 * self.a[j]) / denom;
                            }
                        }
                    }
                }
                for i in 0..nvar {
                    self.a2[i] = 0.0;
                    for j in 0..nvar {
                        self.cmat2[i][j] = 0.0;
                    }
                }
            }
        }
        loglik
    }

    fn all_finite(&self) -> bool {
        self.u.iter().all(|v| v.is_finite())
            && self.imat.iter().all(|r| r.iter().all(|v| v.is_finite()))
    }
}

/// [`cox`] with explicit control parameters.
pub fn cox_with(
    time: &[f64],
    event: &[bool],
    x: &[Vec<f64>],
    ties: Ties,
    control: CoxControl,
) -> Result<CoxFit> {
    check_survival(time, event.len())?;
    check_level(control.level)?;
    if x.len() != time.len() {
        return Err(StatsError::LengthMismatch {
            what: "x (rows)",
            got: x.len(),
            expected: time.len(),
        });
    }
    let nvar = x.first().map_or(0, |r| r.len());
    if nvar == 0 {
        return Err(StatsError::Empty("covariates"));
    }
    for (i, row) in x.iter().enumerate() {
        if row.len() != nvar {
            return Err(StatsError::LengthMismatch {
                what: "x (row length)",
                got: row.len(),
                expected: nvar,
            });
        }
        if row.iter().any(|v| !v.is_finite()) {
            return Err(StatsError::NonFinite {
                what: "x",
                index: i,
            });
        }
    }
    let n = time.len();
    let events = event.iter().filter(|&&e| e).count();
    if events == 0 {
        return Err(StatsError::Degenerate("no events".into()));
    }

    // Sort by time, then by status and covariates: a canonical order, so that every sum runs
    // in the same order whatever the order of the input rows (a permutation of the rows gives
    // the same bits; only identical rows are interchangeable).
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| {
        time[a]
            .total_cmp(&time[b])
            .then(event[a].cmp(&event[b]))
            .then_with(|| {
                x[a].iter()
                    .zip(&x[b])
                    .map(|(p, q)| p.total_cmp(q))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    });
    let mut stime: Vec<f64> = order.iter().map(|&i| time[i]).collect();
    timefix_sorted(&mut stime);
    let sstat: Vec<bool> = order.iter().map(|&i| event[i]).collect();
    let mut cov: Vec<Vec<f64>> = (0..nvar)
        .map(|j| order.iter().map(|&i| x[i][j]).collect())
        .collect();

    // Centre and scale (coxph: nocenter = c(-1, 0, 1)).
    let nf = n as f64;
    let mut scale = vec![1.0f64; nvar];
    for (j, col) in cov.iter_mut().enumerate() {
        let zero_one = col.iter().all(|&v| v == -1.0 || v == 0.0 || v == 1.0);
        if zero_one {
            continue;
        }
        let mean = col.iter().sum::<f64>() / nf;
        col.iter_mut().for_each(|v| *v -= mean);
        let sabs: f64 = col.iter().map(|v| v.abs()).sum();
        let s = if sabs > 0.0 { nf / sabs } else { 1.0 };
        scale[j] = s;
        col.iter_mut().for_each(|v| *v *= s);
    }

    let mut w = Work {
        cov,
        time: &stime,
        status: &sstat,
        nvar,
        u: vec![0.0; nvar],
        imat: vec![vec![0.0; nvar]; nvar],
        a: vec![0.0; nvar],
        a2: vec![0.0; nvar],
        cmat: vec![vec![0.0; nvar]; nvar],
        cmat2: vec![vec![0.0; nvar]; nvar],
        efron: ties == Ties::Efron,
    };

    let mut beta = vec![0.0f64; nvar];
    let loglik0 = w.iter(&beta);
    if !loglik0.is_finite() {
        return Err(StatsError::Degenerate(
            "non-finite null log-likelihood".into(),
        ));
    }
    let mut step = w.u.clone();
    let rank0 = cholesky2(&mut w.imat, control.toler_chol);
    if rank0 < nvar as i64 {
        return Err(StatsError::Singular(
            "information matrix at beta = 0 is not of full rank (collinear or constant covariates)"
                .into(),
        ));
    }
    chsolve2(&w.imat, &mut step);
    let sctest: f64 = w.u.iter().zip(step.iter()).map(|(a, b)| a * b).sum();

    let mut loglik1 = loglik0;
    let mut newbeta: Vec<f64> = beta.iter().zip(step.iter()).map(|(b, s)| b + s).collect();
    let mut halving = 0.0f64;
    let mut converged = false;
    let mut iter = 0usize;
    loop {
        iter += 1;
        if iter > control.iter_max {
            break;
        }
        let newlk = w.iter(&newbeta);
        cholesky2(&mut w.imat, control.toler_chol);
        let notfinite = !w.all_finite() || !newlk.is_finite();
        if !notfinite && (1.0 - loglik1 / newlk).abs() <= control.eps {
            loglik1 = newlk;
            beta.clone_from(&newbeta);
            converged = true;
            break;
        }
        if notfinite || newlk < loglik1 {
            halving += 1.0;
            for i in 0..nvar {
                newbeta[i] = (newbeta[i] + halving * beta[i]) / (halving + 1.0);
            }
        } else {
            halving = 0.0;
            loglik1 = newlk;
            let mut u = w.u.clone();
            chsolve2(&w.imat, &mut u);
            beta.copy_from_slice(&newbeta);
            for (nb, ui) in newbeta.iter_mut().zip(u.iter()) {
                *nb += ui;
            }
        }
    }
    if !converged {
        // Out of iterations: recompute at the last accepted beta.
        loglik1 = w.iter(&beta);
        cholesky2(&mut w.imat, control.toler_chol);
    }
    chinv2(&mut w.imat);
    let mut vmat = w.imat.clone();
    let mut final_u = w.u.clone();
    for i in 0..nvar {
        beta[i] *= scale[i];
        final_u[i] /= scale[i];
        for j in 0..nvar {
            vmat[i][j] *= scale[i] * scale[j];
        }
    }
    let iterations = iter.min(control.iter_max);

    // The information matrix was of full rank at beta = 0 (checked above). If it is not at
    // the estimate, the weights have collapsed onto single subjects: the coefficients with
    // no variance left ran off to infinity (monotone likelihood, as with separated data).
    // R's coxph.fit reports such coefficients as NA with zero variance; here the fit is
    // returned flagged, those coefficients (the last iterate) marked infinite and their
    // standard errors, z, Wald p-values and the global Wald test NaN. The analyses never
    // report a monotone fit's hazard ratio.
    let collapsed: Vec<bool> = (0..nvar).map(|j| !(vmat[j][j] > 0.0)).collect();
    let singular_at_estimate = collapsed.iter().any(|&c| c);

    // Infinite-coefficient check (coxph.fit).
    let infinite_coef: Vec<bool> = (0..nvar)
        .map(|j| {
            let inc: f64 = (0..nvar)
                .map(|i| final_u[i] * vmat[i][j])
                .sum::<f64>()
                .abs();
            collapsed[j] || (inc > control.eps && inc > control.toler_inf * beta[j].abs())
        })
        .collect();
    let monotone_likelihood = infinite_coef.iter().any(|&b| b);

    let zq = qnorm(1.0 - (1.0 - control.level) / 2.0)?;
    let se: Vec<f64> = (0..nvar)
        .map(|i| {
            if collapsed[i] {
                f64::NAN
            } else {
                vmat[i][i].sqrt()
            }
        })
        .collect();
    let z: Vec<f64> = beta.iter().zip(se.iter()).map(|(b, s)| b / s).collect();
    let p_wald = z
        .iter()
        .map(|zi| {
            if zi.is_nan() {
                Ok(f64::NAN)
            } else {
                pnorm_upper(zi.abs()).map(|p| (2.0 * p).min(1.0))
            }
        })
        .collect::<Result<Vec<f64>>>()?;
    let hr: Vec<f64> = beta.iter().map(|b| b.exp()).collect();
    let hr_lower: Vec<f64> = beta
        .iter()
        .zip(se.iter())
        .map(|(b, s)| (b - zq * s).exp())
        .collect();
    let hr_upper: Vec<f64> = beta
        .iter()
        .zip(se.iter())
        .map(|(b, s)| (b + zq * s).exp())
        .collect();

    // Global Wald test (coxph.wtest): beta' var^-1 beta via the generalised Cholesky.
    let mut vchol = vmat.clone();
    cholesky2(&mut vchol, control.toler_chol);
    let mut sol = beta.clone();
    chsolve2(&vchol, &mut sol);
    let wald_chisq: f64 = if singular_at_estimate {
        f64::NAN
    } else {
        beta.iter().zip(sol.iter()).map(|(a, b)| a * b).sum()
    };

    let df = nvar;
    let lrt_chisq = 2.0 * (loglik1 - loglik0);
    let dff = df as f64;
    Ok(CoxFit {
        lrt_p: pchisq_upper(lrt_chisq, dff)?,
        wald_p: if singular_at_estimate {
            f64::NAN
        } else {
            pchisq_upper(wald_chisq, dff)?
        },
        score_p: pchisq_upper(sctest, dff)?,
        coef: beta,
        se,
        hr,
        hr_lower,
        hr_upper,
        z,
        p_wald,
        var: vmat,
        loglik_null: loglik0,
        loglik: loglik1,
        lrt_chisq,
        wald_chisq,
        score_chisq: sctest,
        df,
        iterations,
        converged,
        monotone_likelihood,
        infinite_coef,
        n,
        events,
    })
}
