//! Axis breaks that read well for any range (issue 14): the analyses take the times of the
//! number-at-risk tables from here and the figures their ticks, so that a table's columns
//! and its figure's ticks are the same numbers by construction.
//!
//! - [`nice_step`]: Heckbert's "nice numbers" (Graphics Gems, 1990), the rule behind R's
//!   `pretty()`: a step of 1, 2, 2.5 or 5 × 10^k.
//! - [`time_step`]: calendar steps for follow-up time: months for short follow-up, then 12,
//!   24, 60 … months (or weeks, months and years of days), so that 23 years of follow-up get
//!   a tick every 5 years rather than every 6 months.
//! - [`log_breaks`]: breaks of a log axis of ratios: doublings around 1 (0.25, 0.5, 1, 2, 4),
//!   the 1-2-5 series over wider ranges, whole decades over very wide ones.

/// At most this many intervals on a time axis (7 ticks): a 760-px figure keeps its numbers
/// and its risk-table columns apart.
pub const MAX_TIME_INTERVALS: f64 = 6.0;

/// Heckbert's nice step for `range` split into about `target` intervals: the multiple of
/// 10^k among 1, 2, 2.5, 5, 10 nearest above `range / target`.
pub fn nice_step(range: f64, target: usize) -> f64 {
    if !range.is_finite() || range <= 0.0 {
        return 1.0;
    }
    let raw = range / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| f <= m + 1e-9)
        .unwrap_or(10.0);
    m * mag
}

/// Candidate steps of a time axis in `unit` (`months`, `days`; anything else uses
/// [`nice_step`]).
fn calendar_steps(unit: &str) -> &'static [f64] {
    match unit {
        "months" => &[
            1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 36.0, 60.0, 120.0, 240.0, 600.0,
        ],
        "days" => &[
            1.0, 2.0, 7.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0, 730.0, 1826.0, 3652.0, 7305.0,
        ],
        _ => &[],
    }
}

/// The step of a time axis from 0 to `max_time` in `unit`: the smallest calendar step that
/// covers the data in at most [`MAX_TIME_INTERVALS`] intervals (a Heckbert step beyond the
/// calendar, or for another unit).
pub fn time_step(max_time: f64, unit: &str) -> f64 {
    let max_time = if max_time.is_finite() && max_time > 0.0 {
        max_time
    } else {
        1.0
    };
    calendar_steps(unit)
        .iter()
        .copied()
        .find(|s| (max_time / s - 1e-9).ceil() <= MAX_TIME_INTERVALS)
        .unwrap_or_else(|| {
            let s = nice_step(max_time, MAX_TIME_INTERVALS as usize);
            if (max_time / s - 1e-9).ceil() <= MAX_TIME_INTERVALS {
                s
            } else {
                nice_step(max_time * 1.5, MAX_TIME_INTERVALS as usize)
            }
        })
}

/// Ticks `0, step, 2·step …` up to the first one at or past `max`.
pub fn ticks_from_zero(max: f64, step: f64) -> Vec<f64> {
    let step = if step.is_finite() && step > 0.0 {
        step
    } else {
        1.0
    };
    let max = if max.is_finite() { max.max(0.0) } else { 0.0 };
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// Ticks of a linear axis from `lo` to `hi` (both included in the ticked range) at a
/// [`nice_step`] for about `target` intervals; the ends are rounded outwards to the step.
pub fn pretty(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let step = nice_step(hi - lo, target);
    let a = (lo / step + 1e-9).floor() as i64;
    let b = (hi / step - 1e-9).ceil() as i64;
    (a..=b.max(a + 1)).map(|i| i as f64 * step).collect()
}

/// Breaks of a log axis of ratios covering `lo..hi` (positive): doublings around 1 while they
/// stay few and between 1/8 and 8 (0.25, 0.5, 1, 2, 4), then the 1-2-5 series, then whole
/// decades; the first and last break enclose the range. At most 9 breaks.
pub fn log_breaks(lo: f64, hi: f64) -> Vec<f64> {
    let lo = if lo.is_finite() && lo > 0.0 { lo } else { 1e-3 };
    let hi = if hi.is_finite() && hi > lo {
        hi
    } else {
        lo * 10.0
    };
    let series: [&dyn Fn(i32) -> Vec<f64>; 3] = [
        &|e| vec![2f64.powi(e)],
        &|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e)).to_vec(),
        &|e| vec![10f64.powi(e)],
    ];
    let mut last = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let range = if i == 0 { -12..=12 } else { -6..=6 };
        let all: Vec<f64> = range.flat_map(s).collect();
        let first = all.iter().rposition(|v| *v <= lo * 1.0001).unwrap_or(0);
        let end = all
            .iter()
            .position(|v| *v >= hi * 0.9999)
            .unwrap_or(all.len() - 1);
        last = all[first..=end.max(first)].to_vec();
        // Doublings only between 1/8 and 8: beyond, their labels (0.016, 0.031) are
        // numbers no reader scans; the 1-2-5 series takes over (0.01, 0.02, 0.05, ...).
        let readable = i > 0 || (last[0] >= 0.125 && last[last.len() - 1] <= 8.0);
        if last.len() <= 9 && readable {
            break;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a` and `b` equal to 1e-9 relative.
    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= 1e-9 * y.abs())
    }

    #[test]
    fn heckbert_steps() {
        assert_eq!(nice_step(100.0, 5), 20.0);
        assert_eq!(nice_step(12.0, 5), 2.5);
        assert_eq!(nice_step(0.7, 5), 0.2);
        assert_eq!(nice_step(0.0, 5), 1.0);
        assert_eq!(
            pretty(-100.0, 200.0, 6),
            vec![-100.0, -50.0, 0.0, 50.0, 100.0, 150.0, 200.0]
        );
    }

    #[test]
    fn time_steps_scale_with_follow_up() {
        // The bundled example (about 30 months): every 6 months, as before.
        assert_eq!(time_step(30.0, "months"), 6.0);
        assert_eq!(time_step(36.0, "months"), 6.0);
        assert_eq!(time_step(48.0, "months"), 12.0);
        // survival::myeloma: 23 years of follow-up, a tick every 5 years.
        assert_eq!(time_step(23.0 * 12.0, "months"), 60.0);
        assert_eq!(time_step(5.0, "months"), 1.0);
        assert_eq!(time_step(400.0, "days"), 90.0);
        assert_eq!(time_step(8400.0, "days"), 1826.0);
        assert_eq!(time_step(17.0, "weeks"), 5.0);
        assert_eq!(time_step(f64::NAN, "months"), 1.0);
        for max in [0.5, 3.0, 13.0, 59.0, 61.0, 250.0, 1000.0, 1e5] {
            let t = ticks_from_zero(max, time_step(max, "months"));
            assert!(t.len() <= 7 && t.len() >= 2, "{max}: {t:?}");
            assert!(*t.last().unwrap() >= max);
        }
        assert_eq!(ticks_from_zero(24.0, 6.0), vec![0.0, 6.0, 12.0, 18.0, 24.0]);
    }

    #[test]
    fn log_axis_breaks() {
        assert!(same(&log_breaks(0.3, 3.0), &[0.25, 0.5, 1.0, 2.0, 4.0]));
        assert!(same(
            &log_breaks(0.05, 20.0),
            &[0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0]
        ));
        assert!(same(
            &log_breaks(1e-3, 1e3),
            &[1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1e3]
        ));
        // The bundled example's forest (HR 0.043 to 1.2): no 0.016, 0.031, 0.062.
        assert!(same(
            &log_breaks(0.013, 2.0),
            &[0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
        ));
        assert!(same(&log_breaks(0.1, 2.0), &[0.1, 0.2, 0.5, 1.0, 2.0]));
        assert!(same(
            &log_breaks(0.2, 6.0),
            &[0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
        ));
        let b = log_breaks(f64::NAN, 0.0);
        assert!(!b.is_empty());
    }
}
