//! What a workbook holds, for `mmreport map`: per sheet, the kind its name says, the header
//! row, and per header the dictionary column it matches (with the unit it carries) and a
//! profile of its values (numbers and their range, 0/1, dates, a few distinct texts). No
//! value is judged here: the caller proposes a site config from it.

use crate::cells::RawCell;
use crate::config::{ColumnDef, Config};
use crate::names::key;
use crate::sheet::{self, Grid, HeaderMatcher, SheetKind};
use crate::{footprint, open, sheet_aliases, IngestError, Limits, RangeGrid};
use calamine::Reader;
use std::collections::BTreeSet;
use std::io::Cursor;

/// Distinct texts kept per column (more: only counted).
const DISTINCT_MAX: usize = 8;

/// The survey of one workbook.
#[derive(Debug, Clone, Default)]
pub struct Survey {
    pub sheets: Vec<SheetSurvey>,
}

/// One sheet.
#[derive(Debug, Clone)]
pub struct SheetSurvey {
    pub name: String,
    /// The kind its name says (`None`: unknown name; surveyed with the patient columns).
    pub kind: Option<SheetKind>,
    /// The 1-based row of the header (`None`: not found).
    pub header_row: Option<u32>,
    pub columns: Vec<ColumnSurvey>,
}

/// One header with what matched it and what its cells hold.
#[derive(Debug, Clone)]
pub struct ColumnSurvey {
    pub header: String,
    /// The dictionary column it matches, and the unit it carries (header or alias).
    pub column: Option<(String, Option<String>)>,
    pub profile: Profile,
}

/// The values under one header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub filled: usize,
    pub numbers: usize,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Numbers (or texts) that are all 0 or 1.
    pub zero_one: bool,
    /// Numbers within `range` (counted by [`Profile::share_within`]).
    values: Vec<f64>,
    pub dates: usize,
    pub texts: usize,
    /// Up to [`DISTINCT_MAX`] distinct texts (empty when there are more).
    pub distinct: Vec<String>,
    pub distinct_overflow: bool,
}

impl Profile {
    /// The share of the numbers within `[lo, hi]` (0 without numbers).
    pub fn share_within(&self, [lo, hi]: [f64; 2]) -> f64 {
        if self.values.is_empty() {
            return 0.0;
        }
        let n = self
            .values
            .iter()
            .filter(|x| (lo..=hi).contains(*x))
            .count();
        n as f64 / self.values.len() as f64
    }

    fn add(&mut self, cell: &RawCell<'_>, texts: &mut BTreeSet<String>) {
        let number = match cell {
            RawCell::Empty => return,
            RawCell::Int(i) => Some(*i as f64),
            RawCell::Float(f) => Some(*f),
            RawCell::Str(s) if s.trim().is_empty() => return,
            RawCell::Str(s) => {
                self.texts += 1;
                if texts.len() <= DISTINCT_MAX {
                    texts.insert(s.trim().to_string());
                }
                s.trim().parse::<f64>().ok()
            }
            RawCell::DateSerial(_) | RawCell::DateIso(_) => {
                self.dates += 1;
                None
            }
            RawCell::Bool(_) | RawCell::Error(_) => None,
        };
        self.filled += 1;
        if let Some(x) = number.filter(|x| x.is_finite()) {
            self.numbers += 1;
            self.values.push(x);
            self.min = Some(self.min.map_or(x, |m| m.min(x)));
            self.max = Some(self.max.map_or(x, |m| m.max(x)));
        }
    }
}

/// Surveys every sheet of the workbook under the batch limits.
pub fn survey(bytes: &[u8], cfg: &Config, limits: Limits) -> Result<Survey, IngestError> {
    footprint::footprint(Cursor::new(bytes), limits)?;
    let mut wb = open(bytes)?;
    let names: Vec<String> = wb.sheet_names().to_vec();
    let aliases = sheet_aliases(&cfg.dictionary);
    let mut out = Survey::default();
    for name in names {
        let kind = aliases
            .iter()
            .find(|(a, _)| *a == key(&name))
            .map(|(_, k)| *k);
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| IngestError::Unreadable(e.to_string()))?;
        out.sheets
            .push(survey_sheet(&RangeGrid(&range), &name, kind, cfg));
    }
    Ok(out)
}

/// The columns of a sheet kind (unknown sheets: the patient columns).
pub fn defs(cfg: &Config, kind: Option<SheetKind>) -> &[ColumnDef] {
    let d = &cfg.dictionary;
    match kind {
        Some(SheetKind::Assessments) => &d.assessment,
        Some(SheetKind::AdverseEvents) => &d.adverse_event,
        Some(SheetKind::Labs) => &d.lab,
        _ => &d.patient,
    }
}

fn survey_sheet(grid: &dyn Grid, name: &str, kind: Option<SheetKind>, cfg: &Config) -> SheetSurvey {
    let defs = defs(cfg, kind);
    let matcher = HeaderMatcher::new(defs, &cfg.dictionary, Vec::new());
    let named = sheet::configured_header_row(
        &cfg.dictionary.header_rows,
        name,
        kind.unwrap_or(SheetKind::Patients),
    );
    let hr = sheet::header_row(grid, &matcher, named).or_else(|| (grid.height() > 0).then_some(0));
    let columns = hr
        .map(|hr| columns(grid, hr, &matcher, defs, &cfg.values.note_markers))
        .unwrap_or_default();
    SheetSurvey {
        name: name.to_string(),
        kind,
        header_row: hr.map(|r| grid.origin().0 + r as u32 + 1),
        columns,
    }
}

fn columns(
    grid: &dyn Grid,
    hr: usize,
    matcher: &HeaderMatcher<'_>,
    defs: &[ColumnDef],
    markers: &[String],
) -> Vec<ColumnSurvey> {
    let end = (hr + 1..grid.height())
        .find(|&r| sheet::is_note_row(grid, r, markers))
        .unwrap_or(grid.height());
    (0..grid.width())
        .filter_map(|c| {
            let header = match grid.cell(hr, c) {
                RawCell::Str(s) if !s.trim().is_empty() => s.trim().to_string(),
                _ => return None,
            };
            let column = matcher
                .resolve(&header)
                .map(|(i, unit)| (defs[i].name.clone(), unit));
            let mut profile = Profile::default();
            let mut texts = BTreeSet::new();
            for r in hr + 1..end {
                profile.add(&grid.cell(r, c), &mut texts);
            }
            profile.zero_one = profile.numbers > 0
                && profile.numbers == profile.filled
                && profile.values.iter().all(|x| *x == 0.0 || *x == 1.0);
            profile.distinct_overflow = texts.len() > DISTINCT_MAX;
            if !profile.distinct_overflow {
                profile.distinct = texts.into_iter().collect();
            }
            Some(ColumnSurvey {
                header,
                column,
                profile,
            })
        })
        .collect()
}
