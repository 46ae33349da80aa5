//! The derived per-patient datasets, named after CDISC ADaM so that a statistician can
//! re-analyse in R or SAS: ADSL (one row per patient), ADTTE (one row per patient and
//! time-to-event parameter), ADRS (every response), ADAE (every adverse event).

//!
//! The row types live here, beside `Results` that carries them; they are built by
//! `mmreport_analysis::adam`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdslRow {
    #[serde(rename = "USUBJID")]
    pub usubjid: String,
    #[serde(rename = "SEX")]
    pub sex: Option<String>,
    #[serde(rename = "AGE")]
    pub age: Option<f64>,
    #[serde(rename = "AGEDERIV")]
    pub age_derived: bool,
    /// Empty for a patient analysed from durations (no dates).
    #[serde(rename = "TRTSDT")]
    pub index_date: Option<String>,
    #[serde(rename = "REGIMEN")]
    pub regimen: Option<String>,
    #[serde(rename = "CYCLES")]
    pub cycles_completed: Option<u32>,
    #[serde(rename = "PRIORLN")]
    pub prior_lines: Option<u32>,
    #[serde(rename = "EVALFL")]
    pub response_evaluable: String,
    #[serde(rename = "FINALRSP")]
    pub final_response: Option<String>,
    #[serde(rename = "BESTRSP")]
    pub best_response: Option<String>,
    /// Empty without progression data (durations without `pfs_time`).
    #[serde(rename = "PFSMO")]
    pub pfs_time: Option<f64>,
    #[serde(rename = "PFSEVFL")]
    pub pfs_event: Option<String>,
    #[serde(rename = "OSMO")]
    #[serde(deserialize_with = "crate::results::f64_or_nan")]
    pub os_time: f64,
    #[serde(rename = "OSEVFL")]
    pub os_event: String,
    #[serde(rename = "FUMO")]
    #[serde(deserialize_with = "crate::results::f64_or_nan")]
    pub followup_time: f64,
    #[serde(rename = "ALIVEFL")]
    pub alive: String,
    /// Configured groupings as `id=level` pairs (`yes`/`no`, or the value).
    #[serde(rename = "GROUPS")]
    pub groups: String,
    /// Responses at the checkpoints as `C2=PR;C4=SD`.
    #[serde(rename = "CHECKPTS")]
    pub checkpoints: String,
    /// High risk by the configured definition (`rules.high_risk_definition`): `Y`, `N`, or
    /// `null` when not derivable.
    #[serde(rename = "HRFL", default)]
    pub high_risk: Option<String>,
    /// Triple-class refractory (Gandhi 2019): `Y`, `N`, or `null` when not derivable.
    #[serde(rename = "TCRFL", default)]
    pub triple_class_refractory: Option<String>,
    /// Penta-refractory: `Y`, `N`, or `null` when not derivable.
    #[serde(rename = "PENTARFL", default)]
    pub penta_refractory: Option<String>,
    /// Triple-class exposed: `Y`, `N`, or `null` when not derivable.
    #[serde(rename = "TCEFL", default)]
    pub triple_class_exposed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdtteRow {
    #[serde(rename = "USUBJID")]
    pub usubjid: String,
    #[serde(rename = "PARAMCD")]
    pub paramcd: String,
    /// Time in the report's unit (months).
    #[serde(rename = "AVAL")]
    #[serde(deserialize_with = "crate::results::f64_or_nan")]
    pub aval: f64,
    #[serde(rename = "AVALU")]
    pub avalu: String,
    #[serde(rename = "ADY")]
    pub days: i64,
    /// 0 = event, 1 = censored (ADaM convention).
    #[serde(rename = "CNSR")]
    pub cnsr: u8,
    #[serde(rename = "STARTDT")]
    pub start_date: Option<String>,
    #[serde(rename = "EVNTDT")]
    pub event_date: Option<String>,
    #[serde(rename = "CNSDT")]
    pub censor_date: Option<String>,
    #[serde(rename = "EVNTDESC")]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdrsRow {
    #[serde(rename = "USUBJID")]
    pub usubjid: String,
    #[serde(rename = "AVISITN")]
    pub after_cycle: Option<u32>,
    #[serde(rename = "ADT")]
    pub date: Option<String>,
    #[serde(rename = "AVALC")]
    pub response: Option<String>,
    #[serde(rename = "SPROT")]
    pub serum_m_protein: Option<f64>,
    #[serde(rename = "UPROT")]
    pub urine_m_protein: Option<f64>,
    #[serde(rename = "IFLC")]
    pub involved_flc: Option<f64>,
    #[serde(rename = "UFLC")]
    pub uninvolved_flc: Option<f64>,
    #[serde(rename = "IFENEG")]
    pub immunofixation_negative: Option<bool>,
    #[serde(rename = "BMPC")]
    pub bm_plasma_cell_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdaeRow {
    #[serde(rename = "USUBJID")]
    pub usubjid: String,
    /// `recorded` (adverse_events sheet) or `labs` (graded from lab draws).
    #[serde(rename = "SOURCE")]
    pub source: String,
    /// The term as written.
    #[serde(rename = "AETERM")]
    pub term: Option<String>,
    /// The CTCAE v5 term.
    #[serde(rename = "AEDECOD")]
    pub decod: Option<String>,
    #[serde(rename = "AETOXGR")]
    pub grade: Option<u8>,
    #[serde(rename = "BTOXGR")]
    pub baseline_grade: Option<u8>,
    #[serde(rename = "ACYCLE")]
    pub cycle: Option<u32>,
    #[serde(rename = "ASTDT")]
    pub onset_date: Option<String>,
    #[serde(rename = "AESER")]
    pub serious: Option<bool>,
}

/// All four datasets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Datasets {
    pub adsl: Vec<AdslRow>,
    pub adtte: Vec<AdtteRow>,
    pub adrs: Vec<AdrsRow>,
    pub adae: Vec<AdaeRow>,
}
