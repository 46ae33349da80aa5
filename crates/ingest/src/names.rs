//! Matching sheet and column names as clinicians write them: case, spaces, `_`/`-`,
//! full-width forms (`（`, `ＩＤ`) and a trailing unit in brackets are ignored
//! (`docs/input-format.md`, "Sheets" and "Columns").

pub use mmreport_core::names::{key, nfkc, split_unit, unit_key};

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
