//! Survival analyses: Kaplan-Meier per group with medians and landmarks, the number-at-risk
//! table on the figure's own ticks, log-rank (`survdiff`, rho = 0) and Cox (Efron ties, as
//! `coxph`) between the two levels of a grouping; median follow-up both ways.

use super::Input;
use crate::config::{EndpointKind, Grouping};
use crate::derive::{Derived, Endpoint};
use crate::results::*;
use crate::stats::{self, ConfType, Ties};

/// The patient's endpoint of this kind; `None` for PFS without progression data (a patient
/// analysed from durations without `pfs_time`), who is left out of PFS analyses.
pub(super) fn endpoint(d: &Derived, e: EndpointKind) -> Option<&Endpoint> {
    match e {
        EndpointKind::Pfs => d.pfs.as_ref(),
        EndpointKind::Os => Some(&d.os),
    }
}

/// KM median with its CI, or empty when no data.
pub fn km_median(time: &[f64], event: &[bool], level: f64) -> KmMedian {
    let n = time.len();
    let events = event.iter().filter(|e| **e).count();
    match stats::kaplan_meier(time, event, ConfType::Log, level) {
        Ok(fit) => {
            let m = fit.median();
            KmMedian {
                n,
                events,
                median: m.estimate,
                ci: [m.lower, m.upper],
            }
        }
        Err(_) => KmMedian {
            n,
            events,
            ..KmMedian::default()
        },
    }
}

fn group(
    label: &str,
    time: &[f64],
    event: &[bool],
    input: &Input<'_>,
    risk_times: &[f64],
) -> SurvGroup {
    let n = time.len();
    let events = event.iter().filter(|e| **e).count();
    let at_risk = risk_times
        .iter()
        .map(|t| time.iter().filter(|x| **x >= *t).count())
        .collect();
    // Before t: with the number at risk at t (time >= t) they add up to n.
    let before = |is_event: bool| -> Vec<usize> {
        risk_times
            .iter()
            .map(|t| {
                time.iter()
                    .zip(event)
                    .filter(|(x, e)| **x < *t && **e == is_event)
                    .count()
            })
            .collect()
    };
    let mut g = SurvGroup {
        label: label.to_string(),
        n,
        events,
        at_risk,
        events_before: before(true),
        censored_before: before(false),
        ..SurvGroup::default()
    };
    let Ok(fit) = stats::kaplan_meier(time, event, ConfType::Log, input.level) else {
        return g;
    };
    let m = fit.median();
    g.median = m.estimate;
    g.median_ci = [m.lower, m.upper];
    let last = fit.rows.last().map(|r| r.time).unwrap_or(0.0);
    g.landmarks = input
        .cfg
        .report
        .landmarks
        .iter()
        .map(|&t| match fit.survival_at(t) {
            Ok(s) if t <= last => Landmark {
                time: t,
                surv: Some(s.surv),
                lower: s.lower,
                upper: s.upper,
                n_risk: s.n_risk,
            },
            _ => Landmark {
                time: t,
                surv: None,
                lower: None,
                upper: None,
                n_risk: 0,
            },
        })
        .collect();
    g.km = fit.rows.iter().map(km_point).collect();
    g
}

/// One step of a fitted KM curve as the results hold it.
pub(super) fn km_point(r: &stats::KmRow) -> KmPoint {
    KmPoint {
        time: r.time,
        n_risk: r.n_risk,
        n_event: r.n_event,
        n_censor: r.n_censor,
        surv: r.surv,
        std_err: r.std_err,
        lower: r.lower,
        upper: r.upper,
    }
}

/// Ticks of the x axis and times of the risk table: 0, step, 2·step … covering the data;
/// a `step` of 0 (the default, `report.risk_table_step`) is chosen from the follow-up in
/// `unit` ([`mmreport_core::breaks::time_step`]: every 6 months for 2-3 years, every 5 years
/// for 23).
pub fn risk_times(max_time: f64, step: f64, unit: &str) -> Vec<f64> {
    let step = if step > 0.0 {
        step
    } else {
        mmreport_core::breaks::time_step(max_time, unit)
    };
    mmreport_core::breaks::ticks_from_zero(max_time, step)
}

/// Groups of a survival analysis as (label, members).
pub(super) type Parts<'a> = Vec<(String, Vec<&'a Derived>)>;

/// The patients at one level of a grouping.
fn members<'a>(input: &Input<'a>, id: &str, level: &str) -> Vec<&'a Derived> {
    input
        .derived
        .iter()
        .filter(|d| d.groups.get(id).cloned().flatten().as_deref() == Some(level))
        .collect()
}

/// (label, members) in a fixed order: everyone without a grouping; yes before no (the
/// paper's order) for a two-level grouping; a grouping with levels in its order
/// ([`Grouping::ordered`]).
pub(super) fn parts<'a>(input: &Input<'a>, grouping: Option<&Grouping>) -> Parts<'a> {
    match grouping {
        None => vec![("All".to_string(), input.derived.iter().collect())],
        Some(g) if g.has_levels() => {
            let levels: Vec<String> = input
                .derived
                .iter()
                .filter_map(|d| d.groups.get(&g.id).cloned().flatten())
                .collect();
            g.ordered(levels)
                .into_iter()
                .map(|l| {
                    let m = members(input, &g.id, &l);
                    (l, m)
                })
                .collect()
        }
        Some(g) => ["yes", "no"]
            .iter()
            .map(|lv| {
                let label = if *lv == "yes" {
                    g.label_yes.clone()
                } else {
                    g.label_no.clone()
                };
                (label, members(input, &g.id, lv))
            })
            .collect(),
    }
}

/// Groups as (label, [(time, event)]).
pub(super) type Obs = Vec<(String, Vec<(f64, bool)>)>;

/// The endpoint of every member of each part.
pub(super) fn observe(parts: &Parts<'_>, kind: EndpointKind) -> Obs {
    parts
        .iter()
        .map(|(label, m)| {
            let o = m
                .iter()
                .filter_map(|d| endpoint(d, kind))
                .map(|ep| (ep.time, ep.event))
                .collect();
            (label.clone(), o)
        })
        .collect()
}

/// Log-rank (rho = 0) across the groups and Cox (Efron ties): for a yes/no grouping the
/// first level against the second; for a grouping with levels every non-empty level against
/// the first non-empty one ([`cox_levels`]).
fn compare(obs: &Obs, levels: bool) -> (Option<LogRankResult>, Option<CoxResult>) {
    let (time, event, gi) = flatten(obs);
    let logrank = stats::logrank(&time, &event, &gi, 0.0)
        .ok()
        .map(|lr| LogRankResult {
            chisq: lr.chisq,
            df: lr.df,
            p: lr.p,
        });
    let cox = if levels {
        Some(cox_levels(obs, &time, &event, &gi))
    } else {
        (obs.len() == 2).then(|| cox(&time, &event, &gi, obs[1].0.clone()))
    };
    (logrank, cox)
}

/// Per-group observations as the parallel columns the tests take: times, statuses (event or
/// censored; a competing-risks status) and each one's group index, groups in order.
pub(super) fn flatten<T: Copy>(obs: &[(String, Vec<(f64, T)>)]) -> (Vec<f64>, Vec<T>, Vec<usize>) {
    let n = obs.iter().map(|(_, o)| o.len()).sum();
    let (mut time, mut status, mut gi) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (i, (_, o)) in obs.iter().enumerate() {
        for (t, s) in o {
            time.push(*t);
            status.push(*s);
            gi.push(i);
        }
    }
    (time, status, gi)
}

/// HR of the first level ("yes", group index 0) against the second, the `reference`.
fn cox(time: &[f64], event: &[bool], gi: &[usize], reference: String) -> CoxResult {
    let x: Vec<Vec<f64>> = gi
        .iter()
        .map(|g| vec![if *g == 0 { 1.0 } else { 0.0 }])
        .collect();
    fit_cox(time, event, &x, reference, &[])
}

/// Each non-empty level against the first non-empty one (treatment contrasts, as R's
/// `coxph(Surv(time, event) ~ factor(level))` with empty levels dropped); the global LRT.
/// With two levels `hr`/`ci`/`p_wald` are the second level's.
fn cox_levels(obs: &Obs, time: &[f64], event: &[bool], gi: &[usize]) -> CoxResult {
    let present: Vec<usize> = (0..obs.len()).filter(|&i| !obs[i].1.is_empty()).collect();
    let Some((reference, others)) = present.split_first() else {
        return CoxResult::default();
    };
    let x: Vec<Vec<f64>> = gi
        .iter()
        .map(|g| others.iter().map(|o| f64::from(u8::from(g == o))).collect())
        .collect();
    let names: Vec<String> = others.iter().map(|&o| obs[o].0.clone()).collect();
    fit_cox(time, event, &x, obs[*reference].0.clone(), &names)
}

/// Fits the Cox model of the design `x`; `levels` names its columns when they are levels of
/// one grouping (then every level's HR is kept, and the single HR only with one column).
fn fit_cox(
    time: &[f64],
    event: &[bool],
    x: &[Vec<f64>],
    reference: String,
    levels: &[String],
) -> CoxResult {
    match stats::cox(time, event, x, Ties::Efron) {
        Ok(fit) if !fit.monotone_likelihood => {
            let single = levels.len() <= 1;
            CoxResult {
                hr: fit.hr.first().copied().filter(|_| single),
                ci: [
                    fit.hr_lower.first().copied().filter(|_| single),
                    fit.hr_upper.first().copied().filter(|_| single),
                ],
                p_wald: fit.p_wald.first().copied().filter(|_| single),
                p_lrt: Some(fit.lrt_p),
                reference,
                note: None,
                levels: levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| CoxLevel {
                        level: l.clone(),
                        hr: fit.hr.get(i).copied(),
                        ci: [fit.hr_lower.get(i).copied(), fit.hr_upper.get(i).copied()],
                        p_wald: fit.p_wald.get(i).copied(),
                    })
                    .collect(),
            }
        }
        // The HR runs off to 0 or infinity, but the likelihood converges: R's coxph
        // still reports the likelihood-ratio test, and so do we.
        Ok(fit) => CoxResult {
            reference,
            p_lrt: Some(fit.lrt_p),
            note: Some(mmreport_core::notes::MONOTONE_GROUP.1.into()),
            ..CoxResult::default()
        },
        Err(e) => CoxResult {
            reference,
            note: Some(e.to_string()),
            ..CoxResult::default()
        },
    }
}

/// How the grouping reads in the results: `all`, the column, or `column >= threshold`.
pub(super) fn grouping_text(grouping: Option<&Grouping>) -> String {
    crate::display::grouping_text(grouping)
}

/// The KM groups, risk table times and (with a grouping and two non-empty groups) the
/// comparison of observed groups.
pub(super) struct Curves {
    pub groups: Vec<SurvGroup>,
    pub risk_times: Vec<f64>,
    pub logrank: Option<LogRankResult>,
    pub cox: Option<CoxResult>,
}

/// KM per group, log-rank and Cox of `obs`, grouped by `grouping` (`None`: the whole
/// cohort).
pub(super) fn curves(input: &Input<'_>, obs: &Obs, grouping: Option<&Grouping>) -> Curves {
    let max_time = obs
        .iter()
        .flat_map(|(_, o)| o.iter().map(|x| x.0))
        .fold(0.0f64, f64::max);
    let rt = risk_times(
        max_time,
        input.cfg.report.risk_table_step,
        &input.cfg.time.unit,
    );
    let nonempty = obs.iter().filter(|(_, o)| !o.is_empty()).count();
    let (logrank, cox) = if grouping.is_some() && nonempty >= 2 {
        compare(obs, grouping.is_some_and(Grouping::has_levels))
    } else {
        (None, None)
    };
    let groups = obs
        .iter()
        .map(|(label, o)| {
            let t: Vec<f64> = o.iter().map(|x| x.0).collect();
            let e: Vec<bool> = o.iter().map(|x| x.1).collect();
            group(label, &t, &e, input, &rt)
        })
        .collect();
    Curves {
        groups,
        risk_times: rt,
        logrank,
        cox,
    }
}

/// The configured grouping of an analysis.
pub(super) fn find_grouping<'a>(input: &Input<'a>, id: Option<&String>) -> Option<&'a Grouping> {
    id.and_then(|id| input.cfg.groupings.iter().find(|g| &g.id == id))
}

/// One configured survival analysis.
pub fn survival(input: &Input<'_>, job: &crate::config::SurvivalJob) -> Survival {
    let grouping = find_grouping(input, job.grouping.as_ref());
    let parts = parts(input, grouping);
    let (not_estimable, missing) = match grouping {
        _ if input
            .derived
            .iter()
            .all(|d| endpoint(d, job.endpoint).is_none()) =>
        {
            (
                Some(
                    "no patient has progression data (progression_date, or pfs_time with pfs_event)"
                        .to_string(),
                ),
                Some("progression".to_string()),
            )
        }
        Some(g) if parts.iter().all(|(_, m)| m.is_empty()) => (
            Some(format!("no patient has {}", g.column)),
            Some(g.column.clone()),
        ),
        _ => (None, None),
    };
    let mut c = curves(input, &observe(&parts, job.endpoint), grouping);
    if not_estimable.is_some() {
        c.groups = Vec::new();
    }
    Survival {
        not_estimable,
        missing,
        id: job.id.clone(),
        endpoint: job.endpoint.code().into(),
        grouping: grouping_text(grouping),
        groups: c.groups,
        risk_times: c.risk_times,
        logrank: c.logrank,
        cox: c.cox,
        not_grouped: not_grouped(input, grouping, job.endpoint),
    }
}

/// Patients with the endpoint but without a value of the grouping (in no group).
pub(super) fn not_grouped(
    input: &Input<'_>,
    grouping: Option<&Grouping>,
    kind: EndpointKind,
) -> usize {
    let Some(g) = grouping else { return 0 };
    input
        .derived
        .iter()
        .filter(|d| endpoint(d, kind).is_some())
        .filter(|d| d.groups.get(&g.id).cloned().flatten().is_none())
        .count()
}

fn median_range(x: &[f64]) -> MedianRange {
    MedianRange {
        n: x.len(),
        median: stats::median(x).ok(),
        min: x.iter().copied().reduce(f64::min),
        max: x.iter().copied().reduce(f64::max),
    }
}

/// Median follow-up: observation time of all patients and of survivors, and the reverse KM.
pub fn followup(input: &Input<'_>) -> Followup {
    let all: Vec<f64> = input.derived.iter().map(|d| d.followup.time).collect();
    let alive: Vec<f64> = input
        .derived
        .iter()
        .filter(|d| d.alive_at_last_contact)
        .map(|d| d.followup.time)
        .collect();
    let died: Vec<bool> = input.derived.iter().map(|d| d.os.event).collect();
    let os_t: Vec<f64> = input.derived.iter().map(|d| d.os.time).collect();
    let reverse_km = match stats::reverse_kaplan_meier(&os_t, &died, ConfType::Log, input.level) {
        Ok(fit) => {
            let m = fit.median();
            KmMedian {
                n: os_t.len(),
                events: died.iter().filter(|e| !**e).count(),
                median: m.estimate,
                ci: [m.lower, m.upper],
            }
        }
        Err(_) => KmMedian::default(),
    };
    Followup {
        all: median_range(&all),
        survivors: median_range(&alive),
        reverse_km,
    }
}

/// PFS HR of each configured two-level grouping.
pub fn forest(input: &Input<'_>) -> Vec<ForestRow> {
    input
        .cfg
        .analysis
        .forest
        .iter()
        .filter_map(|id| {
            let g = input.cfg.groupings.iter().find(|g| &g.id == id)?;
            let job = crate::config::SurvivalJob {
                id: format!("forest_{id}"),
                endpoint: EndpointKind::Pfs,
                grouping: Some(id.clone()),
            };
            let s = survival(input, &job);
            // No PFS or no patient in the grouping: no row, rather than a row of nothing.
            if s.not_estimable.is_some() {
                return None;
            }
            let cox = s.cox.unwrap_or_default();
            Some(ForestRow {
                id: id.clone(),
                label: super::grouping_label(input.cfg, g),
                comparison: crate::display::comparison_text(g),
                n: s.groups.iter().map(|g| g.n).sum(),
                events: s.groups.iter().map(|g| g.events).sum(),
                hr: cox.hr,
                ci: cox.ci,
                p: cox.p_wald,
                reference: false,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_times_cover_the_data() {
        assert_eq!(
            risk_times(25.0, 6.0, "months"),
            vec![0.0, 6.0, 12.0, 18.0, 24.0, 30.0]
        );
        assert_eq!(
            risk_times(24.0, 6.0, "months"),
            vec![0.0, 6.0, 12.0, 18.0, 24.0]
        );
        assert_eq!(risk_times(0.0, 6.0, "months"), vec![0.0, 6.0]);
        // Automatic: 23 years of follow-up, every 60 months.
        assert_eq!(
            risk_times(270.0, 0.0, "months"),
            vec![0.0, 60.0, 120.0, 180.0, 240.0, 300.0]
        );
        assert_eq!(
            risk_times(30.0, 0.0, "months"),
            vec![0.0, 6.0, 12.0, 18.0, 24.0, 30.0]
        );
    }
}
