//! Per-patient derived fields (the ADSL of CDISC ADaM): age, endpoints (PFS, OS, follow-up)
//! with their event flags and dates, response at each checkpoint, final and best response,
//! and the configured groupings. Pure: no I/O.
//!
//! Endpoint definitions follow Kumar, Lancet Oncol 2016;17:e328 (IMWG 2016) and
//! `docs/results-json.md`: time zero is `index_date`; months = days / 30.4375; OS events are deaths
//! from any cause, others censored at last follow-up; PFS events are progression or death
//! (config: progression only), censored at last follow-up (config: last assessment).

use crate::config::{Config, PfsCensor, PfsEvents};
use crate::model::*;
use chrono::Datelike;
use mmreport_core::grouping::GroupValue;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One time-to-event endpoint of one patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Endpoint {
    /// Time from index in the report's unit (months by default).
    pub time: f64,
    pub days: i64,
    pub event: bool,
    /// The event date, or the censoring date (`None` for an endpoint given as a duration).
    pub date: Option<Date>,
    /// What ended the observation: `progression`, `death`, `last_followup`, `last_assessment`.
    pub reason: &'static str,
}

/// One patient's derived record (a row of `adsl.csv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Derived {
    pub patient_id: String,
    pub sex: Option<Sex>,
    /// Recorded age, or completed years from `birth_date` to `index_date`.
    pub age: Option<f64>,
    pub age_derived: bool,
    /// `None` for a patient analysed from durations (no dates).
    pub index_date: Option<Date>,
    pub regimen: Option<String>,
    pub cycles_completed: Option<u32>,
    pub prior_lines: Option<u32>,
    pub os: Endpoint,
    /// `None` without progression data: a patient analysed from durations without
    /// `pfs_time` (never OS passed off as PFS).
    pub pfs: Option<Endpoint>,
    /// Time to progression: death without progression censored (dates only).
    pub ttp: Option<Endpoint>,
    /// Observation time: index to last follow-up or death.
    pub followup: Endpoint,
    pub alive_at_last_contact: bool,
    /// Response after each checkpoint cycle (`None`: not assessed).
    pub checkpoints: BTreeMap<u32, Option<Response>>,
    /// Completed at least the configured number of cycles (the paper: 2).
    pub response_evaluable: bool,
    /// The last assessment's response (as the paper reports it).
    pub final_response: Option<Response>,
    pub best_response: Option<Response>,
    /// Date of the first assessment with PR or better.
    pub first_response_date: Option<Date>,
    /// Time to first response (>= PR), in the report's unit.
    pub time_to_response: Option<f64>,
    /// Duration of response: from the first >= PR to progression or death (responders only).
    pub dor: Option<Endpoint>,
    /// Configured groupings: id → level (`yes`/`no` for two-level groupings, the value for
    /// multi-level ones; `None`: the input is missing).
    pub groups: BTreeMap<String, Option<String>>,
}

/// Months (or the configured unit) from days.
pub fn to_unit(days: i64, cfg: &Config) -> f64 {
    days as f64 / cfg.time.days_per_month
}

fn endpoint(index: Date, date: Date, event: bool, reason: &'static str, cfg: &Config) -> Endpoint {
    let days = (date - index).num_days();
    Endpoint {
        time: to_unit(days, cfg),
        days,
        event,
        date: Some(date),
        reason,
    }
}

/// An endpoint given as a duration of `days` (fractional: durations in months or years).
fn duration_endpoint(days: f64, event: bool, reason: &'static str, cfg: &Config) -> Endpoint {
    Endpoint {
        time: days / cfg.time.days_per_month,
        days: days.round() as i64,
        event,
        date: None,
        reason,
    }
}

fn years_between(birth: Date, at: Date) -> f64 {
    let mut y = at.year() - birth.year();
    if (at.month(), at.day()) < (birth.month(), birth.day()) {
        y -= 1;
    }
    f64::from(y)
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The level of one patient in a configured grouping: `yes`/`no` for two-level groupings
/// (a number split at `at_least`, or a yes/no column), the value as written for `levels`,
/// the band for `cuts` (docs/configuration.md, "Groupings"). `None`: the patient has no
/// value and is in no group (counted by the analyses).
pub fn group_level(
    g: &crate::config::Grouping,
    p: &Patient,
    age: Option<f64>,
    high_risk: Option<bool>,
) -> Option<String> {
    let number = group_number(&g.column, p, age);
    if !g.cuts.is_empty() {
        return number.map(|x| g.band(x));
    }
    if g.levels {
        return group_text(&g.column, p).or_else(|| number.map(crate::display::plain_number));
    }
    if let Some(x) = number {
        return Some(yes_no(x >= g.at_least.unwrap_or(1.0)));
    }
    group_flag(&g.column, p, high_risk).map(yes_no)
}

/// The number a grouping column holds for this patient (`age` recorded or from the birth
/// date; any numeric column a grouping names, read by ingest).
fn group_number(column: &str, p: &Patient, age: Option<f64>) -> Option<f64> {
    match column {
        "prior_lines" => p.prior_lines.as_ref().map(|v| f64::from(v.v)),
        "cycles_completed" => p.cycles_completed.as_ref().map(|v| f64::from(v.v)),
        "age" => age,
        _ => match p.grouping_values.get(column).map(|v| &v.v) {
            Some(GroupValue::Number(x)) => Some(*x),
            _ => None,
        },
    }
}

/// The text a grouping column holds: the value as written (or a category's canonical
/// spelling).
fn group_text(column: &str, p: &Patient) -> Option<String> {
    match column {
        "regimen" => p.regimen.as_ref().map(|v| v.v.clone()),
        "m_protein_type" => p.m_protein_type.as_ref().map(|v| v.v.clone()),
        "sex" => p.sex.as_ref().map(|v| format!("{:?}", v.v).to_lowercase()),
        "ds_stage" => p.ds_stage.as_ref().map(|v| v.v.clone()),
        _ => match p.grouping_values.get(column).map(|v| &v.v) {
            Some(GroupValue::Text(t)) if !t.is_empty() => Some(t.clone()),
            _ => None,
        },
    }
}

/// A yes/no grouping column (male counts as yes for `sex`); any yes/no column a grouping
/// names is read by ingest.
fn group_flag(column: &str, p: &Patient, high_risk: Option<bool>) -> Option<bool> {
    let b = |v: &Option<Val<bool>>| v.as_ref().map(|x| x.v);
    match column {
        "emd" => b(&p.emd),
        "high_risk_cytogenetics" => high_risk,
        "pathological_fracture" => b(&p.pathological_fracture),
        "amyloidosis" => b(&p.amyloidosis),
        "prior_bortezomib" => b(&p.prior_bortezomib),
        "prior_lenalidomide" => b(&p.prior_lenalidomide),
        "prior_pomalidomide" => b(&p.prior_pomalidomide),
        "prior_carfilzomib" => b(&p.prior_carfilzomib),
        "prior_daratumumab" => b(&p.prior_daratumumab),
        "prior_asct" => b(&p.prior_asct),
        "fish_del17p" => b(&p.fish_del17p),
        "fish_t4_14" => b(&p.fish_t4_14),
        "fish_1q_gain" => b(&p.fish_1q_gain),
        "sex" => p.sex.as_ref().map(|s| s.v == Sex::Male),
        _ => match p.grouping_values.get(column).map(|v| &v.v) {
            Some(GroupValue::Text(t)) if t == "yes" => Some(true),
            Some(GroupValue::Text(t)) if t == "no" => Some(false),
            _ => None,
        },
    }
}

/// The response of an assessment used for analysis (recorded by default; config may choose
/// the IMWG-derived one, supplied by the caller in `derived`).
pub type ResponseLookup<'a> = &'a dyn Fn(&Assessment) -> Option<Response>;

/// Derives every analysed patient. `analysed` are indices into `cohort.patients`
/// (validated to have `index_date` and an end date).
/// `high_risk` answers whether a patient has high-risk cytogenetics (from the staging rules).
pub fn derive(
    cohort: &Cohort,
    analysed: &[usize],
    cfg: &Config,
    resp: ResponseLookup<'_>,
    high_risk: &dyn Fn(&str) -> Option<bool>,
) -> Vec<Derived> {
    let mut by_patient: HashMap<&str, Vec<&Assessment>> = HashMap::new();
    for a in &cohort.assessments {
        by_patient.entry(a.patient_id.as_str()).or_default().push(a);
    }
    analysed
        .iter()
        .filter_map(|&i| cohort.patients.get(i))
        .filter_map(|p| {
            let mut asm: Vec<&Assessment> = by_patient
                .get(p.patient_id.as_str())
                .cloned()
                .unwrap_or_default();
            // Chronological: by cycle, then date.
            asm.sort_by_key(|a| {
                (
                    a.after_cycle.as_ref().map(|c| c.v),
                    a.assessment_date.as_ref().map(|d| d.v),
                )
            });
            derive_one(p, &asm, cfg, resp, high_risk)
        })
        .collect()
}

/// The time-to-event endpoints of one patient.
struct Endpoints {
    os: Endpoint,
    pfs: Option<Endpoint>,
    ttp: Option<Endpoint>,
    followup: Endpoint,
}

/// Why an observation without progression ends: `death` when the patient died, else
/// `last_followup`.
fn death_or_followup(death: Option<Date>) -> &'static str {
    if death.is_some() {
        "death"
    } else {
        "last_followup"
    }
}

/// OS, PFS, TTP and follow-up from `index` (IMWG 2016 definitions, see the module docs);
/// `None` without a last follow-up or death date.
fn endpoints(p: &Patient, index: Date, asm: &[&Assessment], cfg: &Config) -> Option<Endpoints> {
    let death = p.death_date.as_ref().map(|d| d.v);
    let last_fu = p.last_followup_date.as_ref().map(|d| d.v).or(death)?;
    let last_contact = match death {
        Some(d) => d.max(last_fu),
        None => last_fu,
    };
    let os = match death {
        Some(d) => endpoint(index, d, true, "death", cfg),
        None => endpoint(index, last_fu, false, "last_followup", cfg),
    };
    let followup = endpoint(
        index,
        last_contact,
        death.is_some(),
        death_or_followup(death),
        cfg,
    );
    let prog = p.progression_date.as_ref().map(|d| d.v);
    let pfs = Some(pfs(index, prog, death, last_fu, asm, cfg));
    let ttp = Some(match prog {
        Some(pr) => endpoint(index, pr, true, "progression", cfg),
        None => endpoint(
            index,
            death.unwrap_or(last_fu),
            false,
            death_or_followup(death),
            cfg,
        ),
    });
    Some(Endpoints {
        os,
        pfs,
        ttp,
        followup,
    })
}

/// The endpoints of a patient without dates, from `os_time` with `os_event` (else
/// `vital_status`) and, when given with its flag, `pfs_time`: no PFS otherwise, and no TTP
/// (progression cannot be told from death). `None` without OS.
fn duration_endpoints(p: &Patient, cfg: &Config) -> Option<Endpoints> {
    let days = p.os_time.as_ref()?.v;
    let died = match (&p.os_event, &p.vital_status) {
        (Some(e), _) => e.v,
        (None, Some(v)) => v.v == VitalStatus::Dead,
        (None, None) => return None,
    };
    let reason = if died { "death" } else { "last_followup" };
    let os = duration_endpoint(days, died, reason, cfg);
    let pfs = p.pfs_time.as_ref().zip(p.pfs_event.as_ref()).map(|(t, e)| {
        let reason = if e.v {
            "progression_or_death"
        } else {
            "last_followup"
        };
        duration_endpoint(t.v, e.v, reason, cfg)
    });
    Some(Endpoints {
        followup: os.clone(),
        os,
        pfs,
        ttp: None,
    })
}

/// PFS: progression, or death when configured (`pfs_events`) and first; otherwise censored
/// at last follow-up or, by config (`pfs_censor_at`), at the last assessment.
fn pfs(
    index: Date,
    prog: Option<Date>,
    death: Option<Date>,
    last_fu: Date,
    asm: &[&Assessment],
    cfg: &Config,
) -> Endpoint {
    let last_assessment = asm
        .iter()
        .filter_map(|a| a.assessment_date.as_ref().map(|d| d.v))
        .max();
    let censor_date = match cfg.endpoints.pfs_censor_at {
        PfsCensor::LastFollowup => last_fu,
        PfsCensor::LastAssessment => last_assessment.unwrap_or(last_fu).max(index),
    };
    let censor_reason = match cfg.endpoints.pfs_censor_at {
        PfsCensor::LastAssessment if last_assessment.is_some() => "last_assessment",
        _ => "last_followup",
    };
    match (prog, death, cfg.endpoints.pfs_events) {
        (Some(pr), Some(de), PfsEvents::ProgressionOrDeath) if de < pr => {
            endpoint(index, de, true, "death", cfg)
        }
        (Some(pr), _, _) => endpoint(index, pr, true, "progression", cfg),
        (None, Some(de), PfsEvents::ProgressionOrDeath) => endpoint(index, de, true, "death", cfg),
        _ => endpoint(index, censor_date, false, censor_reason, cfg),
    }
}

/// The response fields of one patient.
struct Responses {
    checkpoints: BTreeMap<u32, Option<Response>>,
    final_response: Option<Response>,
    best_response: Option<Response>,
    first_response_date: Option<Date>,
    time_to_response: Option<f64>,
    dor: Option<Endpoint>,
}

/// Responses of the post-baseline assessments (chronological): the last one at each
/// checkpoint, final (last), best (NE only when nothing else), the first >= PR with time to
/// it, and duration of response to the PFS event or censoring.
fn responses(
    asm: &[&Assessment],
    index: Option<Date>,
    pfs: Option<&Endpoint>,
    cfg: &Config,
    resp: ResponseLookup<'_>,
) -> Responses {
    let post: Vec<(&Assessment, Response)> = asm
        .iter()
        .filter(|a| a.after_cycle.as_ref().map(|c| c.v) != Some(0))
        .filter_map(|a| resp(a).map(|r| (*a, r)))
        .collect();
    let checkpoints = cfg
        .response
        .checkpoints
        .iter()
        .map(|&c| {
            let r = post
                .iter()
                .rev()
                .find(|(a, _)| a.after_cycle.as_ref().map(|x| x.v) == Some(c))
                .map(|(_, r)| *r);
            (c, r)
        })
        .collect();
    let final_response = post.last().map(|(_, r)| *r);
    let best_response = post
        .iter()
        .map(|(_, r)| *r)
        .filter(|r| *r != Response::NE)
        .max_by_key(Response::rank)
        .or(final_response);
    let first_resp = post.iter().find(|(_, r)| r.is_responder());
    let first_response_date = first_resp.and_then(|(a, _)| a.assessment_date.as_ref().map(|d| d.v));
    // Both need dates: a patient analysed from durations has neither.
    let time_to_response = first_response_date
        .zip(index)
        .map(|(d, index)| to_unit((d - index).num_days(), cfg));
    let dor = first_response_date
        .zip(pfs)
        .and_then(|(start, pfs)| duration_of_response(start, pfs, cfg));
    Responses {
        checkpoints,
        final_response,
        best_response,
        first_response_date,
        time_to_response,
        dor,
    }
}

/// Duration of response: from the first >= PR (`start`) to the PFS event or censoring date,
/// with the PFS event flag and reason (never negative).
fn duration_of_response(start: Date, pfs: &Endpoint, cfg: &Config) -> Option<Endpoint> {
    let (end, event, reason) = (pfs.date?, pfs.event, pfs.reason);
    let days = (end - start).num_days().max(0);
    Some(Endpoint {
        time: to_unit(days, cfg),
        days,
        event,
        date: Some(end),
        reason,
    })
}

/// Recorded age (not derived), or completed years from `birth_date` to `index` (derived).
fn age(p: &Patient, index: Option<Date>) -> Option<(f64, bool)> {
    match (&p.age, &p.birth_date, index) {
        (Some(a), _, _) => Some((a.v, false)),
        (None, Some(b), Some(index)) => Some((years_between(b.v, index), true)),
        _ => None,
    }
}

/// The patient's level in each configured grouping, by grouping id.
fn groups(
    p: &Patient,
    age: Option<f64>,
    cfg: &Config,
    high_risk: &dyn Fn(&str) -> Option<bool>,
) -> BTreeMap<String, Option<String>> {
    cfg.groupings
        .iter()
        .map(|g| {
            (
                g.id.clone(),
                group_level(g, p, age, high_risk(&p.patient_id)),
            )
        })
        .collect()
}

/// One patient's derived record; `None` without `index_date` or an end date.
fn derive_one(
    p: &Patient,
    asm: &[&Assessment],
    cfg: &Config,
    resp: ResponseLookup<'_>,
    high_risk: &dyn Fn(&str) -> Option<bool>,
) -> Option<Derived> {
    let index = p.index_date.as_ref().map(|d| d.v);
    let by_dates = index.and_then(|index| endpoints(p, index, asm, cfg));
    let Endpoints {
        os,
        pfs,
        ttp,
        followup,
    } = by_dates.or_else(|| duration_endpoints(p, cfg))?;
    // A patient analysed from durations has no time zero to date its responses from.
    let index = index.filter(|_| os.date.is_some());
    let alive = !os.event;
    let r = responses(asm, index, pfs.as_ref(), cfg, resp);
    let age = age(p, index);
    let cycles = p.cycles_completed.as_ref().map(|c| c.v);
    Some(Derived {
        patient_id: p.patient_id.clone(),
        sex: p.sex.as_ref().map(|s| s.v),
        age: age.map(|a| a.0),
        age_derived: age.is_some_and(|a| a.1),
        index_date: index,
        regimen: p.regimen.as_ref().map(|r| r.v.clone()),
        cycles_completed: cycles,
        prior_lines: p.prior_lines.as_ref().map(|c| c.v),
        os,
        pfs,
        ttp,
        followup,
        alive_at_last_contact: alive,
        checkpoints: r.checkpoints,
        response_evaluable: cycles.is_some_and(|c| c >= cfg.response.evaluable_min_cycles),
        final_response: r.final_response,
        best_response: r.best_response,
        first_response_date: r.first_response_date,
        time_to_response: r.time_to_response,
        dor: r.dor,
        groups: groups(p, age.map(|a| a.0), cfg, high_risk),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn at() -> CellRef {
        CellRef {
            sheet: 0,
            row: 2,
            col: 0,
        }
    }
    fn vd(s: &str) -> Option<Val<Date>> {
        Some(Val::new(s.parse().unwrap(), at()))
    }
    fn base() -> Patient {
        Patient {
            patient_id: "P1".into(),
            index_date: vd("2020-01-01"),
            last_followup_date: vd("2021-01-01"),
            cycles_completed: Some(Val::new(4, at())),
            prior_lines: Some(Val::new(3, at())),
            ..Patient::default()
        }
    }
    fn recorded(a: &Assessment) -> Option<Response> {
        a.response.as_ref().map(|r| r.v)
    }
    fn run(p: Patient, asm: Vec<Assessment>, cfg: &Config) -> Derived {
        let c = Cohort {
            patients: vec![p],
            assessments: asm,
            ..Cohort::default()
        };
        derive(&c, &[0], cfg, &recorded, &|_| None).pop().unwrap()
    }
    fn a(cycle: u32, date: &str, r: Response) -> Assessment {
        Assessment {
            patient_id: "P1".into(),
            after_cycle: Some(Val::new(cycle, at())),
            assessment_date: vd(date),
            response: Some(Val::new(r, at())),
            ..Assessment::default()
        }
    }

    #[test]
    fn censored_patient_times_in_months() {
        let cfg = Config::defaults().unwrap().config;
        let d = run(base(), vec![], &cfg);
        assert_eq!(d.os.days, 366);
        assert!((d.os.time - 366.0 / 30.4375).abs() < 1e-12);
        assert!(!d.os.event && !d.pfs.as_ref().unwrap().event);
        assert_eq!(d.pfs.as_ref().unwrap().reason, "last_followup");
        assert_eq!(d.groups["prior_lines_ge3"].as_deref(), Some("yes"));
        assert_eq!(d.groups["cycles_ge3"].as_deref(), Some("yes"));
        assert_eq!(d.groups["cycles_ge4"].as_deref(), Some("yes"));
        assert_eq!(d.groups["emd"], None);
        assert_eq!(d.groups["regimen"], None);
    }

    #[test]
    fn pfs_event_progression_or_death_by_config() {
        let cfg = Config::defaults().unwrap().config;
        let mut p = base();
        p.death_date = vd("2020-07-01");
        let d = run(p.clone(), vec![], &cfg);
        assert!(d.pfs.as_ref().unwrap().event && d.os.event);
        assert_eq!(d.pfs.as_ref().unwrap().reason, "death");
        let cfg2 = Config::with_override("[endpoints]\npfs_events = \"progression\"\n", "t")
            .unwrap()
            .config;
        let d = run(p.clone(), vec![], &cfg2);
        assert!(
            !d.pfs.as_ref().unwrap().event,
            "progression only: death without progression is censored"
        );
        p.progression_date = vd("2020-05-01");
        let d = run(p, vec![], &cfg);
        assert_eq!(
            (
                d.pfs.as_ref().unwrap().event,
                d.pfs.as_ref().unwrap().reason,
                d.pfs.as_ref().unwrap().days
            ),
            (true, "progression", 121)
        );
    }

    #[test]
    fn censor_at_last_assessment_by_config() {
        let cfg = Config::with_override("[endpoints]\npfs_censor_at = \"last_assessment\"\n", "t")
            .unwrap()
            .config;
        let d = run(base(), vec![a(2, "2020-03-01", Response::PR)], &cfg);
        assert_eq!(
            (d.pfs.as_ref().unwrap().reason, d.pfs.as_ref().unwrap().days),
            ("last_assessment", 60)
        );
    }

    #[test]
    fn responses_checkpoint_final_best() {
        let cfg = Config::defaults().unwrap().config;
        let asm = vec![
            a(4, "2020-05-01", Response::SD),
            a(2, "2020-03-01", Response::PR),
            a(0, "2019-12-30", Response::NE),
        ];
        let d = run(base(), asm, &cfg);
        assert_eq!(d.checkpoints[&2], Some(Response::PR));
        assert_eq!(d.checkpoints[&4], Some(Response::SD));
        assert_eq!(d.checkpoints[&6], None);
        assert_eq!(d.final_response, Some(Response::SD));
        assert_eq!(d.best_response, Some(Response::PR));
        assert_eq!(d.first_response_date, Some("2020-03-01".parse().unwrap()));
        assert!(d.response_evaluable);
        let dor = d.dor.unwrap();
        assert_eq!((dor.days, dor.event), (306, false));
    }

    #[test]
    fn age_from_birth_date() {
        let cfg = Config::defaults().unwrap().config;
        let mut p = base();
        p.birth_date = vd("1960-01-02");
        let d = run(p, vec![], &cfg);
        assert_eq!(d.age, Some(59.0));
        assert!(d.age_derived);
    }
}
