//! The workbook layout template (`crates/render/templates/xlsx_layout.toml`): parsing and validation into
//! [`Layout`]. Unknown keys, unknown section ids and missing column kinds are typed errors.

use super::XlsxRenderError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// File name of the layout template (embedded and in `report.template_dir`).
pub const LAYOUT_FILE: &str = "xlsx_layout.toml";

/// The embedded default layout.
pub const EMBEDDED_LAYOUT: &str = include_str!("../../templates/xlsx_layout.toml");

/// What a sheet can hold (docs/report-contents.md sections 1-11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    Overview,
    Flow,
    Validation,
    Findings,
    Baseline,
    Exposure,
    Response,
    Survival,
    FollowupDeaths,
    Forest,
    CoxModels,
    CompetingRisks,
    Rmst,
    Landmark,
    AdverseEvents,
    Swimmer,
    Waterfall,
    Methods,
    Adsl,
    Adtte,
    Adrs,
    Adae,
}

impl Section {
    /// Sections that write one row per record (patients, assessments, events, findings):
    /// their sheets are streamed to disk as they are written (constant-memory worksheets),
    /// so a registry-size report does not hold millions of cells in memory.
    pub fn is_listing(self) -> bool {
        matches!(
            self,
            Section::Findings | Section::Adsl | Section::Adtte | Section::Adrs | Section::Adae
        )
    }

    /// Every section with its id in the layout.
    pub const ALL: [(Section, &'static str); 22] = [
        (Section::Overview, "overview"),
        (Section::Flow, "flow"),
        (Section::Validation, "validation"),
        (Section::Findings, "findings"),
        (Section::Baseline, "baseline"),
        (Section::Exposure, "exposure"),
        (Section::Response, "response"),
        (Section::Survival, "survival"),
        (Section::FollowupDeaths, "followup_deaths"),
        (Section::Forest, "forest"),
        (Section::CoxModels, "cox_models"),
        (Section::CompetingRisks, "competing_risks"),
        (Section::Rmst, "rmst"),
        (Section::Landmark, "landmark"),
        (Section::AdverseEvents, "adverse_events"),
        (Section::Swimmer, "swimmer"),
        (Section::Waterfall, "waterfall"),
        (Section::Methods, "methods"),
        (Section::Adsl, "adsl"),
        (Section::Adtte, "adtte"),
        (Section::Adrs, "adrs"),
        (Section::Adae, "adae"),
    ];

    pub fn from_id(id: &str) -> Option<Section> {
        Self::ALL.iter().find(|(_, s)| *s == id).map(|(s, _)| *s)
    }

    pub fn id(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map(|(_, id)| *id)
            .unwrap_or("?")
    }
}

/// The column kinds a table may use; the layout must define each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Text,
    Label,
    LongText,
    Id,
    Code,
    Hash,
    Date,
    Count,
    Percent,
    Proportion,
    Time,
    Decimal1,
    Decimal2,
    Stat,
    Hr,
    PValue,
    Flag,
}

impl Kind {
    pub const ALL: [(Kind, &'static str); 17] = [
        (Kind::Text, "text"),
        (Kind::Label, "label"),
        (Kind::LongText, "long_text"),
        (Kind::Id, "id"),
        (Kind::Code, "code"),
        (Kind::Hash, "hash"),
        (Kind::Date, "date"),
        (Kind::Count, "count"),
        (Kind::Percent, "percent"),
        (Kind::Proportion, "proportion"),
        (Kind::Time, "time"),
        (Kind::Decimal1, "decimal1"),
        (Kind::Decimal2, "decimal2"),
        (Kind::Stat, "stat"),
        (Kind::Hr, "hr"),
        (Kind::PValue, "p_value"),
        (Kind::Flag, "flag"),
    ];
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StylesDef {
    pub font_en: String,
    pub font_zh: String,
    pub font_size: f64,
    pub title_size: f64,
    pub caption_size: f64,
    pub note_size: f64,
    pub header_fill: String,
    pub header_bold: bool,
    pub rule_top: String,
    pub rule_header: String,
    pub rule_bottom: String,
    pub chart_width: u32,
    pub chart_height: u32,
    pub chart_colors: Vec<String>,
    pub native_table_style: String,
    /// Tables longer than this get a worksheet filter on the header row instead of a native
    /// Excel table: rust_xlsxwriter records every cell of a native table in a hash map (about
    /// 40 bytes and a hash per cell: half a gigabyte for a registry's listings).
    #[serde(default = "default_native_table_max_rows")]
    pub native_table_max_rows: usize,
    /// A sheet whose printed content is wider than this many characters (column widths, or a
    /// chart's right edge at 7 pixels a character) prints landscape, unless its `[[sheet]]`
    /// sets `landscape`.
    #[serde(default = "default_landscape_above")]
    pub landscape_above: f64,
}

fn default_landscape_above() -> f64 {
    110.0
}

fn default_native_table_max_rows() -> usize {
    10_000
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindDef {
    pub width: f64,
    pub num_format: String,
    pub align: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SheetDef {
    name: String,
    sections: Vec<String>,
    #[serde(default = "yes")]
    freeze: bool,
    #[serde(default)]
    landscape: Option<bool>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    styles: StylesDef,
    kinds: BTreeMap<String, KindDef>,
    sheet: Vec<SheetDef>,
}

/// One worksheet of the layout.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetSpec {
    /// Label key of the sheet name.
    pub name: String,
    pub sections: Vec<Section>,
    pub freeze: bool,
    pub landscape: Option<bool>,
}

/// A parsed, validated layout.
#[derive(Debug, Clone)]
pub struct Layout {
    pub sheets: Vec<SheetSpec>,
    pub styles: StylesDef,
    pub kinds: BTreeMap<Kind, KindDef>,
}

impl Layout {
    /// The embedded layout, or `dir/xlsx_layout.toml` when that file exists.
    pub fn load(dir: Option<&Path>) -> Result<Layout, XlsxRenderError> {
        match dir.map(|d| d.join(LAYOUT_FILE)) {
            Some(p) if p.is_file() => {
                let text =
                    std::fs::read_to_string(&p).map_err(|source| XlsxRenderError::ReadLayout {
                        path: p.display().to_string(),
                        source,
                    })?;
                Self::parse(&text, &p.display().to_string())
            }
            _ => Self::parse(EMBEDDED_LAYOUT, LAYOUT_FILE),
        }
    }

    /// Parses layout text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Layout, XlsxRenderError> {
        let err = |message: String| XlsxRenderError::Layout {
            file: file.to_string(),
            message,
        };
        let raw: LayoutFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if raw.sheet.is_empty() {
            return Err(err("no [[sheet]]".into()));
        }
        let mut kinds = BTreeMap::new();
        for (kind, id) in Kind::ALL {
            let def = raw
                .kinds
                .get(id)
                .ok_or_else(|| err(format!("missing [kinds.{id}]")))?;
            kinds.insert(kind, def.clone());
        }
        if let Some(k) = raw
            .kinds
            .keys()
            .find(|k| !Kind::ALL.iter().any(|(_, id)| id == k))
        {
            return Err(err(format!("unknown column kind [kinds.{k}]")));
        }
        let mut sheets = Vec::with_capacity(raw.sheet.len());
        for s in raw.sheet {
            let mut sections = Vec::with_capacity(s.sections.len());
            for id in &s.sections {
                let sec = Section::from_id(id).ok_or_else(|| XlsxRenderError::UnknownSection {
                    file: file.to_string(),
                    sheet: s.name.clone(),
                    id: id.clone(),
                })?;
                sections.push(sec);
            }
            sheets.push(SheetSpec {
                name: s.name,
                sections,
                freeze: s.freeze,
                landscape: s.landscape,
            });
        }
        Ok(Layout {
            sheets,
            styles: raw.styles,
            kinds,
        })
    }
}
