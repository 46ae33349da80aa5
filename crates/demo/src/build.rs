//! From a per-patient design ([`Spec`]) to the rows of every sheet.
//!
//! The paper cohort and the synthetic cohorts share this code so that the rules that keep
//! the data consistent live in one place:
//!
//! * measurements follow the recorded response under IMWG 2016 (serum M-protein for IgG/IgA,
//!   dFLC for light-chain disease, marrow plasma cells for non-secretory disease, plasmacytoma
//!   SPD for extramedullary disease), tracked against baseline and the running nadir;
//! * disease status follows the IMWG relapse/refractory definitions from `relapse_date`,
//!   `last_prior_regimen_end` and `prior_best_response`, and relapse evidence is documented;
//! * post-baseline labs reproduce each recorded cytopenia grade under CTCAE v5 (LLN WBC 4.0,
//!   platelets 100), and nothing else reaches a grade the record does not show.
//!
//! Only the faults listed in a [`Spec`] (planted status / response / evidence) break these.

use super::{
    AeTerm, DemoAe, DemoAssessment, DemoLab, DemoPatient, Emd, Fish, MProtein, PlantedResponse,
    PlantedStatus,
};
use crate::model::{DiseaseStatus, EmdOnset, Response, Sex, VitalStatus};
use chrono::{Datelike, NaiveDate, TimeDelta};
use rand::RngCore;
use rand_chacha::ChaCha8Rng;

/// How the recorded disease status relates to the IMWG truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StatusKind {
    /// Recorded = derived; `true` = relapsed and refractory, `false` = relapsed.
    Consistent(bool),
    /// Recorded `relapsed`, but relapse came within 60 days of the last dose.
    PlantRelapsedIsRefractory,
    /// Recorded `relapsed_and_refractory`, but relapse came months after the last dose.
    PlantRefractoryIsRelapsed,
    /// Recorded `relapsed_and_refractory`, but the prior best response was SD.
    PlantPrimaryRefractory,
}

/// The design of one patient; everything else is derived from it.
#[derive(Debug, Clone)]
pub(super) struct Spec {
    pub id: String,
    pub index: NaiveDate,
    pub sex: Sex,
    pub age: u32,
    pub mp: MProtein,
    pub symptom: String,
    pub fracture: bool,
    pub amyloidosis: bool,
    pub marrow: f64,
    pub calcium: f64,
    pub creatinine: f64,
    pub b2mg: f64,
    pub albumin: f64,
    pub ldh: f64,
    pub esr: f64,
    pub hb: f64,
    pub wbc: f64,
    pub plt: f64,
    pub fish: Option<Fish>,
    pub lines: u32,
    pub prior_len: bool,
    pub regimen: String,
    pub emd: Option<Emd>,
    pub cycles: u32,
    /// Days from index to progression.
    pub prog: Option<i64>,
    /// Days from index to death or last follow-up.
    pub end: i64,
    /// Death cause (canonical English) when the patient died at `end`.
    pub death: Option<String>,
    /// `(after_cycle, day, recorded response)`.
    pub assessments: Vec<(u32, i64, Response)>,
    /// Measurements imply this response instead of the recorded one (planted).
    pub response_truth: Vec<(u32, Response)>,
    /// Worst recorded CTCAE grade per term (0 = none).
    pub wbc_ae: u8,
    pub plt_ae: u8,
    pub fatigue: u8,
    pub anorexia: u8,
    pub diarrhea: u8,
    /// One post-baseline Hb more than 10 g/L below baseline.
    pub hb_drop: bool,
    pub status: StatusKind,
    pub no_evidence: bool,
    pub notes: Option<String>,
}

/// Everything one patient contributes, plus what was planted.
#[derive(Debug, Clone)]
pub(super) struct Bundle {
    pub patient: DemoPatient,
    pub assessments: Vec<DemoAssessment>,
    pub aes: Vec<DemoAe>,
    pub labs: Vec<DemoLab>,
    pub planted_status: Option<PlantedStatus>,
    pub planted_responses: Vec<PlantedResponse>,
}

pub(super) fn days(d: NaiveDate, n: i64) -> NaiveDate {
    d + TimeDelta::days(n)
}

/// Round to `dp` decimals (values are written as numbers; keep them tidy).
pub(super) fn round(x: f64, dp: i32) -> f64 {
    let p = 10f64.powi(dp);
    (x * p).round() / p
}

/// Uniform on [0, 1) from the raw ChaCha stream (53 bits). Written out rather than taken
/// from `rand`'s distributions so the output cannot change with a `rand` upgrade.
pub(super) fn u01(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform on [lo, hi).
pub(super) fn uni(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * u01(rng)
}

/// Uniform integer in [lo, hi] (inclusive; `lo` when the range is empty).
pub(super) fn int(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        return lo;
    }
    let span = (hi - lo + 1) as f64;
    lo + ((u01(rng) * span) as i64).min(hi - lo)
}

/// True with probability `p`.
pub(super) fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    u01(rng) < p
}

/// Standard normal deviate (Box-Muller).
pub(super) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - u01(rng);
    let u2 = u01(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, xs: &[T], default: T) -> T {
    if xs.is_empty() {
        return default;
    }
    xs.get(int(rng, 0, xs.len() as i64 - 1) as usize)
        .copied()
        .unwrap_or(default)
}

/// ISS (Greipp 2005) from β2-microglobulin (mg/L) and albumin (g/L).
pub(super) fn iss(b2mg: f64, albumin: f64) -> u8 {
    if b2mg >= 5.5 {
        3
    } else if b2mg < 3.5 && albumin >= 35.0 {
        1
    } else {
        2
    }
}

/// IMWG disease state from the relapse inputs (the rule the validator applies).
pub(super) fn imwg_status(
    relapse: NaiveDate,
    last_end: NaiveDate,
    best: Response,
) -> DiseaseStatus {
    let refractory = (relapse - last_end).num_days() <= 60;
    let below_mr = best.rank() < Response::MR.rank();
    match (refractory, below_mr) {
        (true, true) => DiseaseStatus::PrimaryRefractory,
        (true, false) => DiseaseStatus::RelapsedAndRefractory,
        (false, _) => DiseaseStatus::Relapsed,
    }
}

/// CTCAE v5 WBC grade (LLN 4.0); a value on a boundary takes the milder grade.
pub(super) fn wbc_grade(v: f64) -> u8 {
    if v < 1.0 {
        4
    } else if v < 2.0 {
        3
    } else if v < 3.0 {
        2
    } else if v < 4.0 {
        1
    } else {
        0
    }
}

/// CTCAE v5 platelet grade (LLN 100).
pub(super) fn plt_grade(v: f64) -> u8 {
    if v < 25.0 {
        4
    } else if v < 50.0 {
        3
    } else if v < 75.0 {
        2
    } else if v < 100.0 {
        1
    } else {
        0
    }
}

/// A WBC value strictly inside grade `g`'s band.
fn wbc_for_grade(rng: &mut ChaCha8Rng, g: u8) -> f64 {
    match g {
        0 => round(uni(rng, 4.3, 6.5), 2),
        1 => round(uni(rng, 3.2, 3.8), 2),
        2 => round(uni(rng, 2.2, 2.8), 2),
        3 => round(uni(rng, 1.3, 1.8), 2),
        _ => round(uni(rng, 0.5, 0.9), 2),
    }
}

/// A platelet value strictly inside grade `g`'s band.
fn plt_for_grade(rng: &mut ChaCha8Rng, g: u8) -> f64 {
    match g {
        0 => uni(rng, 110.0, 190.0).round(),
        1 => uni(rng, 80.0, 95.0).round(),
        2 => uni(rng, 55.0, 70.0).round(),
        3 => uni(rng, 30.0, 45.0).round(),
        _ => uni(rng, 10.0, 20.0).round(),
    }
}

/// Which quantity tracks the response (IMWG 2016 measurable-disease fallback order).
#[derive(Clone, Copy)]
enum Measure {
    Serum,
    Flc,
    Marrow,
}

/// Running state of one patient's measurements.
struct Track {
    measure: Measure,
    serum0: f64,
    urine0: f64,
    unin: f64,
    dflc0: f64,
    marrow0: f64,
    spd0: Option<f64>,
    /// Lowest value so far as a fraction of baseline.
    nadir: f64,
    spd_nadir: f64,
}

impl Track {
    fn new(spec: &Spec, rng: &mut ChaCha8Rng) -> Self {
        let measure = match spec.mp {
            MProtein::IgG | MProtein::IgA => Measure::Serum,
            MProtein::Kappa | MProtein::Lambda => Measure::Flc,
            MProtein::NonSecretory => Measure::Marrow,
        };
        let spd0 = spec.emd.as_ref().map(|_| round(uni(rng, 6.0, 30.0), 1));
        Track {
            measure,
            serum0: round(uni(rng, 18.0, 55.0), 1),
            urine0: uni(rng, 30.0, 95.0).round(),
            unin: round(uni(rng, 6.0, 12.0), 1),
            dflc0: uni(rng, 400.0, 2500.0).round(),
            marrow0: spec.marrow,
            spd0,
            nadir: 1.0,
            spd_nadir: spd0.unwrap_or(0.0),
        }
    }

    fn baseline(&self, spec: &Spec) -> DemoAssessment {
        let mut a = self.row(spec, 0, spec.index, None, 1.0, self.spd0);
        a.bm_plasma_cell_pct = Some(spec.marrow);
        a.new_lesion = None;
        a.calcium = Some(spec.calcium);
        a.hemoglobin = Some(spec.hb);
        a.creatinine = Some(spec.creatinine);
        a
    }

    /// The row for a measured fraction `f` of baseline.
    fn row(
        &self,
        spec: &Spec,
        cycle: u32,
        date: NaiveDate,
        response: Option<Response>,
        f: f64,
        spd: Option<f64>,
    ) -> DemoAssessment {
        let cr = f <= 0.0;
        let (serum, urine, inv, un, marrow) = match self.measure {
            Measure::Serum => (
                Some(round(self.serum0 * f, 1)),
                Some((self.urine0 * f).round()),
                None,
                None,
                None,
            ),
            Measure::Flc => (
                Some(0.0),
                Some((self.urine0 * f.min(1.0)).round()),
                Some(if cr {
                    round(self.unin * 2.5, 1)
                } else {
                    round(self.unin + self.dflc0 * f, 1)
                }),
                Some(self.unin),
                None,
            ),
            Measure::Marrow => (
                Some(0.0),
                Some(0.0),
                Some(12.5),
                Some(10.8),
                Some(round(self.marrow0 * f, 1)),
            ),
        };
        DemoAssessment {
            patient_id: spec.id.clone(),
            assessment_date: date,
            after_cycle: cycle,
            response,
            serum_m_protein: serum,
            urine_m_protein: urine,
            involved_flc: inv,
            uninvolved_flc: un,
            immunofixation_negative: Some(cr || matches!(self.measure, Measure::Marrow)),
            bm_plasma_cell_pct: if cr { Some(2.0) } else { marrow },
            plasmacytoma_spd: spd,
            new_lesion: Some(false),
            calcium: None,
            hemoglobin: None,
            creatinine: None,
        }
    }

    /// Measurements that imply `truth` given the history so far; updates the nadir.
    fn next(
        &mut self,
        spec: &Spec,
        cycle: u32,
        date: NaiveDate,
        recorded: Response,
        truth: Response,
    ) -> DemoAssessment {
        let n = self.nadir;
        // Absolute PD step in units of the baseline (IMWG: >= 5 g/L serum, > 100 mg/L dFLC,
        // >= 10 points of marrow plasma cells), on top of a 50% rise from the nadir.
        let bump = match self.measure {
            Measure::Serum => 6.0 / self.serum0,
            Measure::Flc => 150.0 / self.dflc0,
            Measure::Marrow => 12.0 / self.marrow0.max(1.0),
        };
        let f = match truth {
            Response::SCr | Response::CR => 0.0,
            Response::VGPR => (n.min(0.08) * 0.75).max(0.01),
            Response::PR => (n * 0.85).clamp(0.12, 0.42),
            Response::MR => 0.65,
            Response::SD | Response::NE => (n * 1.05).clamp(0.82, 1.05),
            Response::PD => n * 1.5 + bump,
        };
        let spd = self.spd0.map(|s0| match truth {
            Response::SCr | Response::CR => 0.0,
            Response::VGPR => round(s0 * 0.15, 1),
            Response::PR => round(s0 * 0.35, 1).min(self.spd_nadir),
            Response::MR => round(s0 * 0.65, 1),
            Response::SD | Response::NE => round(self.spd_nadir.max(s0 * 0.85), 1),
            Response::PD => round(self.spd_nadir * 1.6 + 1.0, 1),
        });
        let mut row = self.row(spec, cycle, date, Some(recorded), f, spd);
        if truth == Response::MR {
            // IMWG MR also needs urine down 50-89%.
            if let Some(u) = row.urine_m_protein.as_mut() {
                *u = (self.urine0 * 0.4).round();
            }
        }
        if truth == Response::PD && self.spd0.is_some() {
            row.new_lesion = Some(true);
        }
        self.nadir = self.nadir.min(f);
        if let Some(s) = spd {
            self.spd_nadir = self.spd_nadir.min(s);
        }
        row
    }
}

/// Build every row of one patient.
///
/// The random draws happen in a fixed order (relapse inputs, diagnosis and birth dates,
/// relapse evidence, prior exposures, baseline measurements, then cycle by cycle labs and
/// adverse events): the same seed gives the same cohort, so the helpers below must be
/// called in this order.
pub(super) fn build(spec: &Spec, rng: &mut ChaCha8Rng) -> Bundle {
    let rel = relapse_inputs(spec, rng);
    let truth_status = imwg_status(rel.relapse, rel.last_end, rel.best);
    let planted_status = (truth_status != rel.recorded).then(|| PlantedStatus {
        patient_id: spec.id.clone(),
        recorded: rel.recorded,
        truth: truth_status,
    });
    let dates = history_dates(spec, &rel, rng);
    let evidence = relapse_evidence(spec, rng);
    let priors = Priors::draw(spec, rng);
    let patient = patient(spec, &rel, dates, evidence, priors);
    let (assessments, planted_responses) = assessments(spec, rng);
    let (labs, aes) = labs_and_aes(spec, rng);
    Bundle {
        patient,
        assessments,
        aes,
        labs,
        planted_status,
        planted_responses,
    }
}

/// The IMWG relapse/refractory inputs of one patient and the status the record gives.
struct RelapseInputs {
    relapse: NaiveDate,
    /// End of the last prior line.
    last_end: NaiveDate,
    /// Best response to the prior lines.
    best: Response,
    recorded: DiseaseStatus,
}

/// Relapse date, end of the last prior line and best prior response, chosen so that the
/// recorded status is (or, for a planted fault, is not) the IMWG one.
fn relapse_inputs(spec: &Spec, rng: &mut ChaCha8Rng) -> RelapseInputs {
    let to_index = int(rng, 10, 40);
    let relapse = days(spec.index, -to_index);
    let (last_end, best, recorded) = match spec.status {
        StatusKind::Consistent(true) => {
            let best = pick(
                rng,
                &[Response::VGPR, Response::PR, Response::PR, Response::MR],
                Response::PR,
            );
            if chance(rng, 0.3) {
                // Progression on therapy: the line ended after relapse was documented.
                (
                    days(relapse, int(rng, 3, to_index - 1)),
                    best,
                    DiseaseStatus::RelapsedAndRefractory,
                )
            } else {
                (
                    days(relapse, -int(rng, 10, 55)),
                    best,
                    DiseaseStatus::RelapsedAndRefractory,
                )
            }
        }
        StatusKind::Consistent(false) => (
            days(relapse, -int(rng, 90, 420)),
            pick(
                rng,
                &[Response::CR, Response::VGPR, Response::PR, Response::PR],
                Response::PR,
            ),
            DiseaseStatus::Relapsed,
        ),
        StatusKind::PlantRelapsedIsRefractory => {
            (days(relapse, -35), Response::PR, DiseaseStatus::Relapsed)
        }
        StatusKind::PlantRefractoryIsRelapsed => (
            days(relapse, -150),
            Response::VGPR,
            DiseaseStatus::RelapsedAndRefractory,
        ),
        StatusKind::PlantPrimaryRefractory => (
            days(relapse, -20),
            Response::SD,
            DiseaseStatus::RelapsedAndRefractory,
        ),
    };
    RelapseInputs {
        relapse,
        last_end,
        best,
        recorded,
    }
}

/// Diagnosis and birth dates.
#[derive(Clone, Copy)]
struct HistoryDates {
    diagnosis: NaiveDate,
    birth: NaiveDate,
}

/// Diagnosis a plausible time per prior line before the first of them; birth some days
/// before the age's anniversary at the index date (diagnosis drawn first).
fn history_dates(spec: &Spec, rel: &RelapseInputs, rng: &mut ChaCha8Rng) -> HistoryDates {
    let first_line_start = rel.last_end.min(rel.relapse);
    let diagnosis = days(
        first_line_start,
        -(i64::from(spec.lines) * int(rng, 200, 330)),
    );
    let index = spec.index;
    let y = index.year() - spec.age as i32;
    let anniversary =
        NaiveDate::from_ymd_opt(y, index.month(), index.day().min(28)).unwrap_or(NaiveDate::MIN);
    let birth = days(anniversary, -int(rng, 1, 300));
    HistoryDates { diagnosis, birth }
}

/// The relapse evidence the patients sheet documents (IMWG relapse criteria).
struct Evidence {
    bone: bool,
    growth: bool,
    hyper: bool,
    new_pc: bool,
    hb_drop: f64,
    cr_rise: f64,
    nadir: Option<f64>,
    at_relapse: Option<f64>,
}

/// Relapse evidence: for a planted "no evidence" patient every criterion stays below its
/// threshold; otherwise at least one is documented (a new bone lesion when none was drawn).
fn relapse_evidence(spec: &Spec, rng: &mut ChaCha8Rng) -> Evidence {
    let serum_type = matches!(spec.mp, MProtein::IgG | MProtein::IgA);
    let emd_at_relapse = spec
        .emd
        .as_ref()
        .is_some_and(|e| e.onset == EmdOnset::AtRelapse);
    let hb_drop = round(uni(rng, 0.0, 15.0), 0);
    let cr_rise = round(uni(rng, 0.0, 30.0), 1);
    let mut ev = Evidence {
        bone: false,
        growth: false,
        hyper: false,
        new_pc: emd_at_relapse && !spec.no_evidence,
        hb_drop,
        cr_rise,
        nadir: None,
        at_relapse: None,
    };
    if spec.no_evidence {
        ev.hb_drop = 6.0;
        ev.cr_rise = 9.0;
        if serum_type {
            ev.nadir = Some(10.0);
            ev.at_relapse = Some(11.0);
        }
    } else {
        draw_evidence(spec, rng, serum_type, &mut ev);
    }
    if spec.no_evidence {
        ev.cr_rise = ev.cr_rise.min(20.0);
    }
    ev
}

/// The drawn relapse evidence of a patient with documented relapse (draw order: bone,
/// plasmacytoma growth, Hb drop, M-protein rise, hyperviscosity).
fn draw_evidence(spec: &Spec, rng: &mut ChaCha8Rng, serum_type: bool, ev: &mut Evidence) {
    ev.bone = chance(rng, 0.45);
    ev.growth = spec
        .emd
        .as_ref()
        .is_some_and(|e| e.onset == EmdOnset::AtDiagnosis)
        && chance(rng, 0.5);
    if chance(rng, 0.3) {
        ev.hb_drop = round(uni(rng, 21.0, 35.0), 0);
    }
    if serum_type && chance(rng, 0.6) {
        let n = round(uni(rng, 3.0, 15.0), 1);
        ev.nadir = Some(n);
        ev.at_relapse = Some(round(n * 1.6 + 6.0, 1));
    }
    ev.hyper = spec.mp == MProtein::IgA && chance(rng, 0.1);
    let documented = ev.bone
        || ev.growth
        || ev.hyper
        || ev.new_pc
        || ev.hb_drop >= 20.0
        || spec.calcium > 2.75
        || ev.at_relapse.is_some();
    if !documented {
        ev.bone = true;
    }
}

/// Prior exposures beyond bortezomib and lenalidomide.
struct Priors {
    pomalidomide: bool,
    carfilzomib: bool,
    daratumumab: bool,
    asct: bool,
}

impl Priors {
    /// Drawn in this order; a drug is only drawn for patients with enough prior lines (and
    /// not when it is part of the current regimen).
    fn draw(spec: &Spec, rng: &mut ChaCha8Rng) -> Priors {
        let lines = spec.lines;
        let pomalidomide = lines >= 4 && chance(rng, 0.4);
        let carfilzomib = lines >= 5 && spec.regimen != "BKd" && chance(rng, 0.25);
        let daratumumab = lines >= 5 && spec.regimen != "BDd" && chance(rng, 0.3);
        let asct = chance(rng, 0.2);
        Priors {
            pomalidomide,
            carfilzomib,
            daratumumab,
            asct,
        }
    }
}

/// The patients/treatment row of one patient: the design's values plus the derived dates,
/// relapse inputs and evidence (a field-by-field table; no random draws).
fn patient(
    spec: &Spec,
    rel: &RelapseInputs,
    dates: HistoryDates,
    ev: Evidence,
    priors: Priors,
) -> DemoPatient {
    let index = spec.index;
    let last_dose = days(index, 28 * i64::from(spec.cycles.max(1) - 1) + 1);
    let end_date = days(index, spec.end);
    let death_date = spec.death.as_ref().map(|_| end_date);
    DemoPatient {
        patient_id: spec.id.clone(),
        sex: spec.sex,
        age: spec.age,
        birth_date: dates.birth,
        diagnosis_date: dates.diagnosis,
        m_protein_type: spec.mp,
        ds_stage: if spec.creatinine >= 177.0 {
            "IIIB"
        } else {
            "IIIA"
        }
        .to_string(),
        iss_stage: iss(spec.b2mg, spec.albumin),
        first_symptom: spec.symptom.clone(),
        pathological_fracture: spec.fracture,
        amyloidosis: spec.amyloidosis,
        bm_plasma_cell_pct: spec.marrow,
        calcium: spec.calcium,
        creatinine: spec.creatinine,
        beta2_microglobulin: spec.b2mg,
        albumin: spec.albumin,
        ldh: spec.ldh,
        esr: spec.esr,
        hemoglobin: spec.hb,
        wbc: spec.wbc,
        platelets: spec.plt,
        fish: spec.fish.clone(),
        prior_lines: spec.lines,
        prior_bortezomib: true,
        prior_lenalidomide: spec.prior_len,
        prior_pomalidomide: priors.pomalidomide,
        prior_carfilzomib: priors.carfilzomib,
        prior_daratumumab: priors.daratumumab,
        prior_asct: priors.asct,
        emd: spec.emd.clone(),
        disease_status: rel.recorded,
        last_prior_regimen_end: rel.last_end,
        relapse_date: rel.relapse,
        prior_best_response: rel.best,
        new_bone_lesion: ev.bone,
        new_plasmacytoma: ev.new_pc,
        plasmacytoma_growth: ev.growth,
        hyperviscosity: ev.hyper,
        hb_drop: ev.hb_drop,
        creatinine_rise: ev.cr_rise,
        m_protein_nadir: ev.nadir,
        m_protein_at_relapse: ev.at_relapse,
        notes: spec.notes.clone(),
        regimen: spec.regimen.clone(),
        index_date: index,
        bendamustine_dose: 60.0,
        cycles_completed: spec.cycles,
        last_dose_date: last_dose,
        progression_date: spec.prog.map(|d| days(index, d)),
        death_date,
        death_cause: spec.death.clone(),
        last_followup_date: end_date,
        vital_status: if death_date.is_some() {
            VitalStatus::Dead
        } else {
            VitalStatus::Alive
        },
    }
}

/// The baseline assessment and one per recorded response, with the planted responses
/// (where the measurements imply another category than the one recorded).
fn assessments(spec: &Spec, rng: &mut ChaCha8Rng) -> (Vec<DemoAssessment>, Vec<PlantedResponse>) {
    let mut track = Track::new(spec, rng);
    let mut assessments = vec![track.baseline(spec)];
    let mut planted_responses = Vec::new();
    for &(cycle, day, recorded) in &spec.assessments {
        let truth = spec
            .response_truth
            .iter()
            .find(|(c, _)| *c == cycle)
            .map(|(_, t)| *t)
            .unwrap_or(recorded);
        if truth != recorded {
            planted_responses.push(PlantedResponse {
                patient_id: spec.id.clone(),
                after_cycle: cycle,
                recorded,
                truth,
            });
        }
        assessments.push(track.next(spec, cycle, days(spec.index, day), recorded, truth));
    }
    (assessments, planted_responses)
}

/// The baseline lab draw and one nadir draw per cycle (until the end of follow-up), with
/// the adverse events they document, sorted by cycle and term.
fn labs_and_aes(spec: &Spec, rng: &mut ChaCha8Rng) -> (Vec<DemoLab>, Vec<DemoAe>) {
    let id = spec.id.as_str();
    let mut labs = vec![lab(
        id,
        spec.index,
        spec.wbc,
        spec.plt,
        spec.hb,
        spec.creatinine,
    )];
    let mut aes = Vec::new();
    let worst_cycle = spec.cycles.clamp(1, 2);
    for k in 1..=spec.cycles {
        let day = 28 * i64::from(k) - 7;
        if day > spec.end {
            break;
        }
        let date = days(spec.index, day);
        labs.push(cycle_lab(spec, rng, k, worst_cycle, date, &mut aes));
        for (term, grade, at) in [
            (AeTerm::Fatigue, spec.fatigue, 1),
            (AeTerm::Anorexia, spec.anorexia, worst_cycle),
            (AeTerm::Diarrhea, spec.diarrhea, 1),
        ] {
            if grade > 0 && k == at {
                aes.push(DemoAe {
                    patient_id: id.to_string(),
                    term,
                    grade,
                    cycle: k,
                    onset_date: date,
                    serious: false,
                });
            }
        }
    }
    aes.sort_by_key(|a| (a.cycle, a.term));
    (labs, aes)
}

/// Cycle `k`'s nadir draw: WBC and platelets reproduce the recorded cytopenia grades
/// (recording their adverse-event rows), Hb shows the planted drop at the worst cycle,
/// creatinine stays near baseline. Draw order: WBC, platelets, Hb, creatinine.
fn cycle_lab(
    spec: &Spec,
    rng: &mut ChaCha8Rng,
    k: u32,
    worst_cycle: u32,
    date: NaiveDate,
    aes: &mut Vec<DemoAe>,
) -> DemoLab {
    let id = spec.id.as_str();
    let wbc = cytopenia(
        rng,
        k,
        worst_cycle,
        spec.wbc_ae,
        spec.wbc,
        4.0,
        wbc_for_grade,
        aes,
        (id, AeTerm::WbcDecreased, date),
    );
    let plt = cytopenia(
        rng,
        k,
        worst_cycle,
        spec.plt_ae,
        spec.plt,
        100.0,
        plt_for_grade,
        aes,
        (id, AeTerm::PlateletDecreased, date),
    );
    let hb_drop_cycle = worst_cycle;
    let hb = if spec.hb_drop && k == hb_drop_cycle {
        spec.hb - uni(rng, 14.0, 20.0).round()
    } else {
        spec.hb + uni(rng, -8.0, 5.0).round()
    };
    let cr = round(spec.creatinine * uni(rng, 0.95, 1.05), 1);
    lab(id, date, wbc, plt, hb, cr)
}

fn lab(id: &str, date: NaiveDate, wbc: f64, plt: f64, hb: f64, cr: f64) -> DemoLab {
    DemoLab {
        patient_id: id.to_string(),
        draw_date: date,
        wbc,
        neutrophils: round(wbc * 0.6, 2),
        lymphocytes: round(wbc * 0.25, 2),
        platelets: plt,
        hemoglobin: hb,
        creatinine: cr,
    }
}

/// The count at cycle `k`'s nadir draw for a patient whose worst recorded grade is `grade`
/// (reached at `worst`; a grade >= 2 is preceded by a milder grade at cycle 1), recording
/// the matching adverse-event row. Other draws stay at or below the recorded grade: the
/// baseline value when it was already low, a normal value otherwise.
#[allow(clippy::too_many_arguments)]
fn cytopenia(
    rng: &mut ChaCha8Rng,
    k: u32,
    worst: u32,
    grade: u8,
    baseline: f64,
    lln: f64,
    for_grade: fn(&mut ChaCha8Rng, u8) -> f64,
    aes: &mut Vec<DemoAe>,
    (id, term, date): (&str, AeTerm, NaiveDate),
) -> f64 {
    let row_grade = if grade == 0 {
        0
    } else if k == worst {
        grade
    } else if k == 1 && worst == 2 && grade >= 2 {
        grade - 1
    } else {
        0
    };
    if row_grade > 0 {
        aes.push(DemoAe {
            patient_id: id.to_string(),
            term,
            grade: row_grade,
            cycle: k,
            onset_date: date,
            serious: false,
        });
        return for_grade(rng, row_grade);
    }
    if baseline < lln {
        // Pre-existing cytopenia: stays at its baseline level (never worse than recorded).
        baseline
    } else {
        for_grade(rng, 0).max(lln + 0.3)
    }
}
