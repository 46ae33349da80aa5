//! The IMWG basis texts of the rule sets (`progression 245 days after the last dose of the
//! prior line (more than 60), after a best response of VGPR`, `serum M-protein 1.6 g/L
//! (baseline 26.9, -94.05%, nadir 9.6)`) in the report's language (issue 14). The rule sets
//! write them in English with their numbers; the catalog section `[basis]`
//! (`crates/core/labels/findings.toml`) holds each phrase as an English pattern and its
//! translation, with `{name}` placeholders carrying the numbers and codes over. Phrases are
//! applied longest pattern first; text no pattern matches stays as written.

use crate::labels::Labels;

/// One piece of a pattern: literal text, or a placeholder.
#[derive(Debug, PartialEq)]
enum Seg<'a> {
    Lit(&'a str),
    Var(&'a str),
}

/// `"calcium {c} mmol/L"` → `[Lit("calcium "), Var("c"), Lit(" mmol/L")]`.
fn segments(pattern: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        if i > 0 {
            out.push(Seg::Lit(&rest[..i]));
        }
        out.push(Seg::Var(&rest[i + 1..i + j]));
        rest = &rest[i + j + 1..];
    }
    if !rest.is_empty() {
        out.push(Seg::Lit(rest));
    }
    out
}

/// Matches `segs` (starting with a literal) at the start of `text`: the length matched and
/// the placeholders' values. A placeholder takes the shortest non-empty text up to the next
/// literal; a final placeholder takes a word (up to a space, `;`, `,` or `)`).
fn match_at<'t>(segs: &[Seg<'_>], text: &'t str) -> Option<(usize, Vec<(String, &'t str)>)> {
    let mut pos = 0;
    let mut vars = Vec::new();
    let mut i = 0;
    while i < segs.len() {
        match segs[i] {
            Seg::Lit(l) => {
                if !text[pos..].starts_with(l) {
                    return None;
                }
                pos += l.len();
            }
            Seg::Var(name) => {
                let rest = &text[pos..];
                let len = match segs.get(i + 1) {
                    Some(Seg::Lit(next)) => rest.find(next)?,
                    _ => rest.find([' ', ';', ',', ')']).unwrap_or(rest.len()),
                };
                if len == 0 || rest[..len].contains(';') {
                    return None;
                }
                vars.push((name.to_string(), &rest[..len]));
                pos += len;
            }
        }
        i += 1;
    }
    Some((pos, vars))
}

/// `text` with every occurrence of `pattern` replaced by `target` filled with its values.
fn apply(text: &str, pattern: &str, target: &str) -> String {
    let segs = segments(pattern);
    let Some(Seg::Lit(first)) = segs.first() else {
        return text.to_string();
    };
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(first) {
        out.push_str(&rest[..i]);
        match match_at(&segs, &rest[i..]) {
            Some((len, vars)) => {
                let mut t = target.to_string();
                for (name, v) in vars {
                    t = t.replace(&format!("{{{name}}}"), v);
                }
                out.push_str(&t);
                rest = &rest[i + len..];
            }
            None => {
                out.push_str(first);
                rest = &rest[i + first.len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A rule set's English basis text in the language of `labels`: as written in English (or
/// when the catalog has no `[basis]` phrases).
pub fn translate(text: &str, labels: &Labels) -> String {
    if labels.lang == "en" {
        return text.to_string();
    }
    let en = Labels::english();
    let mut phrases: Vec<(&str, &str)> = labels
        .all()
        .iter()
        .filter(|(k, _)| k.starts_with("basis."))
        .filter_map(|(k, zh)| en.all().get(k).map(|p| (p.as_str(), zh.as_str())))
        .collect();
    // Longest first (then by pattern, for a stable order): a phrase never eats a longer one.
    phrases.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
    let mut out = text.to_string();
    for (pattern, target) in phrases {
        out = apply(&out, pattern, target);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;

    #[test]
    fn patterns_carry_numbers_and_codes_over() {
        assert_eq!(
            apply(
                "calcium 3.46 mmol/L > 2.75; x",
                "calcium {c} mmol/L > {t}",
                "血钙{c} mmol/L > {t}"
            ),
            "血钙3.46 mmol/L > 2.75; x"
        );
        assert_eq!(
            apply("no match here", "calcium {c} mmol/L", "血钙{c}"),
            "no match here"
        );
    }

    /// The bundled example's bases come out wholly Chinese, numbers kept.
    #[test]
    fn imwg_bases_in_chinese() {
        let zh = Labels::load(Language::Zh, None).unwrap();
        let cases = [
            (
                "progression 245 days after the last dose of the prior line (more than 60), after a best response of VGPR",
                "前线末次给药后245天进展（超过60天），此前最佳疗效为VGPR",
            ),
            (
                "new bone lesion; calcium 3.46 mmol/L > 2.75; M-protein 15.9 g/L at relapse from a nadir of 6.2 g/L",
                "新发骨病变；血钙3.46 mmol/L > 2.75；复发时M蛋白15.9 g/L（最低值6.2 g/L）",
            ),
        ];
        for (en, want) in cases {
            assert_eq!(translate(en, &zh), want);
        }
        let en = Labels::load(Language::En, None).unwrap();
        assert_eq!(translate(cases[0].0, &en), cases[0].0);
    }
}
