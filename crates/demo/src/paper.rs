//! The seed paper's 32-patient cohort.
//!
//! The design table ([`super::paper_table::PAPER`]) fixes, per patient, everything the
//! paper's numbers depend on: Table 1 values (chosen so that type-6 quartiles hit the printed
//! values and Shapiro-Wilk sorts each variable into the summary the paper used), categories,
//! FISH, EMD, regimen, cycles, the recorded response at each assessment, and the survival
//! times (days from index to progression and to death / last follow-up) that give the
//! printed Kaplan-Meier medians and log-rank p-values. [`super::build`] derives the rest.
//!
//! Survival design in short: the 12 patients with 1-2 cycles progress at the cycle-1/2
//! assessment (days 35-60), five of them die within 8 months and one at 25 months; the 20
//! with >= 3 cycles progress late or not at all, with heavy censoring from staggered
//! enrolment. Every death follows a documented progression, so PFS is the same whether death
//! counts as an event or not.

use super::build::{build, Spec, StatusKind};
use super::paper_table::PAPER;
use super::{DemoCohort, Emd, Fish, MProtein, Planted};
use crate::model::{EmdOnset, EmdType, Response, Sex};
use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// One design row (see the module doc).
pub(super) struct PaperRow {
    pub key: &'static str,
    pub index: (i32, u32, u32),
    pub male: bool,
    pub age: u32,
    pub m_protein: &'static str,
    pub symptom: &'static str,
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
    pub fish: Option<&'static [&'static str]>,
    pub lines: u32,
    pub prior_len: bool,
    pub regimen: &'static str,
    pub emd: Option<(&'static str, &'static str, &'static [&'static str])>,
    pub cycles: u32,
    pub prog: Option<i64>,
    pub end: i64,
    pub death: Option<&'static str>,
    pub assessments: &'static [(u32, i64, Response)],
    pub wbc_ae: u8,
    pub plt_ae: u8,
    pub fatigue: u8,
    pub anorexia: u8,
    pub diarrhea: u8,
    pub hb_drop: bool,
    /// 0 = consistent; 1..=3 = the planted status faults, in [`StatusKind`] order.
    pub status_plant: u8,
    pub no_evidence: bool,
}

/// Responses whose measurements are planted to imply another category: design key, cycle,
/// truth.
const RESPONSE_PLANTS: [(&str, u32, Response); 3] = [
    ("A11", 2, Response::PD),
    ("B17", 4, Response::MR),
    ("B19", 6, Response::VGPR),
];

/// Relapsed (not refractory) patients: their last prior line ended months before relapse.
/// The rest are relapsed and refractory.
const RELAPSED: [&str; 10] = [
    "A8", "A10", "B1", "B4", "B5", "B8", "B12", "B13", "B15", "B20",
];

/// Free-text notes, including the two that must be escaped downstream.
const NOTES: [(&str, &str); 6] = [
    ("B15", "外院转入，既往资料不全"),
    ("B8", "patient declined further cycles after C4"),
    ("A7", "合并带状疱疹，已治愈"),
    ("B20", "<script>alert(1)</script>"),
    ("B6", "=HYPERLINK(\"http://x\",\"y\")"),
    ("B14", "dose delayed 1 week in C3 (neutropenia)"),
];

const SUSPICIOUS: [&str; 2] = ["B20", "B6"];

fn fish(codes: &[&str]) -> Fish {
    let mut f = Fish::default();
    for c in codes {
        match *c {
            "del17p" => f.del17p = true,
            "t4_14" => f.t4_14 = true,
            "t14_16" => f.t14_16 = true,
            "t14_20" => f.t14_20 = true,
            "1q" => f.gain_1q = true,
            "del13q" => f.del13q = true,
            "t11_14" => f.t11_14 = true,
            "igh" => f.igh = true,
            "t4_11" => f.other.push("t(4;11)".to_string()),
            other => f.other.push(other.to_string()),
        }
    }
    f
}

fn m_protein(s: &str) -> MProtein {
    match s {
        "IgA" => MProtein::IgA,
        "kappa" => MProtein::Kappa,
        "lambda" => MProtein::Lambda,
        "non_secretory" => MProtein::NonSecretory,
        _ => MProtein::IgG,
    }
}

fn spec(i: usize, r: &PaperRow) -> Spec {
    let status = match r.status_plant {
        1 => StatusKind::PlantRelapsedIsRefractory,
        2 => StatusKind::PlantRefractoryIsRelapsed,
        3 => StatusKind::PlantPrimaryRefractory,
        _ => StatusKind::Consistent(!RELAPSED.contains(&r.key)),
    };
    Spec {
        id: format!("P{:03}", i + 1),
        index: NaiveDate::from_ymd_opt(r.index.0, r.index.1, r.index.2).unwrap_or(NaiveDate::MIN),
        sex: if r.male { Sex::Male } else { Sex::Female },
        age: r.age,
        mp: m_protein(r.m_protein),
        symptom: r.symptom.to_string(),
        fracture: r.fracture,
        amyloidosis: r.amyloidosis,
        marrow: r.marrow,
        calcium: r.calcium,
        creatinine: r.creatinine,
        b2mg: r.b2mg,
        albumin: r.albumin,
        ldh: r.ldh,
        esr: r.esr,
        hb: r.hb,
        wbc: r.wbc,
        plt: r.plt,
        fish: r.fish.map(fish),
        lines: r.lines,
        prior_len: r.prior_len,
        regimen: r.regimen.to_string(),
        emd: r.emd.map(|(onset, kind, sites)| Emd {
            onset: if onset == "at_diagnosis" {
                EmdOnset::AtDiagnosis
            } else {
                EmdOnset::AtRelapse
            },
            kind: if kind == "soft_tissue" {
                EmdType::SoftTissue
            } else {
                EmdType::Paraskeletal
            },
            sites: sites.iter().map(|s| s.to_string()).collect(),
        }),
        cycles: r.cycles,
        prog: r.prog,
        end: r.end,
        death: r.death.map(str::to_string),
        assessments: r.assessments.to_vec(),
        response_truth: RESPONSE_PLANTS
            .iter()
            .filter(|(k, _, _)| *k == r.key)
            .map(|&(_, c, t)| (c, t))
            .collect(),
        wbc_ae: r.wbc_ae,
        plt_ae: r.plt_ae,
        fatigue: r.fatigue,
        anorexia: r.anorexia,
        diarrhea: r.diarrhea,
        hb_drop: r.hb_drop,
        status,
        no_evidence: r.no_evidence,
        notes: NOTES
            .iter()
            .find(|(k, _)| *k == r.key)
            .map(|(_, n)| n.to_string()),
    }
}

/// The seed study's cohort: 32 patients consistent with every count the paper prints, plus
/// the few faults recorded in [`DemoCohort::planted`].
pub fn paper_cohort() -> DemoCohort {
    let mut rng = ChaCha8Rng::seed_from_u64(0x0BE0_DA00_2022_1209);
    let mut c = DemoCohort {
        patients: Vec::with_capacity(PAPER.len()),
        assessments: Vec::new(),
        adverse_events: Vec::new(),
        labs: Vec::new(),
        planted: Planted::default(),
    };
    for (i, r) in PAPER.iter().enumerate() {
        let s = spec(i, r);
        let b = build(&s, &mut rng);
        if r.no_evidence {
            c.planted.no_relapse_evidence.push(s.id.clone());
        }
        if SUSPICIOUS.contains(&r.key) {
            if let Some(n) = &s.notes {
                c.planted.suspicious_notes.push((s.id.clone(), n.clone()));
            }
        }
        c.planted.disease_status.extend(b.planted_status);
        c.planted.responses.extend(b.planted_responses);
        c.patients.push(b.patient);
        c.assessments.extend(b.assessments);
        c.adverse_events.extend(b.aes);
        c.labs.extend(b.labs);
    }
    c
}
