//! [`RulesConfig`]: every threshold of the clinical rule sets as data.
//!
//! The defaults live in `config/rules.toml` only (embedded at compile time and parsed by
//! [`RulesConfig::embedded`]); each TOML section names its source. Unknown keys are rejected
//! (`deny_unknown_fields`) so that a misspelt threshold is an error, not a silent default.
//! The criteria version is chosen here (`criteria_version = "imwg2016"`): a later IMWG update
//! is a new rule set and a new variant of [`CriteriaVersion`], not an edit of these numbers.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The default configuration, as shipped.
pub const EMBEDDED_RULES_TOML: &str = include_str!("../../../config/rules.toml");

/// Error reading a rules configuration.
#[derive(Debug, thiserror::Error)]
pub enum RulesConfigError {
    #[error("rules configuration: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("rules configuration: {0}")]
    Invalid(String),
}

/// Response / disease-state criteria version (rule-set id prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CriteriaVersion {
    /// IMWG 2016 (Kumar, Lancet Oncol 2016;17:e328) with IMWG 2014 diagnosis
    /// (Rajkumar, Lancet Oncol 2014;15:e538).
    #[serde(rename = "imwg2016")]
    Imwg2016,
}

impl CriteriaVersion {
    pub fn as_str(&self) -> &'static str {
        match self {
            CriteriaVersion::Imwg2016 => "imwg2016",
        }
    }
}

/// CTCAE version (rule-set id prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CtcaeVersion {
    /// NCI CTCAE v5.0 (2017).
    #[serde(rename = "ctcae5")]
    Ctcae5,
    /// NCI CTCAE v6.0 (2025); thresholds in `[ctcae6]`.
    #[serde(rename = "ctcae6")]
    Ctcae6,
}

impl CtcaeVersion {
    pub fn as_str(&self) -> &'static str {
        match self {
            CtcaeVersion::Ctcae5 => "ctcae5",
            CtcaeVersion::Ctcae6 => "ctcae6",
        }
    }
}

/// The high-risk definition of Table 1, ADSL and `validation.high_risk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HighRiskDefinition {
    /// Any abnormality of `[staging] high_risk_fish` (IMWG 2016: Sonneveld, Blood
    /// 2016;127:2955).
    #[serde(rename = "imwg2016")]
    Imwg2016,
    /// IMS/IMWG consensus (Avet-Loiseau et al., J Clin Oncol 2025;43:2739).
    #[serde(rename = "ims_imwg2025")]
    ImsImwg2025,
}

impl HighRiskDefinition {
    pub fn as_str(&self) -> &'static str {
        match self {
            HighRiskDefinition::Imwg2016 => "imwg2016",
            HighRiskDefinition::ImsImwg2025 => "ims_imwg2025",
        }
    }
}

/// Thresholds of the IMS/IMWG 2025 high-risk definition (Avet-Loiseau et al., J Clin Oncol
/// 2025;43:2739).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HighRisk2025Config {
    /// del(17p) counts when its clonal fraction is above this (percent).
    pub del17p_fraction_above_pct: f64,
    /// β2-microglobulin at or above this (mg/L) ...
    pub b2m_mg_l: f64,
    /// ... with creatinine below this (µmol/L; 1.2 mg/dL).
    pub creatinine_normal_below_umol_l: f64,
}

/// Which response the analyses use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResponseSource {
    /// The clinician's recorded response (default).
    Recorded,
    /// The response derived from the measurements by the IMWG 2016 table.
    Derived,
}

/// A FISH abnormality that can be named in a high-risk list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FishMarker {
    #[serde(rename = "del17p")]
    Del17p,
    #[serde(rename = "t4_14")]
    T4_14,
    #[serde(rename = "t14_16")]
    T14_16,
    #[serde(rename = "t14_20")]
    T14_20,
    #[serde(rename = "gain1q", alias = "1q_gain")]
    Gain1q,
    #[serde(rename = "del13q")]
    Del13q,
    #[serde(rename = "t11_14")]
    T11_14,
    #[serde(rename = "igh")]
    Igh,
}

impl FishMarker {
    /// Name as a clinician writes it.
    pub fn label(&self) -> &'static str {
        match self {
            FishMarker::Del17p => "del(17p)",
            FishMarker::T4_14 => "t(4;14)",
            FishMarker::T14_16 => "t(14;16)",
            FishMarker::T14_20 => "t(14;20)",
            FishMarker::Gain1q => "1q gain",
            FishMarker::Del13q => "del(13q)",
            FishMarker::T11_14 => "t(11;14)",
            FishMarker::Igh => "IgH",
        }
    }
}

/// Everything the rule sets need, with the defaults of `config/rules.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    pub criteria_version: CriteriaVersion,
    pub ctcae_version: CtcaeVersion,
    pub response_source: ResponseSource,
    pub high_risk_definition: HighRiskDefinition,
    pub disease_state: DiseaseStateConfig,
    pub relapse_evidence: RelapseEvidenceConfig,
    pub diagnosis: DiagnosisConfig,
    pub response: ResponseConfig,
    pub ctcae: CtcaeConfig,
    /// NCI CTCAE v6.0 (2025), used when `ctcae_version = "ctcae6"`.
    pub ctcae6: CtcaeConfig,
    pub staging: StagingConfig,
    pub high_risk_2025: HighRisk2025Config,
    pub refractoriness: RefractorinessConfig,
    /// IMWG MRD response categories (Kumar, Lancet Oncol 2016;17:e328).
    pub mrd: MrdConfig,
    pub plausibility: PlausibilityConfig,
    pub ae_terms: AeTermsConfig,
}

/// Drug classes of the refractoriness classification (Gandhi et al., Leukemia 2019;33:2266,
/// MAMMOTH): generic drug names per class, known drugs outside the classes, and the
/// penta-refractory counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefractorinessConfig {
    /// Proteasome inhibitors.
    pub pi: Vec<String>,
    /// Immunomodulatory drugs.
    pub imid: Vec<String>,
    /// Anti-CD38 monoclonal antibodies.
    pub anti_cd38: Vec<String>,
    /// Known drugs outside the three classes (no finding when listed).
    pub other_drugs: Vec<String>,
    pub penta_pi: u32,
    pub penta_imid: u32,
    pub penta_anti_cd38: u32,
}

/// IMWG MRD response categories (Kumar et al., Lancet Oncol 2016;17:e328): the minimum
/// sensitivity of a negative result (1 in 10^5 nucleated cells or higher), the days that
/// confirm sustained negativity (one year), and whether sustained negativity needs the
/// imaging (PET/CT) negativity too, as the IMWG wording has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MrdConfig {
    /// A negative result counts when its sensitivity is this or finer (1e-5 counts, 1e-4 not).
    pub min_sensitivity: f64,
    /// First and last negative results at least this many days apart: sustained.
    pub sustained_days: i64,
    /// Sustained MRD negativity needs marrow and imaging negativity (IMWG 2016 wording).
    pub sustained_requires_imaging: bool,
}

/// Rajkumar, Blood 2011;117:4691; Kumar 2016.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiseaseStateConfig {
    pub refractory_window_days: i64,
    pub progression_date_window_days: i64,
}

/// Kumar 2016, clinical relapse criteria.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelapseEvidenceConfig {
    pub calcium_mmol_l: f64,
    pub hb_drop_g_l: f64,
    pub creatinine_rise_umol_l: f64,
}

/// Rajkumar, Lancet Oncol 2014;15:e538.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisConfig {
    pub clonal_bm_pct: f64,
    pub calcium_mmol_l: f64,
    pub calcium_above_uln_mmol_l: f64,
    #[serde(default)]
    pub calcium_uln_mmol_l: Option<f64>,
    pub creatinine_umol_l: f64,
    pub crcl_ml_min: f64,
    pub hb_g_l: f64,
    pub hb_below_lln_g_l: f64,
    pub bm_pct_s: f64,
    pub flc_ratio: f64,
    pub involved_flc_mg_l: f64,
}

/// Kumar, Lancet Oncol 2016;17:e328.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseConfig {
    pub measurable_serum_g_l: f64,
    pub measurable_urine_mg_24h: f64,
    pub measurable_flc_mg_l: f64,
    pub flc_ratio_lower: f64,
    pub flc_ratio_upper: f64,
    pub marrow_baseline_min_pct: f64,
    pub cr_bm_pct_below: f64,
    pub scr_clonal_bm_pct_max: f64,
    pub vgpr_serum_reduction_pct: f64,
    pub vgpr_urine_below_mg_24h: f64,
    pub vgpr_dflc_reduction_pct: f64,
    pub pr_serum_reduction_pct: f64,
    pub pr_urine_reduction_pct: f64,
    pub pr_urine_below_mg_24h: f64,
    pub pr_dflc_reduction_pct: f64,
    pub pr_marrow_reduction_pct: f64,
    pub pr_spd_reduction_pct: f64,
    pub mr_serum_reduction_pct: f64,
    pub mr_urine_reduction_pct: f64,
    pub mr_spd_reduction_pct: f64,
    pub pd_increase_pct: f64,
    pub pd_serum_abs_g_l: f64,
    pub pd_serum_abs_high_nadir_g_l: f64,
    pub pd_serum_high_nadir_g_l: f64,
    pub pd_urine_abs_mg_24h: f64,
    pub pd_dflc_abs_mg_l: f64,
    pub pd_marrow_abs_points: f64,
    pub pd_spd_increase_pct: f64,
    pub confirmation_assessments: u32,
}

/// A "decreased" CTCAE lab term: grade 1 below the LLN, grades 2-4 below fixed cut-offs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecreasedTermConfig {
    #[serde(default)]
    pub lln_female: Option<f64>,
    #[serde(default)]
    pub lln_male: Option<f64>,
    /// A fixed grade-1 cut-off instead of the LLN (CTCAE v6 neutrophils: < 1.5 × 10^9/L).
    #[serde(default)]
    pub g1_below: Option<f64>,
    pub g2_below: f64,
    pub g3_below: f64,
    #[serde(default)]
    pub g4_below: Option<f64>,
}

/// "Creatinine increased": multiples of the ULN and of the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatinineTermConfig {
    #[serde(default)]
    pub uln_female: Option<f64>,
    #[serde(default)]
    pub uln_male: Option<f64>,
    pub g2_uln_multiple: f64,
    pub g3_uln_multiple: f64,
    pub g4_uln_multiple: f64,
    pub g2_baseline_multiple: f64,
    pub g3_baseline_multiple: f64,
    /// CTCAE v6: the `× baseline` criteria apply only when the baseline is below the LLN.
    #[serde(default)]
    pub baseline_criteria_below_lln_only: bool,
    #[serde(default)]
    pub lln_female: Option<f64>,
    #[serde(default)]
    pub lln_male: Option<f64>,
}

/// NCI CTCAE v5.0 (2017).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CtcaeConfig {
    pub wbc: DecreasedTermConfig,
    pub neutrophils: DecreasedTermConfig,
    pub lymphocytes: DecreasedTermConfig,
    pub platelets: DecreasedTermConfig,
    pub hemoglobin: DecreasedTermConfig,
    pub creatinine: CreatinineTermConfig,
}

/// D'Agostino, JCO 2022;40:3406.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct R2IssConfig {
    pub iss2: f64,
    pub iss3: f64,
    pub del17p: f64,
    pub ldh_high: f64,
    pub t4_14: f64,
    pub gain1q: f64,
    pub group2_min: f64,
    pub group3_min: f64,
    pub group4_min: f64,
}

/// Greipp 2005, Palumbo 2015, D'Agostino 2022, Durie & Salmon 1975, Sonneveld 2016.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagingConfig {
    pub iss_b2m_low_mg_l: f64,
    pub iss_albumin_g_l: f64,
    pub iss_b2m_high_mg_l: f64,
    pub ldh_uln_u_l: f64,
    pub r_iss_high_risk_fish: Vec<FishMarker>,
    pub high_risk_fish: Vec<FishMarker>,
    pub ds_creatinine_umol_l: f64,
    pub r2_iss: R2IssConfig,
}

/// An inclusive plausible range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

impl Range {
    pub fn contains(&self, v: f64) -> bool {
        v >= self.min && v <= self.max
    }
}

/// Physiological plausibility ranges, canonical units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlausibilityConfig {
    pub calcium: Range,
    pub creatinine: Range,
    pub crcl: Range,
    pub beta2_microglobulin: Range,
    pub albumin: Range,
    pub ldh: Range,
    pub esr: Range,
    pub hemoglobin: Range,
    pub wbc: Range,
    pub neutrophils: Range,
    pub lymphocytes: Range,
    pub platelets: Range,
    pub bm_plasma_cell_pct: Range,
    pub serum_m_protein: Range,
    pub urine_m_protein: Range,
    pub flc: Range,
    pub plasmacytoma_spd: Range,
}

/// CTCAE term list and the map from other spellings (Chinese) to CTCAE terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AeTermsConfig {
    pub known: Vec<String>,
    pub map: BTreeMap<String, String>,
    /// CTCAE v5 terms renamed in v6 (applied under `ctcae_version = "ctcae6"`).
    #[serde(default)]
    pub v6_renames: BTreeMap<String, String>,
}

impl RulesConfig {
    /// The lab-grading thresholds of the configured CTCAE version.
    pub fn ctcae_table(&self) -> &CtcaeConfig {
        match self.ctcae_version {
            CtcaeVersion::Ctcae5 => &self.ctcae,
            CtcaeVersion::Ctcae6 => &self.ctcae6,
        }
    }

    /// Parses a rules configuration merged over `config/rules.toml`, the one source of the
    /// defaults: tables merge key by key (as a site config merges over the built-in one), any
    /// other value replaces the default (a given `ae_terms.known` list replaces the list).
    pub fn from_toml_str(s: &str) -> Result<Self, RulesConfigError> {
        let mut doc: toml::Table = toml::from_str(EMBEDDED_RULES_TOML)?;
        crate::merge::merge(&mut doc, toml::from_str(s)?)
            .map_err(|e| RulesConfigError::Invalid(e.to_string()))?;
        let cfg: RulesConfig = toml::Value::Table(doc).try_into()?;
        cfg.check()?;
        Ok(cfg)
    }

    /// The embedded default (`config/rules.toml`).
    pub fn embedded() -> Result<Self, RulesConfigError> {
        Self::from_toml_str("")
    }

    /// Sanity checks that serde cannot express.
    /// `[mrd]`: a sensitivity is a fraction of cells, sustained negativity spans days.
    fn check_mrd(&self) -> Result<(), RulesConfigError> {
        let m = &self.mrd;
        if !(m.min_sensitivity > 0.0 && m.min_sensitivity < 1.0) || m.sustained_days < 1 {
            return Err(RulesConfigError::Invalid(
                "mrd: min_sensitivity must lie in (0, 1) and sustained_days be at least 1".into(),
            ));
        }
        Ok(())
    }

    pub fn check(&self) -> Result<(), RulesConfigError> {
        let r = &self.response;
        if r.flc_ratio_lower <= 0.0 || r.flc_ratio_lower >= r.flc_ratio_upper {
            return Err(RulesConfigError::Invalid(
                "response.flc_ratio_lower must be > 0 and below flc_ratio_upper".into(),
            ));
        }
        if r.confirmation_assessments == 0 {
            return Err(RulesConfigError::Invalid(
                "response.confirmation_assessments must be at least 1".into(),
            ));
        }
        for (table, c) in [("ctcae", &self.ctcae), ("ctcae6", &self.ctcae6)] {
            for (name, t) in [
                ("wbc", &c.wbc),
                ("neutrophils", &c.neutrophils),
                ("lymphocytes", &c.lymphocytes),
                ("platelets", &c.platelets),
                ("hemoglobin", &c.hemoglobin),
            ] {
                let g4 = t.g4_below.unwrap_or(f64::NEG_INFINITY);
                let g1 = t.g1_below.unwrap_or(f64::INFINITY);
                if !(g4 <= t.g3_below && t.g3_below <= t.g2_below && t.g2_below <= g1) {
                    return Err(RulesConfigError::Invalid(format!(
                        "{table}.{name}: cut-offs must satisfy g4_below <= g3_below <= \
                         g2_below <= g1_below"
                    )));
                }
            }
        }
        let rf = &self.refractoriness;
        let mut seen = std::collections::BTreeSet::new();
        for d in rf
            .pi
            .iter()
            .chain(&rf.imid)
            .chain(&rf.anti_cd38)
            .chain(&rf.other_drugs)
        {
            if !seen.insert(d.as_str()) {
                return Err(RulesConfigError::Invalid(format!(
                    "refractoriness: drug {d:?} is listed twice"
                )));
            }
        }
        self.check_mrd()?;
        let p = &self.plausibility;
        for (name, rg) in [
            ("calcium", p.calcium),
            ("creatinine", p.creatinine),
            ("crcl", p.crcl),
            ("beta2_microglobulin", p.beta2_microglobulin),
            ("albumin", p.albumin),
            ("ldh", p.ldh),
            ("esr", p.esr),
            ("hemoglobin", p.hemoglobin),
            ("wbc", p.wbc),
            ("neutrophils", p.neutrophils),
            ("lymphocytes", p.lymphocytes),
            ("platelets", p.platelets),
            ("bm_plasma_cell_pct", p.bm_plasma_cell_pct),
            ("serum_m_protein", p.serum_m_protein),
            ("urine_m_protein", p.urine_m_protein),
            ("flc", p.flc),
            ("plasmacytoma_spd", p.plasmacytoma_spd),
        ] {
            if rg.min > rg.max {
                return Err(RulesConfigError::Invalid(format!(
                    "plausibility.{name}: min is above max"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_parses() {
        let cfg = RulesConfig::embedded().unwrap();
        assert_eq!(cfg.disease_state.refractory_window_days, 60);
        assert_eq!(cfg.criteria_version, CriteriaVersion::Imwg2016);
        assert_eq!(cfg.response_source, ResponseSource::Recorded);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let bad = EMBEDDED_RULES_TOML.replace(
            "refractory_window_days = 60",
            "refractory_window_days = 60\nrefractory_windw = 3",
        );
        assert!(RulesConfig::from_toml_str(&bad).is_err());
        let bad_version = EMBEDDED_RULES_TOML.replace(
            "criteria_version = \"imwg2016\"",
            "criteria_version = \"imwg2030\"",
        );
        assert!(RulesConfig::from_toml_str(&bad_version).is_err());
    }

    #[test]
    fn partial_configuration_keeps_other_defaults() {
        let cfg = RulesConfig::from_toml_str(
            "response_source = \"derived\"\n[response]\npd_increase_pct = 20.0\n\
             [staging.r2_iss]\ngain1q = 1.0\n",
        )
        .unwrap();
        assert_eq!(cfg.response_source, ResponseSource::Derived);
        assert_eq!(cfg.response.pd_increase_pct, 20.0);
        assert_eq!(cfg.response.pd_serum_abs_g_l, 5.0);
        assert_eq!(cfg.staging.r2_iss.gain1q, 1.0);
        assert_eq!(cfg.staging.r2_iss.iss3, 1.5);
        let builtin = RulesConfig::embedded().unwrap();
        assert_eq!(cfg.ctcae, builtin.ctcae);
        assert!(RulesConfig::from_toml_str("[response]\npd_increse_pct = 20.0").is_err());
        // a written [ctcae.<lab>] table merges key by key, like every table of a site config
        let cfg = RulesConfig::from_toml_str("[ctcae.platelets]\ng4_below = 20.0\n").unwrap();
        assert_eq!(cfg.ctcae.platelets.g4_below, Some(20.0));
        assert_eq!(
            cfg.ctcae.platelets.g3_below,
            builtin.ctcae.platelets.g3_below
        );
        assert_eq!(
            cfg.ctcae.platelets.lln_male,
            builtin.ctcae.platelets.lln_male
        );
        assert_eq!(cfg.ctcae.wbc, builtin.ctcae.wbc);
    }

    #[test]
    fn response_source_switch() {
        let s = EMBEDDED_RULES_TOML.replace(
            "response_source = \"recorded\"",
            "response_source = \"derived\"",
        );
        let cfg = RulesConfig::from_toml_str(&s).unwrap();
        assert_eq!(cfg.response_source, ResponseSource::Derived);
    }

    #[test]
    fn inverted_cutoffs_are_rejected() {
        let s = "[ctcae.platelets]\ng2_below = 45.0\n";
        assert!(matches!(
            RulesConfig::from_toml_str(s),
            Err(RulesConfigError::Invalid(_))
        ));
    }
}
