//! Analysis: every table and figure of the report, computed from the derived records into
//! [`Analyses`] (part of `Results`, the only input of the renderers). Each table is an
//! independent job; the jobs run in parallel with rayon and their results are assembled in a
//! fixed order, so the output does not depend on scheduling.

mod baseline;
mod competing;
mod cox_models;
mod landmark;
mod methods;
mod response;
mod rmst;
mod safety;
mod survival;
mod warnings;

pub use survival::risk_times;

use crate::config::Config;
use crate::derive::Derived;
use crate::labels::Labels;
use crate::model::{Cohort, Patient, Response};
use crate::results::*;
use crate::rules::RulesOutcome;
use std::collections::{BTreeMap, HashMap};

/// What every job reads.
pub struct Input<'a> {
    pub cfg: &'a Config,
    pub cohort: &'a Cohort,
    /// Analysed patients, in the same order as `derived`.
    pub patients: Vec<&'a Patient>,
    pub derived: &'a [Derived],
    pub outcome: &'a RulesOutcome,
    pub cohort_summary: &'a CohortSummary,
    /// Confidence level of every interval (config `descriptive.confidence_level`).
    pub level: f64,
    /// English labels: `BaselineRow.label` and other machine-readable labels are English.
    pub labels_en: &'static Labels,
}

impl<'a> Input<'a> {
    pub fn new(
        cfg: &'a Config,
        cohort: &'a Cohort,
        derived: &'a [Derived],
        outcome: &'a RulesOutcome,
        cohort_summary: &'a CohortSummary,
    ) -> Self {
        let by_id: HashMap<&str, &Patient> = cohort
            .patients
            .iter()
            .map(|p| (p.patient_id.as_str(), p))
            .collect();
        let patients = derived
            .iter()
            .filter_map(|d| by_id.get(d.patient_id.as_str()).copied())
            .collect();
        Input {
            cfg,
            cohort,
            patients,
            derived,
            outcome,
            cohort_summary,
            level: cfg.descriptive.confidence_level,
            labels_en: Labels::english(),
        }
    }
}

/// A grouping's label for the forest plot ([`Config::grouping_label`]: the high-risk grouping
/// names the configured definition).
pub fn grouping_label(cfg: &Config, g: &crate::config::Grouping) -> String {
    cfg.grouping_label(g)
}

fn level(name: &str, count: usize, n: usize) -> Level {
    Level::new(
        name,
        count,
        if n == 0 { 0.0 } else { count as f64 / n as f64 },
    )
}

fn flow(input: &Input<'_>) -> Flow {
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for e in &input.cohort_summary.excluded {
        for r in &e.reasons {
            // Group "duplicate patient_id in sheet patients (rows 3, 9)" under its kind.
            let kind = r.split(" (").next().unwrap_or(r).to_string();
            *reasons.entry(kind).or_default() += 1;
        }
    }
    let read = input.cohort_summary.patients_read;
    let mut steps: Vec<u32> = vec![input.cfg.response.evaluable_min_cycles];
    steps.extend(
        input
            .cfg
            .response
            .checkpoints
            .iter()
            .copied()
            .filter(|c| *c > input.cfg.response.evaluable_min_cycles),
    );
    Flow {
        read,
        excluded: reasons
            .into_iter()
            .map(|(k, c)| level(&k, c, read))
            .collect(),
        excluded_patients: input.cohort_summary.excluded.len(),
        analysed: input.derived.len(),
        completed: steps
            .into_iter()
            .map(|c| CyclesStep {
                cycles: c,
                n: input
                    .derived
                    .iter()
                    .filter(|d| d.cycles_completed.is_some_and(|x| x >= c))
                    .count(),
            })
            .collect(),
    }
}

fn exposure(input: &Input<'_>) -> Exposure {
    let cycles: Vec<u32> = input
        .derived
        .iter()
        .filter_map(|d| d.cycles_completed)
        .collect();
    let cf: Vec<f64> = cycles.iter().map(|c| f64::from(*c)).collect();
    let mut dist: BTreeMap<u32, usize> = BTreeMap::new();
    for c in &cycles {
        *dist.entry(*c).or_default() += 1;
    }
    let mut regimens: BTreeMap<String, usize> = BTreeMap::new();
    for p in &input.patients {
        if let Some(r) = &p.regimen {
            *regimens.entry(r.v.clone()).or_default() += 1;
        }
    }
    let n_reg: usize = regimens.values().sum();
    let mut regs: Vec<Level> = regimens
        .into_iter()
        .map(|(k, c)| level(&k, c, n_reg))
        .collect();
    regs.sort_by(|a, b| b.count.cmp(&a.count).then(a.level.cmp(&b.level)));
    let doses: Vec<f64> = input
        .patients
        .iter()
        .filter_map(|p| p.bendamustine_dose.as_ref().map(|d| d.v))
        .collect();
    Exposure {
        n: cycles.len(),
        cycles_median: crate::stats::median(&cf).ok(),
        cycles_min: cycles.iter().copied().min(),
        cycles_max: cycles.iter().copied().max(),
        cycles_distribution: dist
            .into_iter()
            .map(|(k, c)| level(&k.to_string(), c, cycles.len()))
            .collect(),
        regimens: regs,
        dose_median: crate::stats::median(&doses).ok(),
        dose_min: doses.iter().copied().reduce(f64::min),
        dose_max: doses.iter().copied().reduce(f64::max),
    }
}

/// Deaths are the OS events (death from any cause up to the cut-off), so that a registry
/// analysed from durations (`os_event`, no death date) counts its deaths as its OS does.
fn deaths(input: &Input<'_>) -> Deaths {
    let of = input.derived.len();
    let mut causes: BTreeMap<String, usize> = BTreeMap::new();
    let mut n = 0;
    for (p, d) in input.patients.iter().zip(input.derived) {
        if d.os.event {
            n += 1;
            let c = p
                .death_cause
                .as_ref()
                .map(|c| c.v.clone())
                .unwrap_or_else(|| "unknown".into());
            *causes.entry(c).or_default() += 1;
        }
    }
    let mut cs: Vec<Level> = causes.into_iter().map(|(k, c)| level(&k, c, n)).collect();
    cs.sort_by(|a, b| b.count.cmp(&a.count).then(a.level.cmp(&b.level)));
    Deaths {
        n,
        of,
        fraction: if of == 0 { 0.0 } else { n as f64 / of as f64 },
        causes: cs,
    }
}

fn swimmer(input: &Input<'_>) -> Vec<SwimmerRow> {
    let dpm = input.cfg.time.days_per_month;
    let mut by_patient: HashMap<&str, Vec<&crate::model::Assessment>> = HashMap::new();
    for a in &input.cohort.assessments {
        by_patient.entry(a.patient_id.as_str()).or_default().push(a);
    }
    // A patient analysed from durations has no dates to place its assessments by.
    input
        .derived
        .iter()
        .filter_map(|d| Some((d, d.index_date?)))
        .map(|(d, index)| {
            let mut marks: Vec<SwimmerMark> = by_patient
                .get(d.patient_id.as_str())
                .into_iter()
                .flatten()
                .filter(|a| a.after_cycle.as_ref().map(|c| c.v) != Some(0))
                .filter_map(|a| {
                    let date = a.assessment_date.as_ref()?.v;
                    let r = a.response.as_ref()?.v;
                    Some(SwimmerMark {
                        time: (date - index).num_days() as f64 / dpm,
                        kind: r.code().into(),
                    })
                })
                .collect();
            if let Some(ttp) = d.ttp.as_ref().filter(|t| t.event) {
                marks.push(SwimmerMark {
                    time: ttp.time,
                    kind: "PD".into(),
                });
            }
            if d.os.event {
                marks.push(SwimmerMark {
                    time: d.os.time,
                    kind: "death".into(),
                });
            }
            marks.sort_by(|a, b| a.time.total_cmp(&b.time).then(a.kind.cmp(&b.kind)));
            SwimmerRow {
                patient_id: d.patient_id.clone(),
                regimen: d.regimen.clone(),
                end: d.followup.time,
                ongoing: d.alive_at_last_contact && !d.pfs.as_ref().is_some_and(|p| p.event),
                marks,
            }
        })
        .collect()
}

/// Best % change from baseline of serum M-protein, else urine, else the FLC difference.
fn waterfall(input: &Input<'_>) -> Vec<WaterfallRow> {
    let mut by_patient: HashMap<&str, Vec<&crate::model::Assessment>> = HashMap::new();
    for a in &input.cohort.assessments {
        by_patient.entry(a.patient_id.as_str()).or_default().push(a);
    }
    type Measure = fn(&crate::model::Assessment) -> Option<f64>;
    let measures: [(&str, Measure); 3] = [
        ("serum", |a| a.serum_m_protein.as_ref().map(|v| v.v)),
        ("urine", |a| a.urine_m_protein.as_ref().map(|v| v.v)),
        ("dflc", |a| match (&a.involved_flc, &a.uninvolved_flc) {
            (Some(i), Some(u)) => Some(i.v - u.v),
            _ => None,
        }),
    ];
    let mut rows: Vec<WaterfallRow> = input
        .derived
        .iter()
        .filter_map(|d| {
            let asm = by_patient.get(d.patient_id.as_str())?;
            let is_base =
                |a: &&&crate::model::Assessment| a.after_cycle.as_ref().map(|c| c.v) == Some(0);
            for (name, f) in &measures {
                let base = asm
                    .iter()
                    .filter(is_base)
                    .find_map(|a| f(a))
                    .filter(|b| *b > 0.0);
                let Some(base) = base else { continue };
                let best = asm
                    .iter()
                    .filter(|a| !is_base(a))
                    .filter_map(|a| f(a))
                    .reduce(f64::min);
                if let Some(best) = best {
                    return Some(WaterfallRow {
                        patient_id: d.patient_id.clone(),
                        change_pct: (best - base) / base * 100.0,
                        measure: (*name).into(),
                        best_response: d.best_response.map(|r: Response| r.code().into()),
                    });
                }
            }
            None
        })
        .collect();
    rows.sort_by(|a, b| {
        b.change_pct
            .total_cmp(&a.change_pct)
            .then(a.patient_id.cmp(&b.patient_id))
    });
    rows
}

/// The reviewers' analyses of issue 15: multivariable Cox models, competing risks, RMST and
/// landmark analyses, each job in parallel.
struct Extra {
    cox_models: Vec<CoxModel>,
    landmark_analyses: Vec<LandmarkAnalysis>,
    competing_risks: Vec<CompetingRisks>,
    rmst: Vec<Rmst>,
}

fn extra(input: &Input<'_>) -> Extra {
    use rayon::prelude::*;
    let cfg = input.cfg;
    let (cox_models, landmark_analyses) = rayon::join(
        || {
            cfg.cox_models
                .par_iter()
                .map(|j| cox_models::cox_model(input, j))
                .collect()
        },
        || {
            cfg.landmark_analyses
                .par_iter()
                .map(|j| landmark::landmark(input, j))
                .collect()
        },
    );
    let (competing_risks, rmst) = rayon::join(
        || {
            cfg.competing_risks
                .par_iter()
                .map(|j| competing::competing_risks(input, j))
                .collect()
        },
        || cfg.rmst.par_iter().map(|j| rmst::rmst(input, j)).collect(),
    );
    Extra {
        cox_models,
        landmark_analyses,
        competing_risks,
        rmst,
    }
}

/// What the analysed patients have data for (`Analyses.data`): each flag is one patient
/// with the data, read from the derived records and the analyses computed from them.
fn data_present(input: &Input<'_>, a: &Analyses) -> DataPresent {
    let ids: std::collections::HashSet<&str> = input
        .derived
        .iter()
        .map(|d| d.patient_id.as_str())
        .collect();
    let assessments = || {
        input
            .cohort
            .assessments
            .iter()
            .filter(|x| ids.contains(x.patient_id.as_str()))
    };
    DataPresent {
        treatment: a.exposure.n > 0 || !a.exposure.regimens.is_empty(),
        responses: input
            .derived
            .iter()
            .any(|d| d.best_response.is_some() || d.final_response.is_some()),
        assessment_dates: assessments()
            .any(|x| x.assessment_date.is_some() && x.response.is_some()),
        progression: input.derived.iter().any(|d| d.pfs.is_some()),
        adverse_events: !a.adverse_events.is_empty(),
        m_protein: !a.waterfall.is_empty(),
    }
}

/// Runs every job in parallel and assembles [`Analyses`].
pub fn analyse(input: &Input<'_>) -> Analyses {
    let (mut a, x) = rayon::join(|| analyse_paper(input), || extra(input));
    a.cox_models = x.cox_models;
    a.landmark_analyses = x.landmark_analyses;
    a.competing_risks = x.competing_risks;
    a.rmst = x.rmst;
    a.warnings = warnings::immortal_time(input.cfg);
    a.data = data_present(input, &a);
    let (labels, display) = crate::display::grouping_display(input.cfg);
    a.grouping_labels = labels;
    a.display = display;
    a.methods = methods::methods(
        input.cfg,
        &a.data,
        input.cohort.assessments.iter().any(|x| x.mrd.is_some()),
    );
    a.methods = methods::extend(&a.methods, input.cfg, &a);
    a
}

/// The seed paper's tables and figures, in parallel.
fn analyse_paper(input: &Input<'_>) -> Analyses {
    use rayon::prelude::*;
    let jobs = &input.cfg.survival;
    let ((baseline, (survival, forest)), ((response, adverse_events), rest)) = rayon::join(
        || {
            rayon::join(
                || baseline::table1(input),
                || {
                    rayon::join(
                        || {
                            jobs.par_iter()
                                .map(|j| survival::survival(input, j))
                                .collect::<Vec<_>>()
                        },
                        || survival::forest(input),
                    )
                },
            )
        },
        || {
            rayon::join(
                || {
                    rayon::join(
                        || response::section(input),
                        || safety::adverse_events(input),
                    )
                },
                || {
                    (
                        flow(input),
                        exposure(input),
                        survival::followup(input),
                        deaths(input),
                        safety::hb_drop(input),
                        swimmer(input),
                        waterfall(input),
                    )
                },
            )
        },
    );
    let (flow, exposure, followup, deaths, hb_drop, swimmer, waterfall) = rest;
    Analyses {
        study_title: input.cfg.study.title_in_language().to_string(),
        flow,
        baseline,
        exposure,
        response,
        survival,
        followup,
        deaths,
        forest,
        adverse_events,
        hb_drop,
        swimmer,
        waterfall,
        ..Analyses::default()
    }
}
