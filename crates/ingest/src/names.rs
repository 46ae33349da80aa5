//! Matching sheet and column names as clinicians write them: case, spaces, `_`/`-`,
//! full-width forms (`（`, `ＩＤ`) and a trailing unit in brackets are ignored
//! (`docs/input-format.md`, "Sheets" and "Columns").

use unicode_normalization::UnicodeNormalization;

/// NFKC (full-width → half-width, `Ⅲ` → `III`, `µ` → `μ`), trimmed.
pub fn nfkc(s: &str) -> String {
    s.nfkc().collect::<String>().trim().to_string()
}

/// The key names are compared on: NFKC, lower case, without white space, `_`, `-`, `·`.
pub fn key(s: &str) -> String {
    nfkc(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '·' | '\u{00a0}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Splits `血钙(mmol/L)` / `Calcium [mg/dL]` / `肌酐（μmol/L）` into the name and the unit.
/// Returns `None` when there is no trailing bracket.
pub fn split_unit(header: &str) -> Option<(String, String)> {
    let s = nfkc(header);
    let close = s.chars().last()?;
    let open = match close {
        ')' => '(',
        ']' => '[',
        _ => return None,
    };
    let start = s.rfind(open)?;
    let name = s[..start].trim().to_string();
    let unit = s[start + open.len_utf8()..s.len() - close.len_utf8()]
        .trim()
        .to_string();
    if name.is_empty() || unit.is_empty() {
        return None;
    }
    Some((name, unit))
}

/// Unit spellings compared loosely: `μmol/L`, `µmol/L`, `umol/l` and `μmol·L-1` are one unit.
pub fn unit_key(u: &str) -> String {
    let k: String = nfkc(u)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'μ' | 'µ' => 'u',
            '×' => 'x',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    // `mmol·L-1` → `mmol/l`
    let k = k
        .replace("·l-1", "/l")
        .replace("·l^-1", "/l")
        .replace('·', "/");
    k.replace("x10^9/l", "10^9/l")
        .replace("x10⁹/l", "10^9/l")
        .replace("10⁹/l", "10^9/l")
}

/// Reads the cycle number out of a wide response header such as `第4疗程疗效` or
/// `response_c4`, given patterns with `{n}` (compared by [`key`]).
pub fn wide_cycle(header_key: &str, pattern_keys: &[(String, String)]) -> Option<u32> {
    for (prefix, suffix) in pattern_keys {
        if header_key.len() > prefix.len() + suffix.len()
            && header_key.starts_with(prefix.as_str())
            && header_key.ends_with(suffix.as_str())
        {
            let mid = &header_key[prefix.len()..header_key.len() - suffix.len()];
            if !mid.is_empty() && mid.chars().all(|c| c.is_ascii_digit()) {
                return mid.parse().ok();
            }
        }
    }
    None
}

/// Splits each `{n}` pattern into (prefix key, suffix key).
pub fn wide_pattern_keys(patterns: &[String]) -> Vec<(String, String)> {
    patterns
        .iter()
        .filter_map(|p| {
            let (a, b) = p.split_once("{n}")?;
            Some((key(a), key(b)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_space_width() {
        assert_eq!(key(" Patient_ID "), "patientid");
        assert_eq!(key("ＩＤ"), "id");
        assert_eq!(key("Durie-Salmon分期"), "duriesalmon分期");
        assert_eq!(key("t（4；14）"), "t(4;14)");
    }

    #[test]
    fn units_split_in_all_bracket_forms() {
        assert_eq!(
            split_unit("血钙(mmol/L)"),
            Some(("血钙".into(), "mmol/L".into()))
        );
        assert_eq!(
            split_unit("Calcium [mg/dL]"),
            Some(("Calcium".into(), "mg/dL".into()))
        );
        assert_eq!(
            split_unit("肌酐（μmol/L）"),
            Some(("肌酐".into(), "μmol/L".into()))
        );
        assert_eq!(split_unit("calcium"), None);
        assert_eq!(split_unit("(x)"), None);
    }

    #[test]
    fn unit_spellings_agree() {
        assert_eq!(unit_key("µmol/L"), unit_key("μmol/L"));
        assert_eq!(unit_key("umol/l"), unit_key("μmol/L"));
        assert_eq!(unit_key("mmol·L-1"), unit_key("mmol/L"));
        assert_eq!(unit_key("×10^9/L"), unit_key("10^9/L"));
    }

    #[test]
    fn wide_headers() {
        let pats = wide_pattern_keys(&["response_c{n}".into(), "第{n}疗程疗效".into()]);
        assert_eq!(wide_cycle(&key("第4疗程疗效"), &pats), Some(4));
        assert_eq!(wide_cycle(&key("Response_C12"), &pats), Some(12));
        assert_eq!(wide_cycle(&key("response_c"), &pats), None);
        assert_eq!(wide_cycle(&key("第x疗程疗效"), &pats), None);
    }
}
