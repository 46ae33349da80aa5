//! Number formatting shared by every renderer, so that HTML and Excel print the same text.
//! Journal p-value style: `P < 0.001`, `P > 0.99`, otherwise `digits` significant digits (2
//! by default, 3 when the rounded value would read 0.05 or otherwise lose the decision at
//! 0.05). Estimates are printed by magnitude as gtsummary does (`style_sigfig`,
//! `style_ratio`; Sjoberg et al., R Journal 2021;13:570): significant figures, not a fixed
//! number of decimals.

use crate::config::PValueStyle;

/// Formats a p-value without the `P` (`< 0.001`, `0.02`, `0.34`).
pub fn p_value(p: f64, style: PValueStyle, digits: u8) -> String {
    if !p.is_finite() {
        return "NA".into();
    }
    match style {
        PValueStyle::Exact => sig(p, 4),
        PValueStyle::Journal => {
            if p < 0.001 {
                "< 0.001".into()
            } else if p > 0.99 {
                // Two significant figures would print 1.0, which no test returns.
                "> 0.99".into()
            } else {
                let s = sig(p, digits.max(1));
                // Do not let rounding cross the 0.05 line (0.0496 is not "0.05").
                match s.parse::<f64>() {
                    Ok(r) if (r >= 0.05) != (p >= 0.05) => sig(p, digits.max(1) + 1),
                    _ => s,
                }
            }
        }
    }
}

/// `P = 0.02` / `P < 0.001`.
pub fn p_label(p: f64, style: PValueStyle, digits: u8) -> String {
    let v = p_value(p, style, digits);
    if v.starts_with('<') || v.starts_with('>') {
        format!("P {v}")
    } else {
        format!("P = {v}")
    }
}

/// `x` to `n` significant digits, without exponent, trailing zeros kept (0.020 for 3).
pub fn sig(x: f64, n: u8) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    let decimals = (i32::from(n) - 1 - mag).max(0) as usize;
    format!("{x:.decimals$}")
}

/// The decimals that show `x` to `digits` significant figures; values of `10^digits` and
/// more are integers (gtsummary's `style_sigfig`: 2 digits give 1234, 12, 1.2, 0.12, 0.012).
/// Capped at 6 decimals so that a value near zero cannot ask for hundreds.
pub fn sig_decimals(x: f64, digits: u8) -> usize {
    if !x.is_finite() || x == 0.0 {
        return usize::from(digits.saturating_sub(1));
    }
    let mag = x.abs().log10().floor() as i32;
    (i32::from(digits.max(1)) - 1 - mag).clamp(0, 6) as usize
}

/// `x` to `digits` significant figures by its magnitude; `None` (or not finite) → `missing`.
pub fn sigfig(x: Option<f64>, digits: u8, missing: &str) -> String {
    match x {
        Some(v) if v.is_finite() => {
            let d = sig_decimals(v, digits);
            format!("{v:.d$}")
        }
        _ => missing.into(),
    }
}

/// A ratio (hazard ratio, its CI bounds) as gtsummary's `style_ratio` prints it: below 1 with
/// 2 significant figures, from 1 with 3, so that 0.90 and 1.12 carry the same decimals
/// (`0.12`, `0.90`, `1.12`, `12.3`, `101`).
pub fn ratio(x: Option<f64>, missing: &str) -> String {
    match x {
        Some(v) if v.is_finite() && v.abs() < 1.0 => sigfig(Some(v), 2, missing),
        Some(v) if v.is_finite() => sigfig(Some(v), 3, missing),
        _ => missing.into(),
    }
}

/// `ratio (lo, hi)`: a hazard ratio with its CI, `NR` style placeholder for a missing bound.
pub fn ratio_ci(hr: f64, lo: Option<f64>, hi: Option<f64>, missing: &str) -> String {
    format!(
        "{} ({}, {})",
        ratio(Some(hr), missing),
        ratio(lo, missing),
        ratio(hi, missing)
    )
}

/// Fixed decimals; `None` → the given placeholder.
pub fn fixed(x: Option<f64>, decimals: usize, missing: &str) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => missing.into(),
    }
}

/// `estimate (lo, hi)` with every number at the decimals that give the estimate `digits`
/// significant figures (the rule of Table 1's rows, gtsummary's `style_sigfig`: a median
/// survival of 11 months prints `11 (7, 15)`, of 8.2 months `8.2 (5.1, 12.0)`). Without an
/// estimate the first bound sets the decimals; a missing number prints `missing`.
pub fn estimate_ci(
    est: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    digits: u8,
    missing: &str,
) -> String {
    let by = est.or(lo).or(hi).filter(|v| v.is_finite()).unwrap_or(0.0);
    let d = sig_decimals(by, digits);
    format!(
        "{} ({}, {})",
        fixed(est, d, missing),
        fixed(lo, d, missing),
        fixed(hi, d, missing)
    )
}

/// A percentage of a fraction, rounded to whole percent as the paper prints it (`38`).
pub fn pct(fraction: f64) -> String {
    format!("{:.0}", fraction * 100.0)
}

/// `(lo, hi)` with `NR` for a bound not reached.
pub fn ci(lo: Option<f64>, hi: Option<f64>, decimals: usize, nr: &str) -> String {
    format!("{}, {}", fixed(lo, decimals, nr), fixed(hi, decimals, nr))
}

/// An MRD sensitivity (a fraction of cells) as clinicians write it: `10⁻⁵` for a power of ten,
/// else the number itself (`2e-5`).
pub fn sensitivity(x: f64) -> String {
    let e = x.log10();
    if x > 0.0 && (e - e.round()).abs() < 1e-9 {
        let sup: String = format!("{}", e.round() as i64)
            .chars()
            .map(|c| match c {
                '-' => '⁻',
                '0' => '⁰',
                '1' => '¹',
                '2' => '²',
                '3' => '³',
                '4' => '⁴',
                '5' => '⁵',
                '6' => '⁶',
                '7' => '⁷',
                '8' => '⁸',
                '9' => '⁹',
                c => c,
            })
            .collect();
        format!("10{sup}")
    } else {
        format!("{x:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_with_their_ci_by_the_estimate_magnitude() {
        assert_eq!(
            estimate_ci(Some(11.04), Some(7.4), Some(15.3), 2, "NR"),
            "11 (7, 15)"
        );
        assert_eq!(
            estimate_ci(Some(8.21), Some(5.1), Some(12.0), 2, "NR"),
            "8.2 (5.1, 12.0)"
        );
        assert_eq!(
            estimate_ci(Some(712.4), Some(500.0), None, 2, "NR"),
            "712 (500, NR)"
        );
        assert_eq!(
            estimate_ci(Some(0.8547), Some(0.5), Some(1.2), 2, "NA"),
            "0.85 (0.50, 1.20)"
        );
        assert_eq!(estimate_ci(None, Some(3.26), None, 2, "NR"), "NR (3.3, NR)");
        assert_eq!(
            estimate_ci(Some(23.4), Some(8.2), Some(40.1), 3, "NR"),
            "23.4 (8.2, 40.1)"
        );
    }

    #[test]
    fn sensitivities_as_powers_of_ten() {
        assert_eq!(sensitivity(1e-5), "10⁻⁵");
        assert_eq!(sensitivity(1e-6), "10⁻⁶");
        assert_eq!(sensitivity(2e-5), "2e-5");
    }

    #[test]
    fn journal_p_values() {
        let j = |p| p_value(p, PValueStyle::Journal, 2);
        assert_eq!(j(0.0001), "< 0.001");
        assert_eq!(j(0.000999), "< 0.001");
        assert_eq!(j(0.001), "0.0010");
        assert_eq!(j(0.0213), "0.021");
        assert_eq!(j(0.34), "0.34");
        assert_eq!(j(0.0496), "0.0496");
        assert_eq!(j(0.051), "0.051");
        assert_eq!(j(0.5), "0.50");
        assert_eq!(j(1.0), "> 0.99");
        assert_eq!(p_label(0.0001, PValueStyle::Journal, 2), "P < 0.001");
        assert_eq!(p_label(0.02, PValueStyle::Journal, 2), "P = 0.020");
        assert_eq!(p_value(0.012345, PValueStyle::Exact, 2), "0.01235");
        assert_eq!(p_value(f64::NAN, PValueStyle::Journal, 2), "NA");
    }

    /// The P values of issue 14 at the edges of journal style: below 0.001, at it, just under
    /// and at 0.05, and near 1.
    #[test]
    fn journal_p_values_at_the_edges() {
        let j = |p| p_value(p, PValueStyle::Journal, 2);
        assert_eq!(j(0.000_999_9), "< 0.001");
        assert_eq!(j(0.001), "0.0010");
        assert_eq!(j(0.0499), "0.0499");
        assert_eq!(j(0.05), "0.050");
        assert_eq!(j(0.047), "0.047");
        assert_eq!(j(0.23), "0.23");
        assert_eq!(j(0.81), "0.81");
        assert_eq!(j(0.9999), "> 0.99");
        assert_eq!(p_label(0.9999, PValueStyle::Journal, 2), "P > 0.99");
        assert_eq!(p_label(0.0009999, PValueStyle::Journal, 2), "P < 0.001");
    }

    /// Significant figures by magnitude (gtsummary `style_sigfig`, 2 and 3 digits).
    #[test]
    fn significant_figures_by_magnitude() {
        let s2 = |x| sigfig(Some(x), 2, "NA");
        assert_eq!(s2(0.0123), "0.012");
        assert_eq!(s2(1.23), "1.2");
        assert_eq!(s2(12.3), "12");
        assert_eq!(s2(1234.0), "1234");
        let s3 = |x| sigfig(Some(x), 3, "NA");
        assert_eq!(s3(0.0123), "0.0123");
        assert_eq!(s3(1.23), "1.23");
        assert_eq!(s3(12.3), "12.3");
        assert_eq!(s3(1234.0), "1234");
        assert_eq!(s2(-4.56), "-4.6");
        assert_eq!(s2(0.0), "0.0");
        assert_eq!(sigfig(None, 2, "NA"), "NA");
        assert_eq!(sigfig(Some(f64::NAN), 2, "NA"), "NA");
        assert_eq!(sig_decimals(1e-300, 2), 6);
    }

    #[test]
    fn ratios_as_style_ratio() {
        let r = |x| ratio(Some(x), "NA");
        assert_eq!(r(0.123), "0.12");
        assert_eq!(r(0.9), "0.90");
        assert_eq!(r(0.996), "1.00");
        assert_eq!(r(1.1234), "1.12");
        assert_eq!(r(12.345), "12.3");
        assert_eq!(r(101.234), "101");
        assert_eq!(ratio_ci(0.45, Some(0.2), None, "NR"), "0.45 (0.20, NR)");
    }

    #[test]
    fn numbers() {
        assert_eq!(fixed(Some(2.1749), 2, "-"), "2.17");
        assert_eq!(fixed(None, 2, "-"), "-");
        assert_eq!(pct(11.0 / 29.0), "38");
        assert_eq!(ci(Some(1.0), None, 1, "NR"), "1.0, NR");
    }
}
