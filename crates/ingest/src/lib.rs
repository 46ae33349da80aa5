//! Ingest: one workbook's bytes → a [`Cohort`] of typed records with provenance and findings.
//!
//! calamine reads `.xlsx/.xlsm/.xls/.xlsb/.ods`. It has a history of panics on malformed
//! files, so the whole read runs inside `catch_unwind`: a panic is an [`IngestError`] for
//! that one workbook, never a crash of the batch. Problems that leave the workbook usable
//! (a bad cell, an unknown column) are findings; problems that leave nothing to analyse
//! (not a spreadsheet, no `patients` sheet, no patients) are errors.

pub mod cells;
pub mod footprint;
pub mod names;
mod records;
pub mod sheet;
pub mod survey;

use crate::config::Config;
use crate::model::{Cohort, Finding, Severity};
use calamine::{Data, DataRef, Range, Reader, Sheets};
use cells::{DateSystem, RawCell, Spellings};
use mmreport_core::failure::Failure;
use mmreport_core::{config, grouping, model};
use names::{key, wide_pattern_keys};
use sheet::{Grid, HeaderMatcher, SheetKind, Table};
use std::collections::HashSet;
use std::io::Cursor;

/// Why a workbook could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("not a readable spreadsheet (xlsx, xlsm, xls, xlsb or ods): {0}")]
    Unreadable(String),
    #[error("the workbook is password-protected or encrypted: {0}")]
    Encrypted(String),
    #[error("the reader crashed on this file (malformed workbook): {0}")]
    Panicked(String),
    #[error("the workbook has no sheets")]
    Empty,
    #[error("sheet {0:?} has no header row: none of its first 10 rows holds enough known column names (patient_id and the dates of an analysis: index_date, last_followup_date or death_date); `mmreport check` lists what the first rows hold, and a site config can give aliases, units and the header row (docs/input-format.md, \"Exports as they are\")")]
    NoPatientsHeader(String),
    #[error("no `patients` sheet (looked for: {0}); add the sheet's name in [dictionary.sheets] of a site config (docs/input-format.md)")]
    NoPatientsSheet(String),
    #[error("the workbook would expand to {declared} bytes when unpacked (limit {limit}): refused as a possible zip bomb")]
    TooLargeDecompressed { declared: u64, limit: u64 },
    #[error("the workbook holds {count} shared strings or more (declared or counted; limit {limit}, batch.max_shared_strings): refused before it is read, as a possible shared-string bomb")]
    TooManyStrings { count: u64, limit: u64 },
    #[error("the workbook has {cells} cells in its sheets (limit {limit})")]
    TooManyCells { cells: u64, limit: u64 },
    #[error(
        "sheet {sheet:?} is too large: {rows} rows x {cols} columns ({cells} cells, limit {limit})"
    )]
    TooLarge {
        sheet: String,
        rows: u64,
        cols: u64,
        cells: u64,
        limit: u64,
    },
}

impl IngestError {
    /// The reason as a catalog code with parameters (`failure.<code>` of
    /// `labels/failures.toml`), so the error page and the index word it in the site's
    /// language; the library's own detail (a zip or XML error) stays in the English text.
    pub fn failure(&self) -> Failure {
        match self {
            IngestError::Unreadable(_) => Failure::new("unreadable"),
            IngestError::Encrypted(_) => Failure::new("encrypted"),
            IngestError::Panicked(_) => Failure::new("malformed"),
            IngestError::Empty => Failure::new("no_sheets"),
            IngestError::NoPatientsHeader(sheet) => {
                Failure::new("no_patients_header").with("sheet", sheet)
            }
            IngestError::NoPatientsSheet(names) => {
                Failure::new("no_patients_sheet").with("names", names)
            }
            IngestError::TooLargeDecompressed { declared, limit } => Failure::new("zip_bomb")
                .with("declared", declared)
                .with("limit", limit),
            IngestError::TooManyStrings { count, limit } => Failure::new("too_many_strings")
                .with("count", count)
                .with("limit", limit),
            IngestError::TooManyCells { cells, limit } => Failure::new("too_many_cells")
                .with("cells", cells)
                .with("limit", limit),
            IngestError::TooLarge {
                sheet,
                rows,
                cols,
                cells,
                limit,
            } => Failure::new("sheet_too_large")
                .with("sheet", sheet)
                .with("rows", rows)
                .with("cols", cols)
                .with("cells", cells)
                .with("limit", limit),
        }
    }
}

/// Rule ids of workbook-level findings.
pub mod rule {
    pub const UNREADABLE_SHEET: &str = "workbook.unreadable_sheet";

    /// Every rule id above: each has its message in both languages in
    /// `crates/core/labels/findings.toml` (checked by the render crate's tests).
    pub const ALL: &[&str] = &[UNREADABLE_SHEET];
}

/// Every rule id the reader raises findings under (sheets, cells, records, the workbook):
/// each has its message in both languages in `crates/core/labels/findings.toml`.
pub fn finding_rules() -> Vec<&'static str> {
    [
        sheet::rule::ALL,
        cells::rule::ALL,
        records::rule::ALL,
        rule::ALL,
    ]
    .concat()
}

/// A sheet once read: a patient-level sheet's typed rows (joined with the other patient-level
/// sheets later), or an event sheet already turned into records.
enum SheetData {
    PatientLevel(Table),
    Events(records::EventSheet),
}

/// One sheet's outcome: its data (when it has a header), its findings, its size.
type SheetRead = (Option<SheetData>, Vec<Finding>, (usize, usize));

/// Workbooks larger than this read their sheets in parallel.
const PARALLEL_SHEETS_MIN_BYTES: usize = 1 << 20;

/// Limits against hostile or broken files, all checked before anything is expanded: the
/// zip central directory's declared sizes before calamine opens the package, and each
/// sheet's bounding box (streamed with calamine's cell reader, constant memory) before
/// `worksheet_range` allocates the dense rectangle (32 bytes a cell: one stray value in
/// XFD1048576 would otherwise ask for hundreds of GB).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest dense rectangle (rows x columns) one sheet may have.
    pub max_cells_per_sheet: u64,
    /// Largest sum of the dense rectangles of all sheets read from one workbook.
    pub max_cells: u64,
    /// Largest total decompressed size of a zip-based workbook (xlsx, xlsm, xlsb, ods), and
    /// largest size of any workbook file.
    pub max_decompressed_bytes: u64,
    /// Largest number of shared strings an xlsx may declare or hold ([`footprint`]).
    pub max_shared_strings: u64,
}

impl From<&config::Batch> for Limits {
    /// The limits of `[batch]` (`config/analysis.toml` holds the defaults): one sheet may use
    /// the whole workbook's cell budget.
    fn from(b: &config::Batch) -> Self {
        Limits {
            max_cells_per_sheet: b.max_cells,
            max_cells: b.max_cells,
            max_decompressed_bytes: b.max_decompressed_bytes,
            max_shared_strings: b.max_shared_strings,
        }
    }
}

/// A dense calamine range as a [`Grid`].
pub(crate) struct RangeGrid<'a>(pub(crate) &'a Range<Data>);

impl Grid for RangeGrid<'_> {
    fn origin(&self) -> (u32, u32) {
        self.0.start().unwrap_or((0, 0))
    }
    fn height(&self) -> usize {
        self.0.height()
    }
    fn width(&self) -> usize {
        self.0.width()
    }
    fn cell(&self, r: usize, c: usize) -> RawCell<'_> {
        match self.0.get((r, c)) {
            None | Some(Data::Empty) => RawCell::Empty,
            Some(Data::Int(i)) => RawCell::Int(*i),
            Some(Data::Float(f)) => RawCell::Float(*f),
            Some(Data::String(s)) => RawCell::Str(s),
            Some(Data::Bool(b)) => RawCell::Bool(*b),
            Some(Data::DateTime(d)) if d.is_datetime() => RawCell::DateSerial(d.as_f64()),
            Some(Data::DateTime(d)) => RawCell::Float(d.as_f64()),
            Some(Data::DateTimeIso(s)) => RawCell::DateIso(s),
            Some(Data::DurationIso(s)) => RawCell::Str(s),
            Some(Data::Error(e)) => RawCell::Error(e.to_string()),
        }
    }
}

/// A sheet's non-empty cells as calamine's cell reader streams them: no dense rectangle is
/// allocated (memory follows the cells present, so a stray value in XFD1048576 costs one
/// cell), shared strings are borrowed rather than copied, and the sheet is read once (its
/// size is known when the stream ends).
struct SparseGrid<'a> {
    origin: (u32, u32),
    height: usize,
    width: usize,
    /// Index into `cells` where each row (relative to the origin) starts, then the end.
    row_start: Vec<usize>,
    /// (absolute row, absolute column, value), sorted by row then column.
    cells: Vec<(u32, u32, DataRef<'a>)>,
}

impl<'a> SparseGrid<'a> {
    /// Streams the non-empty cells from `next`, refusing a sheet with more than
    /// `max_cells` of them before it can fill memory. The outer error refuses the workbook
    /// (too large); the inner one is the reader's message for this sheet alone (the sheet is
    /// reported unreadable and the others are still read).
    fn stream<E: std::fmt::Display>(
        name: &str,
        max_cells: u64,
        mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
    ) -> Result<Result<SparseGrid<'a>, String>, IngestError> {
        let mut cells: Vec<(u32, u32, DataRef<'a>)> = Vec::new();
        loop {
            match next() {
                Ok(Some(cell)) => {
                    let v = cell.get_value();
                    if matches!(v, DataRef::Empty) {
                        continue;
                    }
                    if cells.len() as u64 >= max_cells {
                        let g = SparseGrid::from_cells(cells);
                        return Err(IngestError::TooLarge {
                            sheet: name.to_string(),
                            rows: g.height as u64,
                            cols: g.width as u64,
                            cells: g.cells.len() as u64 + 1,
                            limit: max_cells,
                        });
                    }
                    let (r, c) = cell.get_position();
                    cells.push((r, c, v.clone()));
                }
                Ok(None) => break,
                Err(e) => return Ok(Err(e.to_string())),
            }
        }
        Ok(Ok(SparseGrid::from_cells(cells)))
    }

    fn from_cells(mut cells: Vec<(u32, u32, DataRef<'a>)>) -> SparseGrid<'a> {
        // Excel writes rows and cells in order; other writers need not.
        if !cells
            .windows(2)
            .all(|w| (w[0].0, w[0].1) <= (w[1].0, w[1].1))
        {
            cells.sort_by_key(|c| (c.0, c.1));
        }
        let Some(r0) = cells.first().map(|c| c.0) else {
            return SparseGrid {
                origin: (0, 0),
                height: 0,
                width: 0,
                row_start: vec![0],
                cells,
            };
        };
        let r1 = cells.last().map(|c| c.0).unwrap_or(r0);
        let (c0, c1) = cells
            .iter()
            .fold((u32::MAX, 0), |(lo, hi), c| (lo.min(c.1), hi.max(c.1)));
        let height = (r1 - r0) as usize + 1;
        let mut row_start = Vec::with_capacity(height + 1);
        let mut i = 0;
        for r in 0..height {
            while i < cells.len() && ((cells[i].0 - r0) as usize) < r {
                i += 1;
            }
            row_start.push(i);
        }
        row_start.push(cells.len());
        SparseGrid {
            origin: (r0, c0),
            height,
            width: (c1 - c0) as usize + 1,
            row_start,
            cells,
        }
    }
}

impl Grid for SparseGrid<'_> {
    fn origin(&self) -> (u32, u32) {
        self.origin
    }
    fn height(&self) -> usize {
        self.height
    }
    fn width(&self) -> usize {
        self.width
    }
    fn cell(&self, r: usize, c: usize) -> RawCell<'_> {
        let (Some(&s), Some(&e)) = (self.row_start.get(r), self.row_start.get(r + 1)) else {
            return RawCell::Empty;
        };
        let col = self.origin.1 as usize + c;
        let row = &self.cells[s..e];
        match row.binary_search_by_key(&col, |x| x.1 as usize) {
            Ok(i) => raw_ref(&row[i].2),
            Err(_) => RawCell::Empty,
        }
    }
}

fn raw_ref<'b>(d: &'b DataRef<'_>) -> RawCell<'b> {
    match d {
        DataRef::Empty => RawCell::Empty,
        DataRef::Int(i) => RawCell::Int(*i),
        DataRef::Float(f) => RawCell::Float(*f),
        DataRef::String(s) => RawCell::Str(s),
        DataRef::SharedString(s) => RawCell::Str(s),
        DataRef::Bool(b) => RawCell::Bool(*b),
        DataRef::DateTime(d) if d.is_datetime() => RawCell::DateSerial(d.as_f64()),
        DataRef::DateTime(d) => RawCell::Float(d.as_f64()),
        DataRef::DateTimeIso(s) => RawCell::DateIso(s),
        DataRef::DurationIso(s) => RawCell::Str(s),
        DataRef::Error(e) => RawCell::Error(e.to_string()),
    }
}

/// Reads a workbook from its bytes. Never panics: a reader panic becomes
/// [`IngestError::Panicked`].
pub fn read_workbook(bytes: &[u8], cfg: &Config, limits: Limits) -> Result<Cohort, IngestError> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_workbook_inner(bytes, cfg, limits)
    }));
    match result {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(IngestError::Panicked(msg))
        }
    }
}

fn classify(error: calamine::Error) -> IngestError {
    let text = error.to_string();
    let lower = text.to_lowercase();
    if lower.contains("password") || lower.contains("encrypt") || lower.contains("protected") {
        IngestError::Encrypted(text)
    } else {
        IngestError::Unreadable(text)
    }
}

/// True when the bytes are an OLE compound file (old .xls, or an encrypted OOXML package).
fn is_cfb(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// Checks one sheet's dense rectangle against the per-sheet and per-workbook limits.
fn check_size(
    name: &str,
    rows: u64,
    cols: u64,
    total: &mut u64,
    limits: Limits,
) -> Result<(), IngestError> {
    let cells = rows.saturating_mul(cols);
    if cells > limits.max_cells_per_sheet {
        return Err(IngestError::TooLarge {
            sheet: name.to_string(),
            rows,
            cols,
            cells,
            limit: limits.max_cells_per_sheet,
        });
    }
    *total = total.saturating_add(cells);
    if *total > limits.max_cells {
        return Err(IngestError::TooManyCells {
            cells: *total,
            limit: limits.max_cells,
        });
    }
    Ok(())
}

/// True when the bytes are a zip archive (xlsx, xlsm, xlsb, ods).
pub(crate) fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The read proper: limits, open, classify the sheets, read each, then join them.
fn read_workbook_inner(bytes: &[u8], cfg: &Config, limits: Limits) -> Result<Cohort, IngestError> {
    footprint::footprint(Cursor::new(bytes), limits)?;
    let mut wb = open(bytes)?;
    let names: Vec<String> = wb.sheet_names().to_vec();
    if names.is_empty() {
        return Err(IngestError::Empty);
    }
    let dict = &cfg.dictionary;
    let sheet_aliases = sheet_aliases(dict);
    let mut findings: Vec<Finding> = Vec::new();
    // Classify the sheets and check their sizes before anything is expanded.
    let wanted = wanted_sheets(&names, &sheet_aliases, &mut findings);
    let reader = SheetReader::new(cfg, limits, date_system(&wb));
    let streamed = matches!(wb, Sheets::Xlsx(_) | Sheets::Xlsb(_));
    // Large streamed workbooks read their sheets in parallel, each on its own reader of the
    // same bytes (sizes were checked above); small ones stay on one thread.
    let parallel = streamed && bytes.len() > PARALLEL_SHEETS_MIN_BYTES && wanted.len() > 1;
    let per_sheet = if parallel {
        reader.read_parallel(bytes, &wanted)
    } else {
        wanted
            .iter()
            .map(|(idx, name, kind)| reader.read_one(&mut wb, *idx, name, *kind))
            .collect()
    };
    let mut tables: Vec<Table> = Vec::new();
    let mut events = Vec::new();
    let mut total_cells: u64 = 0;
    for ((_, name, _), read) in wanted.iter().zip(per_sheet) {
        let (data, found, (h, w)) = read?;
        check_size(name, h as u64, w as u64, &mut total_cells, limits)?;
        findings.extend(found);
        match data {
            Some(SheetData::PatientLevel(t)) => tables.push(t),
            Some(SheetData::Events(e)) => events.push(e),
            None => {}
        }
    }
    if !tables.iter().any(|t| t.kind == SheetKind::Patients) {
        return Err(no_patients(&findings, &sheet_aliases, dict));
    }
    let mut cohort = records::build(tables, events, &names, cfg, findings);
    Cohort::resolve_findings(&cohort.sheets, &mut cohort.findings);
    Cohort::name_headers(&cohort.headers, &mut cohort.findings);
    Ok(cohort)
}

/// Opens the workbook with calamine; an encrypted .xlsx (an OLE container holding
/// `EncryptionInfo`) is reported as encrypted whatever calamine says.
pub(crate) fn open(bytes: &[u8]) -> Result<Sheets<Cursor<&[u8]>>, IngestError> {
    calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        let err = classify(e);
        if is_cfb(bytes) && bytes.windows(14).any(|w| w == b"E\0n\0c\0r\0y\0p\0t\0") {
            IngestError::Encrypted("the file is an encrypted Office package".into())
        } else {
            err
        }
    })
}

/// The workbook's date system (1904 only where the format records it).
fn date_system(wb: &Sheets<Cursor<&[u8]>>) -> DateSystem {
    match wb {
        Sheets::Xlsx(x) if x.has_1904_epoch() => DateSystem::D1904,
        Sheets::Xls(x) if x.has_1904_epoch() => DateSystem::D1904,
        _ => DateSystem::D1900,
    }
}

/// Every accepted sheet name (canonical and aliases, as keys) with the kind it names.
pub(crate) fn sheet_aliases(dict: &config::Dictionary) -> Vec<(String, SheetKind)> {
    dict.sheets
        .iter()
        .filter_map(|(canon, aliases)| {
            let kind = SheetKind::from_canonical(canon)?;
            Some(
                std::iter::once(canon)
                    .chain(aliases)
                    .map(move |a| (key(a), kind)),
            )
        })
        .flatten()
        .collect()
}

/// The sheets to read, by workbook index, with their kind; any other sheet is an info
/// finding and is not read.
fn wanted_sheets<'n>(
    names: &'n [String],
    sheet_aliases: &[(String, SheetKind)],
    findings: &mut Vec<Finding>,
) -> Vec<(u16, &'n String, SheetKind)> {
    let mut wanted = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let idx = u16::try_from(i).unwrap_or(u16::MAX);
        let k = key(name);
        let Some(kind) = sheet_aliases
            .iter()
            .find(|(a, _)| *a == k)
            .map(|(_, kind)| *kind)
        else {
            findings.push(
                Finding::general(
                    Severity::Info,
                    sheet::rule::UNKNOWN_SHEET,
                    format!("sheet {name:?} matches no known sheet name and is not read"),
                )
                .with_sheet(name.clone()),
            );
            continue;
        };
        wanted.push((idx, name, kind));
    }
    only_sheet_as_patients(names, &mut wanted, findings);
    wanted
}

/// A workbook none of whose sheets is named like a patients sheet, with one sheet (as R,
/// SPSS and registry exports write them: `Sheet1`, `data`), has that sheet read as the
/// patients sheet, and an info finding says so.
fn only_sheet_as_patients<'n>(
    names: &'n [String],
    wanted: &mut Vec<(u16, &'n String, SheetKind)>,
    findings: &mut Vec<Finding>,
) {
    if names.len() != 1 || !wanted.is_empty() {
        return;
    }
    let name = &names[0];
    findings.retain(|f| !(f.rule == sheet::rule::UNKNOWN_SHEET && f.sheet.as_ref() == Some(name)));
    findings.push(
        Finding::general(
            Severity::Info,
            sheet::rule::ONLY_SHEET,
            format!("sheet {name:?} is the workbook's only sheet: read as the patients sheet"),
        )
        .with_sheet(name.clone()),
    );
    wanted.push((0, name, SheetKind::Patients));
}

/// The error for a workbook without a usable patients sheet: a patients sheet that was
/// found but has no header row says so; otherwise the names looked for.
fn no_patients(
    findings: &[Finding],
    sheet_aliases: &[(String, SheetKind)],
    dict: &config::Dictionary,
) -> IngestError {
    if let Some(f) = findings.iter().find(|f| f.rule == sheet::rule::NO_HEADER) {
        let sheet = f.sheet.clone().unwrap_or_default();
        let k = key(&sheet);
        let only = findings.iter().any(|f| f.rule == sheet::rule::ONLY_SHEET);
        if only
            || sheet_aliases
                .iter()
                .any(|(a, kind)| *a == k && *kind == SheetKind::Patients)
        {
            return IngestError::NoPatientsHeader(sheet);
        }
    }
    let looked: Vec<String> = dict.sheets.get("patients").cloned().unwrap_or_default();
    IngestError::NoPatientsSheet(format!("patients, {}", looked.join(", ")))
}

/// A sheet the reader could not read: an error finding for that sheet alone.
fn unreadable(name: &str, e: String) -> SheetRead {
    (
        None,
        vec![Finding::general(
            Severity::Error,
            rule::UNREADABLE_SHEET,
            format!("sheet could not be read: {e}"),
        )
        .with_sheet(name.to_string())
        .with_param("error", e)],
        (0, 0),
    )
}

/// What every sheet of one workbook is read with: the header matchers per sheet kind, the
/// value spellings and the date system.
struct SheetReader<'a> {
    cfg: &'a Config,
    limits: Limits,
    ds: DateSystem,
    sp: Spellings,
    patient_m: HeaderMatcher<'a>,
    assess_m: HeaderMatcher<'a>,
    ae_m: HeaderMatcher<'a>,
    lab_m: HeaderMatcher<'a>,
}

impl<'a> SheetReader<'a> {
    /// Compiles the spellings and the header matchers once per workbook.
    fn new(cfg: &'a Config, limits: Limits, ds: DateSystem) -> Self {
        let dict = &cfg.dictionary;
        let wide = wide_pattern_keys(&dict.wide_responses.patterns);
        SheetReader {
            cfg,
            limits,
            ds,
            sp: Spellings::new(&cfg.values, cfg.dates.slash_order),
            patient_m: HeaderMatcher::new(&dict.patient, dict, wide),
            assess_m: HeaderMatcher::new(&dict.assessment, dict, Vec::new()),
            ae_m: HeaderMatcher::new(&dict.adverse_event, dict, Vec::new()),
            lab_m: HeaderMatcher::new(&dict.lab, dict, Vec::new()),
        }
    }

    /// The header matcher of a sheet kind (treatment shares the patient columns).
    fn matcher(&self, kind: SheetKind) -> &HeaderMatcher<'a> {
        match kind {
            SheetKind::Patients | SheetKind::Treatment => &self.patient_m,
            SheetKind::Assessments => &self.assess_m,
            SheetKind::AdverseEvents => &self.ae_m,
            SheetKind::Labs => &self.lab_m,
        }
    }

    /// Reads the wanted sheets in parallel, each worker on its own reader of the bytes.
    fn read_parallel(
        &self,
        bytes: &[u8],
        wanted: &[(u16, &String, SheetKind)],
    ) -> Vec<Result<SheetRead, IngestError>> {
        use rayon::prelude::*;
        wanted
            .par_iter()
            .map_init(
                || {
                    calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
                        .map_err(|e| e.to_string())
                },
                |own, (idx, name, kind)| match own {
                    Ok(own) => self.read_one(own, *idx, name, *kind),
                    Err(e) => Ok(unreadable(name, e.clone())),
                },
            )
            .collect()
    }

    /// One sheet: read it (streamed where calamine can) and turn it into typed rows, with
    /// its own findings. The dense size is checked against the per-sheet limit before
    /// parsing.
    fn read_one(
        &self,
        wb: &mut Sheets<Cursor<&[u8]>>,
        idx: u16,
        name: &str,
        kind: SheetKind,
    ) -> Result<SheetRead, IngestError> {
        let mut found = Vec::new();
        let max = self.limits.max_cells_per_sheet;
        let grid = match wb {
            Sheets::Xlsx(x) => match x.worksheet_cells_reader(name) {
                Ok(mut rd) => SparseGrid::stream(name, max, || rd.next_cell())?,
                Err(e) => Err(e.to_string()),
            },
            Sheets::Xlsb(x) => match x.worksheet_cells_reader(name) {
                Ok(mut rd) => SparseGrid::stream(name, max, || rd.next_cell())?,
                Err(e) => Err(e.to_string()),
            },
            _ => match wb.worksheet_range(name) {
                Ok(range) => {
                    let (table, size) =
                        self.parse(&RangeGrid(&range), idx, name, kind, &mut found)?;
                    return Ok((table, found, size));
                }
                Err(e) => Err(e.to_string()),
            },
        };
        match grid {
            Ok(g) => {
                let (table, size) = self.parse(&g, idx, name, kind, &mut found)?;
                Ok((table, found, size))
            }
            Err(e) => Ok(unreadable(name, e)),
        }
    }

    /// A read sheet's grid → its data: a patient-level table, or an event sheet's records
    /// (with the ids of the rows that already have a finding), and the grid's size.
    fn parse(
        &self,
        grid: &dyn Grid,
        idx: u16,
        name: &str,
        kind: SheetKind,
        found: &mut Vec<Finding>,
    ) -> Result<(Option<SheetData>, (usize, usize)), IngestError> {
        let (h, w) = (grid.height(), grid.width());
        check_size(name, h as u64, w as u64, &mut 0, self.limits)?;
        let table = sheet::read_table(
            grid,
            idx,
            name,
            kind,
            self.matcher(kind),
            &self.sp,
            self.ds,
            (
                &self.cfg.values.note_markers,
                &self.cfg.dictionary.header_rows,
            ),
            found,
        );
        let data = table.map(|t| {
            if t.kind.patient_level() {
                SheetData::PatientLevel(t)
            } else {
                let rows: HashSet<u32> = found
                    .iter()
                    .filter_map(|f| f.at)
                    .filter(|a| a.sheet == idx)
                    .map(|a| a.row)
                    .collect();
                SheetData::Events(records::event_sheet(t, self.cfg, &rows, found))
            }
        });
        Ok((data, (h, w)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell<'a>(r: u32, c: u32, v: DataRef<'a>) -> calamine::Cell<DataRef<'a>> {
        calamine::Cell::new((r, c), v)
    }

    #[test]
    fn sparse_grid_reads_cells_in_any_order_with_gaps() {
        // Out of order, an empty cell, a gap row and a gap column; origin at (2, 1).
        let cells = vec![
            cell(4, 3, DataRef::Float(2.5)),
            cell(2, 1, DataRef::SharedString("id")),
            cell(2, 2, DataRef::Empty),
            cell(2, 3, DataRef::String("x".into())),
            cell(4, 1, DataRef::Int(7)),
        ];
        let mut it = cells.into_iter();
        let g = SparseGrid::stream("s", 100, || Ok::<_, String>(it.next()))
            .unwrap()
            .unwrap();
        assert_eq!(g.origin(), (2, 1));
        assert_eq!((g.height(), g.width()), (3, 3));
        assert!(matches!(g.cell(0, 0), RawCell::Str("id")));
        assert!(matches!(g.cell(0, 1), RawCell::Empty));
        assert!(matches!(g.cell(0, 2), RawCell::Str("x")));
        assert!(matches!(g.cell(1, 0), RawCell::Empty));
        assert!(matches!(g.cell(2, 0), RawCell::Int(7)));
        assert!(matches!(g.cell(2, 2), RawCell::Float(f) if f == 2.5));
        assert!(matches!(g.cell(3, 0), RawCell::Empty), "past the last row");
        assert!(
            matches!(g.cell(0, 9), RawCell::Empty),
            "past the last column"
        );
    }

    #[test]
    fn sparse_grid_refuses_a_sheet_over_the_cell_limit_while_streaming() {
        let mut n = 0u32;
        let r = SparseGrid::stream("big", 10, || {
            n += 1;
            Ok::<_, String>(Some(cell(n, 0, DataRef::Int(1))))
        });
        assert!(matches!(r, Err(IngestError::TooLarge { limit: 10, .. })));
        assert_eq!(n, 11, "stops at the first cell over the limit");
        // A reader error is the sheet's error, not the workbook's.
        let r = SparseGrid::stream("bad", 10, || Err::<Option<_>, _>("broken xml".to_string()));
        assert!(matches!(r, Ok(Err(e)) if e == "broken xml"));
    }
}
