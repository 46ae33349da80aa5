//! Turning one spreadsheet cell into one typed value, by the column's type, accepting every
//! spelling of `docs/input-format.md` ("Values") and nothing else: anything that does not
//! parse is an [`Issue`] (the caller makes it a finding with the cell's location), never a
//! guess and never a panic.

use super::names::{key, nfkc};
use crate::config::{ColumnType, SlashOrder, Values};
use crate::model::{Date, Response, Severity, Sex};
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

/// A cell as read, independent of the reader (so this module is tested without files).
#[derive(Debug, Clone, PartialEq)]
pub enum RawCell<'a> {
    Empty,
    Int(i64),
    Float(f64),
    Str(&'a str),
    Bool(bool),
    /// A cell Excel formatted as a date: its serial number (in the workbook's date system).
    DateSerial(f64),
    /// ODS dates and ISO date strings from the reader.
    DateIso(&'a str),
    /// A formula error value such as `#DIV/0!`.
    Error(String),
}

/// A typed value of one cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Num(f64),
    Int(u32),
    Date(Date),
    Bool(bool),
    Sex(Sex),
    Response(Response),
    /// Canonical category value (or the text as given for open categories).
    Cat(String),
    List(Vec<String>),
    /// Staging: the stage number and an optional A/B subclass (Durie-Salmon).
    Stage(u8, Option<char>),
}

/// A problem with one cell; `keep` says whether a value was still taken (e.g. `<0.5`).
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub severity: Severity,
    pub rule: &'static str,
    pub message: String,
}

/// Rule ids of cell-level findings.
pub mod rule {
    pub const FORMULA_ERROR: &str = "cell.formula_error";
    pub const INVALID_NUMBER: &str = "cell.invalid_number";
    pub const INVALID_INTEGER: &str = "cell.invalid_integer";
    pub const INVALID_DATE: &str = "cell.invalid_date";
    pub const AMBIGUOUS_DATE: &str = "cell.ambiguous_date";
    pub const PHANTOM_LEAP_DAY: &str = "cell.phantom_1900_02_29";
    pub const INVALID_BOOLEAN: &str = "cell.invalid_boolean";
    pub const INVALID_SEX: &str = "cell.invalid_sex";
    pub const INVALID_RESPONSE: &str = "cell.invalid_response";
    pub const UNKNOWN_CATEGORY: &str = "cell.unknown_category";
    pub const INVALID_STAGE: &str = "cell.invalid_stage";
    pub const DETECTION_LIMIT: &str = "cell.detection_limit";
    pub const SUSPICIOUS_TEXT: &str = "cell.suspicious_text";
    pub const CONTROL_CHARACTER: &str = "cell.control_character";

    /// Every rule id above: each has its message in both languages in
    /// `crates/core/labels/findings.toml` (checked by the render crate's tests).
    pub const ALL: &[&str] = &[
        FORMULA_ERROR,
        INVALID_NUMBER,
        INVALID_INTEGER,
        INVALID_DATE,
        AMBIGUOUS_DATE,
        PHANTOM_LEAP_DAY,
        INVALID_BOOLEAN,
        INVALID_SEX,
        INVALID_RESPONSE,
        UNKNOWN_CATEGORY,
        INVALID_STAGE,
        DETECTION_LIMIT,
        SUSPICIOUS_TEXT,
        CONTROL_CHARACTER,
    ];
}

/// The workbook's date system: serial 0 is 1899-12-31 (1900, with Excel's phantom
/// 1900-02-29 at serial 60) or 1904-01-01 (1904, old Mac Excel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSystem {
    D1900,
    D1904,
}

/// Value spellings compiled for lookup.
#[derive(Debug, Clone)]
pub struct Spellings {
    missing: Vec<String>,
    boolean: HashMap<String, bool>,
    sex: HashMap<String, Sex>,
    response: HashMap<String, Response>,
    categories: HashMap<String, HashMap<String, String>>,
    pub slash_order: SlashOrder,
}

/// How values are compared with spellings: NFKC, trimmed, lower case, single spaces.
pub fn value_key(s: &str) -> String {
    nfkc(s)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Spellings {
    pub fn new(v: &Values, slash_order: SlashOrder) -> Self {
        let mut boolean = HashMap::new();
        for s in &v.boolean.yes {
            boolean.insert(value_key(s), true);
        }
        for s in &v.boolean.no {
            boolean.insert(value_key(s), false);
        }
        let mut sex = HashMap::new();
        for s in &v.sex.male {
            sex.insert(value_key(s), Sex::Male);
        }
        for s in &v.sex.female {
            sex.insert(value_key(s), Sex::Female);
        }
        let mut response = HashMap::new();
        for (code, spellings) in &v.response {
            if let Some(r) = Response::from_code(code) {
                response.insert(value_key(code), r);
                for s in spellings {
                    response.insert(value_key(s), r);
                }
            }
        }
        let categories = v
            .categories
            .iter()
            .map(|(name, table)| {
                let mut m = HashMap::new();
                for (canon, spellings) in table {
                    m.insert(value_key(canon), canon.clone());
                    for s in spellings {
                        m.insert(value_key(s), canon.clone());
                    }
                }
                (name.clone(), m)
            })
            .collect();
        Spellings {
            missing: v.missing.iter().map(|s| value_key(s)).collect(),
            boolean,
            sex,
            response,
            categories,
            slash_order,
        }
    }

    fn is_missing(&self, k: &str) -> bool {
        self.missing.iter().any(|m| m == k)
    }

    pub fn response(&self, s: &str) -> Option<Response> {
        self.response.get(&value_key(s)).copied()
    }
}

/// What a column needs to parse its cells.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec<'a> {
    pub kind: ColumnType,
    /// Category map name (values.toml `categories.<map>`).
    pub map: Option<&'a str>,
    pub open: bool,
    /// Multiply numbers by this (unit conversion from the header's unit).
    pub factor: f64,
    /// The site's codes of this column (`[dictionary.codes]`): cell key → the dictionary's
    /// spelling, applied before the cell is parsed.
    pub codes: Option<&'a std::collections::BTreeMap<String, String>>,
}

type Parsed = (Option<Value>, Option<Issue>);

fn issue(severity: Severity, rule: &'static str, message: String) -> Option<Issue> {
    Some(Issue {
        severity,
        rule,
        message,
    })
}

fn err(rule: &'static str, message: String) -> Parsed {
    (None, issue(Severity::Error, rule, message))
}

/// Rounds a converted value to 12 significant digits, so that a value written in mg/dL and
/// converted back gives the same number as the value written in the canonical unit (binary
/// noise such as 77.70000000000002 does not reach the reports).
pub fn round_sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let mag = x.abs().log10().floor() as i32;
    let scale = 10f64.powi(11 - mag);
    if !scale.is_finite() || scale == 0.0 {
        return x;
    }
    (x * scale).round() / scale
}

/// Parses one cell for a column. Missing markers give `(None, None)`.
pub fn parse_cell(
    cell: &RawCell<'_>,
    col: &ColumnSpec<'_>,
    sp: &Spellings,
    ds: DateSystem,
) -> Parsed {
    if let Some(spelling) = coded(cell, col) {
        return parse_text(
            spelling,
            &ColumnSpec {
                codes: None,
                ..*col
            },
            sp,
        );
    }
    match cell {
        RawCell::Empty => (None, None),
        RawCell::Error(e) => (
            None,
            issue(
                Severity::Warning,
                rule::FORMULA_ERROR,
                format!("formula error value {e}: treated as missing"),
            ),
        ),
        RawCell::Str(s) => parse_text(s, col, sp),
        RawCell::Int(i) => parse_number_cell(*i as f64, col, sp, ds),
        RawCell::Float(f) => parse_number_cell(*f, col, sp, ds),
        RawCell::Bool(b) => match col.kind {
            ColumnType::Boolean => (Some(Value::Bool(*b)), None),
            ColumnType::Text => (Some(Value::Text(b.to_string().to_uppercase())), None),
            _ => err(
                rule::INVALID_NUMBER,
                format!(
                    "a TRUE/FALSE cell where {} is expected",
                    kind_name(col.kind)
                ),
            ),
        },
        RawCell::DateSerial(f) => match col.kind {
            ColumnType::Date => serial_to_date(*f, ds),
            ColumnType::Text => match serial_to_date(*f, ds) {
                (Some(Value::Date(d)), _) => (Some(Value::Text(d.to_string())), None),
                other => other,
            },
            _ => err(
                rule::INVALID_NUMBER,
                format!(
                    "a date-formatted cell where {} is expected",
                    kind_name(col.kind)
                ),
            ),
        },
        RawCell::DateIso(s) => match col.kind {
            ColumnType::Date | ColumnType::Text => parse_text(s, col, sp),
            _ => err(
                rule::INVALID_NUMBER,
                format!("a date cell where {} is expected", kind_name(col.kind)),
            ),
        },
    }
}

/// The dictionary spelling a site's code table gives this cell (text, or a number as
/// written: `1` for 1.0), if any.
fn coded<'s>(cell: &RawCell<'_>, col: &ColumnSpec<'s>) -> Option<&'s str> {
    let codes = col.codes?;
    let text = match cell {
        RawCell::Str(s) | RawCell::DateIso(s) => key(s),
        RawCell::Int(i) => i.to_string(),
        RawCell::Float(f) => key(&number_text(*f)),
        RawCell::Bool(b) => key(&b.to_string()),
        _ => return None,
    };
    codes.get(&text).map(String::as_str)
}

fn kind_name(k: ColumnType) -> &'static str {
    match k {
        ColumnType::Text => "text",
        ColumnType::Number => "a number",
        ColumnType::Integer => "a whole number",
        ColumnType::Date => "a date",
        ColumnType::Boolean => "yes/no",
        ColumnType::Sex => "a sex (M/F)",
        ColumnType::Response => "a response category",
        ColumnType::Category => "a category",
        ColumnType::List => "a list",
        ColumnType::Stage => "a stage",
    }
}

fn parse_number_cell(x: f64, col: &ColumnSpec<'_>, sp: &Spellings, ds: DateSystem) -> Parsed {
    if !x.is_finite() {
        return err(rule::INVALID_NUMBER, "not a finite number".into());
    }
    match col.kind {
        ColumnType::Number => (Some(Value::Num(convert(x, col.factor))), None),
        ColumnType::Integer => to_int(x),
        ColumnType::Date => serial_to_date(x, ds),
        ColumnType::Boolean => match x {
            1.0 => (Some(Value::Bool(true)), None),
            0.0 => (Some(Value::Bool(false)), None),
            _ => err(rule::INVALID_BOOLEAN, format!("{x} is not yes/no (1/0)")),
        },
        ColumnType::Stage => stage_from_number(x),
        ColumnType::Text | ColumnType::Category | ColumnType::List => {
            parse_text(&number_text(x), col, sp)
        }
        ColumnType::Sex | ColumnType::Response => parse_text(&number_text(x), col, sp),
    }
}

/// `1.0` → `1`, `2.5` → `2.5` (ids stored as numbers keep their digits).
pub fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn convert(x: f64, factor: f64) -> f64 {
    if factor == 1.0 {
        x
    } else {
        round_sig(x * factor)
    }
}

fn to_int(x: f64) -> Parsed {
    if x.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&x) {
        (Some(Value::Int(x as u32)), None)
    } else {
        err(
            rule::INVALID_INTEGER,
            format!("{} is not a whole number >= 0", number_text(x)),
        )
    }
}

fn stage_from_number(x: f64) -> Parsed {
    if x.fract() == 0.0 && (1.0..=3.0).contains(&x) {
        (Some(Value::Stage(x as u8, None)), None)
    } else {
        err(
            rule::INVALID_STAGE,
            format!("{} is not a stage I-III", number_text(x)),
        )
    }
}

/// Converts a serial day number in the workbook's date system to a date.
///
/// 1900 system: serial 1 = 1900-01-01; Excel counts a 1900-02-29 that never existed
/// (serial 60), so later serials are offset by one (epoch 1899-12-30). Serial 60 itself is
/// a finding. 1904 system: serial 0 = 1904-01-01.
pub fn serial_to_date(x: f64, ds: DateSystem) -> Parsed {
    let day = x.floor();
    let (epoch, offset) = match ds {
        DateSystem::D1904 => (NaiveDate::from_ymd_opt(1904, 1, 1), day),
        DateSystem::D1900 => {
            if day == 60.0 {
                return err(
                    rule::PHANTOM_LEAP_DAY,
                    "serial 60 is Excel's 1900-02-29, a day that does not exist".into(),
                );
            }
            if day < 60.0 {
                (NaiveDate::from_ymd_opt(1899, 12, 31), day)
            } else {
                (NaiveDate::from_ymd_opt(1899, 12, 30), day)
            }
        }
    };
    let epoch_day = ds == DateSystem::D1904 && offset == 0.0;
    if !epoch_day && !(1.0..=2_958_465.0).contains(&offset) {
        return err(
            rule::INVALID_DATE,
            format!("{} is not a date serial number", number_text(x)),
        );
    }
    match epoch.and_then(|e| e.checked_add_signed(chrono::Duration::days(offset as i64))) {
        Some(d) => (Some(Value::Date(d)), None),
        None => err(
            rule::INVALID_DATE,
            format!("{} is not a date", number_text(x)),
        ),
    }
}

fn looks_suspicious(s: &str) -> bool {
    let l = s.to_lowercase();
    if l.contains("<script") || l.contains("<img") || l.contains("javascript:") {
        return true;
    }
    let mut chars = s.chars();
    match chars.next() {
        Some('=') | Some('+') | Some('@') => true,
        Some('-') => chars.next().is_some_and(|c| c.is_alphabetic()),
        _ => false,
    }
}

/// NFKC is the identity on ASCII, so plain ASCII text (most cells) skips normalisation.
fn normalised(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.is_ascii() {
        std::borrow::Cow::Borrowed(raw.trim())
    } else {
        std::borrow::Cow::Owned(nfkc(raw))
    }
}

/// [`value_key`] without allocating when the text is already lower-case ASCII, one word.
fn key_of(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase() && !b.is_ascii_whitespace())
    {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(value_key(s))
    }
}

/// A text cell by the column's type: yes/no and missing spellings first, then the type's
/// own parser.
fn parse_text(raw: &str, col: &ColumnSpec<'_>, sp: &Spellings) -> Parsed {
    if raw.chars().any(mmreport_core::text::is_forbidden_control) {
        // A NUL (`_x0000_` in the sheet's XML) or another control character has no place
        // in any output (an SVG or HTML page holding one is not well-formed): replaced by
        // U+FFFD and said, never passed on.
        let clean = mmreport_core::text::replace_controls(raw);
        let (value, issue) = parse_text(&clean, col, sp);
        let note = Issue {
            severity: Severity::Warning,
            rule: rule::CONTROL_CHARACTER,
            message: "control characters (such as NUL) replaced by \u{FFFD}".into(),
        };
        return (value, issue.or(Some(note)));
    }
    let s = normalised(raw);
    let k = key_of(&s);
    let k = k.as_ref();
    let s = s.as_ref();
    // Type spellings first: `-` is "no" in a yes/no column (the spec's `+/-`), missing elsewhere.
    if col.kind == ColumnType::Boolean {
        if let Some(b) = sp.boolean.get(k) {
            return (Some(Value::Bool(*b)), None);
        }
    }
    if sp.is_missing(k) {
        return (None, None);
    }
    match col.kind {
        ColumnType::Text => parse_free_text(raw, s),
        ColumnType::Number => parse_number_text(s, col.factor),
        ColumnType::Integer => parse_integer_text(s),
        ColumnType::Date => parse_date_text(s, sp.slash_order),
        ColumnType::Boolean => err(
            rule::INVALID_BOOLEAN,
            format!("{s:?} is not a yes/no spelling"),
        ),
        ColumnType::Sex => match sp.sex.get(k) {
            Some(x) => (Some(Value::Sex(*x)), None),
            None => err(
                rule::INVALID_SEX,
                format!("{s:?} is not a sex spelling (M/F, 男/女)"),
            ),
        },
        ColumnType::Response => match sp.response.get(k) {
            Some(r) => (Some(Value::Response(*r)), None),
            None => err(
                rule::INVALID_RESPONSE,
                format!("{s:?} is not an IMWG response category"),
            ),
        },
        ColumnType::Category => parse_category(s, k, col, sp),
        ColumnType::List => parse_list(s, col, sp),
        ColumnType::Stage => parse_stage(s),
    }
}

/// Free text is kept as typed (trimmed); text that looks like markup or a spreadsheet
/// formula is kept too, with a warning (it may be an injection attempt).
fn parse_free_text(raw: &str, s: &str) -> Parsed {
    let note = looks_suspicious(s).then(|| Issue {
        severity: Severity::Warning,
        rule: rule::SUSPICIOUS_TEXT,
        message: "text that looks like markup or a spreadsheet formula: kept as plain text".into(),
    });
    (Some(Value::Text(raw.trim().to_string())), note)
}

/// An integer written as text: parsed as a number, then checked to be a whole count; a
/// number that was only kept with a note (`<0.5`) is an error for an integer column.
fn parse_integer_text(s: &str) -> Parsed {
    match parse_number_text(s, 1.0) {
        (Some(Value::Num(x)), None) => to_int(x),
        (Some(Value::Num(_)), Some(i)) => (
            None,
            Some(Issue {
                severity: Severity::Error,
                ..i
            }),
        ),
        other => other,
    }
}

/// A category: the column's vocabulary gives the canonical value; an open category keeps
/// an unknown spelling as given, a closed one rejects it.
fn parse_category(s: &str, k: &str, col: &ColumnSpec<'_>, sp: &Spellings) -> Parsed {
    let mapped = col
        .map
        .and_then(|m| sp.categories.get(m))
        .and_then(|m| m.get(k));
    match (mapped, col.open) {
        (Some(c), _) => (Some(Value::Cat(c.clone())), None),
        (None, true) => (Some(Value::Cat(s.to_string())), None),
        (None, false) => err(
            rule::UNKNOWN_CATEGORY,
            format!("{s:?} is not a known spelling for this column"),
        ),
    }
}

/// A list cell: items map through the column's vocabulary when it has one; others stay as
/// given. A list with no items is missing.
fn parse_list(s: &str, col: &ColumnSpec<'_>, sp: &Spellings) -> Parsed {
    let vocab = col.map.and_then(|m| sp.categories.get(m));
    let items: Vec<String> = split_list(s)
        .into_iter()
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| {
            vocab
                .and_then(|v| v.get(&value_key(x)))
                .cloned()
                .unwrap_or_else(|| x.to_string())
        })
        .collect();
    if items.is_empty() {
        (None, None)
    } else {
        (Some(Value::List(items)), None)
    }
}

/// Splits a list cell on `;`, `,`, `、` and `/`, but not inside brackets, so that a FISH
/// finding like `t(4;11)` stays one item.
pub fn split_list(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ';' | ',' | '、' | '/' if depth <= 0 => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Numbers written as text: `1,234.5`, full-width digits (already NFKC), `<0.5` / `>100`
/// (kept as the limit, with a finding).
pub fn parse_number_text(s: &str, factor: f64) -> Parsed {
    let t = s.trim();
    let (body, limit) = match t.chars().next() {
        Some(c @ ('<' | '>' | '≤' | '≥')) => (t[c.len_utf8()..].trim(), Some(c)),
        _ => (t, None),
    };
    let cleaned = if body.contains(',') {
        if thousands_ok(body) {
            body.replace(',', "")
        } else {
            return err(
                rule::INVALID_NUMBER,
                format!("{t:?}: a comma that is not a thousands separator (decimal comma?)"),
            );
        }
    } else {
        body.to_string()
    };
    match cleaned.parse::<f64>() {
        Ok(x) if x.is_finite() => {
            let v = Some(Value::Num(convert(x, factor)));
            match limit {
                None => (v, None),
                Some(c) => (
                    v,
                    issue(
                        Severity::Warning,
                        rule::DETECTION_LIMIT,
                        format!("{t:?} is a detection limit ({c}): the limit {cleaned} is used"),
                    ),
                ),
            }
        }
        _ => err(rule::INVALID_NUMBER, format!("{t:?} is not a number")),
    }
}

fn thousands_ok(s: &str) -> bool {
    let (int, _frac) = s.split_once('.').unwrap_or((s, ""));
    let int = int.strip_prefix(['-', '+']).unwrap_or(int);
    let groups: Vec<&str> = int.split(',').collect();
    groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
}

fn ymd(y: i32, m: u32, d: u32, s: &str) -> Parsed {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) if (1900..=2200).contains(&date.year()) => (Some(Value::Date(date)), None),
        _ => err(rule::INVALID_DATE, format!("{s:?} is not a valid date")),
    }
}

/// Text dates: `2020-01-05`, `2020/1/5`, `2020.1.5`, `2020年1月5日`, ISO date-times, and
/// `05/01/2020` only when the configured order says which number is the day.
pub fn parse_date_text(s: &str, order: SlashOrder) -> Parsed {
    let t = s.trim();
    // ISO date-time from ODS / text: keep the date part.
    let t = t.split(['T', ' ']).next().unwrap_or(t);
    let t = t.trim_end_matches('日');
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    let nums: Option<Vec<u32>> = parts.iter().map(|p| p.trim().parse::<u32>().ok()).collect();
    let Some(nums) = nums else {
        return err(rule::INVALID_DATE, format!("{s:?} is not a date"));
    };
    if nums.len() != 3 {
        return err(rule::INVALID_DATE, format!("{s:?} is not a date"));
    }
    if parts[0].len() == 4 {
        return ymd(nums[0] as i32, nums[1], nums[2], s);
    }
    if parts[2].len() == 4 && t.contains('/') {
        return match order {
            SlashOrder::DayFirst => ymd(nums[2] as i32, nums[1], nums[0], s),
            SlashOrder::MonthFirst => ymd(nums[2] as i32, nums[0], nums[1], s),
            SlashOrder::None => err(
                rule::AMBIGUOUS_DATE,
                format!(
                    "{s:?}: day and month order unknown (set dates.slash_order to day_first or month_first)"
                ),
            ),
        };
    }
    err(rule::INVALID_DATE, format!("{s:?} is not a date"))
}

/// Stages: `III`, `Ⅲ` (NFKC: `III`), `3`, `IIIA`, `III A`, `Ⅲ期`, `stage II`.
pub fn parse_stage(s: &str) -> Parsed {
    let k: String = s
        .to_uppercase()
        .replace("STAGE", "")
        .replace(['期', '级'], "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let (body, sub) = match k.chars().last() {
        Some(c @ ('A' | 'B')) => (&k[..k.len() - 1], Some(c)),
        _ => (k.as_str(), None),
    };
    let n = match body {
        "I" | "1" => 1,
        "II" | "2" => 2,
        "III" | "3" => 3,
        _ => {
            return err(
                rule::INVALID_STAGE,
                format!("{s:?} is not a stage I-III (A/B)"),
            )
        }
    };
    (Some(Value::Stage(n, sub)), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn sp() -> Spellings {
        let c = Config::defaults().unwrap().config;
        Spellings::new(&c.values, SlashOrder::None)
    }

    fn col(kind: ColumnType) -> ColumnSpec<'static> {
        ColumnSpec {
            kind,
            map: None,
            open: false,
            factor: 1.0,
            codes: None,
        }
    }

    fn p(cell: RawCell<'_>, kind: ColumnType) -> Parsed {
        parse_cell(&cell, &col(kind), &sp(), DateSystem::D1900)
    }

    fn d(y: i32, m: u32, dd: u32) -> Option<Value> {
        Some(Value::Date(NaiveDate::from_ymd_opt(y, m, dd).unwrap()))
    }

    #[test]
    fn missing_markers() {
        for m in ["", "NA", "N/A", "-", "/", "未查", "不详", "未知", "  na "] {
            assert_eq!(p(RawCell::Str(m), ColumnType::Number), (None, None), "{m}");
        }
        assert_eq!(p(RawCell::Empty, ColumnType::Date), (None, None));
    }

    #[test]
    fn booleans() {
        for (s, b) in [
            ("yes", true),
            ("Y", true),
            ("true", true),
            ("1", true),
            ("是", true),
            ("有", true),
            ("阳性", true),
            ("+", true),
            ("no", false),
            ("n", false),
            ("FALSE", false),
            ("0", false),
            ("否", false),
            ("无", false),
            ("阴性", false),
            ("-", false),
        ] {
            assert_eq!(
                p(RawCell::Str(s), ColumnType::Boolean).0,
                Some(Value::Bool(b)),
                "{s}"
            );
        }
        assert_eq!(
            p(RawCell::Int(1), ColumnType::Boolean).0,
            Some(Value::Bool(true))
        );
        assert_eq!(
            p(RawCell::Bool(false), ColumnType::Boolean).0,
            Some(Value::Bool(false))
        );
        let (v, i) = p(RawCell::Str("maybe"), ColumnType::Boolean);
        assert_eq!(v, None);
        assert_eq!(i.unwrap().rule, rule::INVALID_BOOLEAN);
    }

    #[test]
    fn sexes() {
        for (s, x) in [
            ("M", Sex::Male),
            ("male", Sex::Male),
            ("男", Sex::Male),
            ("F", Sex::Female),
            ("Female", Sex::Female),
            ("女", Sex::Female),
        ] {
            assert_eq!(
                p(RawCell::Str(s), ColumnType::Sex).0,
                Some(Value::Sex(x)),
                "{s}"
            );
        }
        assert_eq!(
            p(RawCell::Str("X"), ColumnType::Sex).1.unwrap().rule,
            rule::INVALID_SEX
        );
    }

    #[test]
    fn responses_english_and_chinese() {
        let cases = [
            ("sCR", Response::SCr),
            ("CR", Response::CR),
            ("VGPR", Response::VGPR),
            ("PR", Response::PR),
            ("MR", Response::MR),
            ("SD", Response::SD),
            ("PD", Response::PD),
            ("NE", Response::NE),
            ("严格意义的完全缓解", Response::SCr),
            ("完全缓解", Response::CR),
            ("非常好的部分缓解", Response::VGPR),
            ("部分缓解", Response::PR),
            ("微小缓解", Response::MR),
            ("疾病稳定", Response::SD),
            ("疾病进展", Response::PD),
            ("不可评估", Response::NE),
        ];
        for (s, r) in cases {
            assert_eq!(
                p(RawCell::Str(s), ColumnType::Response).0,
                Some(Value::Response(r)),
                "{s}"
            );
        }
        assert_eq!(
            p(RawCell::Str("good"), ColumnType::Response)
                .1
                .unwrap()
                .rule,
            rule::INVALID_RESPONSE
        );
    }

    #[test]
    fn text_dates_every_listed_format() {
        for s in [
            "2020-01-05",
            "2020/1/5",
            "2020.1.5",
            "2020年1月5日",
            "2020-01-05T00:00:00",
            "２０２０-０１-０５",
        ] {
            assert_eq!(p(RawCell::Str(s), ColumnType::Date).0, d(2020, 1, 5), "{s}");
        }
        let (v, i) = p(RawCell::Str("05/01/2020"), ColumnType::Date);
        assert_eq!(v, None);
        assert_eq!(i.unwrap().rule, rule::AMBIGUOUS_DATE);
        let (v, _) = parse_date_text("05/01/2020", SlashOrder::DayFirst);
        assert_eq!(v, d(2020, 1, 5));
        let (v, _) = parse_date_text("05/01/2020", SlashOrder::MonthFirst);
        assert_eq!(v, d(2020, 5, 1));
        assert_eq!(
            p(RawCell::Str("2020-02-30"), ColumnType::Date)
                .1
                .unwrap()
                .rule,
            rule::INVALID_DATE
        );
        assert_eq!(
            p(RawCell::Str("soon"), ColumnType::Date).1.unwrap().rule,
            rule::INVALID_DATE
        );
    }

    #[test]
    fn serial_dates_both_systems() {
        // 43835 = 2020-01-05 in the 1900 system; the same day is 42373 in the 1904 system.
        assert_eq!(serial_to_date(43835.0, DateSystem::D1900).0, d(2020, 1, 5));
        assert_eq!(serial_to_date(42373.0, DateSystem::D1904).0, d(2020, 1, 5));
        assert_eq!(serial_to_date(1.0, DateSystem::D1900).0, d(1900, 1, 1));
        assert_eq!(serial_to_date(59.0, DateSystem::D1900).0, d(1900, 2, 28));
        assert_eq!(serial_to_date(61.0, DateSystem::D1900).0, d(1900, 3, 1));
        assert_eq!(
            serial_to_date(60.0, DateSystem::D1900).1.unwrap().rule,
            rule::PHANTOM_LEAP_DAY
        );
        assert_eq!(serial_to_date(0.0, DateSystem::D1904).0, d(1904, 1, 1));
        assert_eq!(serial_to_date(43835.75, DateSystem::D1900).0, d(2020, 1, 5));
        // an unformatted serial number in a date column, and a date-formatted cell
        assert_eq!(
            p(RawCell::Float(43835.0), ColumnType::Date).0,
            d(2020, 1, 5)
        );
        assert_eq!(
            p(RawCell::DateSerial(43835.0), ColumnType::Date).0,
            d(2020, 1, 5)
        );
        assert_eq!(
            p(RawCell::Float(-3.0), ColumnType::Date).1.unwrap().rule,
            rule::INVALID_DATE
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            p(RawCell::Float(2.5), ColumnType::Number).0,
            Some(Value::Num(2.5))
        );
        assert_eq!(
            p(RawCell::Str("1,234.5"), ColumnType::Number).0,
            Some(Value::Num(1234.5))
        );
        assert_eq!(
            p(RawCell::Str("１２３"), ColumnType::Number).0,
            Some(Value::Num(123.0))
        );
        assert_eq!(
            p(RawCell::Str(" 7.5 "), ColumnType::Number).0,
            Some(Value::Num(7.5))
        );
        let (v, i) = p(RawCell::Str("<0.5"), ColumnType::Number);
        assert_eq!(v, Some(Value::Num(0.5)));
        assert_eq!(i.unwrap().rule, rule::DETECTION_LIMIT);
        let (v, i) = p(RawCell::Str(">100"), ColumnType::Number);
        assert_eq!(v, Some(Value::Num(100.0)));
        assert_eq!(i.unwrap().severity, Severity::Warning);
        assert_eq!(
            p(RawCell::Str("1,5"), ColumnType::Number).1.unwrap().rule,
            rule::INVALID_NUMBER
        );
        assert_eq!(
            p(RawCell::Str("high"), ColumnType::Number).1.unwrap().rule,
            rule::INVALID_NUMBER
        );
        assert_eq!(p(RawCell::Str("12a"), ColumnType::Number).0, None);
        assert_eq!(p(RawCell::Float(f64::NAN), ColumnType::Number).0, None);
    }

    #[test]
    fn unit_conversion_rounds_binary_noise() {
        let c = ColumnSpec {
            kind: ColumnType::Number,
            map: None,
            open: false,
            factor: 88.4,
            codes: None,
        };
        let mgdl = 77.7 / 88.4;
        let (v, _) = parse_cell(&RawCell::Float(mgdl), &c, &sp(), DateSystem::D1900);
        assert_eq!(v, Some(Value::Num(77.7)));
        let (v, _) = parse_cell(&RawCell::Str("2"), &c, &sp(), DateSystem::D1900);
        assert_eq!(v, Some(Value::Num(176.8)));
    }

    #[test]
    fn integers() {
        assert_eq!(
            p(RawCell::Int(3), ColumnType::Integer).0,
            Some(Value::Int(3))
        );
        assert_eq!(
            p(RawCell::Str("３"), ColumnType::Integer).0,
            Some(Value::Int(3))
        );
        assert_eq!(
            p(RawCell::Float(2.5), ColumnType::Integer).1.unwrap().rule,
            rule::INVALID_INTEGER
        );
        assert_eq!(
            p(RawCell::Int(-1), ColumnType::Integer).1.unwrap().rule,
            rule::INVALID_INTEGER
        );
    }

    #[test]
    fn formula_errors_are_missing_with_a_finding() {
        for e in ["#DIV/0!", "#N/A", "#VALUE!", "#REF!"] {
            let (v, i) = p(RawCell::Error(e.into()), ColumnType::Number);
            assert_eq!(v, None);
            let i = i.unwrap();
            assert_eq!(i.rule, rule::FORMULA_ERROR);
            assert!(i.message.contains(e));
        }
    }

    #[test]
    fn stages() {
        for (s, n, sub) in [
            ("III", 3, None),
            ("Ⅲ", 3, None),
            ("3", 3, None),
            ("IIIA", 3, Some('A')),
            ("Ⅲ B", 3, Some('B')),
            ("II期", 2, None),
            ("stage I", 1, None),
        ] {
            assert_eq!(
                p(RawCell::Str(s), ColumnType::Stage).0,
                Some(Value::Stage(n, sub)),
                "{s}"
            );
        }
        assert_eq!(
            p(RawCell::Int(2), ColumnType::Stage).0,
            Some(Value::Stage(2, None))
        );
        assert_eq!(
            p(RawCell::Str("IV"), ColumnType::Stage).1.unwrap().rule,
            rule::INVALID_STAGE
        );
    }

    #[test]
    fn categories_closed_and_open() {
        let s = sp();
        let closed = ColumnSpec {
            kind: ColumnType::Category,
            map: Some("m_protein_type"),
            open: false,
            factor: 1.0,
            codes: None,
        };
        let open = ColumnSpec {
            kind: ColumnType::Category,
            map: Some("death_cause"),
            open: true,
            factor: 1.0,
            codes: None,
        };
        let pc = |c: &str, spec: &ColumnSpec<'_>| {
            parse_cell(&RawCell::Str(c), spec, &s, DateSystem::D1900)
        };
        assert_eq!(pc("IgG型", &closed).0, Some(Value::Cat("IgG".into())));
        assert_eq!(pc("κ轻链型", &closed).0, Some(Value::Cat("kappa".into())));
        assert_eq!(
            pc("不分泌型", &closed).0,
            Some(Value::Cat("non_secretory".into()))
        );
        assert_eq!(pc("IgX", &closed).1.unwrap().rule, rule::UNKNOWN_CATEGORY);
        assert_eq!(
            pc("疾病进展", &open).0,
            Some(Value::Cat("progression".into()))
        );
        assert_eq!(
            pc("心力衰竭", &open).0,
            Some(Value::Cat("heart failure".into()))
        );
        assert_eq!(
            pc("车祸", &open).0,
            Some(Value::Cat("车祸".into())),
            "unknown text kept as given"
        );
    }

    #[test]
    fn lists_keep_bracketed_separators() {
        let (v, _) = p(RawCell::Str("t(4;11); 13q-"), ColumnType::List);
        assert_eq!(v, Some(Value::List(vec!["t(4;11)".into(), "13q-".into()])));
    }

    #[test]
    fn lists_split_on_every_separator() {
        let (v, _) = p(RawCell::Str("胸椎、腰椎;骨盆，头部"), ColumnType::List);
        assert_eq!(
            v,
            Some(Value::List(vec![
                "胸椎".into(),
                "腰椎".into(),
                "骨盆".into(),
                "头部".into()
            ]))
        );
    }

    #[test]
    fn text_ids_from_numbers_and_suspicious_text() {
        assert_eq!(
            p(RawCell::Float(12.0), ColumnType::Text).0,
            Some(Value::Text("12".into()))
        );
        for s in [
            "<script>alert(1)</script>",
            "=HYPERLINK(\"x\")",
            "+1+2",
            "@SUM(A1)",
            "-cmd",
            "javascript:x",
            "<img src=x>",
        ] {
            let (v, i) = p(RawCell::Str(s), ColumnType::Text);
            assert_eq!(v, Some(Value::Text(s.into())), "kept as text: {s}");
            assert_eq!(i.unwrap().rule, rule::SUSPICIOUS_TEXT, "{s}");
        }
        assert_eq!(p(RawCell::Str("-5 mg"), ColumnType::Text).1, None);
    }
}
