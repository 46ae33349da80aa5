//! `mmreport map WORKBOOK`: a commented starter site config for an export as it is. For
//! each header of each sheet it says which dictionary column it proposes and why (an alias,
//! a close spelling, the values seen: dates, 0/1, numbers and their range, the unit the
//! range suggests), lists the headers it could not place and what is still required. Every
//! guess to check is a comment beside the line it wrote (docs/input-format.md, "Exports as
//! they are").

use mmreport_core::config::{ColumnDef, ColumnType, Config};
use mmreport_core::names::key;
use mmreport_ingest::sheet::SheetKind;
use mmreport_ingest::survey::{ColumnSurvey, Profile, SheetSurvey, Survey};
use mmreport_ingest::{IngestError, Limits};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Share of a column's numbers that must lie in a unit's plausible range to suggest it.
const RANGE_SHARE: f64 = 0.95;

/// What the map proposes for one header.
struct Proposal {
    /// The dictionary column, and how it was placed.
    column: Option<(String, String)>,
    /// `[dictionary.units]` entry to add, with why.
    unit: Option<(String, String)>,
    /// `[dictionary.extra_aliases]` entry to add (a close spelling).
    alias: bool,
}

/// The starter site config for the workbook `bytes` (read under `cfg`'s limits).
pub fn starter_config(bytes: &[u8], file: &str, cfg: &Config) -> Result<String, IngestError> {
    let survey = mmreport_ingest::survey::survey(bytes, cfg, Limits::from(&cfg.batch))?;
    Ok(render(&survey, file, cfg))
}

fn render(survey: &Survey, file: &str, cfg: &Config) -> String {
    let mut head = String::new();
    let mut units: BTreeMap<String, String> = BTreeMap::new();
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut placed: Vec<String> = Vec::new();
    let _ = writeln!(
        head,
        "# Starter site config for {file:?}, written by `mmreport map`."
    );
    let _ = writeln!(
        head,
        "# Check every line marked CHECK, then: mmreport run --config <this file> ..."
    );
    let only = survey.sheets.len() == 1;
    for s in &survey.sheets {
        sheet_comment(&mut head, s, only);
        for c in &s.columns {
            let p = propose(c, s, cfg);
            column_comment(&mut head, c, &p);
            if let Some((col, _)) = &p.column {
                placed.push(col.clone());
                if p.alias {
                    aliases
                        .entry(col.clone())
                        .or_default()
                        .push(c.header.clone());
                }
                if let Some((unit, why)) = &p.unit {
                    units.insert(col.clone(), format!("{}  # {why}", toml_str(unit)));
                }
            }
        }
    }
    // A lone sheet without an id column: its rows name the patients (CHECK below).
    let rows_as_ids = only && !placed.iter().any(|p| p == "patient_id");
    if rows_as_ids {
        placed.push("patient_id".into());
    }
    required_comment(&mut head, &placed);
    if rows_as_ids {
        head.push_str(concat!(
            "\n[dictionary]\n",
            "ids_from_rows = true  # no id column: each row is one patient, named by its row: CHECK\n"
        ));
    }
    head.push_str(&tables(&units, &aliases));
    head.push_str(&grouping_suggestions(survey, cfg));
    head
}

/// Commented `[[groupings]]` for the headers no dictionary column takes that hold a few
/// distinct texts (2 to 8): such a column (`molecular_group`) is usually a grouping.
fn grouping_suggestions(survey: &Survey, cfg: &Config) -> String {
    let mut out = String::new();
    for s in &survey.sheets {
        let patients = matches!(s.kind, None | Some(SheetKind::Patients));
        for c in s.columns.iter().filter(|_| patients) {
            let few = (2..=8).contains(&c.profile.distinct.len()) && !c.profile.distinct_overflow;
            if propose(c, s, cfg).column.is_some() || !few || c.profile.numbers > 0 {
                continue;
            }
            let h = toml_str(&c.header);
            let _ = write!(
                out,
                "\n# {h} holds {} values: to compare survival by it, uncomment\n\
                 # [[groupings]]\n# id = {h}\n# column = {h}\n# levels = true\n# label = {h}\n\
                 # [[survival]]\n# id = {}\n# endpoint = \"os\"\n# grouping = {h}\n",
                c.profile.distinct.len(),
                toml_str(&format!("os_by_{}", c.header)),
            );
        }
    }
    out
}

/// The sheet line: its name, the kind it is read as, its header row.
fn sheet_comment(out: &mut String, s: &SheetSurvey, only: bool) {
    let kind = match (s.kind, only) {
        (Some(k), _) => format!("read as the {} sheet", k.canonical()),
        (None, true) => "read as the patients sheet (the workbook's only sheet)".to_string(),
        (None, false) => {
            "not read: name it in [dictionary.sheets] if it holds patients (CHECK)".to_string()
        }
    };
    let row = s.header_row.map_or("no header row found".to_string(), |r| {
        format!("header row {r}")
    });
    let _ = writeln!(out, "#\n# Sheet {:?}: {kind}; {row}.", s.name);
}

/// One header: what it maps to and why, with its values.
fn column_comment(out: &mut String, c: &ColumnSurvey, p: &Proposal) {
    let target = match &p.column {
        Some((col, why)) => format!("-> {col} ({why})"),
        None => "-> not placed: not analysed (add it in [dictionary.extra_aliases] if it is a dictionary column)".into(),
    };
    // Identifiers are counted, never listed.
    let mut profile = c.profile.clone();
    if matches!(&p.column, Some((col, _)) if col == "patient_id") {
        profile.distinct.clear();
    }
    let _ = writeln!(out, "#   {:?} {target}; {}", c.header, values(&profile));
}

/// The values of a column in words.
fn values(p: &Profile) -> String {
    if p.filled == 0 {
        return "empty".into();
    }
    let mut parts = Vec::new();
    if p.zero_one {
        parts.push("all 0/1".to_string());
    } else if let (true, Some(lo), Some(hi)) = (p.numbers > 0, p.min, p.max) {
        parts.push(format!(
            "{} numbers from {} to {}",
            p.numbers,
            fmt(lo),
            fmt(hi)
        ));
    }
    if p.dates > 0 {
        parts.push(format!("{} dates", p.dates));
    }
    if p.texts > p.numbers.min(p.texts) && !p.distinct.is_empty() {
        parts.push(format!("texts {}", p.distinct.join(", ")));
    } else if p.distinct_overflow {
        parts.push(format!("{} texts (many distinct)", p.texts));
    }
    format!("{} filled: {}", p.filled, parts.join("; "))
}

/// `s` as a TOML string (escaped as TOML wants, whatever the cell held).
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn fmt(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e12 {
        format!("{}", x as i64)
    } else {
        format!("{x:.3}").trim_end_matches('0').to_string()
    }
}

/// The proposal for one header: its match (alias) or a close spelling, and a unit.
fn propose(c: &ColumnSurvey, s: &SheetSurvey, cfg: &Config) -> Proposal {
    let defs = mmreport_ingest::survey::defs(cfg, s.kind);
    let (column, alias, unit) = match &c.column {
        Some((col, unit)) => (
            (col.clone(), "built-in or site alias".to_string()),
            false,
            unit.clone(),
        ),
        None => match close_spelling(&c.header, defs, &c.profile) {
            Some((col, near)) => ((col, format!("close to {near:?}: CHECK")), true, None),
            None => {
                return Proposal {
                    column: None,
                    unit: None,
                    alias: false,
                }
            }
        },
    };
    let def = defs.iter().find(|d| d.name == column.0);
    let unit = match (unit, def) {
        (None, Some(d)) => suggest_unit(d, &c.profile),
        _ => None,
    };
    Proposal {
        column: Some(column),
        unit,
        alias,
    }
}

/// A dictionary column whose name or alias is spelled close to `header` and whose type the
/// values fit ([`fits`]): one is a prefix of the other (at least 4 characters), or the
/// Jaro-Winkler similarity is at least 0.92.
fn close_spelling(header: &str, defs: &[ColumnDef], p: &Profile) -> Option<(String, String)> {
    let h = key(header);
    if h.chars().count() < 3 {
        return None;
    }
    let mut best: Option<(f64, String, String)> = None;
    for d in defs.iter().filter(|d| fits(d, p)) {
        for name in std::iter::once(&d.name).chain(&d.aliases) {
            let k = key(name);
            let prefix = h.chars().count() >= 4 && (k.starts_with(&h) || h.starts_with(&k));
            let score = if prefix {
                1.0
            } else {
                strsim::jaro_winkler(&h, &k)
            };
            if score >= 0.92 && !matches!(&best, Some((b, _, _)) if *b >= score) {
                best = Some((score, d.name.clone(), name.clone()));
            }
        }
    }
    best.map(|(_, col, near)| (col, near))
}

/// Whether the values seen could be this column's: a yes/no column holds no numbers but 0
/// and 1; a number column mostly numbers, inside its plausible range in one of its units
/// (a gene-expression `TP53` of 10 to 5,241 is not a FISH result, `CRIM1` of 2 to 3,096 is
/// not a creatinine); a date column no plain numbers.
fn fits(d: &ColumnDef, p: &Profile) -> bool {
    if p.filled == 0 {
        return true;
    }
    match d.kind {
        ColumnType::Boolean => p.numbers == 0 || p.zero_one,
        ColumnType::Number | ColumnType::Integer => {
            let ranges = [d.plausible, d.alt_plausible];
            let plausible = ranges
                .iter()
                .flatten()
                .any(|r| p.share_within(*r) >= RANGE_SHARE)
                || ranges.iter().all(Option::is_none);
            p.numbers * 2 >= p.filled && plausible
        }
        ColumnType::Date => p.numbers == 0,
        _ => true,
    }
}

/// A unit for a number column whose header gives none: a duration's by its range, else
/// the alternative unit whose plausible range holds the values when the column's own does
/// not.
fn suggest_unit(d: &ColumnDef, p: &Profile) -> Option<(String, String)> {
    if d.kind != ColumnType::Number || p.numbers == 0 {
        return None;
    }
    let range = format!("values {} to {}", fmt(p.min?), fmt(p.max?));
    if d.needs_unit {
        let unit = if p.max? > 600.0 { "days" } else { "months" };
        return Some((
            unit.into(),
            format!("{range} look like {unit}: CHECK (no unit in the header)"),
        ));
    }
    let own = d.plausible?;
    let alt = d.alt_plausible?;
    if p.share_within(own) >= RANGE_SHARE || p.share_within(alt) < RANGE_SHARE {
        return None;
    }
    let unit = d.alt_units.keys().next()?.clone();
    Some((
        unit.clone(),
        format!(
            "{range}: plausible in {unit}, not in {}: CHECK",
            d.unit.as_deref().unwrap_or("its unit")
        ),
    ))
}

/// What the run still needs that no header gives.
fn required_comment(out: &mut String, placed: &[String]) {
    let has = |c: &str| placed.iter().any(|p| p == c);
    let mut missing = Vec::new();
    if !has("patient_id") {
        missing
            .push("patient_id (an id column; name it in [dictionary.extra_aliases])".to_string());
    }
    let dates = has("index_date") && (has("last_followup_date") || has("death_date"));
    let durations = has("os_time") && (has("os_event") || has("vital_status"));
    if !dates && !durations {
        missing.push(
            "either index_date with last_followup_date or death_date, or os_time with os_event"
                .into(),
        );
    }
    let _ = writeln!(out, "#");
    if missing.is_empty() {
        let _ = writeln!(out, "# Required columns: all found.");
    } else {
        let _ = writeln!(out, "# Still required: {}.", missing.join("; "));
    }
}

/// The TOML tables (only those with entries).
fn tables(units: &BTreeMap<String, String>, aliases: &BTreeMap<String, Vec<String>>) -> String {
    let mut out = String::new();
    if !units.is_empty() {
        out.push_str("\n[dictionary.units]\n");
        for (col, line) in units {
            let _ = writeln!(out, "{col} = {line}");
        }
    }
    if !aliases.is_empty() {
        out.push_str("\n[dictionary.extra_aliases]\n");
        for (col, names) in aliases {
            let list: Vec<String> = names.iter().map(|n| toml_str(n)).collect();
            let _ = writeln!(
                out,
                "{col} = [{}]  # close spelling: CHECK",
                list.join(", ")
            );
        }
    }
    out
}
