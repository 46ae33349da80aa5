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
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{cox, Ties};
/// // survival::aml: weeks to relapse (1 = relapse), maintained (0) or not (1).
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
///     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
///     .map(|e| e == 1);
/// let group: Vec<usize> = (0..23).map(|i| usize::from(i >= 11)).collect();
/// let x: Vec<Vec<f64>> = group.iter().map(|&g| vec![g as f64]).collect();
/// // coxph(Surv(time, status) ~ x, aml, ties = "breslow"): coef 0.904.
/// let fit = cox(&time, &event, &x, Ties::Breslow)?;
/// assert!((fit.coef[0] / 0.9042197236857 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
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
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{cox_with, CoxControl, Ties};
/// // survival::aml: weeks to relapse (1 = relapse), maintained (0) or not (1).
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
///     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
///     .map(|e| e == 1);
/// let group: Vec<usize> = (0..23).map(|i| usize::from(i >= 11)).collect();
/// let x: Vec<Vec<f64>> = group.iter().map(|&g| vec![g as f64]).collect();
/// // summary(coxph(Surv(time, status) ~ x, aml), conf.int = 0.9): HR 90% CI (1.08, 5.80).
/// let control = CoxControl { level: 0.9, ..CoxControl::default() };
/// let fit = cox_with(&time, &event, &x, Ties::Efron, control)?;
/// assert!((fit.hr_lower[0] / 1.07624230373952 - 1.0).abs() < 1e-9);
/// assert!((fit.hr_upper[0] / 5.79844352797342 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
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
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{cox, factor_dummies, Ties};
/// // survival::aml: weeks to relapse (1 = relapse), maintained (0) or not (1).
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
///     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
///     .map(|e| e == 1);
/// let codes: Vec<usize> = (0..23).map(|i| 1 + i % 3).collect();
/// let (levels, x) = factor_dummies(&codes)?;
/// assert_eq!((levels, x[1].clone()), (vec![2, 3], vec![1.0, 0.0]));
/// // coxph(Surv(time, status) ~ factor(g)): coefs -0.448, -0.384; LR test p = 0.677.
/// let fit = cox(&time, &event, &x, Ties::Efron)?;
/// assert!((fit.coef[0] / -0.448438870174238 - 1.0).abs() < 1e-9);
/// assert!((fit.coef[1] / -0.384286719249548 - 1.0).abs() < 1e-9);
/// assert!((fit.lrt_p / 0.676953801525951 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
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
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{cox, Ties};
/// // survival::aml: weeks to relapse (1 = relapse), maintained (0) or not (1).
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
///     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
///     .map(|e| e == 1);
/// let group: Vec<usize> = (0..23).map(|i| usize::from(i >= 11)).collect();
/// let x: Vec<Vec<f64>> = group.iter().map(|&g| vec![g as f64]).collect();
/// // summary(coxph(Surv(time, status) ~ x, aml)): HR 2.50 (0.916, 6.81), Wald p 0.0737,
/// // likelihood-ratio p 0.0658, score (log-rank) p 0.0645.
/// let fit = cox(&time, &event, &x, Ties::Efron)?;
/// let r = [fit.hr[0], fit.hr_lower[0], fit.hr_upper[0], fit.p_wald[0], fit.lrt_p, fit.score_p];
/// let want = [2.49810532617214, 0.915907257436408, 6.8134957660633, 0.0737148606390457,
///     0.0658142401623403, 0.0645385617589437];
/// assert!(r.iter().zip(want).all(|(r, w)| (r / w - 1.0).abs() < 1e-9));
/// assert!(fit.converged && !fit.monotone_likelihood);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn cox(time: &[f64], event: &[bool], x: &[Vec<f64>], ties: Ties) -> Result<CoxFit> {
    cox_with(time, event, x, ties, CoxControl::default())
}

/// State of `coxfit6.c`: the sorted, centred and scaled design and the
/// accumulators of one pass ([`Work::iter`]), reused across the iterations.
struct Work {
    /// Covariates, column-major, sorted by time, centred and scaled.
    cov: Vec<Vec<f64>>,
    /// Times in increasing order, numerically tied times merged.
    time: Vec<f64>,
    /// Event indicators in the order of `time`.
    status: Vec<bool>,
    nvar: usize,
    u: Vec<f64>,
    imat: Mat,
    a: Vec<f64>,
    a2: Vec<f64>,
    cmat: Mat,
    cmat2: Mat,
    efron: bool,
}

/// Running sums of one backward pass of [`Work::iter`]: the log partial
/// likelihood and risk-set denominator, and the deaths tied at the current time.
struct Pass {
    loglik: f64,
    denom: f64,
    ndead: usize,
    denom2: f64,
}

/// Add one subject's weighted covariates to a risk-set sum `a` and its
/// cross-products to the lower triangle of `cmat` (the two loops of `coxfit6.c`).
fn add_weighted(a: &mut [f64], cmat: &mut Mat, cov: &[Vec<f64>], p: usize, risk: f64) {
    for i in 0..a.len() {
        let xi = cov[i][p];
        a[i] += risk * xi;
        for j in 0..=i {
            cmat[i][j] += risk * xi * cov[j][p];
        }
    }
}

impl Work {
    /// `coxfit6_iter`: log partial likelihood, score `u` and information `imat`
    /// (upper triangle filled as `imat[j][i]`, j <= i) at `beta`.
    fn iter(&mut self, beta: &[f64]) -> f64 {
        self.reset();
        let mut pass = Pass {
            loglik: 0.0,
            denom: 0.0,
            ndead: 0,
            denom2: 0.0,
        };
        let mut person = self.time.len();
        while person > 0 {
            let dtime = self.time[person - 1];
            pass.ndead = 0;
            pass.denom2 = 0.0;
            while person > 0 && self.time[person - 1] == dtime {
                self.add_subject(person - 1, beta, &mut pass);
                person -= 1;
            }
            if pass.ndead > 0 {
                self.add_deaths(&mut pass);
            }
        }
        pass.loglik
    }

    /// Zero the score, information and risk-set sums before a pass.
    fn reset(&mut self) {
        let nvar = self.nvar;
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
    }

    /// Enter subject `p` into the risk set: a censored subject goes straight into
    /// the sums (`denom`, `a`, `cmat`), a death into the sums of the tied deaths
    /// (`denom2`, `a2`, `cmat2`), its linear predictor into the log-likelihood and
    /// its covariates into the score.
    fn add_subject(&mut self, p: usize, beta: &[f64], pass: &mut Pass) {
        let mut zbeta = 0.0;
        for i in 0..self.nvar {
            zbeta += beta[i] * self.cov[i][p];
        }
        let risk = zbeta.exp();
        if !self.status[p] {
            pass.denom += risk;
            add_weighted(&mut self.a, &mut self.cmat, &self.cov, p, risk);
        } else {
            pass.ndead += 1;
            pass.denom2 += risk;
            pass.loglik += zbeta;
            for i in 0..self.nvar {
                self.u[i] += self.cov[i][p];
            }
            add_weighted(&mut self.a2, &mut self.cmat2, &self.cov, p, risk);
        }
    }

    /// Close a death time: Breslow adds the tied deaths to the risk set at once,
    /// Efron in `ndead` equal fractions (one death: the same); then the sums of
    /// the tied deaths are cleared.
    fn add_deaths(&mut self, pass: &mut Pass) {
        let deadwt = pass.ndead as f64;
        if !self.efron || pass.ndead == 1 {
            // A fraction of 1.0 divides exactly: the Breslow sums of coxfit6.c.
            self.add_death_share(pass, 1.0, deadwt);
        } else {
            let nd = pass.ndead as f64;
            let wtave = deadwt / nd;
            for _ in 0..pass.ndead {
                self.add_death_share(pass, nd, wtave);
            }
        }
        for i in 0..self.nvar {
            self.a2[i] = 0.0;
            for j in 0..self.nvar {
                self.cmat2[i][j] = 0.0;
            }
        }
    }

    /// Add `1 / parts` of the tied deaths' sums to the risk set and update the
    /// log-likelihood, score and information with weight `wt` (`coxfit6.c`).
    fn add_death_share(&mut self, pass: &mut Pass, parts: f64, wt: f64) {
        pass.denom += pass.denom2 / parts;
        pass.loglik -= wt * pass.denom.ln();
        let denom = pass.denom;
        for i in 0..self.nvar {
            self.a[i] += self.a2[i] / parts;
            let temp2 = self.a[i] / denom;
            self.u[i] -= wt * temp2;
            for j in 0..=i {
                self.cmat[i][j] += self.cmat2[i][j] / parts;
                self.imat[j][i] += wt * (self.cmat[i][j] - temp2 * self.a[j]) / denom;
            }
        }
    }

    fn all_finite(&self) -> bool {
        self.u.iter().all(|v| v.is_finite())
            && self.imat.iter().all(|r| r.iter().all(|v| v.is_finite()))
    }
}

impl Work {
    /// The design of `coxfit6.c`: subjects in [`canonical_order`], numerically tied
    /// times merged, covariates centred and scaled ([`centre_and_scale`]).
    /// Returns the work state and the scale factors of the columns.
    fn new(
        time: &[f64],
        event: &[bool],
        x: &[Vec<f64>],
        nvar: usize,
        ties: Ties,
    ) -> (Work, Vec<f64>) {
        let order = canonical_order(time, event, x);
        let mut stime: Vec<f64> = order.iter().map(|&i| time[i]).collect();
        timefix_sorted(&mut stime);
        let sstat: Vec<bool> = order.iter().map(|&i| event[i]).collect();
        let mut cov: Vec<Vec<f64>> = (0..nvar)
            .map(|j| order.iter().map(|&i| x[i][j]).collect())
            .collect();
        let scale = centre_and_scale(&mut cov, time.len());
        let w = Work {
            cov,
            time: stime,
            status: sstat,
            nvar,
            u: vec![0.0; nvar],
            imat: vec![vec![0.0; nvar]; nvar],
            a: vec![0.0; nvar],
            a2: vec![0.0; nvar],
            cmat: vec![vec![0.0; nvar]; nvar],
            cmat2: vec![vec![0.0; nvar]; nvar],
            efron: ties == Ties::Efron,
        };
        (w, scale)
    }
}

/// Validate the input of [`cox_with`]: survival data, confidence level, one
/// finite covariate row of the same length per subject, at least one event.
/// Returns the number of covariates and of events.
fn check_design(
    time: &[f64],
    event: &[bool],
    x: &[Vec<f64>],
    control: &CoxControl,
) -> Result<(usize, usize)> {
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
    let events = event.iter().filter(|&&e| e).count();
    if events == 0 {
        return Err(StatsError::Degenerate("no events".into()));
    }
    Ok((nvar, events))
}

/// Sort by time, then by status and covariates: a canonical order, so that every sum runs
/// in the same order whatever the order of the input rows (a permutation of the rows gives
/// the same bits; only identical rows are interchangeable).
fn canonical_order(time: &[f64], event: &[bool], x: &[Vec<f64>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..time.len()).collect();
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
    order
}

/// Centre and scale the columns in place as coxph does (`nocenter = c(-1, 0, 1)`: a
/// column whose values are all in {-1, 0, 1} is left alone; the others are centred on
/// their mean and scaled by `n / sum |x - mean|`). Returns the scale factors.
fn centre_and_scale(cov: &mut [Vec<f64>], n: usize) -> Vec<f64> {
    let nf = n as f64;
    let mut scale = vec![1.0f64; cov.len()];
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
    scale
}

/// The model at `beta = 0`: the null log partial likelihood, the score test and
/// the first Newton step.
struct NullFit {
    loglik: f64,
    sctest: f64,
    step: Vec<f64>,
}

/// Evaluate the model at `beta = 0` (`coxph.fit`'s first call of `coxfit6`); errors
/// when the null log-likelihood is not finite or the information is not of full rank.
fn null_fit(w: &mut Work, control: &CoxControl) -> Result<NullFit> {
    let beta = vec![0.0f64; w.nvar];
    let loglik = w.iter(&beta);
    if !loglik.is_finite() {
        return Err(StatsError::Degenerate(
            "non-finite null log-likelihood".into(),
        ));
    }
    let mut step = w.u.clone();
    let rank0 = cholesky2(&mut w.imat, control.toler_chol);
    if rank0 < w.nvar as i64 {
        return Err(StatsError::Singular(
            "information matrix at beta = 0 is not of full rank (collinear or constant covariates)"
                .into(),
        ));
    }
    chsolve2(&w.imat, &mut step);
    let sctest: f64 = w.u.iter().zip(step.iter()).map(|(a, b)| a * b).sum();
    Ok(NullFit {
        loglik,
        sctest,
        step,
    })
}

/// Outcome of the Newton-Raphson iteration: the (scaled) estimate, its log
/// partial likelihood, whether it converged and the iterations counted.
struct Newton {
    beta: Vec<f64>,
    loglik: f64,
    converged: bool,
    iter: usize,
}

/// Newton-Raphson from `beta = 0` as `coxfit6.c`: step-halving when the log partial
/// likelihood decreases or is not finite, convergence on `|1 - old / new| <= eps`, at
/// most `iter_max` steps. Leaves the Cholesky factor of the information at the
/// returned estimate in `w.imat`.
fn newton_raphson(w: &mut Work, null: &NullFit, control: &CoxControl) -> Newton {
    let mut beta = vec![0.0f64; w.nvar];
    let mut loglik1 = null.loglik;
    let mut newbeta: Vec<f64> = beta
        .iter()
        .zip(null.step.iter())
        .map(|(b, s)| b + s)
        .collect();
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
            for i in 0..w.nvar {
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
    Newton {
        beta,
        loglik: loglik1,
        converged,
        iter,
    }
}

/// Invert the information at the estimate and undo the covariate scaling: returns
/// the variance matrix and the score on the original scale, and rescales `beta`.
fn unscale(w: &mut Work, beta: &mut [f64], scale: &[f64]) -> (Mat, Vec<f64>) {
    chinv2(&mut w.imat);
    let mut vmat = w.imat.clone();
    let mut final_u = w.u.clone();
    for i in 0..w.nvar {
        beta[i] *= scale[i];
        final_u[i] /= scale[i];
        for j in 0..w.nvar {
            vmat[i][j] *= scale[i] * scale[j];
        }
    }
    (vmat, final_u)
}

/// The coefficients left without variance at the estimate.
///
/// The information matrix was of full rank at beta = 0 (checked by [`null_fit`]). If it
/// is not at the estimate, the weights have collapsed onto single subjects: the
/// coefficients with no variance left ran off to infinity (monotone likelihood, as with
/// separated data). R's coxph.fit reports such coefficients as NA with zero variance;
/// here the fit is returned flagged, those coefficients (the last iterate) marked
/// infinite and their standard errors, z, Wald p-values and the global Wald test NaN.
/// The analyses never report a monotone fit's hazard ratio.
fn collapsed_coefs(vmat: &Mat) -> Vec<bool> {
    (0..vmat.len()).map(|j| !(vmat[j][j] > 0.0)).collect()
}

/// Infinite-coefficient check (coxph.fit): a coefficient is flagged when its
/// variance collapsed or the next Newton increment `|u' V|` exceeds both `eps`
/// and `toler_inf * |beta|`.
fn infinite_coefs(
    final_u: &[f64],
    vmat: &Mat,
    beta: &[f64],
    collapsed: &[bool],
    control: &CoxControl,
) -> Vec<bool> {
    let nvar = beta.len();
    (0..nvar)
        .map(|j| {
            let inc: f64 = (0..nvar)
                .map(|i| final_u[i] * vmat[i][j])
                .sum::<f64>()
                .abs();
            collapsed[j] || (inc > control.eps && inc > control.toler_inf * beta[j].abs())
        })
        .collect()
}

/// Per-coefficient Wald summaries (`summary.coxph`); NaN for a collapsed coefficient.
struct WaldRows {
    se: Vec<f64>,
    z: Vec<f64>,
    p_wald: Vec<f64>,
    hr: Vec<f64>,
    hr_lower: Vec<f64>,
    hr_upper: Vec<f64>,
}

/// Standard errors, z, two-sided p-values, hazard ratios and their Wald limits
/// at confidence `level`.
fn wald_rows(beta: &[f64], vmat: &Mat, collapsed: &[bool], level: f64) -> Result<WaldRows> {
    let zq = qnorm(1.0 - (1.0 - level) / 2.0)?;
    let se: Vec<f64> = (0..beta.len())
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
    Ok(WaldRows {
        hr_lower,
        hr_upper,
        se,
        z,
        p_wald,
        hr,
    })
}

/// Global Wald test (coxph.wtest): `beta' var^-1 beta` via the generalised Cholesky;
/// NaN when the information is singular at the estimate.
fn global_wald(vmat: &Mat, beta: &[f64], singular_at_estimate: bool, toler_chol: f64) -> f64 {
    let mut vchol = vmat.clone();
    cholesky2(&mut vchol, toler_chol);
    let mut sol = beta.to_vec();
    chsolve2(&vchol, &mut sol);
    if singular_at_estimate {
        f64::NAN
    } else {
        beta.iter().zip(sol.iter()).map(|(a, b)| a * b).sum()
    }
}

/// [`cox`] with explicit control parameters.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{cox_with, CoxControl, Ties};
/// // survival::aml: weeks to relapse (1 = relapse), maintained (0) or not (1).
/// let time = [9.0, 13.0, 13.0, 18.0, 23.0, 28.0, 31.0, 34.0, 45.0, 48.0, 161.0,
///     5.0, 5.0, 8.0, 8.0, 12.0, 16.0, 23.0, 27.0, 30.0, 33.0, 43.0, 45.0];
/// let event = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
///     .map(|e| e == 1);
/// let group: Vec<usize> = (0..23).map(|i| usize::from(i >= 11)).collect();
/// let x: Vec<Vec<f64>> = group.iter().map(|&g| vec![g as f64]).collect();
/// // coxph(Surv(time, status) ~ x, aml, ties = "breslow"): coef 0.904, LR test p 0.0694.
/// let fit = cox_with(&time, &event, &x, Ties::Breslow, CoxControl::default())?;
/// assert!((fit.coef[0] / 0.9042197236857 - 1.0).abs() < 1e-9);
/// assert!((fit.lrt_p / 0.069448000546784 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn cox_with(
    time: &[f64],
    event: &[bool],
    x: &[Vec<f64>],
    ties: Ties,
    control: CoxControl,
) -> Result<CoxFit> {
    let (nvar, events) = check_design(time, event, x, &control)?;
    let (mut w, scale) = Work::new(time, event, x, nvar, ties);
    let null = null_fit(&mut w, &control)?;
    let Newton {
        mut beta,
        loglik,
        converged,
        iter,
    } = newton_raphson(&mut w, &null, &control);
    let (vmat, final_u) = unscale(&mut w, &mut beta, &scale);
    let collapsed = collapsed_coefs(&vmat);
    let singular_at_estimate = collapsed.iter().any(|&c| c);
    let infinite_coef = infinite_coefs(&final_u, &vmat, &beta, &collapsed, &control);
    let WaldRows {
        se,
        z,
        p_wald,
        hr,
        hr_lower,
        hr_upper,
    } = wald_rows(&beta, &vmat, &collapsed, control.level)?;
    let wald_chisq = global_wald(&vmat, &beta, singular_at_estimate, control.toler_chol);

    let df = nvar;
    let dff = df as f64;
    let lrt_chisq = 2.0 * (loglik - null.loglik);
    Ok(CoxFit {
        lrt_p: pchisq_upper(lrt_chisq, dff)?,
        wald_p: if singular_at_estimate {
            f64::NAN
        } else {
            pchisq_upper(wald_chisq, dff)?
        },
        score_p: pchisq_upper(null.sctest, dff)?,
        coef: beta,
        se,
        hr,
        hr_lower,
        hr_upper,
        z,
        p_wald,
        var: vmat,
        loglik_null: null.loglik,
        loglik,
        lrt_chisq,
        wald_chisq,
        score_chisq: null.sctest,
        df,
        iterations: iter.min(control.iter_max),
        converged,
        monotone_likelihood: infinite_coef.iter().any(|&b| b),
        infinite_coef,
        n: time.len(),
        events,
    })
}
