//! Descriptive statistics and the Shapiro-Wilk normality test.
//!
//! * [`mean`], [`sd`], [`median`] as R's `mean`, `sd`, `median`;
//! * [`quantile`] as R's `quantile(x, p, type = 6)` (SPSS, the default for the
//!   report's tables) and `type = 7` (R's default), including R's `4 * eps` fuzz;
//! * [`shapiro_wilk`] as R's `shapiro.test`: Royston (1995), Algorithm AS R94,
//!   ported from R's `swilk.c`, for 3 <= n <= 5000.
#![allow(clippy::needless_range_loop)]

use serde::{Deserialize, Serialize};

use super::dist::{pnorm_upper, qnorm};
use super::error::{check_finite, Result, StatsError};

/// Sample quantile definition (Hyndman & Fan 1996, R's `type`).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{quantiles, QuantileType};
/// let x = [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8];
/// // quantile(x, c(0.25, 0.75), type = 6) and type = 7.
/// assert_eq!(quantiles(&x, &[0.25, 0.75], QuantileType::Type6)?, vec![2.1, 4.2]);
/// let q7 = quantiles(&x, &[0.25, 0.75], QuantileType::Type7)?;
/// assert!((q7[0] / 2.45 - 1.0).abs() < 1e-9 && (q7[1] / 3.8 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuantileType {
    /// Type 6: `p (n + 1)` plotting positions (SPSS, Minitab). Default for tables.
    #[default]
    Type6,
    /// Type 7: `1 + p (n - 1)` (R's and Excel's default).
    Type7,
}

/// Arithmetic mean (R's `mean`, with its second refinement pass).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::mean;
/// let x = [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8];
/// // mean(x) in R: 3.32857142857143
/// assert!((mean(&x)? / 3.32857142857143 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn mean(x: &[f64]) -> Result<f64> {
    check_finite("x", x)?;
    Ok(mean_unchecked(x))
}

pub(crate) fn mean_unchecked(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let corr = x.iter().map(|v| v - m).sum::<f64>() / n;
    m + corr
}

/// Sample variance with denominator `n - 1` (R's `var`); needs n >= 2.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::var;
/// let x = [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8];
/// // var(x) in R: 1.62571428571429
/// assert!((var(&x)? / 1.62571428571429 - 1.0).abs() < 1e-9);
/// assert!(var(&[1.0]).is_err());
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn var(x: &[f64]) -> Result<f64> {
    check_finite("x", x)?;
    if x.len() < 2 {
        return Err(StatsError::SampleSize {
            n: x.len(),
            min: 2,
            max: usize::MAX,
        });
    }
    Ok(var_unchecked(x))
}

pub(crate) fn var_unchecked(x: &[f64]) -> f64 {
    let m = mean_unchecked(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() as f64 - 1.0)
}

/// Sample standard deviation (R's `sd`); needs n >= 2.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::sd;
/// let x = [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8];
/// // sd(x) in R: 1.27503501352484
/// assert!((sd(&x)? / 1.27503501352484 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn sd(x: &[f64]) -> Result<f64> {
    var(x).map(f64::sqrt)
}

fn sorted(x: &[f64]) -> Vec<f64> {
    let mut s = x.to_vec();
    s.sort_unstable_by(|a, b| a.total_cmp(b));
    s
}

/// Median (R's `median`: mean of the two middle values for even n).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::median;
/// let x = [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8];
/// assert_eq!(median(&x)?, 3.3);
/// assert_eq!(median(&[4.0, 1.0, 2.0, 3.0])?, 2.5);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn median(x: &[f64]) -> Result<f64> {
    check_finite("x", x)?;
    let s = sorted(x);
    let n = s.len();
    let half = n / 2;
    if n % 2 == 1 {
        Ok(s[half])
    } else {
        Ok((s[half - 1] + s[half]) / 2.0)
    }
}

/// Sample quantile at probability `p` (R's `quantile(x, p, type = 6 | 7)`).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{quantile, QuantileType};
/// let x = [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8];
/// // quantile(x, 0.75, type = 6) = 4.2; quantile(x, 0.25) (type 7) = 2.45.
/// assert_eq!(quantile(&x, 0.75, QuantileType::Type6)?, 4.2);
/// assert!((quantile(&x, 0.25, QuantileType::Type7)? / 2.45 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn quantile(x: &[f64], p: f64, ty: QuantileType) -> Result<f64> {
    Ok(quantiles(x, &[p], ty)?[0])
}

/// Several sample quantiles at once (one sort).
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::{quantiles, QuantileType};
/// let x = [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8];
/// // quantile(x, c(0, 0.25, 1), type = 6)
/// assert_eq!(quantiles(&x, &[0.0, 0.25, 1.0], QuantileType::Type6)?, vec![1.9, 2.1, 5.6]);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn quantiles(x: &[f64], probs: &[f64], ty: QuantileType) -> Result<Vec<f64>> {
    check_finite("x", x)?;
    if let Some(p) = probs.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(StatsError::InvalidArgument(format!(
            "probability must be in [0, 1], got {p}"
        )));
    }
    let s = sorted(x);
    Ok(probs.iter().map(|&p| quantile_sorted(&s, p, ty)).collect())
}

/// Quantile of sorted, non-empty data, following `stats:::quantile.default`.
pub(crate) fn quantile_sorted(s: &[f64], p: f64, ty: QuantileType) -> f64 {
    let n = s.len();
    match ty {
        QuantileType::Type7 => {
            let index = 1.0 + (n as f64 - 1.0) * p;
            let lo = index.floor();
            let hi = index.ceil();
            let xlo = s[lo as usize - 1];
            let xhi = s[hi as usize - 1];
            let mut q = xlo;
            if index > lo && xhi != q {
                let h = index - lo;
                q = (1.0 - h) * q + h * xhi;
            }
            q
        }
        QuantileType::Type6 => {
            let fuzz = 4.0 * f64::EPSILON;
            let nppm = p * (n as f64 + 1.0);
            let j = (nppm + fuzz).floor();
            let mut h = nppm - j;
            if h.abs() < fuzz {
                h = 0.0;
            }
            // x padded as c(x[1], x[1], x, x[n], x[n]); qs = x[j + 2], next x[j + 3].
            let at = |k: f64| -> f64 {
                // k is the 1-based index into the unpadded data, clamped.
                let k = k.clamp(1.0, n as f64) as usize;
                s[k - 1]
            };
            let lo = at(j);
            let hi = at(j + 1.0);
            if h == 1.0 {
                hi
            } else if h > 0.0 && h < 1.0 && lo != hi {
                (1.0 - h) * lo + h * hi
            } else {
                lo
            }
        }
    }
}

/// Result of the Shapiro-Wilk test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShapiroWilk {
    /// W statistic.
    pub w: f64,
    /// p-value.
    pub p: f64,
}

fn poly(cc: &[f64], x: f64) -> f64 {
    let nord = cc.len();
    let mut ret = cc[0];
    if nord > 1 {
        let mut p = x * cc[nord - 1];
        for j in (1..nord - 1).rev() {
            p = (p + cc[j]) * x;
        }
        ret += p;
    }
    ret
}

/// Shapiro-Wilk normality test exactly as R's `shapiro.test` (Royston 1995,
/// Applied Statistics 44:547-551, AS R94; R's `swilk.c`). Defined for
/// 3 <= n <= 5000 and non-constant data; errors otherwise.
///
/// # Examples
///
/// ```rust
/// use mmreport_stats::shapiro_wilk;
/// let x = [2.1, 3.4, 1.9, 5.6, 4.2, 3.3, 2.8];
/// // shapiro.test(x): W = 0.93905, p-value = 0.6302
/// let sw = shapiro_wilk(&x)?;
/// assert!((sw.w / 0.939052529415889 - 1.0).abs() < 1e-9);
/// assert!((sw.p / 0.63020131772049 - 1.0).abs() < 1e-9);
/// # Ok::<(), mmreport_stats::StatsError>(())
/// ```
pub fn shapiro_wilk(x: &[f64]) -> Result<ShapiroWilk> {
    check_finite("x", x)?;
    let n = x.len();
    if !(3..=5000).contains(&n) {
        return Err(StatsError::SampleSize {
            n,
            min: 3,
            max: 5000,
        });
    }
    let mut s = sorted(x);
    let rng = s[n - 1] - s[0];
    if rng == 0.0 {
        return Err(StatsError::Degenerate(
            "all 'x' values are identical".into(),
        ));
    }
    if rng < 1e-10 {
        s.iter_mut().for_each(|v| *v /= rng);
    }
    swilk(&s)
}

// Royston's polynomial approximations of AS R94 (`swilk.c`): `C1`, `C2` for the
// two largest coefficients, `G` for the bound of small samples, `C3`..`C6` for the
// mean and log standard deviation of `log(1 - W)`.
const G: [f64; 2] = [-2.273, 0.459];
const C1: [f64; 6] = [0.0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
const C2: [f64; 6] = [0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];
const C3: [f64; 4] = [0.544, -0.39978, 0.025054, -6.714e-4];
const C4: [f64; 4] = [1.3822, -0.77857, 0.062767, -0.0020322];
const C5: [f64; 4] = [-1.5861, -0.31082, -0.083751, 0.0038915];
const C6: [f64; 3] = [-0.4803, -0.082676, 0.0030302];

/// `swilk.c` on sorted data: the coefficients, then W, then its p-value.
fn swilk(x: &[f64]) -> Result<ShapiroWilk> {
    let a = swilk_coefficients(x.len())?;
    let (w, w1) = swilk_statistic(x, &a)?;
    let p = swilk_p(x.len(), w, w1)?;
    Ok(ShapiroWilk { w, p })
}

/// The coefficients `a[1..=n/2]` of AS R94 (1-based as in the C code, `a[0]`
/// unused): normal scores, with the two largest (one for n <= 5) replaced by
/// Royston's polynomial approximations and the rest rescaled.
fn swilk_coefficients(n: usize) -> Result<Vec<f64>> {
    let nn2 = n / 2;
    let an = n as f64;
    let mut a = vec![0.0f64; nn2 + 1];
    if n == 3 {
        a[1] = std::f64::consts::FRAC_1_SQRT_2;
        return Ok(a);
    }
    let an25 = an + 0.25;
    let mut summ2 = 0.0;
    for i in 1..=nn2 {
        a[i] = qnorm((i as f64 - 0.375) / an25)?;
        summ2 += a[i] * a[i];
    }
    summ2 *= 2.0;
    let ssumm2 = summ2.sqrt();
    let rsn = 1.0 / an.sqrt();
    let a1 = poly(&C1, rsn) - a[1] / ssumm2;
    let i1;
    let fac;
    if n > 5 {
        i1 = 3;
        let a2 = -a[2] / ssumm2 + poly(&C2, rsn);
        fac = ((summ2 - 2.0 * (a[1] * a[1]) - 2.0 * (a[2] * a[2]))
            / (1.0 - 2.0 * (a1 * a1) - 2.0 * (a2 * a2)))
            .sqrt();
        a[2] = a2;
    } else {
        i1 = 2;
        fac = ((summ2 - 2.0 * (a[1] * a[1])) / (1.0 - 2.0 * (a1 * a1))).sqrt();
    }
    a[1] = a1;
    for i in i1..=nn2 {
        a[i] /= -fac;
    }
    Ok(a)
}

/// Sign of an index difference, as `swilk.c`'s `sign()`.
fn sign(v: i64) -> f64 {
    if v > 0 {
        1.0
    } else if v < 0 {
        -1.0
    } else {
        0.0
    }
}

/// W and `1 - W` of sorted data `x` with coefficients `a`, computed as `swilk.c`
/// does (data scaled by the range, the antisymmetric coefficients centred);
/// errors when the range is below `1e-19`.
fn swilk_statistic(x: &[f64], a: &[f64]) -> Result<(f64, f64)> {
    const SMALL: f64 = 1e-19;
    let n = x.len();
    let an = n as f64;
    let range = x[n - 1] - x[0];
    if range < SMALL {
        return Err(StatsError::Degenerate("range too small".into()));
    }
    let mut sx = x[0] / range;
    let mut sa = -a[1];
    let mut i = 1usize;
    let mut j = n - 1;
    while i < n {
        let xi = x[i] / range;
        sx += xi;
        i += 1;
        if i != j {
            sa += sign(i as i64 - j as i64) * a[i.min(j)];
        }
        j -= 1;
    }

    sa /= an;
    sx /= an;
    let (mut ssa, mut ssx, mut sax) = (0.0f64, 0.0f64, 0.0f64);
    let mut j = n as i64 - 1;
    for i in 0..n {
        let ii = i as i64;
        let asa = if ii != j {
            sign(ii - j) * a[1 + (ii.min(j) as usize)] - sa
        } else {
            -sa
        };
        let xsx = x[i] / range - sx;
        ssa += asa * asa;
        ssx += xsx * xsx;
        sax += asa * xsx;
        j -= 1;
    }
    let ssassx = (ssa * ssx).sqrt();
    let w1 = (ssassx - sax) * (ssassx + sax) / (ssa * ssx);
    Ok((1.0 - w1, w1))
}

/// p-value of W for sample size `n` (`swilk.c`): exact for n = 3, otherwise the
/// normal approximation of `log(1 - W)` (Royston's small-sample transform for
/// n <= 11, where a W beyond the bound `gamma` gives `1e-99`).
fn swilk_p(n: usize, w: f64, w1: f64) -> Result<f64> {
    let an = n as f64;
    if n == 3 {
        // The literals of swilk.c (6/pi and pi/3 to 15 digits), kept for fidelity.
        const PI6: f64 = 1.90985931710274;
        #[allow(clippy::approx_constant)]
        const STQR: f64 = 1.04719755119660;
        return Ok((PI6 * (w.sqrt().asin() - STQR)).max(0.0));
    }
    let y = w1.ln();
    let lxx = an.ln();
    let (m, s, y) = if n <= 11 {
        let gamma = poly(&G, an);
        if y >= gamma {
            return Ok(1e-99);
        }
        let y = -(gamma - y).ln();
        (poly(&C3, an), poly(&C4, an).exp(), y)
    } else {
        (poly(&C5, lxx), poly(&C6, lxx).exp(), y)
    };
    pnorm_upper((y - m) / s)
}
