//! One worksheet → a table of typed rows: classify the sheet, find the header row below any
//! title rows, map headers to dictionary columns (with their units), parse every cell, stop
//! at a note row. Everything odd becomes a finding with its cell.

use super::cells::{parse_cell, ColumnSpec, DateSystem, Issue, RawCell, Spellings, Value};
use super::names::{key, split_unit, wide_cycle};
use crate::config::{ColumnDef, ColumnType, Dictionary};
use crate::model::{CellRef, Finding, HeaderCell, Response, Severity, Val};
use std::collections::BTreeMap;

/// Rule ids of sheet-level findings.
pub mod rule {
    pub const NO_HEADER: &str = "sheet.no_header";
    pub const UNKNOWN_COLUMN: &str = "sheet.unknown_column";
    pub const DUPLICATE_COLUMN: &str = "sheet.duplicate_column";
    pub const UNKNOWN_UNIT: &str = "sheet.unknown_unit";
    pub const MISSING_UNIT: &str = "sheet.missing_unit";
    pub const SUSPECT_UNIT: &str = "sheet.suspect_unit";
    pub const UNKNOWN_SHEET: &str = "sheet.ignored";
    pub const ONLY_SHEET: &str = "sheet.only_sheet_as_patients";

    /// Every rule id above: each has its message in both languages in
    /// `crates/core/labels/findings.toml` (checked by the render crate's tests).
    pub const ALL: &[&str] = &[
        NO_HEADER,
        UNKNOWN_COLUMN,
        DUPLICATE_COLUMN,
        UNKNOWN_UNIT,
        MISSING_UNIT,
        SUSPECT_UNIT,
        UNKNOWN_SHEET,
        ONLY_SHEET,
    ];
}

/// The kinds of sheet the data dictionary defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SheetKind {
    Patients,
    Treatment,
    Assessments,
    AdverseEvents,
    Labs,
}

impl SheetKind {
    pub fn from_canonical(s: &str) -> Option<SheetKind> {
        Some(match s {
            "patients" => SheetKind::Patients,
            "treatment" => SheetKind::Treatment,
            "assessments" => SheetKind::Assessments,
            "adverse_events" => SheetKind::AdverseEvents,
            "labs" => SheetKind::Labs,
            _ => return None,
        })
    }

    /// The dictionary's name of the kind (`[sheets]` keys of config/columns.toml).
    pub fn canonical(&self) -> &'static str {
        match self {
            SheetKind::Patients => "patients",
            SheetKind::Treatment => "treatment",
            SheetKind::Assessments => "assessments",
            SheetKind::AdverseEvents => "adverse_events",
            SheetKind::Labs => "labs",
        }
    }

    /// One row per patient (joined on `patient_id`).
    pub fn patient_level(&self) -> bool {
        matches!(self, SheetKind::Patients | SheetKind::Treatment)
    }
}

/// A parsed row: the Excel row number and the typed values by dictionary column index.
#[derive(Debug, Clone)]
pub struct Row {
    pub excel_row: u32,
    pub values: Vec<Option<Val<Value>>>,
    /// Wide per-cycle responses: (cycle, response).
    pub wide: Vec<(u32, Val<Response>)>,
}

/// The typed content of one sheet.
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: u16,
    pub kind: SheetKind,
    pub rows: Vec<Row>,
    /// Dictionary columns present (index into the table's column defs).
    pub present: Vec<usize>,
    /// The header cells of the dictionary columns, as written.
    pub headers: Vec<HeaderCell>,
    /// Open vocabularies: column → code → the first spelling of the code in this sheet.
    pub entered: Entered,
}

/// Column → canonical code → the first spelling seen (see `Cohort::entered`).
pub type Entered = BTreeMap<String, BTreeMap<String, String>>;

enum Target {
    Column { def: usize, factor: f64 },
    Wide(u32),
    Skip,
}

/// A rectangular view of a sheet's cells, independent of the reader.
pub trait Grid {
    /// Absolute 0-based (row, col) of the first cell.
    fn origin(&self) -> (u32, u32);
    fn height(&self) -> usize;
    fn width(&self) -> usize;
    fn cell(&self, r: usize, c: usize) -> RawCell<'_>;
}

fn header_score(grid: &dyn Grid, r: usize, known: &dyn Fn(&str) -> bool) -> (usize, usize) {
    let mut filled = 0;
    let mut recognised = 0;
    for c in 0..grid.width() {
        let text = match grid.cell(r, c) {
            RawCell::Str(s) => s.to_string(),
            RawCell::Empty => continue,
            _ => {
                filled += 1;
                continue;
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        filled += 1;
        if known(&text) {
            recognised += 1;
        }
    }
    (filled, recognised)
}

/// Resolves a header cell against a column table.
pub struct HeaderMatcher<'a> {
    defs: &'a [ColumnDef],
    /// Name keys in priority order, with the unit an alias carries (`creat (mg/dL)`): a
    /// site's own aliases first, so that a user's `os_event = ["Status"]` wins over the
    /// built-in `Status` of another column.
    keys: Vec<(String, usize, Option<String>)>,
    wide: Vec<(String, String)>,
    /// `[dictionary.units]`: the unit of a column whose header carries none.
    units: Vec<Option<String>>,
    /// `[dictionary.codes]`: per column, cell key → the dictionary's spelling.
    codes: Vec<Option<BTreeMap<String, String>>>,
}

impl<'a> HeaderMatcher<'a> {
    /// The matcher of the column table `defs` with the site's additions from `dict`.
    pub fn new(defs: &'a [ColumnDef], dict: &Dictionary, wide: Vec<(String, String)>) -> Self {
        let site = defs.iter().enumerate().flat_map(|(i, d)| {
            let extra = dict.extra_aliases.get(&d.name).into_iter().flatten();
            extra.map(move |a| alias_key(d, a, i))
        });
        let builtin = defs.iter().enumerate().flat_map(|(i, d)| {
            std::iter::once(&d.name)
                .chain(&d.aliases)
                .map(move |a| alias_key(d, a, i))
        });
        HeaderMatcher {
            defs,
            keys: site.chain(builtin).collect(),
            wide,
            units: defs
                .iter()
                .map(|d| dict.units.get(&d.name).cloned())
                .collect(),
            codes: defs.iter().map(|d| dict.codes_of(&d.name)).collect(),
        }
    }

    fn lookup(&self, k: &str) -> Option<(usize, Option<String>)> {
        self.keys
            .iter()
            .find(|(a, _, _)| a == k)
            .map(|(_, i, unit)| (*i, unit.clone()))
    }

    /// (column index, unit) — the full header first, so that `t(4;14)` is not read as `t`
    /// with the unit `4;14`. The unit is the header's own, else the matched alias's, else
    /// the site's `[dictionary.units]` entry.
    pub fn resolve(&self, header: &str) -> Option<(usize, Option<String>)> {
        let (i, unit) = self.lookup(&key(header)).or_else(|| {
            let (name, unit) = split_unit(header)?;
            self.lookup(&key(&name)).map(|(i, _)| (i, Some(unit)))
        })?;
        Some((i, unit.or_else(|| self.units[i].clone())))
    }

    /// The columns a table of this kind needs to be read at all: `patient_id`, and the
    /// patient sheet's dates of an analysis (`index_date`, an end date).
    pub fn required(&self) -> Vec<&str> {
        const REQUIRED: [&str; 4] = [
            "patient_id",
            "index_date",
            "last_followup_date",
            "death_date",
        ];
        self.defs
            .iter()
            .map(|d| d.name.as_str())
            .filter(|n| REQUIRED.contains(n))
            .collect()
    }

    /// The site's code table of column `def` (`[dictionary.codes]`).
    pub fn codes(&self, def: usize) -> Option<&BTreeMap<String, String>> {
        self.codes[def].as_ref()
    }

    pub fn wide_cycle(&self, header: &str) -> Option<u32> {
        if self.wide.is_empty() {
            return None;
        }
        wide_cycle(&key(header), &self.wide)
    }

    fn known(&self, header: &str) -> bool {
        self.resolve(header).is_some() || self.wide_cycle(header).is_some()
    }
}

/// The key of an alias of `d` and the unit it carries: `creat (mg/dL)` is the name `creat`
/// in mg/dL when mg/dL is one of the column's units; any other bracket stays in the name.
fn alias_key(d: &ColumnDef, alias: &str, i: usize) -> (String, usize, Option<String>) {
    match split_unit(alias) {
        Some((name, unit)) if d.kind == ColumnType::Number && d.unit_factor(&unit).is_some() => {
            (key(&name), i, Some(unit))
        }
        _ => (key(alias), i, None),
    }
}

pub(crate) fn is_note_row(grid: &dyn Grid, r: usize, markers: &[String]) -> bool {
    for c in 0..grid.width() {
        match grid.cell(r, c) {
            RawCell::Empty => continue,
            RawCell::Str(s) if s.trim().is_empty() => continue,
            RawCell::Str(s) => {
                let t = super::names::nfkc(s);
                return markers
                    .iter()
                    .any(|m| !m.is_empty() && t.starts_with(m.as_str()));
            }
            _ => return false,
        }
    }
    false
}

/// The header row a site config names for a sheet (`[dictionary.header_rows]`, 1-based),
/// looked up by the sheet's name as written, then by its kind.
pub type HeaderRows<'a> = &'a std::collections::BTreeMap<String, u32>;

/// Reads one sheet of a known kind into typed rows. `findings` receives every problem.
#[allow(clippy::too_many_arguments)]
pub fn read_table(
    grid: &dyn Grid,
    sheet: u16,
    sheet_name: &str,
    kind: SheetKind,
    matcher: &HeaderMatcher<'_>,
    sp: &Spellings,
    ds: DateSystem,
    (note_markers, header_rows): (&[String], HeaderRows<'_>),
    findings: &mut Vec<Finding>,
) -> Option<Table> {
    let place = Place::new(grid, sheet);
    let named = configured_header_row(header_rows, sheet_name, kind);
    let found = header_row(grid, matcher, named);
    let Some(hr) = found else {
        findings.push(no_header(grid, matcher, named, sheet_name));
        return None;
    };
    let defs = matcher.defs;
    let columns = map_headers(grid, hr, matcher, place, findings);
    let reader = RowReader::new(grid, &columns.targets, matcher, sp, ds, place);
    let mut rows = Vec::new();
    let mut entered = Entered::new();
    for r in hr + 1..grid.height() {
        if is_note_row(grid, r, note_markers) {
            break;
        }
        if let Some(row) = reader.row(r, findings, &mut entered) {
            rows.push(row);
        }
    }
    suspect_units(
        &mut rows,
        &columns.unitless,
        defs,
        sheet,
        sheet_name,
        findings,
    );
    Some(Table {
        sheet,
        kind,
        rows,
        present: columns.present,
        headers: columns.headers,
        entered,
    })
}

/// Where a grid's cells are in the workbook: turns grid (row, column) into a [`CellRef`].
#[derive(Clone, Copy)]
struct Place {
    sheet: u16,
    r0: u32,
    c0: u32,
}

impl Place {
    /// The place of `grid`'s cells in sheet `sheet`.
    fn new(grid: &dyn Grid, sheet: u16) -> Self {
        let (r0, c0) = grid.origin();
        Place { sheet, r0, c0 }
    }

    /// The cell's reference (1-based Excel row, 0-based absolute column).
    fn at(&self, r: usize, c: usize) -> CellRef {
        CellRef {
            sheet: self.sheet,
            row: self.excel_row(r),
            col: (self.c0 + c as u32) as u16,
        }
    }

    /// The 1-based Excel row of grid row `r`.
    fn excel_row(&self, r: usize) -> u32 {
        self.r0 + r as u32 + 1
    }
}

/// Header: the first row (of the first 10) in which most filled cells are column names;
/// failing that, the row of the first 10 with the most column names (at least two), so
/// that an export with six gene-expression columns beside five known ones is still read.
fn find_header_row(grid: &dyn Grid, matcher: &HeaderMatcher<'_>) -> Option<usize> {
    let known = |s: &str| matcher.known(s);
    let scores: Vec<(usize, usize)> = (0..grid.height().min(HEADER_SEARCH_ROWS))
        .map(|r| header_score(grid, r, &known))
        .collect();
    let majority = scores
        .iter()
        .position(|&(filled, recognised)| recognised >= 1 && recognised * 2 > filled);
    majority.or_else(|| {
        let (row, &(_, best)) = scores
            .iter()
            .enumerate()
            .rev()
            .max_by_key(|(_, (_, recognised))| *recognised)?;
        (best >= 2).then_some(row)
    })
}

/// The grid row of the header: the one a site config names, else the one found.
pub(crate) fn header_row(
    grid: &dyn Grid,
    matcher: &HeaderMatcher<'_>,
    named: Option<u32>,
) -> Option<usize> {
    match named {
        Some(row) => grid_row_of(grid, row),
        None => find_header_row(grid, matcher),
    }
}

/// Rows searched for a header.
const HEADER_SEARCH_ROWS: usize = 10;

/// The site's header row for this sheet: by the sheet's name as written (compared like
/// names), then by its kind (`patients`, `assessments`, ...).
pub(crate) fn configured_header_row(
    rows: HeaderRows<'_>,
    sheet_name: &str,
    kind: SheetKind,
) -> Option<u32> {
    let by_name = rows
        .iter()
        .find(|(k, _)| key(k) == key(sheet_name))
        .map(|(_, r)| *r);
    by_name.or_else(|| rows.get(kind.canonical()).copied())
}

/// The grid row of 1-based sheet row `row`, if the grid holds it.
fn grid_row_of(grid: &dyn Grid, row: u32) -> Option<usize> {
    let r = row.checked_sub(1)?.checked_sub(grid.origin().0)? as usize;
    (r < grid.height()).then_some(r)
}

/// "No header row", saying what the first rows hold, which required columns the reader
/// looked for, and the way out (a site config: aliases, units, `[dictionary.header_rows]`).
fn no_header(
    grid: &dyn Grid,
    matcher: &HeaderMatcher<'_>,
    named: Option<u32>,
    sheet_name: &str,
) -> Finding {
    // The first rows' cells, numbered by their Excel row (`2: a | b`), for the message's
    // parameter; the English message says `row 2: a | b`.
    let rows_seen: Vec<String> = (0..grid.height().min(3))
        .filter_map(|r| {
            let cells = row_texts(grid, r, 6);
            (!cells.is_empty()).then(|| {
                format!(
                    "{}: {}",
                    grid.origin().0 as usize + r + 1,
                    cells.join(" | ")
                )
            })
        })
        .collect();
    let seen: Vec<String> = rows_seen.iter().map(|r| format!("row {r}")).collect();
    let seen = if seen.is_empty() {
        "the first rows are empty".to_string()
    } else {
        format!("the first rows hold {}", seen.join("; "))
    };
    let head = match named {
        Some(row) => format!("the configured header row {row} is not in the sheet"),
        None => format!(
            "no header row found in the first {HEADER_SEARCH_ROWS} rows (no row where most cells are known column names)"
        ),
    };
    let message = format!(
        "{head}; {seen}; looked for {}; a site config can give aliases, units and the header row (docs/input-format.md, \"Exports as they are\")",
        matcher.required().join(", ")
    );
    let f = Finding::general(Severity::Error, rule::NO_HEADER, message)
        .with_sheet(sheet_name)
        .with_param("required_items", matcher.required().join(", "))
        .with_param("rows", HEADER_SEARCH_ROWS.to_string());
    let f = match named {
        Some(row) => f.with_param("row", row.to_string()),
        None => f,
    };
    let case = match (named.is_some(), rows_seen.is_empty()) {
        (true, true) => "named_empty",
        (true, false) => "named",
        (false, true) => "search_empty",
        (false, false) => "search",
    };
    let f = f.with_param("case", case);
    if rows_seen.is_empty() {
        f
    } else {
        f.with_param("seen", rows_seen.join("; "))
    }
}

/// The first `max` filled cells of grid row `r` as text (long cells shortened).
fn row_texts(grid: &dyn Grid, r: usize, max: usize) -> Vec<String> {
    (0..grid.width())
        .filter_map(|c| match grid.cell(r, c) {
            RawCell::Empty => None,
            RawCell::Str(s) if s.trim().is_empty() => None,
            RawCell::Str(s) => Some(shorten(s.trim(), 24)),
            RawCell::Int(_) | RawCell::Float(_) => Some("(a number)".into()),
            RawCell::DateSerial(_) | RawCell::DateIso(_) => Some("(a date)".into()),
            RawCell::Bool(_) | RawCell::Error(_) => Some("(a value)".into()),
        })
        .take(max)
        .collect()
}

/// `s` cut to `max` characters with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}…")
}

/// What the header row says about the sheet's columns.
struct Columns {
    /// What each grid column feeds.
    targets: Vec<Target>,
    /// Dictionary columns present (first occurrence only).
    present: Vec<usize>,
    /// Present columns with no unit in the header that have an alternative plausible range
    /// (checked afterwards by [`suspect_units`]).
    unitless: Vec<usize>,
    /// The header cells of the dictionary columns, as written.
    headers: Vec<HeaderCell>,
}

/// Maps every header cell to a dictionary column (with its unit factor), a wide per-cycle
/// response, or nothing; duplicate columns, unknown units and unknown names are findings.
fn map_headers(
    grid: &dyn Grid,
    hr: usize,
    matcher: &HeaderMatcher<'_>,
    place: Place,
    findings: &mut Vec<Finding>,
) -> Columns {
    let mut cols = Columns {
        targets: Vec::with_capacity(grid.width()),
        present: Vec::new(),
        unitless: Vec::new(),
        headers: Vec::new(),
    };
    for c in 0..grid.width() {
        let header = match grid.cell(hr, c) {
            RawCell::Str(s) if !s.trim().is_empty() => s.to_string(),
            RawCell::Empty | RawCell::Str(_) => {
                cols.targets.push(Target::Skip);
                continue;
            }
            other => format!("{other:?}"),
        };
        let at = place.at(hr, c);
        let target = if let Some((def, unit)) = matcher.resolve(&header) {
            cols.header(at, &matcher.defs[def].name, &header);
            cols.column(matcher.defs, def, unit, &header, at, findings)
        } else if let Some(n) = matcher.wide_cycle(&header) {
            cols.header(at, &format!("response_c{n}"), &header);
            Target::Wide(n)
        } else {
            findings.push(
                Finding::at_cell(
                    Severity::Info,
                    rule::UNKNOWN_COLUMN,
                    at,
                    &header,
                    format!("column {header:?} matches no known name and is not analysed"),
                )
                .with_value(header.clone()),
            );
            Target::Skip
        };
        cols.targets.push(target);
    }
    cols
}

impl Columns {
    /// Keeps the header cell `text` at `at` naming dictionary column `column`.
    fn header(&mut self, at: CellRef, column: &str, text: &str) {
        self.headers.push(HeaderCell {
            sheet: at.sheet,
            col: at.col,
            column: column.to_string(),
            text: text.trim().to_string(),
        });
    }

    /// A header naming dictionary column `def`: skipped when the column was already seen
    /// or its unit is unknown, otherwise recorded as present with its unit factor.
    fn column(
        &mut self,
        defs: &[ColumnDef],
        def: usize,
        unit: Option<String>,
        header: &str,
        at: CellRef,
        findings: &mut Vec<Finding>,
    ) -> Target {
        let d = &defs[def];
        if self.present.contains(&def) {
            findings.push(
                Finding::at_cell(
                    Severity::Error,
                    rule::DUPLICATE_COLUMN,
                    at,
                    &d.name,
                    format!("column {} appears twice: this copy is ignored", d.name),
                )
                .with_value(header.to_string())
                .with_param("name", d.name.clone()),
            );
            return Target::Skip;
        }
        if unit.is_none() && d.needs_unit {
            findings.push(missing_unit(d, header, at));
            return Target::Skip;
        }
        let factor = match (&unit, d.kind) {
            (Some(u), ColumnType::Number) => match d.unit_factor(u) {
                Some(f) => f,
                None => {
                    findings.push(unknown_unit(d, u, header, at));
                    return Target::Skip;
                }
            },
            _ => 1.0,
        };
        if unit.is_none() && d.alt_plausible.is_some() {
            self.unitless.push(def);
        }
        self.present.push(def);
        Target::Column { def, factor }
    }
}

/// A duration (or another column that needs a unit) whose header carries none.
fn missing_unit(d: &ColumnDef, header: &str, at: CellRef) -> Finding {
    Finding::at_cell(
        Severity::Error,
        rule::MISSING_UNIT,
        at,
        &d.name,
        format!(
            "column {header:?} ({}) gives no unit: write it in the header, e.g. {header} (months), or set [dictionary.units] {} = \"months\" in a site config (units: {}{}); the column is not used",
            d.name,
            d.name,
            d.unit.as_deref().unwrap_or("none"),
            alt_list(d)
        ),
    )
    .with_value(header.to_string())
    .with_param("name", d.name.clone())
    .with_param("unit_items", unit_list(d))
}

/// A unit in a number column's header that is neither its unit nor an alternative one.
fn unknown_unit(d: &ColumnDef, u: &str, header: &str, at: CellRef) -> Finding {
    Finding::at_cell(
        Severity::Error,
        rule::UNKNOWN_UNIT,
        at,
        &d.name,
        format!(
            "unknown unit {u:?} for {} (expected {}{}): the column is not used",
            d.name,
            d.unit.as_deref().unwrap_or("no unit"),
            alt_list(d)
        ),
    )
    .with_value(header.to_string())
    .with_param("name", d.name.clone())
    .with_param("unit", u)
    .with_param("unit_items", unit_list(d))
}

/// A column's unit and its alternatives, for a message parameter (`months, days`); `-` for
/// a column without a unit.
fn unit_list(d: &ColumnDef) -> String {
    let units: Vec<String> = d
        .unit
        .iter()
        .cloned()
        .chain(d.alt_units.keys().cloned())
        .collect();
    if units.is_empty() {
        "-".to_string()
    } else {
        units.join(", ")
    }
}

/// Parses data rows by the column targets of the header.
struct RowReader<'a> {
    grid: &'a dyn Grid,
    targets: &'a [Target],
    defs: &'a [ColumnDef],
    /// The parse spec of each dictionary column (unit factor 1; the target's applies).
    specs: Vec<ColumnSpec<'a>>,
    sp: &'a Spellings,
    ds: DateSystem,
    place: Place,
}

/// Wide per-cycle response cells parse as a response column.
const RESPONSE_SPEC: ColumnSpec<'static> = ColumnSpec {
    kind: ColumnType::Response,
    map: None,
    open: false,
    factor: 1.0,
    codes: None,
};

impl<'a> RowReader<'a> {
    /// A reader for the data rows under a header mapped to `targets`.
    fn new(
        grid: &'a dyn Grid,
        targets: &'a [Target],
        matcher: &'a HeaderMatcher<'a>,
        sp: &'a Spellings,
        ds: DateSystem,
        place: Place,
    ) -> Self {
        let defs = matcher.defs;
        let specs = defs
            .iter()
            .enumerate()
            .map(|(i, d)| ColumnSpec {
                kind: d.kind,
                map: d.map.as_deref(),
                open: d.open,
                factor: 1.0,
                codes: matcher.codes(i),
            })
            .collect();
        RowReader {
            grid,
            targets,
            defs,
            specs,
            sp,
            ds,
            place,
        }
    }

    /// Grid row `r` as a typed row, or `None` when no cell of it yields a value or an issue.
    /// The first spelling of each open-vocabulary code goes to `entered`.
    fn row(&self, r: usize, findings: &mut Vec<Finding>, entered: &mut Entered) -> Option<Row> {
        let mut values: Vec<Option<Val<Value>>> = vec![None; self.defs.len()];
        let mut wide = Vec::new();
        let mut any = false;
        for (c, t) in self.targets.iter().enumerate() {
            let raw = self.grid.cell(r, c);
            if raw == RawCell::Empty {
                continue;
            }
            let at = self.place.at(r, c);
            match t {
                Target::Skip => {}
                Target::Column { def, factor } => {
                    let spec = ColumnSpec {
                        factor: *factor,
                        ..self.specs[*def]
                    };
                    let (v, issue) = parse_cell(&raw, &spec, self.sp, self.ds);
                    any |= push_issue(findings, issue, at, &self.defs[*def].name, &raw);
                    if let (Some(v), RawCell::Str(text)) = (&v, &raw) {
                        note_entered(entered, &spec, &self.defs[*def].name, v, text);
                    }
                    if let Some(v) = v {
                        values[*def] = Some(Val::new(v, at));
                        any = true;
                    }
                }
                Target::Wide(n) => {
                    let (v, issue) = parse_cell(&raw, &RESPONSE_SPEC, self.sp, self.ds);
                    any |= push_issue(findings, issue, at, &format!("response_c{n}"), &raw);
                    if let Some(Value::Response(resp)) = v {
                        wide.push((*n, Val::new(resp, at)));
                        any = true;
                    }
                }
            }
        }
        any.then(|| Row {
            excel_row: self.place.excel_row(r),
            values,
            wide,
        })
    }
}

/// Keeps the first spelling of each code of a free-text column: an open category, or a list
/// with a vocabulary (`emd_sites`). Closed categories are dictionary words, shown from the
/// label catalogs instead.
fn note_entered(entered: &mut Entered, spec: &ColumnSpec<'_>, column: &str, v: &Value, text: &str) {
    let free = match spec.kind {
        ColumnType::Category => spec.open,
        ColumnType::List => spec.map.is_some(),
        _ => false,
    };
    // A site's codes (`[dictionary.codes]`, `"1" = "fever"`) are not the clinician's words.
    if !free || spec.codes.is_some() {
        return;
    }
    // Once per column, not per cell: a registry has a value in every row.
    if !entered.contains_key(column) {
        entered.insert(column.to_string(), BTreeMap::new());
    }
    let Some(seen) = entered.get_mut(column) else {
        return;
    };
    let mut keep = |code: &str, raw: &str| {
        let raw = raw.trim();
        if !raw.is_empty() && !seen.contains_key(code) {
            seen.insert(code.to_string(), raw.to_string());
        }
    };
    match v {
        Value::Cat(code) => keep(code, text),
        Value::List(items) => {
            let raws = super::cells::split_list(text)
                .into_iter()
                .map(str::trim)
                .filter(|x| !x.is_empty());
            for (code, raw) in items.iter().zip(raws) {
                keep(code, raw);
            }
        }
        _ => {}
    }
}

/// A cell's issue as a finding with its cell and raw text; true when there was one.
fn push_issue(
    findings: &mut Vec<Finding>,
    issue: Option<Issue>,
    cell: CellRef,
    col: &str,
    raw: &RawCell<'_>,
) -> bool {
    let Some(i) = issue else { return false };
    findings
        .push(Finding::at_cell(i.severity, i.rule, cell, col, i.message).with_value(raw_text(raw)));
    true
}

fn alt_list(def: &ColumnDef) -> String {
    if def.alt_units.is_empty() {
        String::new()
    } else {
        format!(
            " or {}",
            def.alt_units.keys().cloned().collect::<Vec<_>>().join(", ")
        )
    }
}

fn raw_text(raw: &RawCell<'_>) -> String {
    match raw {
        RawCell::Empty => String::new(),
        RawCell::Int(i) => i.to_string(),
        RawCell::Float(f) => super::cells::number_text(*f),
        RawCell::Str(s) => s.to_string(),
        RawCell::Bool(b) => b.to_string(),
        RawCell::DateSerial(f) => super::cells::number_text(*f),
        RawCell::DateIso(s) => s.to_string(),
        RawCell::Error(e) => e.clone(),
    }
}

/// With no unit in the header: a column whose values are implausible in the canonical unit
/// but plausible in the alternative one (creatinine 0.5-15 mg/dL, calcium 6-20 mg/dL, Hb
/// 3-20 g/dL) gets one finding suggesting the unit (`docs/input-format.md`).
fn suspect_units(
    rows: &mut [Row],
    unitless: &[usize],
    defs: &[ColumnDef],
    sheet: u16,
    sheet_name: &str,
    findings: &mut Vec<Finding>,
) {
    for &def in unitless {
        let d = &defs[def];
        let (Some(p), Some(a)) = (d.plausible, d.alt_plausible) else {
            continue;
        };
        let vals: Vec<(f64, CellRef)> = rows
            .iter()
            .filter_map(|r| match &r.values[def] {
                Some(Val {
                    v: Value::Num(x),
                    at,
                }) => Some((*x, *at)),
                _ => None,
            })
            .collect();
        if vals.is_empty() {
            continue;
        }
        let outside = vals.iter().filter(|(x, _)| *x < p[0] || *x > p[1]).count();
        let in_alt = vals
            .iter()
            .filter(|(x, _)| *x >= a[0] && *x <= a[1])
            .count();
        if outside * 2 > vals.len() && in_alt * 10 >= vals.len() * 8 {
            let alt = d.alt_units.keys().next().cloned().unwrap_or_default();
            let first = vals[0].1;
            findings.push(
                Finding::at_cell(
                    Severity::Error,
                    rule::SUSPECT_UNIT,
                    CellRef { sheet, row: first.row, col: first.col },
                    &d.name,
                    format!(
                        "{} of {} values of {} are implausible in {} but plausible in {alt}: write the unit in the header, e.g. \"{} ({alt})\"; the column is not used",
                        outside,
                        vals.len(),
                        d.name,
                        d.unit.as_deref().unwrap_or(""),
                        d.name
                    ),
                )
                .with_sheet(sheet_name)
                .with_param("outside", outside.to_string())
                .with_param("n", vals.len().to_string())
                .with_param("name", d.name.clone())
                .with_param("unit", d.unit.clone().unwrap_or_else(|| "-".into()))
                .with_param("alt", alt.clone()),
            );
            for r in rows.iter_mut() {
                r.values[def] = None;
            }
        }
    }
}
