//! The one escaper of every markup mmreport writes: HTML through tera's autoescape (it is
//! tera's escape function) and the SVG figures written by hand. It escapes the five characters
//! that can end a text node or a quoted attribute (`& < > " '`), which is what HTML and XML
//! need (OWASP XSS prevention, rule 1); a slash needs no escaping. Control characters that
//! XML 1.0 forbids (even as references) become U+FFFD, so that no text leaves a page or figure
//! not well-formed (`mmreport_core::text`).

/// `s` with `& < > " '` replaced by entities and forbidden control characters by U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if mmreport_core::text::is_forbidden_control(c) => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_the_five_markup_characters_only() {
        assert_eq!(
            super::escape(r#"<a href="x">'&'</a> 11/29"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; 11/29"
        );
        assert_eq!(super::escape("a\u{0}b\tc"), "a\u{FFFD}b\tc");
    }
}
