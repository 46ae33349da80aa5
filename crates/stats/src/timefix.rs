//! Merging of numerically tied times, as `survival::aeqSurv` (the `timefix =
//! TRUE` default of `survfit`, `survdiff` and `coxph`).
//!
//! Distinct times whose gap is at most `sqrt(.Machine$double.eps)`, in absolute
//! terms or relative to the mean absolute distinct time, are treated as equal:
//! each time is replaced by the largest "cut" not above it, where the cuts are
//! the first distinct time and every distinct time that is not tied to its
//! predecessor. Floating-point noise (e.g. the same date difference computed two
//! ways) therefore cannot split a tie.

/// Tolerance of `aeqSurv` (`sqrt(.Machine$double.eps)`).
pub(crate) fn tolerance() -> f64 {
    f64::EPSILON.sqrt()
}

/// Apply `aeqSurv` in place to times sorted in increasing order.
pub(crate) fn timefix_sorted(t: &mut [f64]) {
    if t.len() < 2 {
        return;
    }
    let tol = tolerance();
    // Mean of |distinct values| (one pass over the sorted data).
    let mut sum = 0.0f64;
    let mut count = 0usize;
    let mut prev = f64::NAN;
    let mut any_close = false;
    for &v in t.iter() {
        if v != prev {
            if count > 0 && v - prev <= tol {
                any_close = true;
            }
            sum += v.abs();
            count += 1;
            prev = v;
        }
    }
    let mean = sum / count as f64;
    // Cheap exit: no gap can be tied.
    if !any_close {
        let mut prev = f64::NAN;
        let mut tied = false;
        for &v in t.iter() {
            if v != prev {
                if !prev.is_nan() && (v - prev) / mean <= tol {
                    tied = true;
                    break;
                }
                prev = v;
            }
        }
        if !tied {
            return;
        }
    }
    // Walk the distinct values, mapping each to its cut.
    let mut prev_distinct = f64::NAN;
    let mut cut = f64::NAN;
    for v in t.iter_mut() {
        let orig = *v;
        if orig != prev_distinct {
            let is_tied = !prev_distinct.is_nan() && {
                let dy = orig - prev_distinct;
                dy <= tol || dy / mean <= tol
            };
            if !is_tied {
                cut = orig;
            }
            prev_distinct = orig;
        }
        *v = cut;
    }
}

#[cfg(test)]
mod tests {
    use super::timefix_sorted;

    #[test]
    fn merges_chains_of_close_values() {
        let mut t = vec![1.0, 1.0 + 1e-12, 1.0 + 2e-12, 2.0, 2.0, 3.0, 3.0 + 1e-6];
        timefix_sorted(&mut t);
        assert_eq!(t, vec![1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0 + 1e-6]);
    }

    #[test]
    fn absolute_gap_near_zero() {
        let mut t = vec![0.0, 1e-9, 5.0];
        timefix_sorted(&mut t);
        assert_eq!(t, vec![0.0, 0.0, 5.0]);
    }
}
