//! Deterministic example workbooks: the seed paper cohort and synthetic cohorts.
//!
//! Everyone tests against these files, so they are built to be *checkable*:
//!
//! * [`paper_cohort`] reconstructs the 32 patients of the bendamustine RRMM study
//!   (`shared/seed/bendamustine-rrmm-study.txt`) so that every count, Table 1 summary,
//!   response table, Kaplan-Meier median and log-rank p-value the paper prints comes out of
//!   the workbook. The per-patient design is a frozen table ([`paper_table`]); everything
//!   else (dates, measurements, labs, adverse-event rows) is derived from it by fixed rules,
//!   so the data is internally consistent except for the few deliberate faults in
//!   [`Planted`].
//! * [`synthetic_cohort`] / [`write_synthetic`] produce cohorts of any size with realistic
//!   distributions for tests and benchmarks, generated patient by patient from a seeded
//!   ChaCha8 stream, so the same seed gives the same data on every platform.
//! * [`write_workbook`] writes a cohort in the canonical English layout or in the messy
//!   Chinese layout of `docs/input-format.md`; both carry the same information.
//!
//! All workbooks carry a fixed creation time, so the same input gives byte-identical files.

mod build;
mod paper;
mod paper_table;
mod synthetic;
mod write;

use crate::model::{DiseaseStatus, EmdOnset, EmdType, Response, Sex, VitalStatus};
use chrono::NaiveDate;
use std::path::Path;

pub use paper::paper_cohort;
pub use synthetic::{synthetic_cohort, write_synthetic};
pub use write::write_workbook;

/// Data cut-off of the seed study (follow-up ended 2022-12-09).
pub const PAPER_CUTOFF: (i32, u32, u32) = (2022, 12, 9);

/// Canonical (English) ↔ Chinese spellings of the free-text categories that the two layouts
/// write differently. `first_symptom`, `emd_sites` and non-progression `death_cause` are
/// free text that downstream code counts "as given"; a reader that wants identical derived
/// data from both layouts maps these pairs (they belong in the alias config).
pub const ZH_TERMS: &[(&str, &str)] = &[
    ("lumbosacral pain", "腰骶部疼痛"),
    ("chest and back pain", "胸背部疼痛"),
    ("fatigue with lower-limb edema", "乏力伴双下肢水肿"),
    ("fever", "发热"),
    ("head", "头部"),
    ("chest wall", "胸壁"),
    ("thoracic spine", "胸椎"),
    ("lumbar spine", "腰椎"),
    ("pelvis", "骨盆"),
    ("spinal canal", "椎管内"),
    ("progression", "疾病进展"),
    ("heart failure", "心力衰竭"),
    ("lung cancer", "肺癌"),
];

/// The Chinese spelling of a canonical free-text term (the term itself when unmapped).
pub fn zh_term(en: &str) -> &str {
    ZH_TERMS
        .iter()
        .find(|(e, _)| *e == en)
        .map(|(_, z)| *z)
        .unwrap_or(en)
}

/// Errors while writing example workbooks.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("xlsx writer: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid date {0}")]
    Date(String),
}

/// Paraprotein type, canonical spelling as in the data dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MProtein {
    IgG,
    IgA,
    Kappa,
    Lambda,
    NonSecretory,
}

impl MProtein {
    /// Canonical spelling (`kappa light chain`, …) as the data dictionary lists it.
    pub fn canonical(&self) -> &'static str {
        match self {
            MProtein::IgG => "IgG",
            MProtein::IgA => "IgA",
            MProtein::Kappa => "kappa light chain",
            MProtein::Lambda => "lambda light chain",
            MProtein::NonSecretory => "non-secretory",
        }
    }

    /// Chinese spelling used in the messy layout.
    pub fn zh(&self) -> &'static str {
        match self {
            MProtein::IgG => "IgG",
            MProtein::IgA => "IgA",
            MProtein::Kappa => "轻链型κ",
            MProtein::Lambda => "轻链型λ",
            MProtein::NonSecretory => "不分泌型",
        }
    }

    /// Light-chain-only disease is followed by serum free light chains (IMWG 2016).
    pub fn is_light_chain(&self) -> bool {
        matches!(self, MProtein::Kappa | MProtein::Lambda)
    }
}

/// FISH result of a tested patient.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fish {
    pub del17p: bool,
    pub t4_14: bool,
    pub t14_16: bool,
    pub t14_20: bool,
    pub gain_1q: bool,
    pub del13q: bool,
    pub t11_14: bool,
    pub igh: bool,
    /// Other findings, e.g. `t(4;11)`.
    pub other: Vec<String>,
}

impl Fish {
    /// Any abnormality at all.
    pub fn abnormal(&self) -> bool {
        self.del17p
            || self.t4_14
            || self.t14_16
            || self.t14_20
            || self.gain_1q
            || self.del13q
            || self.t11_14
            || self.igh
            || !self.other.is_empty()
    }

    /// The paper's "high-risk" count: del(17p), t(4;14), t(14;16) or t(14;20).
    pub fn high_risk_paper(&self) -> bool {
        self.del17p || self.t4_14 || self.t14_16 || self.t14_20
    }
}

/// Extramedullary disease of one patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emd {
    pub onset: EmdOnset,
    pub kind: EmdType,
    /// Canonical English site names (see [`ZH_TERMS`]).
    pub sites: Vec<String>,
}

/// One patient: every patient-level and treatment column of the data dictionary.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPatient {
    pub patient_id: String,
    pub sex: Sex,
    /// Completed years at the index date.
    pub age: u32,
    pub birth_date: NaiveDate,
    pub diagnosis_date: NaiveDate,
    pub m_protein_type: MProtein,
    /// e.g. `IIIA`.
    pub ds_stage: String,
    /// Recorded ISS stage 1..=3.
    pub iss_stage: u8,
    /// Canonical English category (see [`ZH_TERMS`]).
    pub first_symptom: String,
    pub pathological_fracture: bool,
    pub amyloidosis: bool,
    pub bm_plasma_cell_pct: f64,
    /// mmol/L.
    pub calcium: f64,
    /// µmol/L.
    pub creatinine: f64,
    /// mg/L.
    pub beta2_microglobulin: f64,
    /// g/L.
    pub albumin: f64,
    pub ldh: f64,
    pub esr: f64,
    /// g/L.
    pub hemoglobin: f64,
    pub wbc: f64,
    pub platelets: f64,
    /// `None` = not tested.
    pub fish: Option<Fish>,
    pub prior_lines: u32,
    pub prior_bortezomib: bool,
    pub prior_lenalidomide: bool,
    pub prior_pomalidomide: bool,
    pub prior_carfilzomib: bool,
    pub prior_daratumumab: bool,
    pub prior_asct: bool,
    pub emd: Option<Emd>,
    /// As the clinician recorded it (may be a planted disagreement).
    pub disease_status: DiseaseStatus,
    pub last_prior_regimen_end: NaiveDate,
    pub relapse_date: NaiveDate,
    pub prior_best_response: Response,
    pub new_bone_lesion: bool,
    pub new_plasmacytoma: bool,
    pub plasmacytoma_growth: bool,
    pub hyperviscosity: bool,
    /// g/L.
    pub hb_drop: f64,
    /// µmol/L.
    pub creatinine_rise: f64,
    pub m_protein_nadir: Option<f64>,
    pub m_protein_at_relapse: Option<f64>,
    pub notes: Option<String>,
    pub regimen: String,
    pub index_date: NaiveDate,
    pub bendamustine_dose: f64,
    pub cycles_completed: u32,
    pub last_dose_date: NaiveDate,
    pub progression_date: Option<NaiveDate>,
    pub death_date: Option<NaiveDate>,
    /// `progression` or free text (canonical English, see [`ZH_TERMS`]).
    pub death_cause: Option<String>,
    pub last_followup_date: NaiveDate,
    pub vital_status: VitalStatus,
}

/// One response assessment (after_cycle 0 = baseline, no response).
#[derive(Debug, Clone, PartialEq)]
pub struct DemoAssessment {
    pub patient_id: String,
    pub assessment_date: NaiveDate,
    pub after_cycle: u32,
    pub response: Option<Response>,
    pub serum_m_protein: Option<f64>,
    pub urine_m_protein: Option<f64>,
    pub involved_flc: Option<f64>,
    pub uninvolved_flc: Option<f64>,
    pub immunofixation_negative: Option<bool>,
    pub bm_plasma_cell_pct: Option<f64>,
    pub plasmacytoma_spd: Option<f64>,
    pub new_lesion: Option<bool>,
    pub calcium: Option<f64>,
    pub hemoglobin: Option<f64>,
    pub creatinine: Option<f64>,
}

/// CTCAE v5 terms the example data records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AeTerm {
    WbcDecreased,
    PlateletDecreased,
    Fatigue,
    Anorexia,
    Diarrhea,
}

impl AeTerm {
    pub const ALL: [AeTerm; 5] = [
        AeTerm::WbcDecreased,
        AeTerm::PlateletDecreased,
        AeTerm::Fatigue,
        AeTerm::Anorexia,
        AeTerm::Diarrhea,
    ];

    /// CTCAE v5 term.
    pub fn ctcae(&self) -> &'static str {
        match self {
            AeTerm::WbcDecreased => "White blood cell decreased",
            AeTerm::PlateletDecreased => "Platelet count decreased",
            AeTerm::Fatigue => "Fatigue",
            AeTerm::Anorexia => "Anorexia",
            AeTerm::Diarrhea => "Diarrhea",
        }
    }

    /// Chinese term as the spec's term map lists it.
    pub fn zh(&self) -> &'static str {
        match self {
            AeTerm::WbcDecreased => "白细胞减少",
            AeTerm::PlateletDecreased => "血小板减少",
            AeTerm::Fatigue => "乏力",
            AeTerm::Anorexia => "食欲不振",
            AeTerm::Diarrhea => "腹泻",
        }
    }
}

/// One recorded adverse event.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoAe {
    pub patient_id: String,
    pub term: AeTerm,
    pub grade: u8,
    pub cycle: u32,
    pub onset_date: NaiveDate,
    pub serious: bool,
}

/// One lab draw (10^9/L, Hb g/L, creatinine µmol/L).
#[derive(Debug, Clone, PartialEq)]
pub struct DemoLab {
    pub patient_id: String,
    pub draw_date: NaiveDate,
    pub wbc: f64,
    pub neutrophils: f64,
    pub lymphocytes: f64,
    pub platelets: f64,
    pub hemoglobin: f64,
    pub creatinine: f64,
}

/// A recorded disease status that the IMWG definitions contradict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantedStatus {
    pub patient_id: String,
    pub recorded: DiseaseStatus,
    pub truth: DiseaseStatus,
}

/// A recorded response that the IMWG 2016 criteria, applied to the row's measurements,
/// contradict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantedResponse {
    pub patient_id: String,
    pub after_cycle: u32,
    pub recorded: Response,
    pub truth: Response,
}

/// The deliberate inconsistencies in a cohort, so a validator's summary can be checked
/// against them exactly. Everything not listed here is consistent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Planted {
    pub disease_status: Vec<PlantedStatus>,
    pub responses: Vec<PlantedResponse>,
    /// Patients with no relapse evidence documented at study entry.
    pub no_relapse_evidence: Vec<String>,
    /// `(patient_id, text)` of notes that look like markup or a formula (kept as text).
    pub suspicious_notes: Vec<(String, String)>,
}

/// A whole example cohort, one entry per row of each sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCohort {
    pub patients: Vec<DemoPatient>,
    pub assessments: Vec<DemoAssessment>,
    pub adverse_events: Vec<DemoAe>,
    pub labs: Vec<DemoLab>,
    pub planted: Planted,
}

/// Which workbook layout to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// English sheet and column names, typed cells.
    Canonical,
    /// Chinese sheet/column aliases, title rows, text dates, units in headers, wide
    /// per-cycle responses: everything `docs/input-format.md` allows.
    MessyChinese,
}

/// The seed-paper cohort written to `path` in `layout` (convenience for the CLI).
pub fn write_paper(path: &Path, layout: Layout) -> Result<(), DemoError> {
    write_workbook(&paper_cohort(), layout, path)
}

use mmreport_core::model;
