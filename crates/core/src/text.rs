//! Control characters in text from a workbook. XML 1.0 (section 2.2, `Char`) allows no C0
//! control character but tab, line feed and carriage return, not even as a character
//! reference, and HTML (WHATWG 13.2.5) treats them as parse errors: a NUL from a cell
//! (`_x0000_` in the sheet) would leave an SVG figure not well-formed. They are replaced by
//! U+FFFD (the replacement character) at ingest and again by every writer of markup or CSV.

/// True for a control character no output may carry: C0 (but tab, line feed and carriage
/// return), DEL and C1.
pub fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// `s` with every [`is_forbidden_control`] character replaced by U+FFFD.
pub fn replace_controls(s: &str) -> String {
    s.chars()
        .map(|c| {
            if is_forbidden_control(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_but_tab_and_line_breaks_are_replaced() {
        assert_eq!(
            replace_controls("a\u{0}b\u{1b}c\u{7f}\u{85}\td\r\ne"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}\u{FFFD}\td\r\ne"
        );
    }
}
