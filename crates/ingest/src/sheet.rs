//! One worksheet → a table of typed rows: classify the sheet, find the header row below any
//! title rows, map headers to dictionary columns (with their units), parse every cell, stop
//! at a note row. Everything odd becomes a finding with its cell.

use super::cells::{parse_cell, ColumnSpec, DateSystem, Issue, RawCell, Spellings, Value};
use super::names::{key, split_unit, unit_key, wide_cycle};
use crate::config::{ColumnDef, ColumnType};
use crate::model::{CellRef, Finding, Response, Severity, Val};

/// Rule ids of sheet-level findings.
pub mod rule {
    pub const NO_HEADER: &str = "sheet.no_header";
    pub const UNKNOWN_COLUMN: &str = "sheet.unknown_column";
    pub const DUPLICATE_COLUMN: &str = "sheet.duplicate_column";
    pub const UNKNOWN_UNIT: &str = "sheet.unknown_unit";
    pub const SUSPECT_UNIT: &str = "sheet.suspect_unit";
    pub const UNKNOWN_SHEET: &str = "sheet.ignored";
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
}

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
    keys: Vec<(String, usize)>,
    wide: Vec<(String, String)>,
}

impl<'a> HeaderMatcher<'a> {
    pub fn new(
        defs: &'a [ColumnDef],
        extra: &std::collections::BTreeMap<String, Vec<String>>,
        wide: Vec<(String, String)>,
    ) -> Self {
        let mut keys = Vec::new();
        for (i, d) in defs.iter().enumerate() {
            keys.push((key(&d.name), i));
            for a in d
                .aliases
                .iter()
                .chain(extra.get(&d.name).into_iter().flatten())
            {
                keys.push((key(a), i));
            }
        }
        HeaderMatcher { defs, keys, wide }
    }

    fn lookup(&self, k: &str) -> Option<usize> {
        self.keys.iter().find(|(a, _)| a == k).map(|(_, i)| *i)
    }

    /// (column index, unit written in the header) — the full header first, so that
    /// `t(4;14)` is not read as `t` with the unit `4;14`.
    pub fn resolve(&self, header: &str) -> Option<(usize, Option<String>)> {
        if let Some(i) = self.lookup(&key(header)) {
            return Some((i, None));
        }
        let (name, unit) = split_unit(header)?;
        self.lookup(&key(&name)).map(|i| (i, Some(unit)))
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

fn unit_factor(def: &ColumnDef, unit: &str) -> Option<f64> {
    let u = unit_key(unit);
    if def.unit.as_deref().map(unit_key).as_deref() == Some(u.as_str()) {
        return Some(1.0);
    }
    def.alt_units
        .iter()
        .find(|(k, _)| unit_key(k) == u)
        .map(|(_, f)| *f)
}

fn is_note_row(grid: &dyn Grid, r: usize, markers: &[String]) -> bool {
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
    note_markers: &[String],
    findings: &mut Vec<Finding>,
) -> Option<Table> {
    let place = Place::new(grid, sheet);
    let Some(hr) = find_header_row(grid, matcher) else {
        findings.push(
            Finding::general(
                Severity::Error,
                rule::NO_HEADER,
                "no header row found in the first 10 rows (no row where most cells are known column names)",
            )
            .with_sheet(sheet_name),
        );
        return None;
    };
    let defs = matcher.defs;
    let columns = map_headers(grid, hr, matcher, place, findings);
    let reader = RowReader::new(grid, &columns.targets, defs, sp, ds, place);
    let mut rows = Vec::new();
    for r in hr + 1..grid.height() {
        if is_note_row(grid, r, note_markers) {
            break;
        }
        if let Some(row) = reader.row(r, findings) {
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

/// Header: the first row (of the first 10) in which most filled cells are column names.
fn find_header_row(grid: &dyn Grid, matcher: &HeaderMatcher<'_>) -> Option<usize> {
    let known = |s: &str| matcher.known(s);
    (0..grid.height().min(10)).find(|&r| {
        let (filled, recognised) = header_score(grid, r, &known);
        recognised >= 1 && recognised * 2 > filled
    })
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
            cols.column(matcher.defs, def, unit, &header, at, findings)
        } else if let Some(n) = matcher.wide_cycle(&header) {
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
                .with_value(header.to_string()),
            );
            return Target::Skip;
        }
        let factor = match (&unit, d.kind) {
            (Some(u), ColumnType::Number) => match unit_factor(d, u) {
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
};

impl<'a> RowReader<'a> {
    /// A reader for the data rows under a header mapped to `targets`.
    fn new(
        grid: &'a dyn Grid,
        targets: &'a [Target],
        defs: &'a [ColumnDef],
        sp: &'a Spellings,
        ds: DateSystem,
        place: Place,
    ) -> Self {
        let specs = defs
            .iter()
            .map(|d| ColumnSpec {
                kind: d.kind,
                map: d.map.as_deref(),
                open: d.open,
                factor: 1.0,
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
    fn row(&self, r: usize, findings: &mut Vec<Finding>) -> Option<Row> {
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
                .with_sheet(sheet_name),
            );
            for r in rows.iter_mut() {
                r.values[def] = None;
            }
        }
    }
}
