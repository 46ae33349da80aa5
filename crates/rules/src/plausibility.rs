//! Physiological plausibility of every lab value (rule set `plausibility`): a value outside
//! its configured range (`[plausibility]` in `config/rules.toml`, canonical units) is a
//! warning finding on its cell, suggesting a unit or typing error. Values are never clamped or
//! changed: the finding only points at them. Non-finite numbers are reported the same way.

use super::config::{Range, RulesConfig};
use super::{finding, num, Num, RuleInfo};
use crate::model::{Assessment, Finding, LabDraw, Patient, Severity, Val};

/// Calcium outside the plausible range (mmol/L). Source: mmreport config. Version plausibility.
pub const CALCIUM: &str = "plausibility.calcium";
/// Creatinine (µmol/L). Source: mmreport config. Version plausibility.
pub const CREATININE: &str = "plausibility.creatinine";
/// Creatinine clearance (mL/min). Source: mmreport config. Version plausibility.
pub const CRCL: &str = "plausibility.crcl";
/// β2-microglobulin (mg/L). Source: mmreport config. Version plausibility.
pub const BETA2_MICROGLOBULIN: &str = "plausibility.beta2_microglobulin";
/// Albumin (g/L). Source: mmreport config. Version plausibility.
pub const ALBUMIN: &str = "plausibility.albumin";
/// LDH (U/L). Source: mmreport config. Version plausibility.
pub const LDH: &str = "plausibility.ldh";
/// ESR (mm/h). Source: mmreport config. Version plausibility.
pub const ESR: &str = "plausibility.esr";
/// Hemoglobin (g/L). Source: mmreport config. Version plausibility.
pub const HEMOGLOBIN: &str = "plausibility.hemoglobin";
/// WBC (10^9/L). Source: mmreport config. Version plausibility.
pub const WBC: &str = "plausibility.wbc";
/// Neutrophils (10^9/L). Source: mmreport config. Version plausibility.
pub const NEUTROPHILS: &str = "plausibility.neutrophils";
/// Lymphocytes (10^9/L). Source: mmreport config. Version plausibility.
pub const LYMPHOCYTES: &str = "plausibility.lymphocytes";
/// Platelets (10^9/L). Source: mmreport config. Version plausibility.
pub const PLATELETS: &str = "plausibility.platelets";
/// Marrow plasma cells (%). Source: mmreport config. Version plausibility.
pub const BM_PLASMA_CELL_PCT: &str = "plausibility.bm_plasma_cell_pct";
/// Serum M-protein (g/L), also the entry nadir / relapse values. Source: mmreport config.
/// Version plausibility.
pub const SERUM_M_PROTEIN: &str = "plausibility.serum_m_protein";
/// Urine M-protein (mg/24 h). Source: mmreport config. Version plausibility.
pub const URINE_M_PROTEIN: &str = "plausibility.urine_m_protein";
/// Free light chains (mg/L). Source: mmreport config. Version plausibility.
pub const FLC: &str = "plausibility.flc";
/// Plasmacytoma SPD (cm²). Source: mmreport config. Version plausibility.
pub const PLASMACYTOMA_SPD: &str = "plausibility.plasmacytoma_spd";

const SRC: &str = "mmreport configuration ([plausibility] in config/rules.toml)";

macro_rules! info {
    ($id:expr, $s:expr) => {
        RuleInfo {
            id: $id,
            version: "plausibility",
            source: SRC,
            summary: $s,
        }
    };
}

/// This module's rules as data.
pub const RULES: &[RuleInfo] = &[
    info!(CALCIUM, "calcium outside the plausible range"),
    info!(CREATININE, "creatinine outside the plausible range"),
    info!(CRCL, "creatinine clearance outside the plausible range"),
    info!(
        BETA2_MICROGLOBULIN,
        "β2-microglobulin outside the plausible range"
    ),
    info!(ALBUMIN, "albumin outside the plausible range"),
    info!(LDH, "LDH outside the plausible range"),
    info!(ESR, "ESR outside the plausible range"),
    info!(HEMOGLOBIN, "hemoglobin outside the plausible range"),
    info!(WBC, "WBC outside the plausible range"),
    info!(NEUTROPHILS, "neutrophils outside the plausible range"),
    info!(LYMPHOCYTES, "lymphocytes outside the plausible range"),
    info!(PLATELETS, "platelets outside the plausible range"),
    info!(BM_PLASMA_CELL_PCT, "marrow plasma cells outside 0-100%"),
    info!(
        SERUM_M_PROTEIN,
        "serum M-protein outside the plausible range"
    ),
    info!(
        URINE_M_PROTEIN,
        "urine M-protein outside the plausible range"
    ),
    info!(FLC, "free light chain outside the plausible range"),
    info!(
        PLASMACYTOMA_SPD,
        "plasmacytoma SPD outside the plausible range"
    ),
];

/// Whether a value is plausible (inclusive range, finite).
pub fn is_plausible(v: f64, range: Range) -> bool {
    v.is_finite() && range.contains(v)
}

struct Check<'a> {
    rule: &'static str,
    column: &'static str,
    unit: &'static str,
    range: Range,
    val: Option<&'a Val<f64>>,
}

fn run(pid: &str, checks: &[Check<'_>], out: &mut Vec<Finding>) {
    for c in checks {
        let Some(v) = c.val else { continue };
        if is_plausible(v.v, c.range) {
            continue;
        }
        out.push(
            finding(
                Severity::Warning,
                c.rule,
                Some(v.at),
                c.column,
                pid,
                format!(
                    "{} {} {} is outside the plausible range {}-{} {}: check the value and its unit \
                     (kept as entered)",
                    c.column,
                    Num(v.v),
                    c.unit,
                    Num(c.range.min),
                    Num(c.range.max),
                    c.unit
                ),
            )
            .with_value(num(v.v))
            .with_param("number", Num(v.v).to_string())
            .with_param("unit", c.unit)
            .with_param("min", Num(c.range.min).to_string())
            .with_param("max", Num(c.range.max).to_string()),
        );
    }
}

macro_rules! chk {
    ($rule:expr, $col:expr, $unit:expr, $range:expr, $val:expr) => {
        Check {
            rule: $rule,
            column: $col,
            unit: $unit,
            range: $range,
            val: $val.as_ref(),
        }
    };
}

/// Patient-level values.
pub fn patient_findings(p: &Patient, cfg: &RulesConfig) -> Vec<Finding> {
    let r = &cfg.plausibility;
    let mut out = Vec::new();
    run(
        &p.patient_id,
        &[
            chk!(
                BM_PLASMA_CELL_PCT,
                "bm_plasma_cell_pct",
                "%",
                r.bm_plasma_cell_pct,
                p.bm_plasma_cell_pct
            ),
            chk!(CALCIUM, "calcium", "mmol/L", r.calcium, p.calcium),
            chk!(
                CREATININE,
                "creatinine",
                "µmol/L",
                r.creatinine,
                p.creatinine
            ),
            chk!(CRCL, "crcl", "mL/min", r.crcl, p.crcl),
            chk!(
                BETA2_MICROGLOBULIN,
                "beta2_microglobulin",
                "mg/L",
                r.beta2_microglobulin,
                p.beta2_microglobulin
            ),
            chk!(ALBUMIN, "albumin", "g/L", r.albumin, p.albumin),
            chk!(LDH, "ldh", "U/L", r.ldh, p.ldh),
            chk!(ESR, "esr", "mm/h", r.esr, p.esr),
            chk!(HEMOGLOBIN, "hemoglobin", "g/L", r.hemoglobin, p.hemoglobin),
            chk!(WBC, "wbc", "× 10^9/L", r.wbc, p.wbc),
            chk!(PLATELETS, "platelets", "× 10^9/L", r.platelets, p.platelets),
            chk!(
                SERUM_M_PROTEIN,
                "m_protein_nadir",
                "g/L",
                r.serum_m_protein,
                p.m_protein_nadir
            ),
            chk!(
                SERUM_M_PROTEIN,
                "m_protein_at_relapse",
                "g/L",
                r.serum_m_protein,
                p.m_protein_at_relapse
            ),
        ],
        &mut out,
    );
    out
}

/// Assessment values.
pub fn assessment_findings(a: &Assessment, cfg: &RulesConfig) -> Vec<Finding> {
    let r = &cfg.plausibility;
    let mut out = Vec::new();
    run(
        &a.patient_id,
        &[
            chk!(
                SERUM_M_PROTEIN,
                "serum_m_protein",
                "g/L",
                r.serum_m_protein,
                a.serum_m_protein
            ),
            chk!(
                URINE_M_PROTEIN,
                "urine_m_protein",
                "mg/24h",
                r.urine_m_protein,
                a.urine_m_protein
            ),
            chk!(FLC, "involved_flc", "mg/L", r.flc, a.involved_flc),
            chk!(FLC, "uninvolved_flc", "mg/L", r.flc, a.uninvolved_flc),
            chk!(
                BM_PLASMA_CELL_PCT,
                "bm_plasma_cell_pct",
                "%",
                r.bm_plasma_cell_pct,
                a.bm_plasma_cell_pct
            ),
            chk!(
                PLASMACYTOMA_SPD,
                "plasmacytoma_spd",
                "cm²",
                r.plasmacytoma_spd,
                a.plasmacytoma_spd
            ),
            chk!(CALCIUM, "calcium", "mmol/L", r.calcium, a.calcium),
            chk!(HEMOGLOBIN, "hemoglobin", "g/L", r.hemoglobin, a.hemoglobin),
            chk!(
                CREATININE,
                "creatinine",
                "µmol/L",
                r.creatinine,
                a.creatinine
            ),
        ],
        &mut out,
    );
    out
}

/// Lab-draw values.
pub fn lab_findings(l: &LabDraw, cfg: &RulesConfig) -> Vec<Finding> {
    let r = &cfg.plausibility;
    let mut out = Vec::new();
    run(
        &l.patient_id,
        &[
            chk!(WBC, "wbc", "× 10^9/L", r.wbc, l.wbc),
            chk!(
                NEUTROPHILS,
                "neutrophils",
                "× 10^9/L",
                r.neutrophils,
                l.neutrophils
            ),
            chk!(
                LYMPHOCYTES,
                "lymphocytes",
                "× 10^9/L",
                r.lymphocytes,
                l.lymphocytes
            ),
            chk!(PLATELETS, "platelets", "× 10^9/L", r.platelets, l.platelets),
            chk!(HEMOGLOBIN, "hemoglobin", "g/L", r.hemoglobin, l.hemoglobin),
            chk!(
                CREATININE,
                "creatinine",
                "µmol/L",
                r.creatinine,
                l.creatinine
            ),
        ],
        &mut out,
    );
    out
}
