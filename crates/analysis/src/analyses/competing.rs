//! Competing risks (`[[competing_risks]]`): the cumulative incidence of progression with
//! death without progression as a competing event (or the reverse), by the Aalen-Johansen
//! estimator as R's multi-state `survfit(Surv(time, factor(status, 0:2)) ~ g)`, and Gray's
//! test between the groups as `cmprsk::cuminc` (Gray, Ann Stat 1988;16:1141). The
//! 1 - Kaplan-Meier of progression with deaths censored overstates the incidence when
//! patients die first (Putter, Stat Med 2007;26:2389); this is the estimate that does not.

use super::survival::{find_grouping, grouping_text, parts, risk_times};
use super::Input;
use crate::config::{CompetingEvent, CompetingRisksJob};
use crate::derive::Derived;
use crate::results::{ChisqTest, CifAt, CifGroup, CifPoint, CompetingRisks};
use crate::stats::{self, CifFit, CrStatus};

/// The first event of one patient: progression, death without progression, or none (time
/// of censoring). Progression counts when it is recorded before or at death. `None` for a
/// patient analysed from durations (no dates tell progression from death).
fn first_event(d: &Derived) -> Option<(f64, Option<CompetingEvent>)> {
    let ttp = d.ttp.as_ref()?;
    Some(if ttp.event && !(d.os.event && d.os.time < ttp.time) {
        (ttp.time, Some(CompetingEvent::Progression))
    } else if d.os.event {
        (d.os.time, Some(CompetingEvent::DeathWithoutProgression))
    } else {
        (ttp.time, None)
    })
}

/// The status of a patient for the configured event of interest.
fn status(e: Option<CompetingEvent>, job: &CompetingRisksJob) -> CrStatus {
    match e {
        Some(e) if e == job.event => CrStatus::Event,
        Some(e) if e == job.competing => CrStatus::Competing,
        _ => CrStatus::Censored,
    }
}

/// The points of a fitted curve (one per distinct time, as survfit).
fn points(fit: &CifFit) -> Vec<CifPoint> {
    fit.rows
        .iter()
        .map(|r| CifPoint {
            time: r.time,
            estimate: r.estimate,
            std_err: r.std_err,
            lower: r.lower,
            upper: r.upper,
        })
        .collect()
}

/// The same patients with the event of interest and the competing event swapped.
fn swapped(status: &[CrStatus]) -> Vec<CrStatus> {
    status
        .iter()
        .map(|s| match s {
            CrStatus::Event => CrStatus::Competing,
            CrStatus::Competing => CrStatus::Event,
            CrStatus::Censored => CrStatus::Censored,
        })
        .collect()
}

/// One group's curves, counts and incidence at the configured times.
fn group(
    input: &Input<'_>,
    job: &CompetingRisksJob,
    label: &str,
    obs: &[(f64, CrStatus)],
    rt: &[f64],
) -> CifGroup {
    let time: Vec<f64> = obs.iter().map(|o| o.0).collect();
    let st: Vec<CrStatus> = obs.iter().map(|o| o.1).collect();
    let mut g = CifGroup {
        label: label.to_string(),
        n: obs.len(),
        events: st.iter().filter(|s| **s == CrStatus::Event).count(),
        competing_events: st.iter().filter(|s| **s == CrStatus::Competing).count(),
        at_risk: rt
            .iter()
            .map(|t| time.iter().filter(|x| **x >= *t).count())
            .collect(),
        ..CifGroup::default()
    };
    let Ok(fit) = stats::cumulative_incidence(&time, &st, input.level) else {
        return g;
    };
    g.cif = points(&fit);
    if let Ok(other) = stats::cumulative_incidence(&time, &swapped(&st), input.level) {
        g.cif_competing = points(&other);
    }
    g.at = job
        .times
        .iter()
        .map(|&t| match fit.at(t) {
            Ok(Some(a)) => CifAt {
                time: t,
                estimate: Some(a.estimate),
                lower: a.lower,
                upper: a.upper,
            },
            _ => CifAt {
                time: t,
                ..CifAt::default()
            },
        })
        .collect();
    g
}

/// Gray's test across the groups with patients (at least two).
fn gray(obs: &[(String, Vec<(f64, CrStatus)>)]) -> Option<ChisqTest> {
    let (time, st, gi) = super::survival::flatten(obs);
    let nonempty = obs.iter().filter(|(_, o)| !o.is_empty()).count();
    if nonempty < 2 {
        return None;
    }
    stats::gray_test(&time, &st, &gi)
        .ok()
        .filter(|g| g.chisq.is_finite() && g.p.is_finite())
        .map(|g| ChisqTest {
            chisq: g.chisq,
            df: g.df,
            p: g.p,
        })
}

/// One configured competing-risks analysis.
pub fn competing_risks(input: &Input<'_>, job: &CompetingRisksJob) -> CompetingRisks {
    let grouping = find_grouping(input, job.grouping.as_ref());
    let parts = parts(input, grouping);
    let obs: Vec<(String, Vec<(f64, CrStatus)>)> = parts
        .iter()
        .map(|(label, m)| {
            let o = m
                .iter()
                .filter_map(|d| first_event(d))
                .map(|(t, e)| (t, status(e, job)))
                .collect();
            (label.clone(), o)
        })
        .collect();
    let max_time = obs
        .iter()
        .flat_map(|(_, o)| o.iter().map(|x| x.0))
        .fold(0.0f64, f64::max);
    let rt = risk_times(
        max_time,
        input.cfg.report.risk_table_step,
        &input.cfg.time.unit,
    );
    let mut out = CompetingRisks {
        id: job.id.clone(),
        event: job.event.code().into(),
        competing: job.competing.code().into(),
        grouping: grouping_text(grouping),
        gray: if grouping.is_some() { gray(&obs) } else { None },
        risk_times: rt.clone(),
        ..CompetingRisks::default()
    };
    if obs.iter().all(|(_, o)| o.is_empty()) {
        out.not_estimable = Some(match grouping {
            Some(g) => format!("no patient has {}", g.column),
            None => "no patient".into(),
        });
        return out;
    }
    out.groups = obs
        .iter()
        .map(|(label, o)| group(input, job, label, o, &rt))
        .collect();
    out
}
