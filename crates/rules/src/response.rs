//! Response derivation by the IMWG 2016 table (rule set `imwg2016`; Kumar, Lancet Oncol
//! 2016;17:e328) from the assessments' measurements, compared with the recorded responses;
//! and the check of the recorded `progression_date` against the assessments.
//!
//! How it works, per patient:
//! - Assessments are ordered by `after_cycle`, then date, then cell (input order never
//!   matters). The baseline is the last `after_cycle = 0` row (or an undated-cycle row on or
//!   before `index_date`) that holds a measurement.
//! - Measurable disease at baseline picks the measure, falling back in order: serum / urine
//!   M-protein (serum >= 10 g/L or urine >= 200 mg/24 h) → FLC (involved >= 100 mg/L with an
//!   abnormal ratio; dFLC = involved − uninvolved) → marrow plasma cells (baseline >= 30%).
//! - Each later assessment: PD first (from the nadir = lowest value so far, baseline
//!   included), then sCR, CR, VGPR, PR, MR from the best down; a level whose data are missing
//!   is not claimed ("downgraded") and the basis names what was missing. SD when data exist
//!   but no level is met; NE when the assessment holds none of the measure's values.
//! - A negative immunofixation implies electrophoresis-negative M-protein: a missing serum or
//!   urine value then counts as 0 for the response levels (never for PD).
//! - Urine criteria apply when urine was measured at baseline (for PR/MR: when it was
//!   measurable); a workbook that never records urine is judged on serum alone.
//! - Confirmation: a response category (MR or better) or a biochemical PD is confirmed when
//!   `confirmation_assessments` (2) consecutive assessments meet it; imaging PD (new lesion,
//!   SPD growth) and SD need no confirmation.

use super::config::{ResponseConfig, RulesConfig};
use super::{finding, ge, gt, le, lt, num, Num, ResponseSource, RuleInfo};
use crate::model::{Assessment, CellRef, Date, Finding, Patient, Response, Severity, Val};
use serde::Serialize;
use std::cmp::Ordering;

/// Measurable disease at baseline and the measure used (fallback serum/urine → FLC → marrow).
/// Source: Kumar, Lancet Oncol 2016;17:e328. Version imwg2016.
pub const MEASURABLE_DISEASE: &str = "imwg2016.response.measurable_disease";
/// No measurable disease at baseline: response not derivable. Kumar 2016. imwg2016.
pub const NOT_MEASURABLE: &str = "imwg2016.response.not_measurable";
/// No baseline assessment with measurements: response not derivable. Kumar 2016. imwg2016.
pub const NO_BASELINE: &str = "imwg2016.response.no_baseline";
/// sCR: CR plus normal FLC ratio and no clonal marrow plasma cells. Kumar 2016. imwg2016.
pub const SCR: &str = "imwg2016.response.scr";
/// CR: negative immunofixation, no soft-tissue plasmacytoma, < 5% marrow plasma cells
/// (FLC-only disease: also a normal FLC ratio). Kumar 2016. imwg2016.
pub const CR: &str = "imwg2016.response.cr";
/// VGPR: IFE-positive / electrophoresis-negative, or serum down >= 90% and urine
/// < 100 mg/24 h; FLC only: dFLC down > 90%. Kumar 2016. imwg2016.
pub const VGPR: &str = "imwg2016.response.vgpr";
/// PR: serum down >= 50% and urine down >= 90% or < 200 mg/24 h; FLC only dFLC down >= 50%;
/// marrow only plasma cells down >= 50%; plus SPD down >= 50% when present. Kumar 2016.
/// imwg2016.
pub const PR: &str = "imwg2016.response.pr";
/// MR: serum down 25-49% and urine down 50-89%; SPD down 25-49%. Kumar 2016. imwg2016.
pub const MR: &str = "imwg2016.response.mr";
/// SD: data present, none of the above and not PD. Kumar 2016. imwg2016.
pub const SD: &str = "imwg2016.response.sd";
/// PD: serum up >= 25% and >= 5 g/L from the nadir (>= 10 g/L when the nadir >= 50 g/L);
/// urine up >= 25% and >= 200 mg/24 h; dFLC up >= 25% and > 100 mg/L (FLC only); marrow
/// up by 10 points or more (marrow only); new lesion; SPD up >= 50%. Kumar 2016. imwg2016.
pub const PD: &str = "imwg2016.response.pd";
/// NE: the assessment holds none of the measure's values. Kumar 2016. imwg2016.
pub const NOT_EVALUABLE: &str = "imwg2016.response.not_evaluable";
/// The recorded response disagrees with the derived one (warning, both shown with the
/// numbers). Kumar 2016. imwg2016.
pub const DISAGREES: &str = "imwg2016.response.disagrees";
/// The recorded `progression_date` matches no assessment meeting PD (nor a clinical event:
/// new lesion, calcium > 2.75 mmol/L) within `progression_date_window_days`. Kumar 2016.
/// imwg2016.
pub const PROGRESSION_DATE_NO_PD: &str = "imwg2016.progression_date.no_matching_pd";
/// An assessment meets PD (recorded PD or confirmed derived PD) but `progression_date` is
/// empty. Kumar 2016. imwg2016.
pub const PROGRESSION_DATE_MISSING: &str = "imwg2016.progression_date.pd_not_recorded";

const SRC: &str = "Kumar, Lancet Oncol 2016;17:e328";

/// This module's rules as data.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: MEASURABLE_DISEASE,
        version: "imwg2016",
        source: SRC,
        summary: "measurable disease and measure (serum/urine, FLC, marrow)",
    },
    RuleInfo {
        id: NOT_MEASURABLE,
        version: "imwg2016",
        source: SRC,
        summary: "no measurable disease at baseline",
    },
    RuleInfo {
        id: NO_BASELINE,
        version: "imwg2016",
        source: SRC,
        summary: "no baseline assessment with measurements",
    },
    RuleInfo {
        id: SCR,
        version: "imwg2016",
        source: SRC,
        summary: "stringent complete response",
    },
    RuleInfo {
        id: CR,
        version: "imwg2016",
        source: SRC,
        summary: "complete response",
    },
    RuleInfo {
        id: VGPR,
        version: "imwg2016",
        source: SRC,
        summary: "very good partial response",
    },
    RuleInfo {
        id: PR,
        version: "imwg2016",
        source: SRC,
        summary: "partial response",
    },
    RuleInfo {
        id: MR,
        version: "imwg2016",
        source: SRC,
        summary: "minimal response",
    },
    RuleInfo {
        id: SD,
        version: "imwg2016",
        source: SRC,
        summary: "stable disease",
    },
    RuleInfo {
        id: PD,
        version: "imwg2016",
        source: SRC,
        summary: "progressive disease from the nadir",
    },
    RuleInfo {
        id: NOT_EVALUABLE,
        version: "imwg2016",
        source: SRC,
        summary: "assessment without the measure's values",
    },
    RuleInfo {
        id: DISAGREES,
        version: "imwg2016",
        source: SRC,
        summary: "recorded response disagrees with the derived one",
    },
    RuleInfo {
        id: PROGRESSION_DATE_NO_PD,
        version: "imwg2016",
        source: SRC,
        summary: "progression date matches no PD assessment",
    },
    RuleInfo {
        id: PROGRESSION_DATE_MISSING,
        version: "imwg2016",
        source: SRC,
        summary: "PD assessment without a progression date",
    },
];

/// The measure response is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Serum and/or urine M-protein.
    MProtein,
    /// Serum free light chains (dFLC).
    Flc,
    /// Marrow plasma cells (baseline >= 30%).
    Marrow,
}

/// Light chain of the clone, for the FLC ratio orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LightChain {
    Kappa,
    Lambda,
}

impl LightChain {
    /// From the canonical `m_protein_type` (`kappa`, `lambda`; heavy-chain types unknown).
    pub fn from_m_protein_type(t: &str) -> Option<LightChain> {
        match t.to_ascii_lowercase().as_str() {
            "kappa" => Some(LightChain::Kappa),
            "lambda" => Some(LightChain::Lambda),
            _ => None,
        }
    }
}

/// The measurements of one assessment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measurements {
    /// g/L.
    pub serum: Option<f64>,
    /// mg/24 h.
    pub urine: Option<f64>,
    /// mg/L.
    pub involved_flc: Option<f64>,
    /// mg/L.
    pub uninvolved_flc: Option<f64>,
    pub ife_negative: Option<bool>,
    /// %.
    pub bm_pct: Option<f64>,
    /// cm².
    pub spd: Option<f64>,
    pub new_lesion: Option<bool>,
}

impl Measurements {
    pub fn from_assessment(a: &Assessment) -> Self {
        Measurements {
            serum: a.serum_m_protein.as_ref().map(|v| v.v),
            urine: a.urine_m_protein.as_ref().map(|v| v.v),
            involved_flc: a.involved_flc.as_ref().map(|v| v.v),
            uninvolved_flc: a.uninvolved_flc.as_ref().map(|v| v.v),
            ife_negative: a.immunofixation_negative.as_ref().map(|v| v.v),
            bm_pct: a.bm_plasma_cell_pct.as_ref().map(|v| v.v),
            spd: a.plasmacytoma_spd.as_ref().map(|v| v.v),
            new_lesion: a.new_lesion.as_ref().map(|v| v.v),
        }
    }

    /// dFLC = involved − uninvolved FLC.
    pub fn dflc(&self) -> Option<f64> {
        Some(self.involved_flc? - self.uninvolved_flc?)
    }

    pub fn is_empty(&self) -> bool {
        *self == Measurements::default()
    }
}

/// Whether the FLC ratio is normal (kappa/lambda within the configured range), oriented by
/// the light chain; with the light chain unknown, only when both orientations agree.
pub fn flc_ratio_normal(
    involved: f64,
    uninvolved: f64,
    light: Option<LightChain>,
    cfg: &RulesConfig,
) -> Option<bool> {
    let (lo, hi) = (cfg.response.flc_ratio_lower, cfg.response.flc_ratio_upper);
    let in_range = |kappa: f64, lambda: f64| -> bool {
        if lambda <= 0.0 {
            return false;
        }
        let r = kappa / lambda;
        ge(r, lo) && le(r, hi)
    };
    let as_kappa = in_range(involved, uninvolved);
    let as_lambda = in_range(uninvolved, involved);
    match light {
        Some(LightChain::Kappa) => Some(as_kappa),
        Some(LightChain::Lambda) => Some(as_lambda),
        None if as_kappa == as_lambda => Some(as_kappa),
        None => None,
    }
}

/// The measure used for a baseline (IMWG fallback order), without any text.
pub fn measure_of(
    b: &Measurements,
    light: Option<LightChain>,
    cfg: &RulesConfig,
) -> Option<Measure> {
    let c = &cfg.response;
    let serum = b.serum.is_some_and(|v| ge(v, c.measurable_serum_g_l));
    let urine = b.urine.is_some_and(|v| ge(v, c.measurable_urine_mg_24h));
    if serum || urine {
        return Some(Measure::MProtein);
    }
    if let (Some(i), Some(u)) = (b.involved_flc, b.uninvolved_flc) {
        if ge(i, c.measurable_flc_mg_l) && flc_ratio_normal(i, u, light, cfg) == Some(false) {
            return Some(Measure::Flc);
        }
    }
    if b.bm_pct.is_some_and(|v| ge(v, c.marrow_baseline_min_pct)) {
        return Some(Measure::Marrow);
    }
    None
}

/// Measurable disease at baseline: the measure used, in the IMWG fallback order, with a
/// sentence on why.
pub fn measurable_disease(
    b: &Measurements,
    light: Option<LightChain>,
    cfg: &RulesConfig,
) -> (Option<Measure>, String) {
    let m = measure_of(b, light, cfg);
    let text = match m {
        Some(Measure::MProtein) => {
            format!("measurable M-protein at baseline ({})", baseline_text(b))
        }
        Some(Measure::Flc) => format!(
            "FLC-only measurable disease at baseline (involved FLC {} mg/L, uninvolved {} mg/L)",
            Num(b.involved_flc.unwrap_or(f64::NAN)),
            Num(b.uninvolved_flc.unwrap_or(f64::NAN))
        ),
        Some(Measure::Marrow) => format!(
            "marrow-only measurable disease at baseline (plasma cells {}%)",
            Num(b.bm_pct.unwrap_or(f64::NAN))
        ),
        None => format!("no measurable disease at baseline ({})", baseline_text(b)),
    };
    (m, text)
}

fn baseline_text(b: &Measurements) -> String {
    let mut parts = Vec::new();
    let opt = |v: Option<f64>| v.map(num).unwrap_or_else(|| "missing".into());
    parts.push(format!("serum M-protein {} g/L", opt(b.serum)));
    parts.push(format!("urine M-protein {} mg/24h", opt(b.urine)));
    if b.involved_flc.is_some() || b.uninvolved_flc.is_some() {
        parts.push(format!(
            "FLC involved {} / uninvolved {} mg/L",
            opt(b.involved_flc),
            opt(b.uninvolved_flc)
        ));
    }
    if let Some(bm) = b.bm_pct {
        parts.push(format!("marrow plasma cells {}%", Num(bm)));
    }
    parts.join(", ")
}

/// Lowest values so far (baseline included).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Nadir {
    pub serum: Option<f64>,
    pub urine: Option<f64>,
    pub dflc: Option<f64>,
    pub bm_pct: Option<f64>,
    pub spd: Option<f64>,
}

impl Nadir {
    pub fn from_baseline(b: &Measurements) -> Self {
        let mut n = Nadir::default();
        n.update(b);
        n
    }

    pub fn update(&mut self, m: &Measurements) {
        fn lower(cur: &mut Option<f64>, v: Option<f64>) {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                *cur = Some(cur.map_or(v, |c| c.min(v)));
            }
        }
        lower(&mut self.serum, m.serum);
        lower(&mut self.urine, m.urine);
        lower(&mut self.dflc, m.dflc());
        lower(&mut self.bm_pct, m.bm_pct);
        lower(&mut self.spd, m.spd);
    }
}

/// Serum M-protein progression from the nadir: up >= 25% and by >= 5 g/L (>= 10 g/L when
/// the nadir was >= 50 g/L). Also the biochemical relapse criterion at entry.
pub fn serum_progression(nadir: f64, current: f64, cfg: &RulesConfig) -> bool {
    let c = &cfg.response;
    let floor = if ge(nadir, c.pd_serum_high_nadir_g_l) {
        c.pd_serum_abs_high_nadir_g_l
    } else {
        c.pd_serum_abs_g_l
    };
    let inc = current - nadir;
    ge(inc, floor) && ge(inc, nadir.max(0.0) * c.pd_increase_pct / 100.0)
}

/// The derived category of one assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    pub response: Response,
    pub rule: &'static str,
    pub basis: String,
    /// PD decided by imaging (new lesion, SPD): needs no confirmation.
    pub imaging_pd: bool,
}

/// Percent reduction from `base` to `cur` (None when `base` is not positive).
fn reduction(base: Option<f64>, cur: Option<f64>) -> Option<f64> {
    let (b, c) = (base?, cur?);
    (b > 0.0).then(|| (b - c) / b * 100.0)
}

/// Whether one response level is met: `Some(true)` / `Some(false)`, or `None` with the names
/// of the missing parts.
type Verdict = (Option<bool>, Vec<&'static str>);

/// Combine the parts of one level: met when all are met, not met when one is not, unknown
/// (with the names of the missing parts) otherwise.
fn all_of(parts: &[(&'static str, Option<bool>)]) -> Verdict {
    if parts.iter().any(|(_, p)| *p == Some(false)) {
        return (Some(false), Vec::new());
    }
    let missing: Vec<&'static str> = parts
        .iter()
        .filter(|(_, p)| p.is_none())
        .map(|(n, _)| *n)
        .collect();
    if missing.is_empty() {
        (Some(true), missing)
    } else {
        (None, missing)
    }
}

/// A criterion that applies only when `applies` holds (urine criteria only when urine was
/// followed, SPD criteria only with a plasmacytoma at baseline, …); met otherwise.
fn only_if(applies: bool, check: impl FnOnce() -> Option<bool>) -> Option<bool> {
    if applies {
        check()
    } else {
        Some(true)
    }
}

/// Classify one assessment against its baseline and the nadir so far, by the IMWG 2016
/// response table (Kumar, Lancet Oncol 2016;17:e328): PD first (from the nadir), NE when the
/// assessment holds none of the measure's values, then sCR, CR, VGPR, PR, MR from the best
/// down, SD when data exist but no level is met.
pub fn classify(
    measure: Measure,
    base: &Measurements,
    nadir: &Nadir,
    cur: &Measurements,
    light: Option<LightChain>,
    cfg: &RulesConfig,
) -> Classification {
    let numbers = numbers_text(measure, base, nadir, cur);
    let mut pd: Vec<String> = Vec::new();
    let imaging = imaging_pd(nadir, cur, &cfg.response, &mut pd);
    biochemical_pd(measure, nadir, cur, cfg, &mut pd);
    if !pd.is_empty() {
        return Classification {
            response: Response::PD,
            rule: PD,
            basis: format!("PD: {}; {numbers}", pd.join("; ")),
            imaging_pd: imaging,
        };
    }
    if !has_data(measure, cur) {
        return not_evaluable(measure);
    }
    let mut notes: Vec<String> = Vec::new();
    let levels = Levels::new(measure, base, cur, light, cfg);
    let (response, rule) = best_level(&levels, &mut notes);
    Classification {
        response,
        rule,
        basis: if notes.is_empty() {
            format!("{response}: {numbers}")
        } else {
            format!("{response}: {numbers}; {}", notes.join("; "))
        },
        imaging_pd: false,
    }
}

/// Imaging PD (Kumar 2016; needs no confirmation): a new lesion, or the plasmacytoma SPD
/// up by 50% or more from its nadir (any SPD after a nadir of 0). Pushes the reasons onto
/// `pd`; true when imaging decided PD.
fn imaging_pd(nadir: &Nadir, cur: &Measurements, c: &ResponseConfig, pd: &mut Vec<String>) -> bool {
    let mut imaging = false;
    if cur.new_lesion == Some(true) {
        pd.push("new lesion".into());
        imaging = true;
    }
    if let (Some(n), Some(s)) = (nadir.spd, cur.spd) {
        if (n > 0.0 && ge(s, n * (1.0 + c.pd_spd_increase_pct / 100.0))) || (n <= 0.0 && s > 0.0) {
            pd.push(format!(
                "plasmacytoma SPD {} cm² from a nadir of {}",
                Num(s),
                Num(n)
            ));
            imaging = true;
        }
    }
    imaging
}

/// Biochemical PD from the nadir on the baseline's measure (Kumar 2016): serum or urine
/// M-protein, dFLC (FLC-only disease) or marrow plasma cells (marrow-only disease). Pushes
/// the reasons onto `pd`.
fn biochemical_pd(
    measure: Measure,
    nadir: &Nadir,
    cur: &Measurements,
    cfg: &RulesConfig,
    pd: &mut Vec<String>,
) {
    let c = &cfg.response;
    match measure {
        Measure::MProtein => {
            pd.extend(serum_pd(nadir, cur, cfg));
            pd.extend(urine_pd(nadir, cur, c));
        }
        Measure::Flc => pd.extend(dflc_pd(nadir, cur, c)),
        Measure::Marrow => pd.extend(marrow_pd(nadir, cur, c)),
    }
}

/// Up by at least `pd_increase_pct` (25%) from the nadir: the relative part of the urine and
/// dFLC PD criteria (Kumar 2016).
fn up_by_pd_pct(nadir: f64, v: f64, c: &ResponseConfig) -> bool {
    ge(v - nadir, nadir.max(0.0) * c.pd_increase_pct / 100.0)
}

/// Serum PD (Kumar 2016): up >= 25% and >= 5 g/L from the nadir (>= 10 g/L when the nadir
/// was 50 g/L or more), see [`serum_progression`].
fn serum_pd(nadir: &Nadir, cur: &Measurements, cfg: &RulesConfig) -> Option<String> {
    let (n, v) = (nadir.serum?, cur.serum?);
    serum_progression(n, v, cfg).then(|| {
        format!(
            "serum M-protein up from a nadir of {} to {} g/L",
            Num(n),
            Num(v)
        )
    })
}

/// Urine PD (Kumar 2016): up >= 25% and >= 200 mg/24 h from the nadir.
fn urine_pd(nadir: &Nadir, cur: &Measurements, c: &ResponseConfig) -> Option<String> {
    let (n, v) = (nadir.urine?, cur.urine?);
    (up_by_pd_pct(n, v, c) && ge(v - n, c.pd_urine_abs_mg_24h)).then(|| {
        format!(
            "urine M-protein up from a nadir of {} to {} mg/24h",
            Num(n),
            Num(v)
        )
    })
}

/// dFLC PD, FLC-only disease (Kumar 2016): up >= 25% and > 100 mg/L from the nadir.
fn dflc_pd(nadir: &Nadir, cur: &Measurements, c: &ResponseConfig) -> Option<String> {
    let (n, v) = (nadir.dflc?, cur.dflc()?);
    (up_by_pd_pct(n, v, c) && gt(v - n, c.pd_dflc_abs_mg_l))
        .then(|| format!("dFLC up from a nadir of {} to {} mg/L", Num(n), Num(v)))
}

/// Marrow PD, marrow-only disease (Kumar 2016): plasma cells up by 10 points or more.
fn marrow_pd(nadir: &Nadir, cur: &Measurements, c: &ResponseConfig) -> Option<String> {
    let (n, v) = (nadir.bm_pct?, cur.bm_pct?);
    ge(v - n, c.pd_marrow_abs_points)
        .then(|| format!("marrow plasma cells up from {}% to {}%", Num(n), Num(v)))
}

/// Whether the assessment holds any of the measure's values (a negative immunofixation
/// counts); without them the response is NE (Kumar 2016).
fn has_data(measure: Measure, cur: &Measurements) -> bool {
    let measured = match measure {
        Measure::MProtein => cur.serum.is_some() || cur.urine.is_some(),
        Measure::Flc => cur.dflc().is_some(),
        Measure::Marrow => cur.bm_pct.is_some(),
    };
    measured || cur.ife_negative == Some(true)
}

/// NE (Kumar 2016): the assessment holds none of the measure's values.
fn not_evaluable(measure: Measure) -> Classification {
    Classification {
        response: Response::NE,
        rule: NOT_EVALUABLE,
        basis: format!(
            "not evaluable: no {} at this assessment",
            measure_name(measure)
        ),
        imaging_pd: false,
    }
}

/// Whether a level is met. A level whose data are missing is not claimed ("downgraded"):
/// `notes` then says which of its data were missing.
fn met(notes: &mut Vec<String>, label: &str, (m, missing): Verdict) -> bool {
    match m {
        Some(v) => v,
        None => {
            notes.push(format!(
                "{label} not assessable ({} missing)",
                missing.join(", ")
            ));
            false
        }
    }
}

/// The best response level met, from the best down (Kumar 2016): CR (then sCR), VGPR, PR,
/// MR; SD when none is.
fn best_level<'a>(l: &Levels<'a>, notes: &mut Vec<String>) -> (Response, &'static str) {
    if met(notes, "CR", l.cr()) {
        return if met(notes, "sCR", l.scr()) {
            (Response::SCr, SCR)
        } else {
            (Response::CR, CR)
        };
    }
    let below_cr: [(&str, Response, &'static str, LevelCheck<'a>); 3] = [
        ("VGPR", Response::VGPR, VGPR, Levels::vgpr),
        ("PR", Response::PR, PR, Levels::pr),
        ("MR", Response::MR, MR, Levels::mr),
    ];
    for (label, response, rule, check) in below_cr {
        if met(notes, label, check(l)) {
            return (response, rule);
        }
    }
    (Response::SD, SD)
}

/// The check of one response level.
type LevelCheck<'a> = fn(&Levels<'a>) -> Verdict;

/// What the response levels of one assessment read (IMWG 2016 response table, Kumar 2016),
/// worked out once per assessment.
struct Levels<'a> {
    measure: Measure,
    base: &'a Measurements,
    cur: &'a Measurements,
    c: &'a ResponseConfig,
    /// A soft-tissue plasmacytoma at baseline: the SPD criteria apply.
    plasmacytoma_present: bool,
    /// The current FLC ratio is normal (`None`: unknown).
    ratio_normal: Option<bool>,
    /// Serum M-protein now; 0 when missing with a negative immunofixation.
    serum_now: Option<f64>,
    /// Urine M-protein now; 0 when missing with a negative immunofixation.
    urine_now: Option<f64>,
    /// Serum measurable at baseline: the serum criteria apply.
    serum_meas: bool,
    /// Urine measurable at baseline: the PR and MR urine criteria apply.
    urine_meas: bool,
    /// Urine measured at baseline on M-protein disease: the VGPR urine criterion applies.
    urine_followed: bool,
}

impl<'a> Levels<'a> {
    /// The facts of the assessment `cur` against its baseline `base` on `measure`.
    fn new(
        measure: Measure,
        base: &'a Measurements,
        cur: &'a Measurements,
        light: Option<LightChain>,
        cfg: &'a RulesConfig,
    ) -> Self {
        let c = &cfg.response;
        // A negative immunofixation implies no M-protein on electrophoresis: a missing serum
        // or urine value then counts as 0 for the response levels (never for PD).
        let ife_neg = cur.ife_negative == Some(true);
        Levels {
            measure,
            base,
            cur,
            c,
            plasmacytoma_present: base.spd.is_some_and(|s| s > 0.0),
            ratio_normal: match (cur.involved_flc, cur.uninvolved_flc) {
                (Some(i), Some(u)) => flc_ratio_normal(i, u, light, cfg),
                _ => None,
            },
            serum_now: cur.serum.or(ife_neg.then_some(0.0)),
            urine_now: cur.urine.or(ife_neg.then_some(0.0)),
            serum_meas: base.serum.is_some_and(|v| ge(v, c.measurable_serum_g_l)),
            urine_meas: base.urine.is_some_and(|v| ge(v, c.measurable_urine_mg_24h)),
            urine_followed: base.urine.is_some() && measure == Measure::MProtein,
        }
    }

    /// CR (Kumar 2016): negative immunofixation, no soft-tissue plasmacytoma, < 5% marrow
    /// plasma cells; FLC-only disease also needs a normal FLC ratio.
    fn cr(&self) -> Verdict {
        let (cur, c) = (self.cur, self.c);
        // M-protein still seen on electrophoresis means immunofixation cannot be negative.
        let ife = cur.ife_negative.or_else(|| {
            (cur.serum.is_some_and(|v| v > 0.0) || cur.urine.is_some_and(|v| v > 0.0))
                .then_some(false)
        });
        all_of(&[
            ("immunofixation", ife),
            (
                "plasmacytoma SPD",
                only_if(self.plasmacytoma_present, || cur.spd.map(|s| s <= 0.0)),
            ),
            (
                "marrow plasma cells",
                cur.bm_pct.map(|b| lt(b, c.cr_bm_pct_below)),
            ),
            (
                "FLC ratio",
                only_if(self.measure == Measure::Flc, || self.ratio_normal),
            ),
        ])
    }

    /// sCR (Kumar 2016), once CR is met: normal FLC ratio and no clonal plasma cells in the
    /// marrow.
    fn scr(&self) -> Verdict {
        all_of(&[
            ("FLC ratio", self.ratio_normal),
            (
                "marrow plasma cells",
                self.cur.bm_pct.map(|b| le(b, self.c.scr_clonal_bm_pct_max)),
            ),
        ])
    }

    /// VGPR (Kumar 2016): IFE-positive / electrophoresis-negative, or serum down >= 90% and
    /// urine < 100 mg/24 h; FLC only: dFLC down > 90%; never for marrow-only disease.
    fn vgpr(&self) -> Verdict {
        let c = self.c;
        match self.measure {
            Measure::MProtein if self.electrophoresis_negative() => (Some(true), Vec::new()),
            Measure::MProtein => all_of(&[
                (
                    "serum M-protein",
                    self.serum_down(c.vgpr_serum_reduction_pct),
                ),
                (
                    "urine M-protein",
                    only_if(self.urine_followed, || {
                        self.urine_now.map(|u| lt(u, c.vgpr_urine_below_mg_24h))
                    }),
                ),
            ]),
            Measure::Flc => all_of(&[(
                "dFLC",
                reduction(self.base.dflc(), self.cur.dflc())
                    .map(|r| gt(r, c.vgpr_dflc_reduction_pct)),
            )]),
            Measure::Marrow => (Some(false), Vec::new()),
        }
    }

    /// The VGPR shortcut (Kumar 2016): immunofixation positive but no M-protein on
    /// electrophoresis (serum 0 and, when urine is followed, urine 0).
    fn electrophoresis_negative(&self) -> bool {
        let cur = self.cur;
        cur.ife_negative == Some(false)
            && cur.serum.is_some_and(|s| s <= 0.0)
            && (!self.urine_followed || cur.urine.is_some_and(|u| u <= 0.0))
    }

    /// PR (Kumar 2016): the measure's track (see [`Levels::pr_track`]), then the SPD down by
    /// 50% or more when a plasmacytoma was present.
    fn pr(&self) -> Verdict {
        match self.pr_track() {
            (Some(true), _) => all_of(&[(
                "plasmacytoma SPD",
                self.spd_down(self.c.pr_spd_reduction_pct),
            )]),
            other => other,
        }
    }

    /// PR on the measure (Kumar 2016): serum down >= 50% and urine down >= 90% or
    /// < 200 mg/24 h; FLC only dFLC down >= 50%; marrow only plasma cells down >= 50%.
    fn pr_track(&self) -> Verdict {
        let c = self.c;
        match self.measure {
            Measure::MProtein => all_of(&[
                ("serum M-protein", self.serum_down(c.pr_serum_reduction_pct)),
                (
                    "urine M-protein",
                    only_if(self.urine_meas, || {
                        self.urine_now.map(|u| {
                            lt(u, c.pr_urine_below_mg_24h)
                                || reduction(self.base.urine, Some(u))
                                    .is_some_and(|r| ge(r, c.pr_urine_reduction_pct))
                        })
                    }),
                ),
            ]),
            Measure::Flc => all_of(&[(
                "dFLC",
                reduction(self.base.dflc(), self.cur.dflc())
                    .map(|r| ge(r, c.pr_dflc_reduction_pct)),
            )]),
            Measure::Marrow => all_of(&[(
                "marrow plasma cells",
                reduction(self.base.bm_pct, self.cur.bm_pct)
                    .map(|r| ge(r, c.pr_marrow_reduction_pct)),
            )]),
        }
    }

    /// MR (Kumar 2016), serum/urine disease only: serum down 25-49% and urine down 50-89%;
    /// SPD down 25-49% (the upper bounds are the PR and VGPR levels checked before).
    fn mr(&self) -> Verdict {
        let c = self.c;
        if self.measure != Measure::MProtein {
            return (Some(false), Vec::new());
        }
        all_of(&[
            ("serum M-protein", self.serum_down(c.mr_serum_reduction_pct)),
            (
                "urine M-protein",
                only_if(self.urine_meas, || {
                    reduction(self.base.urine, self.urine_now)
                        .map(|r| ge(r, c.mr_urine_reduction_pct))
                }),
            ),
            ("plasmacytoma SPD", self.spd_down(c.mr_spd_reduction_pct)),
        ])
    }

    /// Serum M-protein down by `pct` or more from baseline; applies when serum was
    /// measurable at baseline.
    fn serum_down(&self, pct: f64) -> Option<bool> {
        only_if(self.serum_meas, || {
            reduction(self.base.serum, self.serum_now).map(|r| ge(r, pct))
        })
    }

    /// Plasmacytoma SPD down by `pct` or more from baseline; applies when a plasmacytoma was
    /// present at baseline.
    fn spd_down(&self, pct: f64) -> Option<bool> {
        only_if(self.plasmacytoma_present, || {
            reduction(self.base.spd, self.cur.spd).map(|r| ge(r, pct))
        })
    }
}

/// The measure's values in words, for the NE basis.
fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::MProtein => "serum or urine M-protein",
        Measure::Flc => "free light chains",
        Measure::Marrow => "marrow plasma cells",
    }
}

/// The numbers behind a derived response: each value of the measure now, against its
/// baseline (with the change in %) and its nadir; then marrow, SPD and immunofixation.
fn numbers_text(
    measure: Measure,
    base: &Measurements,
    nadir: &Nadir,
    cur: &Measurements,
) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(160);
    let mut one = |name: &str, unit: &str, b: Option<f64>, n: Option<f64>, c: Option<f64>| {
        let Some(c) = c else { return };
        if !s.is_empty() {
            s.push_str("; ");
        }
        let _ = write!(s, "{name} {}{unit} (baseline ", Num(c));
        match b {
            Some(b) => {
                let _ = write!(s, "{}", Num(b));
                if b > 0.0 {
                    let pct = (c - b) / b * 100.0;
                    let _ = write!(s, ", {}{}%", if pct >= 0.0 { "+" } else { "" }, Num(pct));
                }
            }
            None => s.push_str("missing"),
        }
        match n {
            Some(n) => {
                let _ = write!(s, ", nadir {})", Num(n));
            }
            None => s.push_str(", nadir missing)"),
        }
    };
    match measure {
        Measure::MProtein => {
            one(
                "serum M-protein",
                " g/L",
                base.serum,
                nadir.serum,
                cur.serum,
            );
            one(
                "urine M-protein",
                " mg/24h",
                base.urine,
                nadir.urine,
                cur.urine,
            );
        }
        Measure::Flc => one("dFLC", " mg/L", base.dflc(), nadir.dflc, cur.dflc()),
        Measure::Marrow => {}
    }
    one(
        "marrow plasma cells",
        "%",
        base.bm_pct,
        nadir.bm_pct,
        cur.bm_pct,
    );
    one("plasmacytoma SPD", " cm²", base.spd, nadir.spd, cur.spd);
    if let Some(ife) = cur.ife_negative {
        if !s.is_empty() {
            s.push_str("; ");
        }
        s.push_str(if ife {
            "immunofixation negative"
        } else {
            "immunofixation positive"
        });
    }
    if s.is_empty() {
        s.push_str("no measurements");
    }
    s
}

/// One post-baseline assessment: recorded vs derived response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DerivedResponse {
    pub patient_id: String,
    pub after_cycle: Option<u32>,
    pub date: Option<Date>,
    pub recorded: Option<Response>,
    /// `None` = not derivable (no baseline / no measurable disease); `Some(NE)` = this
    /// assessment lacks the measure's values.
    pub derived: Option<Response>,
    /// Confirmed by consecutive assessments, or needs no confirmation (SD, imaging PD).
    pub confirmed: bool,
    /// The numbers behind the derived response.
    pub basis: String,
    /// `None` when either side is missing or the derived response is NE.
    pub agrees: Option<bool>,
    pub rule: &'static str,
    pub measure: Option<Measure>,
    /// Cell of the recorded response (or the row).
    #[serde(skip)]
    pub at: Option<CellRef>,
}

impl DerivedResponse {
    /// The response the analyses use under `source`.
    pub fn effective(&self, source: ResponseSource) -> Option<Response> {
        match source {
            ResponseSource::Recorded => self.recorded,
            ResponseSource::Derived => self.derived,
        }
    }
}

/// Assessment order within a patient: `after_cycle` (missing last), date (missing last), cell.
pub fn assessment_order(a: &Assessment, b: &Assessment) -> Ordering {
    let key = |x: &Assessment| {
        (
            x.after_cycle.as_ref().map_or(u32::MAX, |v| v.v),
            x.assessment_date.as_ref().map(|v| v.v).is_none(),
            x.assessment_date.as_ref().map(|v| v.v),
            x.at,
        )
    };
    key(a).cmp(&key(b))
}

fn is_baseline_row(a: &Assessment, index: Option<Date>) -> bool {
    match a.after_cycle.as_ref().map(|v| v.v) {
        Some(c) => c == 0,
        None => matches!(
            (a.assessment_date.as_ref().map(|v| v.v), index),
            (Some(d), Some(i)) if d <= i
        ),
    }
}

/// Derived responses of one patient's assessments (any order), with disagreement findings.
pub fn evaluate_patient(
    p: &Patient,
    assessments: &[&Assessment],
    cfg: &RulesConfig,
) -> (Vec<DerivedResponse>, Vec<Finding>) {
    let index = p.index_date.as_ref().map(|v| v.v);
    let light = p
        .m_protein_type
        .as_ref()
        .and_then(|t| LightChain::from_m_protein_type(&t.v));
    let mut sorted: Vec<&Assessment> = assessments.to_vec();
    sorted.sort_by(|a, b| assessment_order(a, b));
    let baseline = sorted
        .iter()
        .filter(|a| is_baseline_row(a, index))
        .map(|a| Measurements::from_assessment(a))
        .rfind(|m| !m.is_empty());
    let post: Vec<&Assessment> = sorted
        .iter()
        .copied()
        .filter(|a| !is_baseline_row(a, index))
        .collect();
    let (mut out, imaging) = derive_rows(p, &post, baseline.as_ref(), light, cfg);
    confirm(&mut out, &imaging, cfg.response.confirmation_assessments);
    let findings = disagreement_findings(p.patient_id.as_str(), &out);
    (out, findings)
}

/// Why no response is derivable for this patient (no baseline with measurements, or no
/// measurable disease at baseline); empty when a measure exists.
fn not_derivable_basis(
    baseline: Option<&Measurements>,
    measure: Option<Measure>,
    light: Option<LightChain>,
    cfg: &RulesConfig,
) -> String {
    match (baseline, measure) {
        (_, Some(_)) => String::new(),
        (Some(b), None) => measurable_disease(b, light, cfg).1,
        (None, _) => "no baseline (cycle 0) assessment with measurements".to_string(),
    }
}

/// One [`DerivedResponse`] per post-baseline assessment (in order), each classified against
/// the baseline and the nadir of the assessments before it (Kumar 2016); with, parallel,
/// whether each PD was decided by imaging. Every row starts unconfirmed.
fn derive_rows(
    p: &Patient,
    post: &[&Assessment],
    baseline: Option<&Measurements>,
    light: Option<LightChain>,
    cfg: &RulesConfig,
) -> (Vec<DerivedResponse>, Vec<bool>) {
    let measure = baseline.and_then(|b| measure_of(b, light, cfg));
    let measure_basis = not_derivable_basis(baseline, measure, light, cfg);
    let mut out: Vec<DerivedResponse> = Vec::with_capacity(post.len());
    let mut imaging: Vec<bool> = Vec::with_capacity(post.len());
    let mut nadir = baseline.map(Nadir::from_baseline).unwrap_or_default();
    for a in post {
        let cur = Measurements::from_assessment(a);
        let (derived, rule, basis, img) = match (baseline, measure) {
            (Some(b), Some(m)) => {
                let cl = classify(m, b, &nadir, &cur, light, cfg);
                nadir.update(&cur);
                (Some(cl.response), cl.rule, cl.basis, cl.imaging_pd)
            }
            (None, _) => (None, NO_BASELINE, measure_basis.clone(), false),
            (Some(_), None) => (None, NOT_MEASURABLE, measure_basis.clone(), false),
        };
        imaging.push(img);
        out.push(derived_row(p, a, measure, derived, rule, basis));
    }
    (out, imaging)
}

/// The [`DerivedResponse`] of one assessment: the recorded response beside the derived one,
/// and whether they agree (not judged when either is missing or the derived one is NE).
fn derived_row(
    p: &Patient,
    a: &Assessment,
    measure: Option<Measure>,
    derived: Option<Response>,
    rule: &'static str,
    basis: String,
) -> DerivedResponse {
    let recorded = a.response.as_ref().map(|v| v.v);
    let agrees = match (recorded, derived) {
        (Some(r), Some(d)) if d != Response::NE => Some(r == d),
        _ => None,
    };
    DerivedResponse {
        patient_id: p.patient_id.clone(),
        after_cycle: a.after_cycle.as_ref().map(|v| v.v),
        date: a.assessment_date.as_ref().map(|v| v.v),
        recorded,
        derived,
        confirmed: false,
        basis,
        agrees,
        rule,
        measure,
        at: a.response.as_ref().map(|v| v.at).or(a.at),
    }
}

/// Whether the derived response `x` of a neighbouring assessment confirms `target`: PD
/// confirms PD; a response category is confirmed by any non-PD response at least as good.
fn confirms(x: Option<Response>, target: Response) -> bool {
    match (x, target) {
        (Some(Response::PD), Response::PD) => true,
        (Some(r), t) if t != Response::PD => r != Response::PD && r.rank() >= t.rank(),
        _ => false,
    }
}

/// Confirmation (Kumar 2016): a response category (MR or better) or a biochemical PD is
/// confirmed when `confirmation_assessments` consecutive assessments meet it; imaging PD and
/// SD need no confirmation. An unconfirmed derived response says so in its basis.
fn confirm(out: &mut [DerivedResponse], imaging: &[bool], confirmation_assessments: u32) {
    let need = confirmation_assessments.max(1) as usize;
    let derived: Vec<Option<Response>> = out.iter().map(|d| d.derived).collect();
    for (i, d) in out.iter_mut().enumerate() {
        d.confirmed = match d.derived {
            None | Some(Response::NE) => false,
            Some(Response::SD) => true,
            Some(Response::PD) if imaging[i] => true,
            Some(t) => {
                let left = derived[..i]
                    .iter()
                    .rev()
                    .take_while(|x| confirms(**x, t))
                    .count();
                let right = derived[i + 1..]
                    .iter()
                    .take_while(|x| confirms(**x, t))
                    .count();
                left + right + 1 >= need
            }
        };
        if matches!(d.derived, Some(r) if r != Response::NE) && !d.confirmed {
            d.basis
                .push_str("; unconfirmed (no consecutive assessment meets it)");
        }
    }
}

/// The [`DISAGREES`] warnings (Kumar 2016): one per assessment whose recorded response
/// disagrees with the derived one, both shown with the numbers.
fn disagreement_findings(pid: &str, out: &[DerivedResponse]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for d in out {
        if d.agrees != Some(false) {
            continue;
        }
        if let (Some(r), Some(dv)) = (d.recorded, d.derived) {
            findings.push(
                finding(
                    Severity::Warning,
                    DISAGREES,
                    d.at,
                    "response",
                    pid,
                    format!(
                        "Recorded response {r} {}, but the IMWG 2016 criteria give {dv}{}: {}",
                        when_text(d),
                        if d.confirmed { "" } else { " (unconfirmed)" },
                        d.basis
                    ),
                )
                .with_value(r.code())
                .with_param("recorded", r.code())
                .with_param("derived", dv.code())
                .with_param("confirmed", if d.confirmed { "yes" } else { "no" })
                .with_param(
                    "cycle",
                    d.after_cycle.map(|c| c.to_string()).unwrap_or_default(),
                )
                .with_param("date", d.date.map(|x| x.to_string()).unwrap_or_default())
                .with_param("basis", d.basis.clone()),
            );
            if let (Some(case), Some(f)) = (when_case(d), findings.last_mut()) {
                f.params.insert("case".into(), case.into());
            }
        }
    }
    findings
}

/// Which of [`when_text`]'s wordings a message has (its `case` parameter): none after a
/// cycle (the catalog's plain `finding.<rule>`), `date` or `undated` otherwise.
fn when_case(d: &DerivedResponse) -> Option<&'static str> {
    match (d.after_cycle, d.date) {
        (Some(_), _) => None,
        (None, Some(_)) => Some("date"),
        (None, None) => Some("undated"),
    }
}

/// When an assessment took place, for a message: its cycle, else its date.
fn when_text(d: &DerivedResponse) -> String {
    match (d.after_cycle, d.date) {
        (Some(c), _) => format!("after cycle {c}"),
        (None, Some(dt)) => format!("on {dt}"),
        (None, None) => "at an undated assessment".to_string(),
    }
}

/// Check the recorded `progression_date` against the assessments: it should lie within
/// `progression_date_window_days` of an assessment meeting PD (recorded or derived) or of a
/// clinical event (new lesion, calcium above the relapse threshold); and a PD assessment
/// (recorded, or derived and confirmed) without any `progression_date` is reported.
pub fn check_progression_date(
    p: &Patient,
    assessments: &[&Assessment],
    derived: &[DerivedResponse],
    cfg: &RulesConfig,
) -> Vec<Finding> {
    match &p.progression_date {
        Some(pd) => {
            // Without any dated assessment there is nothing to check the date against.
            if !assessments.iter().any(|a| a.assessment_date.is_some()) {
                return Vec::new();
            }
            let pd_dates = pd_event_dates(assessments, derived, cfg);
            unmatched_progression_date(p, pd, &pd_dates, cfg)
                .into_iter()
                .collect()
        }
        None => missing_progression_date(p, derived).into_iter().collect(),
    }
}

/// The dates that can carry a progression (Kumar 2016), sorted and deduplicated: assessments
/// meeting PD (recorded or derived) and clinical events (new lesion, calcium above the
/// relapse threshold).
fn pd_event_dates(
    assessments: &[&Assessment],
    derived: &[DerivedResponse],
    cfg: &RulesConfig,
) -> Vec<Date> {
    let mut pd_dates: Vec<Date> = Vec::new();
    for d in derived {
        if d.recorded == Some(Response::PD) || d.derived == Some(Response::PD) {
            pd_dates.extend(d.date);
        }
    }
    for a in assessments {
        let clinical = a.new_lesion.as_ref().is_some_and(|v| v.v)
            || a.calcium
                .as_ref()
                .is_some_and(|v| gt(v.v, cfg.relapse_evidence.calcium_mmol_l));
        if clinical {
            pd_dates.extend(a.assessment_date.as_ref().map(|v| v.v));
        }
    }
    pd_dates.sort_unstable();
    pd_dates.dedup();
    pd_dates
}

/// [`PROGRESSION_DATE_NO_PD`] (Kumar 2016): the recorded progression date is farther than
/// `progression_date_window_days` from every PD date (the nearest, earlier on a tie, is
/// named).
fn unmatched_progression_date(
    p: &Patient,
    pd: &Val<Date>,
    pd_dates: &[Date],
    cfg: &RulesConfig,
) -> Option<Finding> {
    let window = cfg.disease_state.progression_date_window_days;
    let nearest = pd_dates
        .iter()
        .min_by_key(|d| ((**d - pd.v).num_days().abs(), **d))
        .copied();
    if nearest.is_some_and(|d| (d - pd.v).num_days().abs() <= window) {
        return None;
    }
    let tail = match nearest {
        Some(d) => format!(
            "the nearest assessment meeting PD is {} days away",
            (d - pd.v).num_days().abs()
        ),
        None => "no assessment meets PD or documents a clinical progression event".into(),
    };
    let f = finding(
        Severity::Warning,
        PROGRESSION_DATE_NO_PD,
        Some(pd.at),
        "progression_date",
        p.patient_id.as_str(),
        format!(
            "Progression date {} matches no assessment meeting PD within {window} days: {tail}",
            pd.v
        ),
    )
    .with_value(pd.v.to_string())
    .with_param("date", pd.v.to_string())
    .with_param("window", window.to_string())
    .with_param("case", if nearest.is_some() { "nearest" } else { "none" });
    Some(match nearest {
        Some(d) => f.with_param("nearest_days", (d - pd.v).num_days().abs().to_string()),
        None => f,
    })
}

/// [`PROGRESSION_DATE_MISSING`] (Kumar 2016): the first assessment recorded as PD, or
/// meeting PD by the derived and confirmed response, while `progression_date` is empty.
fn missing_progression_date(p: &Patient, derived: &[DerivedResponse]) -> Option<Finding> {
    let d = derived.iter().find(|d| {
        d.recorded == Some(Response::PD) || (d.derived == Some(Response::PD) && d.confirmed)
    })?;
    let why = if d.recorded == Some(Response::PD) {
        "is recorded as PD"
    } else {
        "meets PD by the IMWG 2016 criteria (confirmed)"
    };
    let mut f = finding(
        Severity::Warning,
        PROGRESSION_DATE_MISSING,
        d.at.or(p.id_at),
        "progression_date",
        p.patient_id.as_str(),
        format!("This assessment {why} but the patient's progression_date is empty"),
    )
    .with_param(
        "case",
        if d.recorded == Some(Response::PD) {
            "recorded"
        } else {
            "derived"
        },
    );
    if let Some(r) = d.recorded {
        f = f.with_value(r.code());
    }
    Some(f)
}
