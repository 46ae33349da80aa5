//! Synthetic cohorts of any size, deterministic in the seed.
//!
//! Patients are generated one at a time from a single ChaCha8 stream (seeded with the
//! caller's seed), so [`synthetic_cohort`] and the streaming [`write_synthetic`] produce the
//! same data, and the writer never holds more than one patient's rows in generator state.
//! Distributions are plausible for relapsed myeloma (log-normal creatinine, β2-MG, LDH;
//! normal Hb, platelets, age; 1-8 cycles; responses that evolve along IMWG categories;
//! exponential progression and death times; enrolment spread over 2016-2023). Synthetic
//! cohorts plant nothing: [`Planted`] stays empty.

use super::build::{build, chance, days, int, normal, round, u01, uni, Bundle, Spec, StatusKind};
use super::write::{
    ae_cols, assessment_cols, lab_cols, new_workbook, patient_cols, treatment_cols, Sheet,
};
use super::{DemoCohort, DemoError, Emd, Fish, Layout, MProtein, Planted};
use crate::model::{EmdOnset, EmdType, Response, Sex};
use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{Workbook, Worksheet};
use std::path::Path;

const SYMPTOMS: [&str; 4] = [
    "lumbosacral pain",
    "chest and back pain",
    "fatigue with lower-limb edema",
    "fever",
];
const SITES: [&str; 6] = [
    "head",
    "chest wall",
    "thoracic spine",
    "lumbar spine",
    "pelvis",
    "spinal canal",
];
const REGIMENS: [(&str, f64); 6] = [
    ("BRD", 0.42),
    ("BPD", 0.38),
    ("BDd", 0.08),
    ("Bd", 0.05),
    ("BKd", 0.04),
    ("BEVD", 0.03),
];

/// Data cut-off of synthetic cohorts.
fn cutoff() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or(NaiveDate::MIN)
}

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, f64)], default: T) -> T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = u01(rng) * total;
    for &(v, w) in items {
        if x < w {
            return v;
        }
        x -= w;
    }
    default
}

fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// Next response along IMWG categories: once a patient responds, the next assessment is the
/// same depth, deeper, or progression (a fall back to SD/MR without progression cannot be
/// expressed consistently by the measurements).
fn next_response(rng: &mut ChaCha8Rng, prev: Response, mp: MProtein, emd: bool) -> Response {
    let r = match prev {
        Response::SD | Response::NE => weighted(
            rng,
            &[
                (Response::SD, 0.45),
                (Response::PR, 0.35),
                (Response::PD, 0.2),
            ],
            Response::SD,
        ),
        Response::MR | Response::PR => weighted(
            rng,
            &[
                (Response::PR, 0.6),
                (Response::VGPR, 0.25),
                (Response::PD, 0.15),
            ],
            Response::PR,
        ),
        Response::VGPR => weighted(
            rng,
            &[
                (Response::VGPR, 0.6),
                (Response::CR, 0.3),
                (Response::PD, 0.1),
            ],
            Response::VGPR,
        ),
        Response::SCr | Response::CR => weighted(
            rng,
            &[(Response::CR, 0.9), (Response::PD, 0.1)],
            Response::CR,
        ),
        Response::PD => Response::PD,
    };
    // Marrow-only disease has no VGPR/CR; keep plasmacytoma patients out of CR.
    match (mp, r) {
        (MProtein::NonSecretory, Response::VGPR | Response::CR) => Response::PR,
        (_, Response::CR) if emd => Response::VGPR,
        _ => r,
    }
}

/// The design of synthetic patient `i`, from the generator's stream.
///
/// The draws happen in a fixed order (disease, treatment course, outcome, cytopenia grades,
/// demographics, baseline labs, history, toxicity): the same seed gives the same cohort, so
/// the parts below must be drawn in this order.
fn spec(i: usize, rng: &mut ChaCha8Rng) -> Spec {
    let disease = Disease::draw(rng);
    let course = Course::draw(rng, disease.mp, disease.emd.is_some());
    let outcome = Outcome::draw(rng, &course, disease.max_end);
    let wbc_ae = ae_grade(rng, super::build::wbc_grade(disease.wbc));
    let plt_ae = ae_grade(rng, super::build::plt_grade(disease.plt));
    let person = Person::draw(rng);
    let labs = BaselineLabs::draw(rng);
    let history = History::draw(rng);
    let tox = Toxicity::draw(rng);
    Spec {
        id: format!("S{:06}", i + 1),
        index: disease.index,
        sex: person.sex,
        age: person.age,
        mp: disease.mp,
        symptom: person.symptom,
        fracture: person.fracture,
        amyloidosis: person.amyloidosis,
        marrow: disease.marrow,
        calcium: labs.calcium,
        creatinine: labs.creatinine,
        b2mg: labs.b2mg,
        albumin: labs.albumin,
        ldh: labs.ldh,
        esr: labs.esr,
        hb: labs.hb,
        wbc: disease.wbc,
        plt: disease.plt,
        fish: disease.fish,
        lines: history.lines,
        prior_len: history.prior_len,
        regimen: history.regimen,
        emd: disease.emd,
        cycles: course.cycles,
        prog: outcome.prog,
        end: outcome.end,
        death: outcome.death,
        assessments: course.assessments,
        response_truth: Vec::new(),
        wbc_ae,
        plt_ae,
        fatigue: tox.fatigue,
        anorexia: tox.anorexia,
        diarrhea: tox.diarrhea,
        hb_drop: tox.hb_drop,
        status: tox.status,
        no_evidence: false,
        notes: None,
    }
}

/// The disease at the index date: enrolment, M-protein type, extramedullary disease, FISH,
/// marrow and counts.
struct Disease {
    index: NaiveDate,
    /// Days from index to the data cut-off.
    max_end: i64,
    mp: MProtein,
    emd: Option<Emd>,
    fish: Option<Fish>,
    marrow: f64,
    wbc: f64,
    plt: f64,
}

impl Disease {
    /// Enrolment is spread over 2016 to 300 days before the cut-off.
    fn draw(rng: &mut ChaCha8Rng) -> Disease {
        let cut = cutoff();
        let start = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap_or(NaiveDate::MIN);
        let window = (cut - start).num_days() - 300;
        let index = days(start, int(rng, 0, window));
        let max_end = (cut - index).num_days();
        let mp = weighted(
            rng,
            &[
                (MProtein::IgG, 0.52),
                (MProtein::IgA, 0.21),
                (MProtein::Kappa, 0.14),
                (MProtein::Lambda, 0.10),
                (MProtein::NonSecretory, 0.03),
            ],
            MProtein::IgG,
        );
        let emd = chance(rng, 0.25).then(|| draw_emd(rng));
        let fish = chance(rng, 0.7).then(|| draw_fish(rng));
        let marrow = if mp == MProtein::NonSecretory {
            round(uni(rng, 30.0, 80.0), 1)
        } else {
            round(lognormal(rng, 25.0, 0.8).clamp(1.0, 95.0), 1)
        };
        let wbc = round(lognormal(rng, 4.8, 0.35).clamp(1.2, 30.0), 2);
        let plt = (160.0 + 50.0 * normal(rng)).clamp(15.0, 450.0).round();
        Disease {
            index,
            max_end,
            mp,
            emd,
            fish,
            marrow,
            wbc,
            plt,
        }
    }
}

/// Extramedullary disease: one or two adjacent sites, onset, type (in this draw order).
fn draw_emd(rng: &mut ChaCha8Rng) -> Emd {
    let n = if chance(rng, 0.15) { 2 } else { 1 };
    let first = int(rng, 0, 5) as usize;
    let sites = (0..n)
        .map(|k| SITES[(first + k) % SITES.len()].to_string())
        .collect();
    Emd {
        onset: if chance(rng, 0.4) {
            EmdOnset::AtDiagnosis
        } else {
            EmdOnset::AtRelapse
        },
        kind: if chance(rng, 0.8) {
            EmdType::Paraskeletal
        } else {
            EmdType::SoftTissue
        },
        sites,
    }
}

/// FISH results of a tested patient, each abnormality with its own frequency.
fn draw_fish(rng: &mut ChaCha8Rng) -> Fish {
    let mut f = Fish {
        del17p: chance(rng, 0.12),
        t4_14: chance(rng, 0.12),
        t14_16: chance(rng, 0.04),
        t14_20: chance(rng, 0.02),
        gain_1q: chance(rng, 0.4),
        del13q: chance(rng, 0.3),
        t11_14: chance(rng, 0.15),
        igh: chance(rng, 0.1),
        other: Vec::new(),
    };
    if chance(rng, 0.02) {
        f.other.push("t(4;11)".to_string());
    }
    f
}

/// The treatment course: cycles given and the responses recorded along it.
struct Course {
    /// `(after_cycle, day, response)`.
    assessments: Vec<(u32, i64, Response)>,
    cycles: u32,
    /// Day of progression when a response assessment found it.
    prog: Option<i64>,
}

impl Course {
    /// Responses at cycles 2, 4, 6, 8 (cycle 1 for one-cycle patients); progression ends
    /// treatment.
    fn draw(rng: &mut ChaCha8Rng, mp: MProtein, emd: bool) -> Course {
        let planned = weighted(
            rng,
            &[
                (1u32, 0.1),
                (2, 0.25),
                (3, 0.15),
                (4, 0.2),
                (5, 0.08),
                (6, 0.12),
                (7, 0.04),
                (8, 0.06),
            ],
            4,
        );
        let mut course = Course {
            assessments: Vec::new(),
            cycles: planned,
            prog: None,
        };
        let mut prev = Response::SD;
        let checkpoints: Vec<u32> = if planned == 1 {
            vec![1]
        } else {
            (2..=planned).step_by(2).collect()
        };
        for k in checkpoints {
            let r = next_response(rng, prev, mp, emd);
            let day = 28 * i64::from(k) + int(rng, 0, 4);
            course.assessments.push((k, day, r));
            prev = r;
            if r == Response::PD {
                course.prog = Some(day);
                course.cycles = k;
                break;
            }
        }
        course
    }
}

/// Survival after the course.
struct Outcome {
    /// Days from index to progression.
    prog: Option<i64>,
    /// Days from index to death or last follow-up.
    end: i64,
    death: Option<String>,
}

impl Outcome {
    /// Progression after treatment, death after progression, censoring at the cut-off or
    /// at loss to follow-up; follow-up never ends before the last treatment visit.
    fn draw(rng: &mut ChaCha8Rng, course: &Course, max_end: i64) -> Outcome {
        let last_day = course.assessments.last().map_or(28, |a| a.1);
        let floor = last_day.max(28 * i64::from(course.cycles)) + 7;
        let mut prog_day = course.prog.or_else(|| {
            let t = last_day + (lognormal(rng, 300.0, 0.9)) as i64;
            Some(t)
        });
        let death_t = prog_day.map(|p| p + (lognormal(rng, 420.0, 0.9)) as i64 + 14);
        let censor = if chance(rng, 0.1) {
            int(rng, floor, max_end)
        } else {
            max_end
        };
        let (end, death) = match death_t {
            Some(d) if d <= censor => (
                d.max(floor),
                Some(if chance(rng, 0.85) {
                    "progression".to_string()
                } else {
                    "infection".to_string()
                }),
            ),
            _ => (censor.max(floor), None),
        };
        if prog_day.is_some_and(|p| p > end || (death.is_none() && p >= end)) {
            prog_day = None;
        }
        if death.is_some() && prog_day.is_none() {
            prog_day = Some(end - 1);
        }
        Outcome {
            prog: prog_day,
            end,
            death,
        }
    }
}

/// Worst recorded cytopenia grade: at least the baseline grade.
fn ae_grade(rng: &mut ChaCha8Rng, base: u8) -> u8 {
    base.max(weighted(
        rng,
        &[(0u8, 0.55), (1, 0.22), (2, 0.13), (3, 0.08), (4, 0.02)],
        0,
    ))
}

/// Sex, age, first symptom, fracture, amyloidosis.
struct Person {
    sex: Sex,
    age: u32,
    symptom: String,
    fracture: bool,
    amyloidosis: bool,
}

impl Person {
    /// Drawn in field order.
    fn draw(rng: &mut ChaCha8Rng) -> Person {
        let sex = if chance(rng, 0.58) {
            Sex::Male
        } else {
            Sex::Female
        };
        let age = (65.0 + 9.0 * normal(rng)).clamp(35.0, 90.0).round() as u32;
        let symptom = SYMPTOMS[int(rng, 0, 3) as usize].to_string();
        let fracture = chance(rng, 0.5);
        let amyloidosis = chance(rng, 0.03);
        Person {
            sex,
            age,
            symptom,
            fracture,
            amyloidosis,
        }
    }
}

/// Baseline labs (log-normal creatinine, β2-MG, LDH; normal calcium, albumin, Hb).
struct BaselineLabs {
    calcium: f64,
    creatinine: f64,
    b2mg: f64,
    albumin: f64,
    ldh: f64,
    esr: f64,
    hb: f64,
}

impl BaselineLabs {
    /// Drawn in field order.
    fn draw(rng: &mut ChaCha8Rng) -> BaselineLabs {
        let calcium = round((2.3 + 0.2 * normal(rng)).clamp(1.7, 3.6), 2);
        let creatinine = round(lognormal(rng, 85.0, 0.45).clamp(35.0, 900.0), 1);
        let b2mg = round(lognormal(rng, 4.5, 0.5).clamp(1.2, 40.0), 2);
        let albumin = round((34.0 + 5.0 * normal(rng)).clamp(18.0, 50.0), 1);
        let ldh = round(lognormal(rng, 200.0, 0.35).clamp(80.0, 2000.0), 1);
        let esr = uni(rng, 8.0, 150.0).round();
        let hb = (95.0 + 18.0 * normal(rng)).clamp(50.0, 165.0).round();
        BaselineLabs {
            calcium,
            creatinine,
            b2mg,
            albumin,
            ldh,
            esr,
            hb,
        }
    }
}

/// Prior lines, prior lenalidomide, current regimen.
struct History {
    lines: u32,
    prior_len: bool,
    regimen: String,
}

impl History {
    /// Drawn in field order.
    fn draw(rng: &mut ChaCha8Rng) -> History {
        let lines = weighted(
            rng,
            &[
                (1u32, 0.15),
                (2, 0.25),
                (3, 0.2),
                (4, 0.15),
                (5, 0.1),
                (6, 0.08),
                (7, 0.04),
                (8, 0.03),
            ],
            2,
        );
        let prior_len = chance(rng, 0.9);
        let regimen = weighted(rng, &REGIMENS, "BRD").to_string();
        History {
            lines,
            prior_len,
            regimen,
        }
    }
}

/// Non-haematological adverse events, the planted Hb drop flag and whether the recorded
/// status is relapsed and refractory.
struct Toxicity {
    fatigue: u8,
    anorexia: u8,
    diarrhea: u8,
    hb_drop: bool,
    status: StatusKind,
}

impl Toxicity {
    /// Drawn in field order.
    fn draw(rng: &mut ChaCha8Rng) -> Toxicity {
        let fatigue = if chance(rng, 0.4) {
            int(rng, 1, 2) as u8
        } else {
            0
        };
        let anorexia = if chance(rng, 0.3) {
            int(rng, 1, 2) as u8
        } else {
            0
        };
        let diarrhea = if chance(rng, 0.08) {
            int(rng, 1, 3) as u8
        } else {
            0
        };
        let hb_drop = chance(rng, 0.07);
        let status = StatusKind::Consistent(chance(rng, 0.6));
        Toxicity {
            fatigue,
            anorexia,
            diarrhea,
            hb_drop,
            status,
        }
    }
}

/// The generator: one patient bundle at a time.
struct Gen {
    rng: ChaCha8Rng,
    next: usize,
    n: usize,
}

impl Iterator for Gen {
    type Item = Bundle;

    fn next(&mut self) -> Option<Bundle> {
        if self.next >= self.n {
            return None;
        }
        let s = spec(self.next, &mut self.rng);
        self.next += 1;
        Some(build(&s, &mut self.rng))
    }
}

fn generator(patients: usize, seed: u64) -> Gen {
    Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
        next: 0,
        n: patients,
    }
}

/// A synthetic cohort held in memory (use [`write_synthetic`] for very large cohorts).
pub fn synthetic_cohort(patients: usize, seed: u64) -> DemoCohort {
    let mut c = DemoCohort {
        patients: Vec::with_capacity(patients),
        assessments: Vec::new(),
        adverse_events: Vec::new(),
        labs: Vec::new(),
        planted: Planted::default(),
    };
    for b in generator(patients, seed) {
        c.patients.push(b.patient);
        c.assessments.extend(b.assessments);
        c.adverse_events.extend(b.aes);
        c.labs.extend(b.labs);
    }
    c
}

/// Cohorts up to this size are written with regular in-memory worksheets (byte-identical to
/// [`super::write_workbook`]); larger ones with constant-memory worksheets.
const IN_MEMORY_MAX_PATIENTS: usize = 5_000;

/// Write a synthetic cohort in the canonical layout, generating patient by patient.
///
/// Memory is bounded for any size: above [`IN_MEMORY_MAX_PATIENTS`] the worksheets are
/// rust_xlsxwriter's constant-memory kind (each row goes to a temporary file once the next
/// row starts), in the "low memory" variant that keeps the shared-string table, as Excel
/// writes workbooks; only the distinct strings (patient ids and a small vocabulary, a few MB
/// for 100,000 patients) stay in memory. Shared strings are numbered in the order they are
/// first written, so the sheets are written one after the other, each from its own pass over
/// the (deterministic, cheap) generator.
///
/// Output is deterministic in `(patients, seed)`. Up to [`IN_MEMORY_MAX_PATIENTS`] it is the
/// same bytes as `write_workbook(&synthetic_cohort(patients, seed), Layout::Canonical, path)`;
/// above, the worksheet XML differs from that only by the optional `spans` row attribute
/// (which a streaming writer cannot know in advance): same cells, same shared strings.
pub fn write_synthetic(path: &Path, patients: usize, seed: u64) -> Result<(), DemoError> {
    write_synthetic_with(path, patients, seed, patients > IN_MEMORY_MAX_PATIENTS)
}

fn write_synthetic_with(
    path: &Path,
    patients: usize,
    seed: u64,
    constant_memory: bool,
) -> Result<(), DemoError> {
    let layout = Layout::Canonical;
    let mut wb = new_workbook()?;
    let new_ws = |wb: &mut Workbook| -> Result<Worksheet, DemoError> {
        Ok(if constant_memory {
            wb.new_worksheet_with_low_memory()?
        } else {
            Worksheet::new()
        })
    };

    let mut ps = Sheet::new(
        new_ws(&mut wb)?,
        layout,
        "patients",
        "基线资料",
        patient_cols(),
        &[],
    )?;
    for b in generator(patients, seed) {
        ps.push(&b.patient, &[])?;
    }
    wb.push_worksheet(ps.finish("")?);

    let mut ts = Sheet::new(
        new_ws(&mut wb)?,
        layout,
        "treatment",
        "治疗方案",
        treatment_cols(),
        &[],
    )?;
    for b in generator(patients, seed) {
        ts.push(&b.patient, &[])?;
    }
    wb.push_worksheet(ts.finish("")?);

    let mut asheet = Sheet::new(
        new_ws(&mut wb)?,
        layout,
        "assessments",
        "疗效评估",
        assessment_cols(layout),
        &[],
    )?;
    for b in generator(patients, seed) {
        for a in &b.assessments {
            asheet.push(a, &[])?;
        }
    }
    wb.push_worksheet(asheet.finish("")?);

    let mut es = Sheet::new(
        new_ws(&mut wb)?,
        layout,
        "adverse_events",
        "不良反应",
        ae_cols(),
        &[],
    )?;
    for b in generator(patients, seed) {
        for e in &b.aes {
            es.push(e, &[])?;
        }
    }
    wb.push_worksheet(es.finish("")?);

    let mut ls = Sheet::new(
        new_ws(&mut wb)?,
        layout,
        "labs",
        "实验室检查",
        lab_cols(),
        &[],
    )?;
    for b in generator(patients, seed) {
        for l in &b.labs {
            ls.push(l, &[])?;
        }
    }
    wb.push_worksheet(ls.finish("")?);
    wb.save(path)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Every part of an xlsx package, with the `spans` row attribute removed.
    fn parts(path: &Path) -> Vec<(String, String)> {
        let f = std::fs::File::open(path).expect("open");
        let mut z = zip::ZipArchive::new(f).expect("zip");
        let mut out = Vec::new();
        for i in 0..z.len() {
            let mut e = z.by_index(i).expect("entry");
            let mut s = String::new();
            e.read_to_string(&mut s).expect("utf-8 part");
            let mut clean = String::with_capacity(s.len());
            let mut rest = s.as_str();
            while let Some(k) = rest.find(" spans=\"") {
                clean.push_str(&rest[..k]);
                let after = &rest[k + 8..];
                let end = after.find('"').expect("closing quote");
                rest = &after[end + 1..];
            }
            clean.push_str(rest);
            out.push((e.name().expect("name").to_string(), clean));
        }
        out
    }

    #[test]
    fn constant_memory_writes_the_same_workbook() {
        let d = tempfile::tempdir().expect("tempdir");
        let a = d.path().join("in-memory.xlsx");
        let b = d.path().join("constant-memory.xlsx");
        let b2 = d.path().join("constant-memory-2.xlsx");
        write_synthetic_with(&a, 300, 11, false).expect("write");
        write_synthetic_with(&b, 300, 11, true).expect("write");
        write_synthetic_with(&b2, 300, 11, true).expect("write");
        assert_eq!(
            std::fs::read(&b).expect("read"),
            std::fs::read(&b2).expect("read")
        );
        let (pa, pb) = (parts(&a), parts(&b));
        assert_eq!(pa.len(), pb.len());
        for ((na, xa), (nb, xb)) in pa.iter().zip(&pb) {
            assert_eq!(na, nb);
            assert!(xa == xb, "{na} differs");
        }
    }
}
