//! Configuration as data: the data dictionary, value spellings, analysis defaults and clinical
//! thresholds live in `config/*.toml`, are compiled into the binary (so it runs with no config
//! file), and a user file given with `--config` is deep-merged over them.
//!
//! The merged document is deserialised once into [`Config`], with unknown keys rejected and
//! every error naming its key path (`response.checkpoints[1]: invalid type …`). Its SHA-256
//! (`config_sha256` in results.json) is taken over the merged document in a canonical form, so
//! that two runs with the same effective configuration have the same hash.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// The embedded defaults, one file per topic.
pub const DEFAULT_COLUMNS: &str = include_str!("../../../config/columns.toml");
pub const DEFAULT_VALUES: &str = include_str!("../../../config/values.toml");
pub const DEFAULT_ANALYSIS: &str = include_str!("../../../config/analysis.toml");
pub const DEFAULT_RULES: &str = include_str!("../../../config/rules.toml");

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax { path: String, message: String },
    #[error("config key `{key}`: {message}")]
    Key { key: String, message: String },
    #[error("config key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

/// The whole effective configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub study: Study,
    pub dates: Dates,
    pub time: TimeConfig,
    pub endpoints: Endpoints,
    pub response: ResponseConfig,
    pub descriptive: Descriptive,
    #[serde(default)]
    pub regimens: BTreeMap<String, Regimen>,
    #[serde(default)]
    pub groupings: Vec<Grouping>,
    #[serde(default)]
    pub survival: Vec<SurvivalJob>,
    /// Multivariable Cox models (issue 15).
    #[serde(default)]
    pub cox_models: Vec<CoxModelJob>,
    /// Cumulative incidence with a competing event (issue 15).
    #[serde(default)]
    pub competing_risks: Vec<CompetingRisksJob>,
    /// Restricted mean survival time between the two levels of a grouping (issue 15).
    #[serde(default)]
    pub rmst: Vec<RmstJob>,
    /// Landmark analyses: survival from a landmark time among those event-free at it.
    #[serde(default)]
    pub landmark_analyses: Vec<LandmarkJob>,
    pub analysis: AnalysisPlan,
    pub report: ReportConfig,
    /// Figure files and drawing limits (`[figures]` in analysis.toml, issue 14).
    pub figures: FiguresConfig,
    pub dictionary: Dictionary,
    pub values: Values,
    /// Clinical thresholds and rule-set choice (`config/rules.toml`), read by `rules`.
    pub rules: crate::rules_config::RulesConfig,
    /// The nightly batch run (`[batch]` in `config/analysis.toml`).
    pub batch: Batch,
}

/// Settings of `mmreport run`; each key is documented with its reason in
/// `config/analysis.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Files modified less recently than this are left alone: they may still be copying.
    pub settle_seconds: u64,
    /// Report versions kept per workbook, the current one included (at least 1).
    pub keep_versions: usize,
    /// Largest unpacked size of one workbook (zip bombs are refused, not expanded).
    pub max_decompressed_bytes: u64,
    /// Largest number of cells read from one workbook (bounds memory).
    pub max_cells: u64,
    /// Largest number of shared strings one xlsx may declare or hold (bounds memory by count:
    /// 450 MB of empty strings is 37 million of them, gigabytes once read; issue 17).
    pub max_shared_strings: u64,
    /// The night's memory budget: workbooks are admitted to the parallel pool only while the
    /// sum of their estimated memory stays under it; one estimated over it alone is
    /// quarantined.
    pub memory_budget_bytes: u64,
    /// Which symbolic links under the input are followed.
    pub follow_symlinks: FollowSymlinks,
    /// Command run once per run with the run log's path (`""` in the file: none).
    #[serde(with = "blank_is_none")]
    pub on_complete: Option<String>,
    /// Key file for `--pseudonymize` (`""` in the file: not configured).
    #[serde(with = "blank_is_none")]
    pub pseudonymize_key_file: Option<String>,
}

/// `batch.follow_symlinks`: which symbolic links under the input folder are read. A link that
/// is not followed is named in the run log's warnings, never skipped silently (issue 17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FollowSymlinks {
    /// A linked workbook whose target lies inside the input folder is read; links to files
    /// outside it and links to folders are skipped (a link must not widen what a run reads).
    Inside,
    /// No link is followed.
    Never,
}

/// Text settings where the TOML file spells "none" as `""` (TOML has no null): resolved once
/// into `Option`, so no caller tests for an empty string.
mod blank_is_none {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let s = String::deserialize(d)?;
        Ok((!s.trim().is_empty()).then_some(s))
    }

    pub fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.as_deref().unwrap_or(""))
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Study {
    pub title: String,
    /// The title of Chinese reports; empty: `title` (a study has one title per language).
    pub title_zh: String,
    pub language: Language,
}

impl Study {
    /// The title in the report's language: `title_zh` for a Chinese report when given.
    pub fn title_in_language(&self) -> &str {
        match self.language {
            Language::Zh if !self.title_zh.is_empty() => &self.title_zh,
            _ => &self.title,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Zh,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dates {
    /// Order of `05/01/2020`-style dates: `day_first`, `month_first` or `none` (ambiguous:
    /// such dates are findings).
    pub slash_order: SlashOrder,
    /// `run_date` or an ISO date.
    pub data_cutoff: DataCutoff,
    /// The IANA time zone (`Asia/Shanghai`) whose calendar day is the run date: the same
    /// data give the same findings whatever the machine's `TZ`.
    pub time_zone: TimeZone,
}

impl Dates {
    /// Today's date in [`Dates::time_zone`]: the run date (never the process's local date,
    /// which follows the `TZ` of whatever machine or container runs the job).
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now()
            .with_timezone(&self.time_zone.0)
            .date_naive()
    }
}

/// `dates.time_zone`: an IANA time zone name (tz database, e.g. `UTC`, `Asia/Shanghai`,
/// `America/New_York`), checked when the configuration loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(pub chrono_tz::Tz);

impl TryFrom<String> for TimeZone {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse::<chrono_tz::Tz>().map(TimeZone).map_err(|_| {
            format!(
                "must be an IANA time zone name such as \"UTC\" or \"Asia/Shanghai\", not {s:?}"
            )
        })
    }
}

impl From<TimeZone> for String {
    fn from(z: TimeZone) -> String {
        z.0.name().to_string()
    }
}

/// `dates.data_cutoff`: the day data are cut at. Nothing may lie after it; events after it
/// are censored at it (administrative censoring).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub enum DataCutoff {
    /// `"run_date"`: the day of the run.
    RunDate,
    /// A fixed date (`2022-12-09`), as a study's database lock.
    Date(chrono::NaiveDate),
}

impl TryFrom<String> for DataCutoff {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s == "run_date" {
            return Ok(DataCutoff::RunDate);
        }
        chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(DataCutoff::Date)
            .map_err(|_| format!("must be \"run_date\" or a date like 2022-12-09, not {s:?}"))
    }
}

impl From<DataCutoff> for String {
    fn from(c: DataCutoff) -> String {
        match c {
            DataCutoff::RunDate => "run_date".into(),
            DataCutoff::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlashOrder {
    None,
    DayFirst,
    MonthFirst,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimeConfig {
    pub unit: String,
    pub days_per_month: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoints {
    pub pfs_events: PfsEvents,
    pub pfs_censor_at: PfsCensor,
}

/// What counts as a PFS event (Kumar 2016: progression or death; the paper: progression).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PfsEvents {
    ProgressionOrDeath,
    Progression,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PfsCensor {
    LastFollowup,
    LastAssessment,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseConfig {
    pub checkpoints: Vec<u32>,
    pub evaluable_min_cycles: u32,
    pub orr: Vec<String>,
    pub dcr: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Descriptive {
    pub quantile_type: u8,
    pub normality_alpha: f64,
    pub confidence_level: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Regimen {
    pub drugs: Vec<String>,
}

/// A grouping of patients (survival comparisons, response subgroups, forest plot).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grouping {
    pub id: String,
    /// A patient-level dictionary column (its name or any of its aliases, resolved to the
    /// name at load), `high_risk_cytogenetics`, or a header of the patients sheet as the
    /// workbook writes it (kept by ingest for this grouping only).
    pub column: String,
    /// Two-level split of a number: yes = value >= at_least.
    #[serde(default)]
    pub at_least: Option<f64>,
    /// Multi-level: every value of the column is a level (labels as the workbook wrote
    /// them; the first in `order` is the reference of a Cox model).
    #[serde(default)]
    pub levels: bool,
    /// Numeric bands: `[65, 75]` makes `< 65`, `65–74` and `≥ 75`, each band holding its
    /// lower cut (R's `cut(..., right = FALSE)`); the first band is the Cox reference.
    #[serde(default)]
    pub cuts: Vec<f64>,
    pub label: String,
    #[serde(default)]
    pub label_yes: String,
    #[serde(default)]
    pub label_no: String,
    /// The Chinese texts of `label`, `label_yes` and `label_no` (the zh report shows them);
    /// empty: the label catalog's name of `column`, and for the levels of a cut-point the
    /// cut written as `≥ 3` / `< 3` after it.
    #[serde(default)]
    pub label_zh: String,
    #[serde(default)]
    pub label_yes_zh: String,
    #[serde(default)]
    pub label_no_zh: String,
    /// The grouping is only known after the index date (cycles completed, response,
    /// exposure): comparing survival from the index date by it has immortal-time bias
    /// (Suissa, Am J Epidemiol 2008;167:492; Anderson, J Clin Oncol 1983;1:710), so every
    /// analysis grouped by it carries a warning and points to its landmark analysis.
    #[serde(default)]
    pub known_after_index: bool,
    /// Order of the levels of a `levels` grouping (the first is the reference of a Cox
    /// model); unlisted levels follow, sorted. Empty: sorted by value.
    #[serde(default)]
    pub order: Vec<String>,
}

/// One survival analysis (a figure and its table).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SurvivalJob {
    pub id: String,
    pub endpoint: EndpointKind,
    #[serde(default)]
    pub grouping: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointKind {
    Pfs,
    Os,
}

impl EndpointKind {
    /// `pfs` or `os`, as results.json spells it.
    pub fn code(self) -> &'static str {
        match self {
            EndpointKind::Pfs => "pfs",
            EndpointKind::Os => "os",
        }
    }
}

/// Numeric patient columns a Cox model can take as a linear covariate (the numbers of
/// `dictionary.patient` the analysis reads per patient; `age` is the recorded or derived age).
pub const NUMERIC_COVARIATES: &[&str] = &[
    "age",
    "prior_lines",
    "cycles_completed",
    "bendamustine_dose",
    "bm_plasma_cell_pct",
    "calcium",
    "creatinine",
    "crcl",
    "beta2_microglobulin",
    "albumin",
    "ldh",
    "esr",
    "hemoglobin",
    "wbc",
    "platelets",
    "del17p_fraction",
];

/// A multivariable Cox model (`coxph`, Efron ties): each covariate is a grouping id (a
/// factor) or one of [`NUMERIC_COVARIATES`] (linear).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CoxModelJob {
    pub id: String,
    pub endpoint: EndpointKind,
    pub covariates: Vec<String>,
}

/// The event types of the competing-risks analysis (IMWG 2016: progression; death without
/// documented progression competes with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompetingEvent {
    Progression,
    DeathWithoutProgression,
}

impl CompetingEvent {
    /// The configuration's spelling.
    pub fn code(self) -> &'static str {
        match self {
            CompetingEvent::Progression => "progression",
            CompetingEvent::DeathWithoutProgression => "death_without_progression",
        }
    }
}

/// Cumulative incidence of `event` with `competing` as a competing risk (Aalen-Johansen).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CompetingRisksJob {
    pub id: String,
    pub event: CompetingEvent,
    pub competing: CompetingEvent,
    #[serde(default)]
    pub grouping: Option<String>,
    /// Cumulative incidence reported at these times (the report's unit).
    #[serde(default)]
    pub times: Vec<f64>,
}

/// Restricted mean survival time up to `tau` of the two levels of a grouping.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RmstJob {
    pub id: String,
    pub endpoint: EndpointKind,
    pub grouping: String,
    pub tau: f64,
}

/// A landmark analysis: survival counted from `at` among patients event-free and followed
/// at `at` (Anderson, J Clin Oncol 1983;1:710; Dafni, Circ Cardiovasc Qual Outcomes 2011).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LandmarkJob {
    pub id: String,
    pub endpoint: EndpointKind,
    pub at: f64,
    #[serde(default)]
    pub grouping: Option<String>,
}

/// Which tables the analysis stage computes beyond the fixed ones.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisPlan {
    pub response_subgroups: Vec<String>,
    pub forest: Vec<String>,
    pub hematologic_terms: Vec<String>,
    pub hb_drop_threshold: f64,
    /// Largest r x c table (in patients) tested with Fisher's exact test; above it, Pearson's
    /// chi-square. 2 x 2 tables are always exact.
    pub exact_test_max_n: u64,
}

/// How reports look (`[report]` in analysis.toml).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// Folder of template and label overrides (`""` in the file: none).
    #[serde(with = "blank_is_none")]
    pub template_dir: Option<String>,
    pub p_value_style: PValueStyle,
    pub p_digits: u8,
    pub km_ci_band: bool,
    pub landmarks: Vec<f64>,
    pub risk_table_step: f64,
    pub findings_in_html: usize,
    pub per_patient_figures_max: usize,
    pub json_pretty_max_patients: usize,
    /// Table 1 shows the normality test's P in its own column (journals print it, when at
    /// all, in a footnote: the default).
    pub normality_p_column: bool,
    /// Significant figures of continuous summaries (Table 1, dose), chosen per row by the
    /// magnitude of its central value, as gtsummary's `style_sigfig` does.
    pub significant_digits: u8,
}

/// Figure files and drawing limits (`[figures]` in analysis.toml; each key is documented
/// with its reason there).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FiguresConfig {
    /// Files written per figure under `figures/`.
    pub formats: Vec<FigureFormat>,
    /// Resolution of the PNG files (journals ask for 300-600 dpi).
    pub png_dpi: u32,
    /// Above this many censored patients in one KM figure no censoring mark is drawn.
    pub censor_marks_max: usize,
    /// The table under KM figures.
    pub km_table: KmTable,
    /// Folder of extra fonts for the PDF and PNG files (`""` in the file: none).
    #[serde(with = "blank_is_none")]
    pub font_dir: Option<String>,
}

/// A figure file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureFormat {
    Svg,
    Pdf,
    Png,
}

impl FigureFormat {
    /// The file extension.
    pub fn ext(self) -> &'static str {
        match self {
            FigureFormat::Svg => "svg",
            FigureFormat::Pdf => "pdf",
            FigureFormat::Png => "png",
        }
    }
}

/// The table under KM figures: the number at risk, or the KMunicate table (at risk, events
/// and censored, cumulative; Morris et al., BMJ Open 2019;9:e030215).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KmTable {
    AtRisk,
    Kmunicate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PValueStyle {
    Journal,
    Exact,
}

/// The data dictionary (`config/columns.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dictionary {
    /// Canonical sheet name → aliases.
    pub sheets: BTreeMap<String, Vec<String>>,
    pub wide_responses: WideResponses,
    pub patient: Vec<ColumnDef>,
    pub assessment: Vec<ColumnDef>,
    pub adverse_event: Vec<ColumnDef>,
    pub lab: Vec<ColumnDef>,
    /// Extra aliases a hospital adds without restating the dictionary: column name → aliases
    /// (applies to that column in every table).
    #[serde(default)]
    pub extra_aliases: BTreeMap<String, Vec<String>>,
    /// The unit of a column whose header carries none: column name → unit, converted as if
    /// the unit were written in the header (`hemoglobin = "g/dL"`). A header's own unit wins.
    #[serde(default)]
    pub units: BTreeMap<String, String>,
    /// Codes of a column: column name → cell value (as written, compared like names) → the
    /// dictionary's spelling (`[dictionary.codes.sex] "1" = "male"`).
    #[serde(default)]
    pub codes: BTreeMap<String, BTreeMap<String, String>>,
    /// The header row (1-based, as Excel numbers rows) of a sheet, by the sheet's name as
    /// written in the workbook or by its kind (`patients`, `assessments`, ...), for sheets
    /// whose header the reader cannot find on its own.
    #[serde(default)]
    pub header_rows: BTreeMap<String, u32>,
    /// The export has no patient id column (R's `survminer::myeloma`, registry extracts):
    /// each row of the patients sheet is one patient, named by its Excel row (`row 2`).
    /// Only the patients sheet can then be read: no other sheet can name its patient.
    #[serde(default)]
    pub ids_from_rows: bool,
}

impl Dictionary {
    /// Every column table with its config key.
    pub fn tables(&self) -> [(&'static str, &[ColumnDef]); 4] {
        [
            ("dictionary.patient", &self.patient),
            ("dictionary.assessment", &self.assessment),
            ("dictionary.adverse_event", &self.adverse_event),
            ("dictionary.lab", &self.lab),
        ]
    }

    /// The definitions of column `name` in every table that has it.
    pub fn columns_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a ColumnDef> {
        self.tables()
            .into_iter()
            .flat_map(|(_, cols)| cols.iter())
            .filter(move |c| c.name == name)
    }

    /// The code table of column `name`, keyed by [`crate::names::key`] of the cell text.
    pub fn codes_of(&self, name: &str) -> Option<BTreeMap<String, String>> {
        self.codes.get(name).map(|m| {
            m.iter()
                .map(|(k, v)| (crate::names::key(k), v.clone()))
                .collect()
        })
    }
}

impl ColumnDef {
    /// The definition of a patients-sheet header a grouping names (`column = "molecular_group"`):
    /// matched by its own name, read as text, or as a number for `at_least`/`cuts`.
    pub fn workbook_header(header: &str, numeric: bool) -> Self {
        ColumnDef {
            name: header.to_string(),
            kind: if numeric {
                ColumnType::Number
            } else {
                ColumnType::Text
            },
            unit: None,
            alt_units: BTreeMap::new(),
            aliases: Vec::new(),
            map: None,
            open: true,
            plausible: None,
            alt_plausible: None,
            needs_unit: false,
            workbook_header: true,
        }
    }

    /// The factor that converts a value in `unit` to this column's unit (`None`: not one
    /// of its units).
    pub fn unit_factor(&self, unit: &str) -> Option<f64> {
        use crate::names::unit_key;
        let u = unit_key(unit);
        if self.unit.as_deref().map(unit_key).as_deref() == Some(u.as_str()) {
            return Some(1.0);
        }
        self.alt_units
            .iter()
            .find(|(k, _)| unit_key(k) == u)
            .map(|(_, f)| *f)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WideResponses {
    pub patterns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Text,
    Number,
    Integer,
    Date,
    Boolean,
    Sex,
    Response,
    Category,
    List,
    Stage,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub alt_units: BTreeMap<String, f64>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub map: Option<String>,
    #[serde(default)]
    pub open: bool,
    #[serde(default)]
    pub plausible: Option<[f64; 2]>,
    #[serde(default)]
    pub alt_plausible: Option<[f64; 2]>,
    /// A value means nothing without its unit (durations): a header without one, and
    /// without a site `[dictionary.units]` entry, is a finding and the column is not used.
    #[serde(default)]
    pub needs_unit: bool,
    /// Not a dictionary column: a patients-sheet header a grouping names as the workbook
    /// writes it, added at load so that ingest keeps its values (never set from a file).
    #[serde(skip)]
    pub workbook_header: bool,
}

/// Value spellings (`config/values.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Values {
    pub missing: Vec<String>,
    pub note_markers: Vec<String>,
    pub boolean: BoolSpellings,
    pub sex: SexSpellings,
    /// Response code → spellings.
    pub response: BTreeMap<String, Vec<String>>,
    /// Category map name → canonical value → spellings.
    pub categories: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BoolSpellings {
    pub yes: Vec<String>,
    pub no: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SexSpellings {
    pub male: Vec<String>,
    pub female: Vec<String>,
}

/// A loaded configuration with its canonical hash.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub sha256: String,
}

fn parse_doc(text: &str, path: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>()
        .map_err(|e| ConfigError::Syntax {
            path: path.to_string(),
            message: e.to_string(),
        })
}

/// The default document: analysis.toml at top level, the other files under their keys.
fn default_document() -> Result<toml::Table, ConfigError> {
    let mut doc = parse_doc(DEFAULT_ANALYSIS, "config/analysis.toml")?;
    doc.insert(
        "dictionary".into(),
        toml::Value::Table(parse_doc(DEFAULT_COLUMNS, "config/columns.toml")?),
    );
    doc.insert(
        "values".into(),
        toml::Value::Table(parse_doc(DEFAULT_VALUES, "config/values.toml")?),
    );
    doc.insert(
        "rules".into(),
        toml::Value::Table(parse_doc(DEFAULT_RULES, "config/rules.toml")?),
    );
    Ok(doc)
}

/// The error refusing `key` with `message`.
fn invalid(key: &str, message: &str) -> Result<(), ConfigError> {
    Err(ConfigError::Invalid {
        key: key.to_string(),
        message: message.to_string(),
    })
}

/// `(key[i], id)` for every id of the list at `key`.
fn named<'a>(key: &'a str, ids: &'a [String]) -> impl Iterator<Item = (String, &'a str)> + 'a {
    ids.iter()
        .enumerate()
        .map(move |(i, id)| (format!("{key}[{i}]"), id.as_str()))
}

/// A finite number above zero (NaN is not).
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

impl Config {
    /// A grouping's label as every report shows it. The high-risk grouping follows
    /// `rules.high_risk_definition`, so under the IMS/IMWG 2025 definition (Avet-Loiseau,
    /// J Clin Oncol 2025) its label says so; otherwise it is the configured label.
    pub fn grouping_label(&self, g: &Grouping) -> String {
        use crate::rules_config::HighRiskDefinition;
        if g.column == "high_risk_cytogenetics"
            && self.rules.high_risk_definition == HighRiskDefinition::ImsImwg2025
        {
            format!("{} (IMS/IMWG 2025)", g.label)
        } else {
            g.label.clone()
        }
    }

    /// The built-in defaults (they reproduce the seed paper).
    pub fn defaults() -> Result<Loaded, ConfigError> {
        Self::from_document(default_document()?)
    }

    /// Defaults with a user TOML text merged over them.
    pub fn with_override(text: &str, path: &str) -> Result<Loaded, ConfigError> {
        let mut doc = default_document()?;
        crate::merge::merge(&mut doc, parse_doc(text, path)?).map_err(|e| {
            ConfigError::Invalid {
                key: e.key,
                message: e.message,
            }
        })?;
        Self::from_document(doc)
    }

    /// Defaults with the file at `path` merged over them.
    pub fn load(path: Option<&Path>) -> Result<Loaded, ConfigError> {
        Self::load_in(path, None)
    }

    /// [`Config::load`], with the report language set by the command line (`--language`)
    /// over the file's `study.language`. The language is set in the merged document, so the
    /// configuration hash (`config_sha256`) follows it and a nightly run redoes the reports
    /// whose language changed.
    pub fn load_in(path: Option<&Path>, language: Option<Language>) -> Result<Loaded, ConfigError> {
        let mut doc = default_document()?;
        if let Some(p) = path {
            let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.display().to_string(),
                source,
            })?;
            crate::merge::merge(&mut doc, parse_doc(&text, &p.display().to_string())?).map_err(
                |e| ConfigError::Invalid {
                    key: e.key,
                    message: e.message,
                },
            )?;
        }
        if let Some(lang) = language {
            let code = match lang {
                Language::En => "en",
                Language::Zh => "zh",
            };
            let study = doc
                .entry("study")
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(t) = study {
                t.insert("language".into(), toml::Value::String(code.into()));
            }
        }
        Self::from_document(doc)
    }

    fn from_document(doc: toml::Table) -> Result<Loaded, ConfigError> {
        let canonical = serde_json::to_string(&doc).map_err(|e| ConfigError::Invalid {
            key: "(document)".into(),
            message: e.to_string(),
        })?;
        let sha256 = hex::encode(Sha256::digest(canonical.as_bytes()));
        let mut config: Config = serde_path_to_error::deserialize(toml::Value::Table(doc))
            .map_err(|e| ConfigError::Key {
                key: e.path().to_string(),
                message: e.inner().to_string(),
            })?;
        crate::grouping::check_shapes(&config.groupings)?;
        crate::grouping::resolve_columns(&mut config)?;
        config.check()?;
        Ok(Loaded { config, sha256 })
    }

    /// Semantic checks serde cannot express, each naming the key it refuses.
    fn check(&self) -> Result<(), ConfigError> {
        self.rules.check().map_err(|e| ConfigError::Key {
            key: "rules".into(),
            message: e.to_string(),
        })?;
        self.check_numbers()?;
        self.check_response_codes()?;
        self.check_groupings()?;
        crate::config_checks::check_issue15(self)?;
        self.check_dictionary()
    }

    /// Counts, fractions and day lengths within their meaningful ranges.
    fn check_numbers(&self) -> Result<(), ConfigError> {
        let d = &self.descriptive;
        let between_0_1 = |x: f64| x > 0.0 && x < 1.0;
        let checks = [
            (
                self.batch.keep_versions >= 1,
                "batch.keep_versions",
                "must be at least 1 (the current report)",
            ),
            (
                self.batch.memory_budget_bytes > 0,
                "batch.memory_budget_bytes",
                "must be a positive number of bytes",
            ),
            (
                (72..=2400).contains(&self.figures.png_dpi),
                "figures.png_dpi",
                "must lie between 72 and 2400 dots per inch",
            ),
            (
                positive(self.time.days_per_month),
                "time.days_per_month",
                "must be a positive number of days",
            ),
            (
                d.quantile_type == 6 || d.quantile_type == 7,
                "descriptive.quantile_type",
                "must be 6 (SPSS) or 7 (R default)",
            ),
            (
                between_0_1(d.normality_alpha),
                "descriptive.normality_alpha",
                "must lie between 0 and 1",
            ),
            (
                between_0_1(d.confidence_level),
                "descriptive.confidence_level",
                "must lie between 0 and 1",
            ),
        ];
        match checks.into_iter().find(|(ok, _, _)| !ok) {
            Some((_, key, message)) => invalid(key, message),
            None => Ok(()),
        }
    }

    /// The response categories counted as ORR and DCR exist.
    fn check_response_codes(&self) -> Result<(), ConfigError> {
        let r = &self.response;
        match r
            .orr
            .iter()
            .chain(&r.dcr)
            .enumerate()
            .find(|(_, code)| crate::model::Response::from_code(code).is_none())
        {
            Some((i, code)) => invalid(
                &format!("response.orr/dcr[{i}]"),
                &format!("unknown response category {code:?}"),
            ),
            None => Ok(()),
        }
    }

    /// Groupings are well formed, and every reference to a grouping names one.
    fn check_groupings(&self) -> Result<(), ConfigError> {
        for (i, g) in self.groupings.iter().enumerate() {
            if g.id.is_empty() {
                return invalid(&format!("groupings[{i}].id"), "must not be empty");
            }
        }
        let survival = self.survival.iter().map(|j| j.grouping.as_deref());
        let references = survival
            .enumerate()
            .filter_map(|(i, g)| Some((format!("survival[{i}].grouping"), g?)))
            .chain(named(
                "analysis.response_subgroups",
                &self.analysis.response_subgroups,
            ))
            .chain(named("analysis.forest", &self.analysis.forest));
        for (key, id) in references {
            if !self.groupings.iter().any(|g| g.id == id) {
                return invalid(&key, &format!("no grouping with id {id:?}"));
            }
        }
        Ok(())
    }

    /// Every dictionary column's `map` names a value table, and closed category columns
    /// have one.
    fn check_dictionary(&self) -> Result<(), ConfigError> {
        let d = &self.dictionary;
        self.check_site_columns()?;
        for (table, columns) in d.tables() {
            for (i, c) in columns.iter().enumerate() {
                if let Some(m) = c
                    .map
                    .as_ref()
                    .filter(|m| !self.values.categories.contains_key(*m))
                {
                    return invalid(
                        &format!("{table}[{i}].map"),
                        &format!("names no table values.categories.{m}"),
                    );
                }
                if c.kind == ColumnType::Category && c.map.is_none() && !c.open {
                    return invalid(
                        &format!("{table}[{i}]"),
                        "a closed category column needs a `map`",
                    );
                }
            }
        }
        Ok(())
    }

    /// `[dictionary.units]`, `[dictionary.codes]` and `[dictionary.extra_aliases]` name
    /// dictionary columns, and each unit is one the column converts from.
    fn check_site_columns(&self) -> Result<(), ConfigError> {
        let d = &self.dictionary;
        let unknown = |key: String, name: &str| {
            invalid(
                &key,
                &format!("{name:?} is not a column of the data dictionary (config/columns.toml)"),
            )
        };
        for (name, unit) in &d.units {
            let key = format!("dictionary.units.{name}");
            let mut defs = d.columns_named(name).peekable();
            if defs.peek().is_none() {
                return unknown(key, name);
            }
            if let Some(def) = defs.find(|c| c.unit_factor(unit).is_none()) {
                let mut known: Vec<&str> = def.unit.iter().map(String::as_str).collect();
                known.extend(def.alt_units.keys().map(String::as_str));
                let known = if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                };
                return invalid(
                    &key,
                    &format!("{name} is not measured in {unit:?} (its units: {known})"),
                );
            }
        }
        let named = d.codes.keys().map(|n| ("codes", n));
        let aliased = d.extra_aliases.keys().map(|n| ("extra_aliases", n));
        match named
            .chain(aliased)
            .find(|(_, n)| d.columns_named(n).next().is_none())
        {
            Some((table, name)) => unknown(format!("dictionary.{table}.{name}"), name),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_hash_is_stable() {
        let a = Config::defaults().unwrap();
        let b = Config::defaults().unwrap();
        assert_eq!(a.sha256, b.sha256);
        assert_eq!(a.config.response.checkpoints, vec![2, 4, 6, 8]);
        assert_eq!(a.config.endpoints.pfs_events, PfsEvents::ProgressionOrDeath);
    }

    #[test]
    fn override_merges_and_changes_hash() {
        let base = Config::defaults().unwrap();
        let o =
            Config::with_override("[endpoints]\npfs_events = \"progression\"\n", "x.toml").unwrap();
        assert_eq!(o.config.endpoints.pfs_events, PfsEvents::Progression);
        assert_eq!(o.config.endpoints.pfs_censor_at, PfsCensor::LastFollowup);
        assert_ne!(o.sha256, base.sha256);
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Config::with_override("[endpoints]\npfs_event = \"progression\"\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("endpoints"), "{e}");
        assert!(e.contains("pfs_event"), "{e}");
    }

    #[test]
    fn bad_type_is_named() {
        let e = Config::with_override("[response]\ncheckpoints = [2, \"x\"]\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("response.checkpoints"), "{e}");
    }

    #[test]
    fn bad_value_is_named() {
        let e = Config::with_override("[descriptive]\nquantile_type = 5\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("descriptive.quantile_type"), "{e}");
        let e = Config::with_override("[dates]\ndata_cutoff = \"yesterday\"\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("dates.data_cutoff"), "{e}");
    }

    #[test]
    fn none_and_dates_are_typed_once() {
        let d = Config::defaults().unwrap().config;
        assert_eq!(d.dates.data_cutoff, DataCutoff::RunDate);
        assert_eq!(d.batch.on_complete, None);
        assert_eq!(d.batch.pseudonymize_key_file, None);
        assert_eq!(d.report.template_dir, None);
        let o = Config::with_override(
            "[dates]\ndata_cutoff = \"2022-12-09\"\n[batch]\non_complete = \"true\"\n",
            "x.toml",
        )
        .unwrap()
        .config;
        let day = chrono::NaiveDate::from_ymd_opt(2022, 12, 9).unwrap();
        assert_eq!(o.dates.data_cutoff, DataCutoff::Date(day));
        assert_eq!(o.batch.on_complete.as_deref(), Some("true"));
        assert_eq!(String::from(o.dates.data_cutoff), "2022-12-09");
        let blank = Config::with_override("[batch]\non_complete = \"  \"\n", "x.toml");
        assert_eq!(blank.unwrap().config.batch.on_complete, None);
    }

    /// A site adds one grouping and one analysis without restating the defaults, replaces
    /// one by id and removes another (issue 13: site configs add to the defaults).
    #[test]
    fn site_groupings_and_analyses_merge_by_id() {
        let site = "[[groupings]]\nid = \"age_ge65\"\ncolumn = \"age\"\nat_least = 65\n\
            label = \"Age\"\nlabel_yes = \">= 65\"\nlabel_no = \"< 65\"\n\
            [[groupings]]\nid = \"emd\"\nremove = true\n\
            [[survival]]\nid = \"os_by_age\"\nendpoint = \"os\"\ngrouping = \"age_ge65\"\n\
            [[survival]]\nid = \"pfs_all\"\nendpoint = \"os\"\n\
            [[cox_models]]\nid = \"pfs_multivariable\"\nendpoint = \"pfs\"\ncovariates = [\"age\"]\n\
            [[cox_models]]\nid = \"os_multivariable\"\nremove = true\n\
            [analysis]\nresponse_subgroups = [\"regimen\"]\nforest = [\"cycles_ge3\"]\n";
        // Removing a grouping the defaults refer to names the reference.
        let without_lists = site.split("[analysis]").next().unwrap_or_default();
        let e = Config::with_override(without_lists, "site.toml").unwrap_err();
        assert!(
            e.to_string().contains("analysis.response_subgroups[0]"),
            "{e}"
        );
        let c = Config::with_override(site, "site.toml").unwrap().config;
        let groupings: Vec<&str> = c.groupings.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(
            groupings,
            [
                "prior_lines_ge3",
                "cycles_ge3",
                "cycles_ge4",
                "high_risk_cytogenetics",
                "regimen",
                "age_ge65"
            ]
        );
        let survival: Vec<&str> = c.survival.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(survival.len(), 7);
        assert_eq!(survival[6], "os_by_age");
        assert_eq!(c.survival[0].endpoint, EndpointKind::Os, "same id replaces");
        assert_eq!(c.cox_models.len(), 1, "a cox model removed by id");
        assert_eq!(
            c.cox_models[0].covariates,
            ["age"],
            "a cox model replaced by id"
        );
        let e = Config::with_override(
            "[[groupings]]\nid = \"cycles_ge5\"\nremove = true\n",
            "s.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("groupings[0].remove") && e.contains("cycles_ge5"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error_names_file() {
        let e = Config::with_override("[dates\n", "my.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("my.toml"), "{e}");
    }
}
