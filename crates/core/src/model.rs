//! The typed records every later stage works on: patients, assessments, adverse events and
//! lab draws as the data dictionary (`docs/input-format.md`) defines them, each value
//! carrying the cell it came from, plus the `Finding` every stage reports problems with.
//!
//! Provenance is a compact [`CellRef`] (sheet index, row, column) so that a 100,000-patient
//! cohort does not carry millions of strings; sheet names are resolved once, when findings are
//! written out.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A calendar date (no time zone: case records carry dates only).
pub type Date = NaiveDate;

/// Where a value came from: sheet index into [`Cohort::sheets`], the row as Excel shows it
/// (1-based) and the 0-based column index (rendered as a letter, `A`, `B`, … `AA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CellRef {
    pub sheet: u16,
    pub row: u32,
    pub col: u16,
}

impl CellRef {
    /// The column letter(s) Excel shows for this cell (`0` → `A`, `26` → `AA`).
    pub fn col_letter(&self) -> String {
        col_letter(self.col)
    }
}

/// Excel column letters for a 0-based column index.
pub fn col_letter(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A value with the cell it was read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Val<T> {
    pub v: T,
    pub at: CellRef,
}

impl<T> Val<T> {
    pub fn new(v: T, at: CellRef) -> Self {
        Val { v, at }
    }
}

/// How bad a finding is. `Error` findings on a patient's required fields exclude the patient;
/// other errors mean a value was unusable and is treated as missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in the input, located as precisely as the problem allows
/// (`docs/results-json.md`: severity, rule, sheet, row, column, patient_id, value, message).
///
/// Stages create findings with a [`CellRef`] (`at`); `sheet`, `row` and `cell` are filled from
/// it by [`Cohort::resolve_findings`] before anything is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable rule id, e.g. `date_order` or `imwg2016.refractory.within_60_days`.
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// Canonical column name (or the header text when the column is unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Excel cell reference such as `F12`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub message: String,
    /// The column's header as the workbook wrote it (`疾病状态` for `disease_status`), what
    /// the reports name the column by; filled by [`Cohort::name_headers`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The message's parameters (`recorded`, `derived`, `rule`, `when`, …): the reports word
    /// the message from the catalog (`crates/core/labels/findings.toml`, `finding.<rule>`) in
    /// their language with these; `message` is the English text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    #[serde(skip)]
    pub at: Option<CellRef>,
}

impl Finding {
    /// A finding about the whole workbook or cohort (no cell).
    pub fn general(severity: Severity, rule: &str, message: impl Into<String>) -> Self {
        Finding {
            severity,
            rule: rule.to_string(),
            sheet: None,
            row: None,
            column: None,
            cell: None,
            patient_id: None,
            value: None,
            message: message.into(),
            header: None,
            params: BTreeMap::new(),
            at: None,
        }
    }

    /// A finding on one cell.
    pub fn at_cell(
        severity: Severity,
        rule: &str,
        at: CellRef,
        column: &str,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            at: Some(at),
            column: Some(column.to_string()),
            ..Finding::general(severity, rule, message)
        }
    }

    pub fn with_patient(mut self, id: impl Into<String>) -> Self {
        self.patient_id = Some(id.into());
        self
    }

    pub fn with_value(mut self, v: impl Into<String>) -> Self {
        self.value = Some(v.into());
        self
    }

    /// Adds a message parameter (see [`Finding::params`]).
    pub fn with_param(mut self, key: &str, value: impl Into<String>) -> Self {
        self.params.insert(key.to_string(), value.into());
        self
    }

    pub fn with_sheet(mut self, sheet: impl Into<String>) -> Self {
        self.sheet = Some(sheet.into());
        self
    }
}

/// IMWG 2016 response categories (Kumar, Lancet Oncol 2016;17:e328), best first.
/// `NE` = not evaluable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Response {
    #[serde(rename = "sCR")]
    SCr,
    CR,
    VGPR,
    PR,
    MR,
    SD,
    PD,
    NE,
}

impl Response {
    /// All categories in report order.
    pub const ALL: [Response; 8] = [
        Response::SCr,
        Response::CR,
        Response::VGPR,
        Response::PR,
        Response::MR,
        Response::SD,
        Response::PD,
        Response::NE,
    ];

    /// The code used in results.json and the reports (`sCR`, `CR`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Response::SCr => "sCR",
            Response::CR => "CR",
            Response::VGPR => "VGPR",
            Response::PR => "PR",
            Response::MR => "MR",
            Response::SD => "SD",
            Response::PD => "PD",
            Response::NE => "NE",
        }
    }

    pub fn from_code(s: &str) -> Option<Response> {
        Response::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(s))
    }

    /// Depth of response for "best response": higher is better; NE is below PD.
    pub fn rank(&self) -> u8 {
        match self {
            Response::SCr => 7,
            Response::CR => 6,
            Response::VGPR => 5,
            Response::PR => 4,
            Response::MR => 3,
            Response::SD => 2,
            Response::PD => 1,
            Response::NE => 0,
        }
    }

    /// PR or better (counts towards ORR).
    pub fn is_responder(&self) -> bool {
        self.rank() >= Response::PR.rank()
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

/// Disease state at study entry (Rajkumar, Blood 2011;117:4691; Kumar 2016).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiseaseStatus {
    Relapsed,
    Refractory,
    PrimaryRefractory,
    RelapsedAndRefractory,
}

impl DiseaseStatus {
    pub fn code(&self) -> &'static str {
        match self {
            DiseaseStatus::Relapsed => "relapsed",
            DiseaseStatus::Refractory => "refractory",
            DiseaseStatus::PrimaryRefractory => "primary_refractory",
            DiseaseStatus::RelapsedAndRefractory => "relapsed_and_refractory",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmdOnset {
    AtDiagnosis,
    AtRelapse,
}

/// del(1p32) by FISH: no deletion, one allele, both alleles (IMS/IMWG 2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Del1p32 {
    None,
    Monoallelic,
    Biallelic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmdType {
    Paraskeletal,
    SoftTissue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VitalStatus {
    Alive,
    Dead,
}

/// One patient: every patient-level and treatment column of the data dictionary, joined on
/// `patient_id` over all one-row-per-patient sheets. Every field is optional except the id:
/// a missing value is `None`, an unusable one is `None` plus a finding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    pub patient_id: String,
    /// Cell of the id in the first patient-level sheet it appears in.
    pub id_at: Option<CellRef>,
    pub sex: Option<Val<Sex>>,
    pub age: Option<Val<f64>>,
    pub birth_date: Option<Val<Date>>,
    pub diagnosis_date: Option<Val<Date>>,
    /// Canonical M-protein type: `IgG`, `IgA`, `IgM`, `IgD`, `IgE`, `kappa`, `lambda`,
    /// `non_secretory` (spellings mapped through config).
    pub m_protein_type: Option<Val<String>>,
    /// Durie-Salmon stage as written, normalised to e.g. `IIIA`.
    pub ds_stage: Option<Val<String>>,
    /// Recorded ISS stage 1..=3.
    pub iss_stage: Option<Val<u8>>,
    pub first_symptom: Option<Val<String>>,
    pub pathological_fracture: Option<Val<bool>>,
    pub amyloidosis: Option<Val<bool>>,
    /// Percent.
    pub bm_plasma_cell_pct: Option<Val<f64>>,
    /// mmol/L.
    pub calcium: Option<Val<f64>>,
    /// µmol/L.
    pub creatinine: Option<Val<f64>>,
    /// mL/min.
    pub crcl: Option<Val<f64>>,
    /// mg/L.
    pub beta2_microglobulin: Option<Val<f64>>,
    /// g/L.
    pub albumin: Option<Val<f64>>,
    /// U/L.
    pub ldh: Option<Val<f64>>,
    /// mm/h.
    pub esr: Option<Val<f64>>,
    /// g/L.
    pub hemoglobin: Option<Val<f64>>,
    /// 10^9/L.
    pub wbc: Option<Val<f64>>,
    /// 10^9/L.
    pub platelets: Option<Val<f64>>,
    pub fish_tested: Option<Val<bool>>,
    pub fish_del17p: Option<Val<bool>>,
    pub fish_t4_14: Option<Val<bool>>,
    pub fish_t14_16: Option<Val<bool>>,
    pub fish_t14_20: Option<Val<bool>>,
    pub fish_1q_gain: Option<Val<bool>>,
    pub fish_del13q: Option<Val<bool>>,
    pub fish_t11_14: Option<Val<bool>>,
    pub fish_igh: Option<Val<bool>>,
    /// Percent of clonal plasma cells with del(17p) (IMS/IMWG 2025 counts > 20 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub del17p_fraction: Option<Val<f64>>,
    /// TP53 mutation (sequencing); the FISH TP53 deletion is `fish_del17p`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tp53_mutation: Option<Val<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub del1p32: Option<Val<Del1p32>>,
    /// 1q amplification (>= 4 copies); 1q gain stays `fish_1q_gain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amp1q: Option<Val<bool>>,
    /// Other FISH findings, split on `;`.
    pub fish_other: Option<Val<Vec<String>>>,
    pub prior_lines: Option<Val<u32>>,
    pub prior_bortezomib: Option<Val<bool>>,
    pub prior_lenalidomide: Option<Val<bool>>,
    pub prior_pomalidomide: Option<Val<bool>>,
    pub prior_carfilzomib: Option<Val<bool>>,
    pub prior_daratumumab: Option<Val<bool>>,
    pub prior_asct: Option<Val<bool>>,
    /// Drugs the disease is refractory to (generic names after the `drug` vocabulary; an
    /// unknown name is kept as written and reported by the refractoriness rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refractory_to: Option<Val<Vec<String>>>,
    /// Drugs the patient was exposed to (generic names, as `refractory_to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_to: Option<Val<Vec<String>>>,
    /// Per-drug yes/no refractoriness (`refractory_<drug>` columns), keyed by generic name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub refractory_drugs: BTreeMap<String, Val<bool>>,
    pub emd: Option<Val<bool>>,
    pub emd_onset: Option<Val<EmdOnset>>,
    pub emd_type: Option<Val<EmdType>>,
    pub emd_sites: Option<Val<Vec<String>>>,
    pub notes: Option<Val<String>>,
    pub disease_status: Option<Val<DiseaseStatus>>,
    pub last_prior_regimen_end: Option<Val<Date>>,
    pub relapse_date: Option<Val<Date>>,
    pub prior_best_response: Option<Val<Response>>,
    pub new_bone_lesion: Option<Val<bool>>,
    pub new_plasmacytoma: Option<Val<bool>>,
    pub plasmacytoma_growth: Option<Val<bool>>,
    pub hyperviscosity: Option<Val<bool>>,
    /// g/L fall against the value before relapse.
    pub hb_drop: Option<Val<f64>>,
    /// µmol/L rise against the value before relapse.
    pub creatinine_rise: Option<Val<f64>>,
    /// g/L.
    pub m_protein_nadir: Option<Val<f64>>,
    /// g/L.
    pub m_protein_at_relapse: Option<Val<f64>>,
    // --- treatment (study regimen) ---
    /// Regimen code as given, upper-cased (`BRD`, `BPD`, …); partner drugs are config.
    pub regimen: Option<Val<String>>,
    pub index_date: Option<Val<Date>>,
    /// mg/m².
    pub bendamustine_dose: Option<Val<f64>>,
    pub cycles_completed: Option<Val<u32>>,
    pub last_dose_date: Option<Val<Date>>,
    pub progression_date: Option<Val<Date>>,
    pub death_date: Option<Val<Date>>,
    /// `progression` or the free text given.
    pub death_cause: Option<Val<String>>,
    pub last_followup_date: Option<Val<Date>>,
    pub vital_status: Option<Val<VitalStatus>>,
    // --- durations, for exports without dates (docs/input-format.md, "Durations") ---
    /// Overall survival time in days (converted from the unit of the header or the site
    /// config).
    pub os_time: Option<Val<f64>>,
    /// Whether `os_time` ends in death (`false`: censored).
    pub os_event: Option<Val<bool>>,
    /// Progression-free survival time in days.
    pub pfs_time: Option<Val<f64>>,
    /// Whether `pfs_time` ends in progression or death (`false`: censored).
    pub pfs_event: Option<Val<bool>>,
    /// The value of every column a configured grouping names (dictionary column or a
    /// patients-sheet header as written), by column name: what `levels`, `cuts` and
    /// `at_least` groupings read (config `[[groupings]]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub grouping_values: BTreeMap<String, Val<crate::grouping::GroupValue>>,
}

/// One response assessment (long `assessments` sheet, or a wide `response_cN` column).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub patient_id: String,
    /// Cell of the row's first value (the id, or the wide column's cell).
    pub at: Option<CellRef>,
    pub assessment_date: Option<Val<Date>>,
    /// 0 = baseline.
    pub after_cycle: Option<Val<u32>>,
    pub response: Option<Val<Response>>,
    /// g/L.
    pub serum_m_protein: Option<Val<f64>>,
    /// mg/24h.
    pub urine_m_protein: Option<Val<f64>>,
    /// mg/L.
    pub involved_flc: Option<Val<f64>>,
    /// mg/L.
    pub uninvolved_flc: Option<Val<f64>>,
    pub immunofixation_negative: Option<Val<bool>>,
    /// MRD result: `negative` or `positive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrd: Option<Val<String>>,
    /// MRD sensitivity (`1e-5`, `1e-6`, or as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrd_sensitivity: Option<Val<String>>,
    /// MRD method (`NGF`, `NGS`, or as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrd_method: Option<Val<String>>,
    /// PET/CT at this assessment: `negative` (every area of increased tracer uptake gone, IMWG
    /// 2016 imaging criterion) or `positive`; the imaging of imaging-plus MRD negativity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pet_ct: Option<Val<String>>,
    pub bm_plasma_cell_pct: Option<Val<f64>>,
    /// cm².
    pub plasmacytoma_spd: Option<Val<f64>>,
    pub new_lesion: Option<Val<bool>>,
    pub calcium: Option<Val<f64>>,
    pub hemoglobin: Option<Val<f64>>,
    pub creatinine: Option<Val<f64>>,
}

/// One recorded adverse event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdverseEvent {
    pub patient_id: String,
    pub at: Option<CellRef>,
    /// CTCAE v5 term after mapping through config (unknown terms kept as written).
    pub term: Option<Val<String>>,
    /// True when `term` was found in the CTCAE term map.
    pub term_known: bool,
    pub grade: Option<Val<u8>>,
    pub cycle: Option<Val<u32>>,
    pub onset_date: Option<Val<Date>>,
    pub serious: Option<Val<bool>>,
}

/// One lab draw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabDraw {
    pub patient_id: String,
    pub at: Option<CellRef>,
    pub draw_date: Option<Val<Date>>,
    /// 10^9/L.
    pub wbc: Option<Val<f64>>,
    pub neutrophils: Option<Val<f64>>,
    pub lymphocytes: Option<Val<f64>>,
    pub platelets: Option<Val<f64>>,
    /// g/L.
    pub hemoglobin: Option<Val<f64>>,
    /// µmol/L.
    pub creatinine: Option<Val<f64>>,
}

/// Everything read from one workbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cohort {
    /// Sheet names, indexed by [`CellRef::sheet`].
    pub sheets: Vec<String>,
    /// Patients in first-seen order; duplicates are already removed (and reported).
    pub patients: Vec<Patient>,
    pub assessments: Vec<Assessment>,
    pub adverse_events: Vec<AdverseEvent>,
    pub labs: Vec<LabDraw>,
    /// Patients excluded by ingest (duplicate ids), with reasons.
    pub excluded: Vec<(String, Vec<String>)>,
    pub findings: Vec<Finding>,
    /// Count of patient rows read (before exclusions), for the cohort flow.
    pub patients_read: usize,
    /// The header cells of the columns read, as the workbook wrote them: findings name
    /// their column by these ([`Cohort::name_headers`]).
    #[serde(default)]
    pub headers: Vec<HeaderCell>,
    /// Open vocabularies (free text such as `first_symptom`, `death_cause`, `emd_sites`):
    /// column → canonical code → the first spelling the workbook used for it, which the
    /// reports show (issue 14: the clinician's own words, in their language).
    #[serde(default)]
    pub entered: BTreeMap<String, BTreeMap<String, String>>,
}

/// One header cell of a dictionary column, as written in the workbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeaderCell {
    pub sheet: u16,
    pub col: u16,
    /// The dictionary column it names (`disease_status`, `response_c2`).
    pub column: String,
    /// The header text as written (`疾病状态`).
    pub text: String,
}

impl Cohort {
    pub fn sheet_name(&self, at: &CellRef) -> &str {
        self.sheets
            .get(usize::from(at.sheet))
            .map(String::as_str)
            .unwrap_or("?")
    }

    /// Names the column of each cell finding as the workbook's header wrote it: the header
    /// of the finding's sheet and column when it names the finding's dictionary column.
    pub fn name_headers(headers: &[HeaderCell], findings: &mut [Finding]) {
        if headers.is_empty() {
            return;
        }
        let by_cell: std::collections::HashMap<(u16, u16), &HeaderCell> =
            headers.iter().map(|h| ((h.sheet, h.col), h)).collect();
        for f in findings.iter_mut().filter(|f| f.header.is_none()) {
            let (Some(at), Some(column)) = (f.at, f.column.as_deref()) else {
                continue;
            };
            if let Some(h) = by_cell.get(&(at.sheet, at.col)) {
                // A response finding sits on a per-cycle column of the wide layout.
                let names_it = h.column == column
                    || (column == "response" && h.column.starts_with("response_c"));
                if names_it && h.text != column {
                    f.header = Some(h.text.clone());
                }
            }
        }
    }

    /// Fill `sheet`, `row` and `cell` of findings created with only a [`CellRef`].
    pub fn resolve_findings(sheets: &[String], findings: &mut [Finding]) {
        for f in findings {
            if let Some(at) = f.at {
                if f.sheet.is_none() {
                    f.sheet = sheets.get(usize::from(at.sheet)).cloned();
                }
                f.row = Some(at.row);
                f.cell = Some(format!("{}{}", at.col_letter(), at.row));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
        assert_eq!(col_letter(701), "ZZ");
        assert_eq!(col_letter(702), "AAA");
        assert_eq!(col_letter(16383), "XFD");
    }

    #[test]
    fn response_order() {
        assert!(Response::CR.rank() > Response::PR.rank());
        assert!(Response::PR.is_responder());
        assert!(!Response::MR.is_responder());
        assert_eq!(Response::from_code("vgpr"), Some(Response::VGPR));
        assert_eq!(Response::from_code("scr"), Some(Response::SCr));
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingCounts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl FindingCounts {
    pub fn of(findings: &[Finding]) -> Self {
        let mut c = FindingCounts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.error += 1,
                Severity::Warning => c.warning += 1,
                Severity::Info => c.info += 1,
            }
        }
        c
    }
}
