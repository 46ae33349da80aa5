//! Matching sheet names, column names, units and code values as clinicians write them:
//! case, spaces, `_`/`-`, full-width forms (`（`, `ＩＤ`) and a trailing unit in brackets
//! are ignored (`docs/input-format.md`, "Sheets" and "Columns"). Shared by the reader and
//! by the configuration checks, so that a site config is compared the way a workbook is.

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
