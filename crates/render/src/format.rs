//! Number formatting shared by every renderer, so that HTML and Excel print the same text.
//! Journal p-value style: `P < 0.001`, otherwise `digits` significant digits (2 by default,
//! 3 when the rounded value would read 0.05 or otherwise lose the decision at 0.05).

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
    if v.starts_with('<') {
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

/// Fixed decimals; `None` → the given placeholder.
pub fn fixed(x: Option<f64>, decimals: usize, missing: &str) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => missing.into(),
    }
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
        assert_eq!(j(1.0), "1.0");
        assert_eq!(p_label(0.0001, PValueStyle::Journal, 2), "P < 0.001");
        assert_eq!(p_label(0.02, PValueStyle::Journal, 2), "P = 0.020");
        assert_eq!(p_value(0.012345, PValueStyle::Exact, 2), "0.01235");
        assert_eq!(p_value(f64::NAN, PValueStyle::Journal, 2), "NA");
    }

    #[test]
    fn numbers() {
        assert_eq!(fixed(Some(2.1749), 2, "-"), "2.17");
        assert_eq!(fixed(None, 2, "-"), "-");
        assert_eq!(pct(11.0 / 29.0), "38");
        assert_eq!(ci(Some(1.0), None, 1, "NR"), "1.0, NR");
    }
}
