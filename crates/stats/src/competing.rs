//! Competing risks: the Aalen-Johansen cumulative incidence of one event in the
//! presence of one competing event, as R's multi-state
//! `survfit(Surv(time, factor(status, 0:2)) ~ 1)`, and Gray's test of equality of
//! cumulative incidence across groups, as `cmprsk::cuminc(...)$Tests`.

#![allow(clippy::needless_range_loop)]

use serde::Serialize;

use super::dist::{pchisq_upper, qnorm};
use super::error::{check_len, check_level, check_survival, Result, StatsError};
use super::linalg::{solve, Mat};
use super::timefix::timefix_sorted;

/// Status of a subject at its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrStatus {
    /// Censored (R status 0).
    Censored,
    /// The event of interest (R status 1).
    Event,
    /// The competing event (R status 2).
    Competing,
}

/// One distinct time of the cumulative incidence curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CifRow {
    /// Time.
    pub time: f64,
    /// At risk just before `time`.
    pub n_risk: usize,
    /// Events of interest at `time`.
    pub n_event: usize,
    /// Competing events at `time`.
    pub n_competing: usize,
    /// Censored at `time`.
    pub n_censor: usize,
    /// Cumulative incidence of the event of interest.
    pub estimate: f64,
    /// Its standard error (infinitesimal jackknife, survfit's default).
    pub std_err: f64,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
}

/// The curve evaluated at a requested time (`summary(fit, times = )`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CifAt {
    /// Requested time.
    pub time: f64,
    /// Cumulative incidence.
    pub estimate: f64,
    /// Standard error.
    pub std_err: f64,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
    /// At risk at the requested time.
    pub n_risk: usize,
}

/// An Aalen-Johansen cumulative incidence curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CifFit {
    /// One row per distinct observed time.
    pub rows: Vec<CifRow>,
    /// Subjects.
    pub n: usize,
    /// Events of interest.
    pub events: usize,
    /// Competing events.
    pub competing_events: usize,
    /// Confidence level.
    pub level: f64,
}

/// Gray's test for one cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrayTest {
    /// Chi-square statistic.
    pub chisq: f64,
    /// Degrees of freedom (groups - 1).
    pub df: usize,
    /// p-value.
    pub p: f64,
}

/// Validate competing-risks input: survival times, one status and (for Gray's
/// test) one group per subject.
fn check_input(time: &[f64], status: &[CrStatus]) -> Result<()> {
    check_survival(time, status.len())
}

/// Counts of one distinct time: at risk, events, competing events, censored.
#[derive(Default, Clone, Copy)]
struct TimeCounts {
    n_risk: usize,
    d1: usize,
    d2: usize,
    cens: usize,
}

/// Sort by time, merge numerically tied times (`timefix`), and count per
/// distinct time.
fn distinct_times(time: &[f64], status: &[CrStatus]) -> Vec<(f64, TimeCounts)> {
    let mut pairs: Vec<(f64, CrStatus)> =
        time.iter().copied().zip(status.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut t: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    timefix_sorted(&mut t);
    let n = pairs.len();
    let mut out: Vec<(f64, TimeCounts)> = Vec::new();
    for (k, (&tk, p)) in t.iter().zip(&pairs).enumerate() {
        if !out.last().is_some_and(|l| l.0 == tk) {
            let counts = TimeCounts {
                n_risk: n - k,
                ..TimeCounts::default()
            };
            out.push((tk, counts));
        }
        let last = out.len() - 1;
        let c = &mut out[last].1;
        match p.1 {
            CrStatus::Censored => c.cens += 1,
            CrStatus::Event => c.d1 += 1,
            CrStatus::Competing => c.d2 += 1,
        }
    }
    out
}

/// The infinitesimal-jackknife variance of the Aalen-Johansen estimate, as
/// `survfitaj.c` computes it (`U <- U + U H`, then the `dN` and hazard terms),
/// specialised to one transient state with two absorbing states and one row per
/// subject so that it runs in linear time: all subjects still at risk share the
/// same influence (`a0` on the entry state, `a1` on the event state); a subject
/// who left at `e` keeps `U0 S(t) / S(e)` on the entry state and
/// `U1(e) + U0(e) / S(e) (F(t) - F(e))` on the event state, so the sum of
/// squares over those who left is a quadratic in `F(t)` kept as three sums.
#[derive(Default)]
struct Influence {
    a0: f64,
    a1: f64,
    /// Sums over subjects who left: alpha^2, alpha c and c^2, with
    /// `U1(t) = alpha + c F(t)`.
    s_aa: f64,
    s_ac: f64,
    s_cc: f64,
}

impl Influence {
    /// Subjects leaving after the update at their time: `m` of them with
    /// influence `(u0, u1)`, when the curves are `s_new` (entry state) and `f_new`.
    fn leave(&mut self, m: usize, u0: f64, u1: f64, s_new: f64, f_new: f64) {
        if m == 0 {
            return;
        }
        let c = if s_new > 0.0 { u0 / s_new } else { 0.0 };
        let alpha = u1 - c * f_new;
        let m = m as f64;
        self.s_aa += m * alpha * alpha;
        self.s_ac += m * alpha * c;
        self.s_cc += m * c * c;
    }

    /// One distinct time with events: update the shared influence, retire the
    /// subjects whose time it is, return the variance of `F(t)`.
    fn step(&mut self, c: &TimeCounts, s_prev: f64, s_new: f64, f_new: f64) -> f64 {
        let n = c.n_risk as f64;
        let (d1, d) = (c.d1 as f64, (c.d1 + c.d2) as f64);
        let p = s_prev;
        let a0 = self.a0 * (1.0 - d / n) + p * d / (n * n);
        let a1 = self.a1 + self.a0 * d1 / n - p * d1 / (n * n);
        self.leave(c.cens, a0, a1, s_new, f_new);
        self.leave(c.d1, a0 - p / n, a1 + p / n, s_new, f_new);
        self.leave(c.d2, a0 - p / n, a1, s_new, f_new);
        self.a0 = a0;
        self.a1 = a1;
        let remaining = (c.n_risk - c.d1 - c.d2 - c.cens) as f64;
        let var =
            remaining * a1 * a1 + self.s_aa + 2.0 * f_new * self.s_ac + f_new * f_new * self.s_cc;
        var.max(0.0)
    }

    /// A time with censorings only: the influence does not change.
    fn censor_only(&mut self, c: &TimeCounts, s: f64, f: f64) {
        let (a0, a1) = (self.a0, self.a1);
        self.leave(c.cens, a0, a1, s, f);
    }
}

/// Log-scale limits of `survfit`'s multi-state curves (`survfit_confint`,
/// `logse = FALSE`, `conf.type = "log"`, survival 3.5): `NA` when the estimate is
/// 0, else `exp(log(p) -/+ z se / p)`, the upper limit capped at 1.
fn log_limits(p: f64, se: f64, z: f64) -> (Option<f64>, Option<f64>) {
    if p == 0.0 {
        return (None, None);
    }
    let se_log = if se == 0.0 { 0.0 } else { se / p };
    let lo = (p.ln() - z * se_log).exp();
    let hi = (p.ln() + z * se_log).exp().min(1.0);
    (Some(lo), Some(hi))
}

/// Aalen-Johansen cumulative incidence of the event of interest when a
/// competing event precludes it, as R's multi-state
/// `survfit(Surv(time, factor(status, 0:2)) ~ 1)` (survival 3.5, `survfitAJ` and
/// `survfitaj.c`): the probability of state 1, `pstate[, 2]`, at every distinct
/// observed time; its standard error is survfit's default for multi-state
/// curves, the infinitesimal jackknife (Therneau, "The survfit function", section
/// on Aalen-Johansen influence), and the CI is survfit's default `conf.type =
/// "log"` on that standard error (`NA` while the estimate is 0).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{cumulative_incidence, CrStatus::{Censored, Competing, Event}};
/// // survfit(Surv(c(1, 2, 3, 4), factor(c(2, 1, 0, 1), 0:2)) ~ 1):
/// // pstate[, 2] = 0, 0.25, 0.25, 0.75; std.err[, 2] = 0, 0.2165, 0.2165, 0.2165.
/// let fit = cumulative_incidence(&[1.0, 2.0, 3.0, 4.0],
///     &[Competing, Event, Censored, Event], 0.95)?;
/// let est: Vec<f64> = fit.rows.iter().map(|r| r.estimate).collect();
/// assert_eq!(est, [0.0, 0.25, 0.25, 0.75]);
/// assert!((fit.rows[3].std_err / 0.21650635094610965 - 1.0).abs() < 1e-9);
/// assert_eq!((fit.rows[0].lower, fit.events, fit.competing_events), (None, 2, 1));
/// // lower[, 2] at time 2: 0.0458.
/// assert!((fit.rows[1].lower.unwrap() / 0.0457907596660182 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn cumulative_incidence(time: &[f64], status: &[CrStatus], level: f64) -> Result<CifFit> {
    check_input(time, status)?;
    check_level(level)?;
    let z = qnorm(1.0 - (1.0 - level) / 2.0)?;
    let mut s = 1.0f64;
    let mut f = 0.0f64;
    let mut se = 0.0f64;
    let mut infl = Influence::default();
    let mut rows = Vec::new();
    for (t, c) in distinct_times(time, status) {
        let d = c.d1 + c.d2;
        if d == 0 {
            infl.censor_only(&c, s, f);
        } else {
            let n = c.n_risk as f64;
            let s_new = s * (1.0 - d as f64 / n);
            let f_new = f + s * c.d1 as f64 / n;
            se = infl.step(&c, s, s_new, f_new).sqrt();
            s = s_new;
            f = f_new;
        }
        let (lower, upper) = log_limits(f, se, z);
        rows.push(CifRow {
            time: t,
            n_risk: c.n_risk,
            n_event: c.d1,
            n_competing: c.d2,
            n_censor: c.cens,
            estimate: f,
            std_err: se,
            lower,
            upper,
        });
    }
    let count = |k: CrStatus| status.iter().filter(|&&x| x == k).count();
    Ok(CifFit {
        rows,
        n: time.len(),
        events: count(CrStatus::Event),
        competing_events: count(CrStatus::Competing),
        level,
    })
}

impl CifFit {
    /// The curve at time `t`, as `summary(fit, times = t)`: the row of the last
    /// distinct time `<= t` (the step function is right-continuous) and the number
    /// at risk at `t` (those with time `>= t`). Before the first time the estimate,
    /// standard error and both limits are 0 (`survfit0` prepends a time-0 row with
    /// `lower = upper = 0` for multi-state curves). `None` when `t` is beyond the
    /// last observed time: R drops such times unless `extend = TRUE`, and the
    /// estimate there is not supported by follow-up.
    ///
    /// # Examples
    ///
    /// ```rust
    /// use mmreport_stats::{cumulative_incidence, CrStatus::{Censored, Competing, Event}};
    /// let fit = cumulative_incidence(&[1.0, 2.0, 3.0, 4.0],
    ///     &[Competing, Event, Censored, Event], 0.95)?;
    /// // summary(fit, times = c(0.5, 2.5, 5)): 0 (limits 0, 0) with 4 at risk, then
    /// // 0.25 with 2 at risk; time 5 is dropped.
    /// let early = fit.at(0.5)?.unwrap();
    /// assert_eq!((early.estimate, early.lower, early.upper, early.n_risk), (0.0, Some(0.0), Some(0.0), 4));
    /// let mid = fit.at(2.5)?.unwrap();
    /// assert_eq!((mid.estimate, mid.n_risk), (0.25, 2));
    /// assert_eq!(fit.at(5.0)?, None);
    /// # Ok::<(), mmreport_stats::StatsError>(())
    /// ```
    pub fn at(&self, t: f64) -> Result<Option<CifAt>> {
        if !t.is_finite() {
            return Err(StatsError::NonFinite {
                what: "time",
                index: 0,
            });
        }
        if t < 0.0 {
            return Err(StatsError::NegativeTime { index: 0 });
        }
        let Some(last) = self.rows.last() else {
            return Ok(None);
        };
        if t > last.time {
            return Ok(None);
        }
        let k = self.rows.partition_point(|r| r.time <= t);
        let next = self.rows.partition_point(|r| r.time < t);
        let n_risk = self.rows.get(next).map_or(0, |r| r.n_risk);
        Ok(Some(if k == 0 {
            CifAt {
                time: t,
                estimate: 0.0,
                std_err: 0.0,
                lower: Some(0.0),
                upper: Some(0.0),
                n_risk,
            }
        } else {
            let r = &self.rows[k - 1];
            CifAt {
                time: t,
                estimate: r.estimate,
                std_err: r.std_err,
                lower: r.lower,
                upper: r.upper,
                n_risk,
            }
        }))
    }
}

/// Running state of `crst` (cmprsk's `crstm.f`, R. Gray) over the distinct times:
/// per group the risk set, left- and right-continuous KM (`skmm`, `skm`) and
/// cumulative incidence (`f1m`, `f1`), and the pieces of the score and its
/// variance (`a`, `c`, `v2`, `v3`, `s`, `v`).
struct Gray {
    ng: usize,
    rs: Vec<usize>,
    f1m: Vec<f64>,
    f1: Vec<f64>,
    skmm: Vec<f64>,
    skm: Vec<f64>,
    c: Mat,
    a: Mat,
    v3: Vec<f64>,
    v2: Mat,
    s: Vec<f64>,
    v: Mat,
    fm: f64,
    f: f64,
}

impl Gray {
    fn new(ng: usize, rs: Vec<usize>) -> Gray {
        let ng1 = ng - 1;
        Gray {
            ng,
            rs,
            f1m: vec![0.0; ng],
            f1: vec![0.0; ng],
            skmm: vec![1.0; ng],
            skm: vec![1.0; ng],
            c: vec![vec![0.0; ng]; ng],
            a: vec![vec![0.0; ng]; ng],
            v3: vec![0.0; ng],
            v2: vec![vec![0.0; ng]; ng1],
            s: vec![0.0; ng1],
            v: vec![vec![0.0; ng1]; ng1],
            fm: 0.0,
            f: 0.0,
        }
    }

    /// One time with events; `d[k][j]` counts status `k` (0 censored, 1 event,
    /// 2 competing) in group `j` (`crst`, statements 60 to 82, rho = 0).
    fn event_time(&mut self, d: &[Vec<usize>; 3]) {
        let ng = self.ng;
        let nd1: usize = d[1].iter().sum();
        let nd2: usize = d[2].iter().sum();
        let (mut tr, mut tq) = (0.0f64, 0.0f64);
        for i in 0..ng {
            if self.rs[i] == 0 {
                continue;
            }
            let rs = self.rs[i] as f64;
            let td = (d[1][i] + d[2][i]) as f64;
            self.skm[i] = self.skmm[i] * (rs - td) / rs;
            self.f1[i] = self.f1m[i] + self.skmm[i] * d[1][i] as f64 / rs;
            tr += rs / self.skmm[i];
            tq += rs * (1.0 - self.f1m[i]) / self.skmm[i];
        }
        self.f = self.fm + nd1 as f64 / tr;
        self.update_a_c(nd1, tr);
        for i in 0..ng - 1 {
            if self.rs[i] > 0 {
                let rs = self.rs[i] as f64;
                self.s[i] +=
                    d[1][i] as f64 - nd1 as f64 * rs * (1.0 - self.f1m[i]) / (self.skmm[i] * tq);
            }
        }
        if nd1 > 0 {
            self.event_variance(nd1, tr);
        }
        if nd2 > 0 {
            self.competing_variance(&d[2]);
        }
    }

    /// The matrices `a` and `c` of the paper (statements 66 to 69, `fb = 1`).
    fn update_a_c(&mut self, nd1: usize, tr: f64) {
        let ng = self.ng;
        let w = nd1 as f64 / (tr * (1.0 - self.fm));
        for i in 0..ng {
            for j in i..ng {
                self.a[i][j] = 0.0;
            }
            if self.rs[i] == 0 {
                continue;
            }
            let t1 = self.rs[i] as f64 / self.skmm[i];
            self.a[i][i] = t1 * (1.0 - t1 / tr);
            if self.a[i][i] != 0.0 {
                self.c[i][i] += self.a[i][i] * w;
            }
            for j in i + 1..ng {
                if self.rs[j] == 0 {
                    continue;
                }
                self.a[i][j] = -t1 * self.rs[j] as f64 / (self.skmm[j] * tr);
                if self.a[i][j] != 0.0 {
                    self.c[i][j] += self.a[i][j] * w;
                }
            }
        }
        for i in 1..ng {
            for j in 0..i {
                self.a[i][j] = self.a[j][i];
                self.c[i][j] = self.c[j][i];
            }
        }
    }

    /// Variance terms of the events of interest (statements 72 to 71).
    fn event_variance(&mut self, nd1: usize, tr: f64) {
        for k in 0..self.ng {
            if self.rs[k] == 0 {
                continue;
            }
            let t4 = if self.skm[k] > 0.0 {
                1.0 - (1.0 - self.f) / self.skm[k]
            } else {
                1.0
            };
            let t5 = if nd1 > 1 {
                1.0 - (nd1 - 1) as f64 / (tr * self.skmm[k] - 1.0)
            } else {
                1.0
            };
            let t3 = t5 * self.skmm[k] * nd1 as f64 / (tr * self.rs[k] as f64);
            self.v3[k] += t4 * t4 * t3;
            for i in 0..self.ng - 1 {
                let t1 = self.a[i][k] - t4 * self.c[i][k];
                self.v2[i][k] += t1 * t4 * t3;
                for j in 0..=i {
                    let t2 = self.a[j][k] - t4 * self.c[j][k];
                    self.v[i][j] += t1 * t2 * t3;
                }
            }
        }
    }

    /// Variance terms of the competing events (statements 82 to 81).
    fn competing_variance(&mut self, d2: &[usize]) {
        for k in 0..self.ng {
            if self.skm[k] <= 0.0 || d2[k] == 0 {
                continue;
            }
            let t4 = (1.0 - self.f) / self.skm[k];
            let t5 = if d2[k] > 1 {
                1.0 - (d2[k] as f64 - 1.0) / (self.rs[k] as f64 - 1.0)
            } else {
                1.0
            };
            let t6 = self.rs[k] as f64;
            let t3 = t5 * (self.skmm[k] * self.skmm[k] * d2[k] as f64) / (t6 * t6);
            self.v3[k] += t4 * t4 * t3;
            for i in 0..self.ng - 1 {
                let t1 = t4 * self.c[i][k];
                self.v2[i][k] -= t1 * t4 * t3;
                for j in 0..=i {
                    let t2 = t4 * self.c[j][k];
                    self.v[i][j] += t1 * t2 * t3;
                }
            }
        }
    }

    /// Leave a time: its subjects leave the risk sets, the left-continuous
    /// values catch up (statements 91 and 92).
    fn next_time(&mut self, groups_here: &[usize]) {
        for &j in groups_here {
            self.rs[j] -= 1;
        }
        self.fm = self.f;
        self.f1m.clone_from(&self.f1);
        self.skmm.clone_from(&self.skm);
    }

    /// The score and its full variance matrix (statements 30 to 38).
    fn finish(mut self) -> (Vec<f64>, Mat) {
        let ng1 = self.ng - 1;
        for i in 0..ng1 {
            for j in 0..=i {
                for k in 0..self.ng {
                    self.v[i][j] += self.c[i][k] * self.c[j][k] * self.v3[k]
                        + self.c[i][k] * self.v2[j][k]
                        + self.c[j][k] * self.v2[i][k];
                }
                self.v[j][i] = self.v[i][j];
            }
        }
        (self.s, self.v)
    }
}

/// Gray's (1988) k-sample test of equal cumulative incidence of the event of
/// interest, as `cmprsk::cuminc(ftime, fstatus, group)$Tests` for the cause coded 1
/// (`crstm.f`, `rho = 0`, one stratum): the score of the first `k - 1` groups and
/// its variance, statistic `s' V^-1 s` on `k - 1` degrees of freedom. Like
/// `cuminc`, times tie only when exactly equal (no `timefix`); groups are the
/// distinct codes of `group` in increasing order (the statistic does not depend
/// on the order). The p-value is the upper tail (`cuminc` prints `1 - pchisq`,
/// which agrees to double precision except in the far tail).
///
/// Errors with fewer than two groups, and [`StatsError::Singular`] when the
/// variance matrix is singular (`cuminc` then reports a statistic of -1), e.g.
/// when no group has an event of interest.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{gray_test, CrStatus::{Censored, Competing, Event}};
/// let time = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5];
/// let status = [Event, Event, Competing, Event, Censored, Event,
///     Competing, Event, Censored, Competing, Competing, Censored];
/// let group = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
/// // cmprsk::cuminc(time, status, group)$Tests[1, ]: stat 2.557, pv 0.110, df 1.
/// let g = gray_test(&time, &status, &group)?;
/// assert_eq!(g.df, 1);
/// assert!((g.chisq / 2.557157431839947 - 1.0).abs() < 1e-9);
/// assert!((g.p / 0.10979584081275362 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn gray_test(time: &[f64], status: &[CrStatus], group: &[usize]) -> Result<GrayTest> {
    check_input(time, status)?;
    check_len("group", group.len(), time.len())?;
    let mut levels = group.to_vec();
    levels.sort_unstable();
    levels.dedup();
    if levels.len() < 2 {
        return Err(StatsError::Degenerate(
            "Gray's test needs at least two groups".into(),
        ));
    }
    let ng = levels.len();
    let code = |g: usize| levels.binary_search(&g).unwrap_or(0);
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut rs = vec![0usize; ng];
    for &g in group {
        rs[code(g)] += 1;
    }
    let mut st = Gray::new(ng, rs);
    let mut k = 0;
    while k < order.len() {
        let t = time[order[k]];
        let end = k + order[k..].partition_point(|&i| time[i] == t);
        let mut d = [vec![0usize; ng], vec![0usize; ng], vec![0usize; ng]];
        let here: Vec<usize> = order[k..end].iter().map(|&i| code(group[i])).collect();
        for (&i, &g) in order[k..end].iter().zip(&here) {
            let s = match status[i] {
                CrStatus::Censored => 0,
                CrStatus::Event => 1,
                CrStatus::Competing => 2,
            };
            d[s][g] += 1;
        }
        if d[1].iter().chain(&d[2]).any(|&x| x > 0) {
            st.event_time(&d);
        }
        st.next_time(&here);
        k = end;
    }
    let (s, v) = st.finish();
    let x = solve(&v, &s).ok_or_else(|| {
        StatsError::Singular(
            "variance of Gray's score (no events of interest in the groups?)".into(),
        )
    })?;
    let chisq: f64 = s.iter().zip(&x).map(|(a, b)| a * b).sum();
    let df = ng - 1;
    Ok(GrayTest {
        chisq,
        df,
        p: pchisq_upper(chisq, df as f64)?,
    })
}
