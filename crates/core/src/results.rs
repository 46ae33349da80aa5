//! `Results`: everything one workbook's report shows, computed once and written as
//! `results.json` (`docs/results-json.md`). Renderers read it and never compute; its shape is a
//! public interface, versioned by [`SCHEMA_VERSION`].

use crate::adam::Datasets;
use crate::model::Finding;
pub use crate::model::FindingCounts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Reads `null` back as NaN: `serde_json` writes a non-finite `f64` (an infinite standard
/// error where a Kaplan-Meier curve reaches 0, a 0/0 fraction) as `null`, and every
/// `results.json` mmreport writes must read back (the run-to-run comparison reads the previous
/// one). Applied to every plain `f64` reachable from [`Results`].
pub fn f64_or_nan<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Bumped on any breaking change of the shape.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generator {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    pub patient_id: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CohortSummary {
    pub patients_read: usize,
    pub patients_analysed: usize,
    pub excluded: Vec<Excluded>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub schema_version: u32,
    pub generator: Generator,
    pub input: Input,
    pub config_sha256: String,
    pub time_unit: String,
    pub data_cutoff: String,
    /// The day of the run (a date, not a time, so that a re-run of unchanged inputs on the
    /// same day gives byte-identical reports). Defaulted so that an older results.json still
    /// loads for the run-to-run comparison.
    #[serde(default)]
    pub run_date: String,
    pub language: String,
    pub cohort: CohortSummary,
    pub finding_counts: FindingCounts,
    pub findings: Vec<Finding>,
    /// IMWG disease-state classification per patient (see `rules`).
    #[serde(default)]
    pub imwg: Vec<ImwgRow>,
    /// Rule-set outputs: summary, derived responses, staging, diagnosis checks.
    #[serde(default)]
    pub validation: Validation,
    /// Set by `--pseudonymize`: every patient id of these results is a keyed pseudonym. A
    /// pseudonymised report is only ever compared with a pseudonymised previous report
    /// (switching modes starts a new history). Absent (false) in identified reports, whose
    /// bytes it does not change.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pseudonymized: bool,
    /// What changed since the previous report of this workbook (set by the batch run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<crate::changes::Changes>,
    /// Every table and figure (docs/report-contents.md).
    #[serde(default)]
    pub analyses: Analyses,
    /// Derived per-patient datasets (ADSL, ADTTE, ADRS, ADAE).
    pub datasets: Datasets,
}

/// The validation section: what the IMWG/CTCAE/staging rule sets derived.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    pub summary: serde_json::Value,
    pub derived_responses: Vec<ResponseCheck>,
    pub staging: Vec<StagingRow>,
    pub diagnosis: Vec<DiagnosisRow>,
    /// High risk by the configured definition, one per patient.
    #[serde(default)]
    pub high_risk: Vec<HighRiskRow>,
    /// Refractoriness and exposure classes (Gandhi, Leukemia 2019), one per patient.
    #[serde(default)]
    pub refractoriness: Vec<RefractorinessRow>,
}

// The per-patient and per-assessment rule outputs below are typed rather than JSON trees:
// a registry holds hundreds of thousands of them, and a `serde_json::Value` object costs
// several times its typed size. Their fields are in alphabetical order, the order these
// objects have always had in results.json. Codes (responses, statuses, measures) are the
// rule sets' serialised codes.

/// One patient's IMWG disease-state check (`rules::disease_state::ImwgRecord`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImwgRow {
    pub agrees: Option<bool>,
    pub basis: String,
    /// Derived disease-state code; `None` = not derivable.
    pub derived: Option<String>,
    pub missing: Vec<String>,
    pub patient_id: String,
    /// Recorded `disease_status` code.
    pub recorded: Option<String>,
    /// Relapse criteria documented at entry (descriptions).
    pub relapse_evidence: Vec<String>,
    /// Rule ids of those criteria, parallel to `relapse_evidence`.
    pub relapse_evidence_rules: Vec<String>,
    pub rule: String,
}

/// One post-baseline assessment: recorded vs IMWG-derived response
/// (`rules::response::DerivedResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResponseCheck {
    pub after_cycle: Option<u32>,
    /// `None` when either side is missing or the derived response is NE.
    pub agrees: Option<bool>,
    pub basis: String,
    pub confirmed: bool,
    /// ISO date.
    pub date: Option<String>,
    /// Derived response code; `None` = not derivable.
    pub derived: Option<String>,
    pub measure: Option<String>,
    pub patient_id: String,
    pub recorded: Option<String>,
    pub rule: String,
}

/// One patient's staging (`rules::staging::PatientStaging`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StagingRow {
    pub ds_subclass_agrees: Option<bool>,
    pub ds_subclass_derived: Option<String>,
    pub ds_subclass_recorded: Option<String>,
    pub high_risk_count: u32,
    pub high_risk_fish: Option<bool>,
    pub high_risk_markers: Vec<String>,
    pub iss_agrees: Option<bool>,
    pub iss_basis: String,
    pub iss_derived: Option<u8>,
    pub iss_recorded: Option<u8>,
    pub note_newly_diagnosed: bool,
    pub patient_id: String,
    pub r2_iss: Option<u8>,
    pub r2_iss_basis: String,
    pub r_iss: Option<u8>,
    pub r_iss_basis: String,
}

/// One patient's high-risk status (`rules::high_risk::PatientHighRisk`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HighRiskRow {
    pub basis: String,
    /// Rule ids of the criteria met.
    pub criteria: Vec<String>,
    /// `imwg2016` or `ims_imwg2025`.
    pub definition: String,
    /// `None` = not derivable.
    pub high_risk: Option<bool>,
    /// Inputs whose absence leaves the status open.
    pub missing: Vec<String>,
    pub patient_id: String,
}

/// One patient's refractoriness classes (`rules::refractoriness::PatientRefractoriness`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RefractorinessRow {
    pub basis: String,
    /// `triple_class`, `double_class`, `single_class`, `none`; `None` = not derivable.
    pub class: Option<String>,
    /// Classes with a drug the patient was exposed to (`pi`, `imid`, `anti_cd38`).
    pub exposed_classes: Vec<String>,
    pub patient_id: String,
    /// `None` = not derivable.
    pub penta: Option<bool>,
    /// Classes with a drug known refractory.
    pub refractory_classes: Vec<String>,
    /// Drugs known refractory (generic names).
    pub refractory_drugs: Vec<String>,
}

/// One patient's IMWG 2014 diagnosis check (`rules::diagnosis::DiagnosisCheck`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiagnosisRow {
    pub basis: String,
    pub criteria_met: Vec<String>,
    pub label: String,
    pub missing: Vec<String>,
    pub outcome: String,
    pub patient_id: String,
    pub rule: String,
}

// ---------------------------------------------------------------------------------------
// Analyses (docs/report-contents.md sections 2-10). Every renderer reads only these.
// Times are in `time_unit` (months); proportions are fractions in [0, 1]; a value that cannot
// be estimated is `null`.
// ---------------------------------------------------------------------------------------

/// All analyses of one workbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analyses {
    pub study_title: String,
    pub flow: Flow,
    pub baseline: Vec<BaselineRow>,
    pub exposure: Exposure,
    pub response: ResponseSection,
    pub survival: Vec<Survival>,
    pub followup: Followup,
    pub deaths: Deaths,
    /// PFS hazard ratios of every configured two-level grouping.
    pub forest: Vec<ForestRow>,
    pub adverse_events: Vec<AeRow>,
    /// Hemoglobin fall of more than `threshold` g/L from baseline (the paper: > 10 g/L).
    pub hb_drop: HbDrop,
    pub swimmer: Vec<SwimmerRow>,
    pub waterfall: Vec<WaterfallRow>,
    pub methods: Methods,
    /// Multivariable Cox models (`[[cox_models]]`).
    #[serde(default)]
    pub cox_models: Vec<CoxModel>,
    /// Cumulative incidence with competing risks (`[[competing_risks]]`).
    #[serde(default)]
    pub competing_risks: Vec<CompetingRisks>,
    /// Restricted mean survival times (`[[rmst]]`).
    #[serde(default)]
    pub rmst: Vec<Rmst>,
    /// Landmark analyses (`[[landmark_analyses]]`).
    #[serde(default)]
    pub landmark_analyses: Vec<LandmarkAnalysis>,
    /// Warnings on analyses (immortal-time bias of a grouping known after the index date).
    #[serde(default)]
    pub warnings: Vec<AnalysisWarning>,
    /// What the workbook holds: a report shows a section, table or figure only when its data
    /// are there, and otherwise one line naming what is missing (issue 14).
    #[serde(default)]
    pub data: DataPresent,
    /// The display text, in English and Chinese, of every configured name the analyses
    /// carry (grouping labels, group levels, comparisons, grouping descriptions such as
    /// `prior_lines >= 3`), by the text as it stands in these results; renderers look the
    /// shown text up here instead of reading the configuration.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub display: BTreeMap<String, Bilingual>,
    /// Each configured grouping's label, in English and Chinese, by grouping id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub grouping_labels: BTreeMap<String, Bilingual>,
}

/// Which kinds of data the analysed patients have. Each flag is true when at least one
/// analysed patient has the data; a flag that is false removes the tables and figures built
/// from it and the Methods sentences describing them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataPresent {
    /// Cycles completed or a regimen (treatment exposure).
    pub treatment: bool,
    /// A response assessment (recorded or derived).
    pub responses: bool,
    /// A dated response assessment (time to response, swimmer marks).
    pub assessment_dates: bool,
    /// Progression data (a progression date, or `pfs_time` with `pfs_event`).
    pub progression: bool,
    /// An adverse event, recorded or graded from laboratory values.
    pub adverse_events: bool,
    /// An M-protein or free light chain measured at baseline and after it (waterfall).
    pub m_protein: bool,
}

/// A text in the report's two languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bilingual {
    pub en: String,
    pub zh: String,
}

impl Bilingual {
    /// The text in `lang` (`"zh"`, else English); English when the Chinese text is empty.
    pub fn get(&self, lang: &str) -> &str {
        if lang == "zh" && !self.zh.is_empty() {
            &self.zh
        } else {
            &self.en
        }
    }
}

/// A count with its fraction of a denominator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// The level's stable code: the dictionary's canonical value (`lumbosacral pain`,
    /// `progression`, `IgG`), the same whichever language the workbook was written in; a
    /// free-text value no spelling list maps is its own code.
    pub level: String,
    pub count: usize,
    #[serde(deserialize_with = "f64_or_nan")]
    pub fraction: f64,
    /// Free-text levels (`first_symptom`, `emd_sites`, `death_cause`, …): the spelling the
    /// workbook first used for the code (`腰骶部疼痛`), which the reports show in either
    /// language; absent when it is the code itself or the level is dictionary vocabulary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Level {
    /// A level without a label.
    pub fn new(level: impl Into<String>, count: usize, fraction: f64) -> Self {
        Level {
            level: level.into(),
            count,
            fraction,
            label: None,
        }
    }
}

/// CONSORT-style cohort flow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    pub read: usize,
    /// Exclusion reasons with counts (a patient with two reasons counts under both).
    pub excluded: Vec<Level>,
    pub excluded_patients: usize,
    pub analysed: usize,
    /// Patients who completed at least `cycles` cycles (2: response-evaluable, 4, 6, 8).
    pub completed: Vec<CyclesStep>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CyclesStep {
    pub cycles: u32,
    pub n: usize,
}

/// One Table 1 row. `summary` is `mean_sd`, `median_iqr` or `counts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BaselineRow {
    pub variable: String,
    pub label: String,
    /// Table section (`demographics`, `disease`, `labs`, `fish`, `emd`, `prior`, `treatment`,
    /// `derived`).
    pub section: String,
    pub summary: String,
    /// Patients with a value (the denominator of `levels`).
    pub n: usize,
    pub missing: usize,
    pub unit: Option<String>,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub median: Option<f64>,
    pub q1: Option<f64>,
    pub q3: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub shapiro_w: Option<f64>,
    pub shapiro_p: Option<f64>,
    pub levels: Vec<Level>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exposure {
    pub n: usize,
    pub cycles_median: Option<f64>,
    pub cycles_min: Option<u32>,
    pub cycles_max: Option<u32>,
    /// Patients by number of cycles completed.
    pub cycles_distribution: Vec<Level>,
    pub regimens: Vec<Level>,
    pub dose_median: Option<f64>,
    pub dose_min: Option<f64>,
    pub dose_max: Option<f64>,
}

/// A proportion with its exact Clopper-Pearson CI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    pub k: usize,
    pub n: usize,
    pub fraction: Option<f64>,
    pub ci: [Option<f64>; 2],
}

/// Response counts over a denominator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseCounts {
    pub n: usize,
    /// Every category `sCR … NE`, in that order (a map keeps JSON readable; order is fixed by
    /// `Response::ALL`).
    pub counts: std::collections::BTreeMap<String, usize>,
    pub orr: Rate,
    pub dcr: Rate,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub after_cycle: u32,
    #[serde(flatten)]
    pub counts: ResponseCounts,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Subgroup {
    /// Grouping id: `emd`, `cycles_ge4`, `prior_lines_ge3`, `high_risk_cytogenetics`, `regimen`.
    pub id: String,
    pub label: String,
    pub level: String,
    #[serde(rename = "final")]
    pub final_: ResponseCounts,
}

/// Fisher's exact test of ORR between the levels of one grouping.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubgroupTest {
    pub id: String,
    /// `fisher` (exact) or `chisq` (Pearson, for r x c tables above `exact_test_max_n`).
    pub test: String,
    pub p: Option<f64>,
    pub note: Option<String>,
}

/// Median of a KM estimate with its CI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KmMedian {
    pub n: usize,
    pub events: usize,
    pub median: Option<f64>,
    pub ci: [Option<f64>; 2],
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseSection {
    pub checkpoints: Vec<Checkpoint>,
    #[serde(rename = "final")]
    pub final_: ResponseCounts,
    pub best: ResponseCounts,
    pub subgroups: Vec<Subgroup>,
    pub subgroup_tests: Vec<SubgroupTest>,
    /// Among responders: KM of time to first response (every responder has the event).
    pub time_to_response: KmMedian,
    /// Among responders: KM of duration of response.
    pub duration_of_response: KmMedian,
    /// MRD (IMWG 2016); absent when no assessment has an MRD result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrd: Option<MrdSection>,
}

/// MRD negativity (IMWG 2016; intention to treat over the response-evaluable patients).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MrdSection {
    /// Evaluable patients with at least one MRD result.
    pub tested: usize,
    /// MRD-negative at any assessment, over all response-evaluable patients.
    pub negative: Rate,
    /// MRD-negative among the evaluable patients with best response >= CR.
    pub negative_among_cr: Rate,
    /// Sustained MRD negativity (consecutive negative results spanning >= 365 days), over
    /// all response-evaluable patients.
    pub sustained: Rate,
    /// Negative results by method (`NGF`, `NGS`, as written, or `unknown`): patients.
    pub negative_by_method: std::collections::BTreeMap<String, usize>,
    /// Negative results by sensitivity (`1e-5`, `1e-6`, as written, or `unknown`): patients.
    pub negative_by_sensitivity: std::collections::BTreeMap<String, usize>,
    /// IMWG MRD categories (Kumar 2016), deepest first: each evaluable patient counted once,
    /// in the deepest category reached, over all response-evaluable patients.
    pub categories: Vec<MrdCategoryCount>,
    /// Evaluable patients in CR whose category is not derivable (a negative result without
    /// sensitivity or method).
    pub not_derivable: usize,
    /// Each response-evaluable patient's category (patient order).
    pub patients: Vec<MrdPatientRow>,
}

/// Patients whose deepest IMWG MRD category is `category`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MrdCategoryCount {
    /// `sustained`, `imaging_plus`, `flow`, `sequencing`.
    pub category: String,
    /// The rule id (`imwg2016.mrd.*`).
    pub rule: String,
    /// Over all response-evaluable patients, exact Clopper-Pearson CI.
    pub rate: Rate,
}

/// One patient's IMWG MRD category (`rules::mrd::PatientMrd`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MrdPatientRow {
    pub basis: String,
    /// Deepest category reached, `none`, or `None` = not derivable.
    pub category: Option<String>,
    /// Every category reached, deepest first.
    pub met: Vec<String>,
    pub patient_id: String,
    /// `reached`, `not_cr`, `no_result`, `no_negative`, `not_qualifying`, `missing_inputs`.
    pub reason: String,
    /// Rule ids of the categories reached.
    pub rules: Vec<String>,
}

/// One KM table row (survfit conventions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KmPoint {
    #[serde(deserialize_with = "f64_or_nan")]
    pub time: f64,
    pub n_risk: usize,
    pub n_event: usize,
    pub n_censor: usize,
    #[serde(deserialize_with = "f64_or_nan")]
    pub surv: f64,
    #[serde(deserialize_with = "f64_or_nan")]
    pub std_err: f64,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Landmark {
    #[serde(deserialize_with = "f64_or_nan")]
    pub time: f64,
    pub surv: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub n_risk: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SurvGroup {
    pub label: String,
    pub n: usize,
    pub events: usize,
    pub median: Option<f64>,
    pub median_ci: [Option<f64>; 2],
    pub landmarks: Vec<Landmark>,
    pub km: Vec<KmPoint>,
    /// Number at risk at each of the parent's `risk_times` (same order).
    pub at_risk: Vec<usize>,
    /// Events before each of the parent's `risk_times` (cumulative; with `at_risk` and
    /// `censored_before` they add up to `n`): the KMunicate table (Morris et al. 2019).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events_before: Vec<usize>,
    /// Patients censored before each of the parent's `risk_times` (cumulative).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub censored_before: Vec<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogRankResult {
    #[serde(deserialize_with = "f64_or_nan")]
    pub chisq: f64,
    pub df: usize,
    #[serde(deserialize_with = "f64_or_nan")]
    pub p: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoxResult {
    pub hr: Option<f64>,
    pub ci: [Option<f64>; 2],
    pub p_wald: Option<f64>,
    pub p_lrt: Option<f64>,
    /// The reference group's label.
    pub reference: String,
    /// Set when the likelihood is monotone (a group without events): HR not estimable.
    pub note: Option<String>,
    /// A grouping with levels (values or bands): each level against `reference` (the first
    /// level), as `coxph(Surv(time, event) ~ factor)`; `p_lrt` is then the global
    /// likelihood-ratio test on k - 1 degrees of freedom. Empty for a yes/no grouping.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<CoxLevel>,
}

/// One level of a grouping against the reference level.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoxLevel {
    /// The level's label (as written, or the band).
    pub level: String,
    pub hr: Option<f64>,
    pub ci: [Option<f64>; 2],
    pub p_wald: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Survival {
    /// `pfs_all`, `os_all`, `pfs_by_prior_lines`, … (docs/results-json.md).
    pub id: String,
    /// `pfs` or `os`.
    pub endpoint: String,
    /// `all` or the grouping's description (`prior_lines >= 3`).
    pub grouping: String,
    pub groups: Vec<SurvGroup>,
    /// Times of the number-at-risk table; also the x-axis ticks of the figure.
    pub risk_times: Vec<f64>,
    pub logrank: Option<LogRankResult>,
    pub cox: Option<CoxResult>,
    /// Why nothing could be estimated (e.g. `no patient has molecular_group`): the report
    /// shows this line instead of an empty figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_estimable: Option<String>,
    /// What the missing data are, as a code: `progression`, or the grouping's column
    /// (`molecular_group`); set with `not_estimable`, so that every report names it in its
    /// own language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// Patients with this endpoint but no value of the grouping: in no group, counted.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_grouped: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MedianRange {
    pub n: usize,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Followup {
    /// Observation time (index to last contact) of all patients.
    pub all: MedianRange,
    /// Of those alive at last contact (the seed paper's "13 (3-27) months").
    pub survivors: MedianRange,
    /// Reverse Kaplan-Meier median (deaths censored).
    pub reverse_km: KmMedian,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Deaths {
    pub n: usize,
    pub of: usize,
    #[serde(deserialize_with = "f64_or_nan")]
    pub fraction: f64,
    pub causes: Vec<Level>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForestRow {
    pub id: String,
    pub label: String,
    pub comparison: String,
    pub n: usize,
    pub events: usize,
    pub hr: Option<f64>,
    pub ci: [Option<f64>; 2],
    pub p: Option<f64>,
    /// The reference level of a factor in a multivariable model's forest plot (HR 1 by
    /// definition); absent from the subgroup forest rows.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reference: bool,
}

/// One row of the adverse-event table: one CTCAE term, each patient counted once at the worst
/// treatment-emergent grade across the recorded and the lab-derived events (docs/clinical-rules.md
/// section 5, "treatment-emergent"); the per-source counts stay in `by_source` for audit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AeRow {
    pub term: String,
    /// `hematologic` or `non_hematologic`.
    pub category: String,
    /// Denominator: the patients analysed.
    pub n: usize,
    /// Patients with the event at any grade (worst grade per patient, both sources).
    pub any: usize,
    pub grade: std::collections::BTreeMap<String, usize>,
    pub grade3plus: usize,
    /// The sources that gave a counted event: `recorded`, `labs` (in that order).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Per source (`recorded`, `labs`), its own counts before merging.
    #[serde(default)]
    pub by_source: std::collections::BTreeMap<String, AeSourceCounts>,
}

/// One source's counts of a term (audit of [`AeRow`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AeSourceCounts {
    /// Denominator: patients analysed (recorded) or with a gradable post-baseline draw (labs).
    pub n: usize,
    /// Patients with a counted (treatment-emergent) event, worst grade per patient.
    pub any: usize,
    pub grade: std::collections::BTreeMap<String, usize>,
    pub grade3plus: usize,
    /// Patients whose events of this term from this source were all left out as not
    /// treatment-emergent: recorded onset before the start of treatment; lab grade not higher
    /// than at baseline.
    pub not_treatment_emergent: usize,
    /// Labs: counted patients already abnormal (grade >= 1) at baseline, whose grade worsened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_abnormal: Option<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HbDrop {
    #[serde(deserialize_with = "f64_or_nan")]
    pub threshold: f64,
    pub n: usize,
    pub of: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SwimmerMark {
    #[serde(deserialize_with = "f64_or_nan")]
    pub time: f64,
    /// Response code, or `PD` / `death`.
    pub kind: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SwimmerRow {
    pub patient_id: String,
    pub regimen: Option<String>,
    /// Bar length: index to last contact.
    #[serde(deserialize_with = "f64_or_nan")]
    pub end: f64,
    pub ongoing: bool,
    pub marks: Vec<SwimmerMark>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WaterfallRow {
    pub patient_id: String,
    /// Best % change from baseline (negative = decrease).
    #[serde(deserialize_with = "f64_or_nan")]
    pub change_pct: f64,
    /// `serum`, `urine` or `dflc`.
    pub measure: String,
    pub best_response: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Methods {
    pub en: String,
    pub zh: String,
}

/// A chi-square test: statistic, degrees of freedom, p.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChisqTest {
    #[serde(deserialize_with = "f64_or_nan")]
    pub chisq: f64,
    pub df: usize,
    #[serde(deserialize_with = "f64_or_nan")]
    pub p: f64,
}

/// One row of a multivariable Cox model: a numeric covariate (no `level`), a factor level
/// against its reference, or the reference level itself (`reference = true`, no HR).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CoxTerm {
    /// The covariate (grouping id or numeric column).
    pub term: String,
    /// The factor level (label); `None` for a numeric covariate.
    pub level: Option<String>,
    /// This row is the factor's reference level.
    pub reference: bool,
    pub hr: Option<f64>,
    pub ci: [Option<f64>; 2],
    /// Wald p.
    pub p: Option<f64>,
    /// Why the HR is not given (infinite coefficient, collinear).
    pub note: Option<String>,
}

/// Harrell's concordance of a Cox model, as R's `concordance` / `summary(coxph)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Concordance {
    #[serde(deserialize_with = "f64_or_nan")]
    pub estimate: f64,
    #[serde(deserialize_with = "f64_or_nan")]
    pub std_err: f64,
}

/// One term of the proportional-hazards test (`cox.zph`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhTerm {
    pub term: String,
    #[serde(deserialize_with = "f64_or_nan")]
    pub chisq: f64,
    pub df: usize,
    #[serde(deserialize_with = "f64_or_nan")]
    pub p: f64,
}

/// The proportional-hazards test of a Cox model (`cox.zph`, default KM transform).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhTest {
    pub terms: Vec<PhTerm>,
    pub global: ChisqTest,
}

/// Patients left out of a model for a missing covariate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MissingCovariate {
    pub covariate: String,
    /// Patients without this covariate (a patient missing two counts under both).
    pub n: usize,
}

/// A multivariable Cox model (`coxph`, Efron ties).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CoxModel {
    pub id: String,
    /// `pfs` or `os`.
    pub endpoint: String,
    /// The covariates, as configured.
    pub covariates: Vec<String>,
    /// Patients in the model (complete cases).
    pub n: usize,
    pub events: usize,
    /// Patients excluded for a missing covariate.
    pub excluded: usize,
    pub missing: Vec<MissingCovariate>,
    pub terms: Vec<CoxTerm>,
    pub lrt: Option<ChisqTest>,
    pub wald: Option<ChisqTest>,
    pub score: Option<ChisqTest>,
    pub concordance: Option<Concordance>,
    pub ph_test: Option<PhTest>,
    /// Monotone likelihood or another caveat of the fit, as R warns.
    pub note: Option<String>,
    /// Why the model could not be fitted at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_estimable: Option<String>,
}

/// One point of a cumulative incidence curve (Aalen-Johansen, R's multi-state `survfit`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CifPoint {
    #[serde(deserialize_with = "f64_or_nan")]
    pub time: f64,
    #[serde(deserialize_with = "f64_or_nan")]
    pub estimate: f64,
    #[serde(deserialize_with = "f64_or_nan")]
    pub std_err: f64,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// Cumulative incidence at a requested time (`None`: beyond the data).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CifAt {
    #[serde(deserialize_with = "f64_or_nan")]
    pub time: f64,
    pub estimate: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// One group of a competing-risks analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CifGroup {
    pub label: String,
    pub n: usize,
    pub events: usize,
    pub competing_events: usize,
    /// The cumulative incidence of the event of interest at each event time.
    pub cif: Vec<CifPoint>,
    /// The cumulative incidence of the competing event (for the stacked figure).
    pub cif_competing: Vec<CifPoint>,
    pub at: Vec<CifAt>,
    /// Number at risk at each of the parent's `risk_times`.
    pub at_risk: Vec<usize>,
}

/// Cumulative incidence of an event with a competing event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompetingRisks {
    pub id: String,
    /// `progression` or `death_without_progression`.
    pub event: String,
    pub competing: String,
    /// `all` or the grouping's description.
    pub grouping: String,
    pub groups: Vec<CifGroup>,
    pub risk_times: Vec<f64>,
    /// Gray's test between the groups (`cmprsk::cuminc`).
    pub gray: Option<ChisqTest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_estimable: Option<String>,
}

/// A point estimate with its CI and p.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contrast {
    pub estimate: Option<f64>,
    pub ci: [Option<f64>; 2],
    pub p: Option<f64>,
}

/// One group's restricted mean survival time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RmstGroup {
    pub label: String,
    pub n: usize,
    pub events: usize,
    pub rmst: Option<f64>,
    pub se: Option<f64>,
    pub ci: [Option<f64>; 2],
    /// The KM curve up to tau (the figure shades the area under it).
    pub km: Vec<KmPoint>,
    /// Number at risk at each of the parent's `risk_times`.
    pub at_risk: Vec<usize>,
}

/// Restricted mean survival time up to `tau` of two groups (`survRM2` contrasts).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rmst {
    pub id: String,
    pub endpoint: String,
    pub grouping: String,
    #[serde(deserialize_with = "f64_or_nan")]
    pub tau: f64,
    pub groups: Vec<RmstGroup>,
    /// Times of the number-at-risk table under the figure (its x ticks, up to tau).
    pub risk_times: Vec<f64>,
    /// First group ("yes") minus second ("no").
    pub difference: Option<Contrast>,
    /// First over second (CI on the log scale).
    pub ratio: Option<Contrast>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_estimable: Option<String>,
}

/// Patients left out of a landmark analysis: their event or last follow-up came at or before
/// the landmark.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExcludedBefore {
    pub n: usize,
    pub events: usize,
}

/// A landmark analysis: the fields of [`Survival`] with times counted from `at`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LandmarkAnalysis {
    pub id: String,
    pub endpoint: String,
    /// The landmark, in the report's unit after the index date.
    #[serde(deserialize_with = "f64_or_nan")]
    pub at: f64,
    pub excluded_before: ExcludedBefore,
    pub grouping: String,
    pub groups: Vec<SurvGroup>,
    pub risk_times: Vec<f64>,
    pub logrank: Option<LogRankResult>,
    pub cox: Option<CoxResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_estimable: Option<String>,
}

impl LandmarkAnalysis {
    /// The same numbers as a [`Survival`] (renderers draw it as any KM figure).
    pub fn as_survival(&self) -> Survival {
        Survival {
            id: self.id.clone(),
            endpoint: self.endpoint.clone(),
            grouping: self.grouping.clone(),
            groups: self.groups.clone(),
            risk_times: self.risk_times.clone(),
            logrank: self.logrank.clone(),
            cox: self.cox.clone(),
            not_estimable: self.not_estimable.clone(),
            not_grouped: 0,
            missing: None,
        }
    }
}

/// A warning attached to one analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalysisWarning {
    /// `immortal_time`.
    pub kind: String,
    /// `survival`, `forest`, `cox_models`, `competing_risks` or `rmst`.
    pub section: String,
    /// The analysis's id.
    pub analysis: String,
    /// The grouping known only after the index date.
    pub grouping: String,
    /// The landmark analysis of the same endpoint and grouping, when configured.
    pub landmark: Option<String>,
    /// The warning in English (the report words it from its label catalog).
    pub message: String,
}
