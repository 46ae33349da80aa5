//! Landmark analyses (Anderson, Cain and Gelber, J Clin Oncol 1983;1:710; Dafni, Circ
//! Cardiovasc Qual Outcomes 2011;4:363): survival counted from a landmark time `at` after the
//! index date, among the patients still event-free and followed at it (time > `at`), by a
//! grouping that is settled by then. Patients whose event or last follow-up came at or
//! before `at` are excluded and counted (`excluded_before`). The groups, log-rank and Cox are
//! those of `survival[]` on the shifted times (R: `survfit(Surv(time - at, event) ~ g,
//! subset = time > at)`).

use super::survival::{curves, find_grouping, grouping_text, observe, parts, Obs};
use super::Input;
use crate::config::LandmarkJob;
use crate::results::{ExcludedBefore, LandmarkAnalysis};

/// Keeps the observations after `at`, shifted to start at it; counts the others.
fn shift(obs: Obs, at: f64) -> (Obs, ExcludedBefore) {
    let mut before = ExcludedBefore::default();
    let kept = obs
        .into_iter()
        .map(|(label, o)| {
            let mut after = Vec::with_capacity(o.len());
            for (t, e) in o {
                if t > at {
                    after.push((t - at, e));
                } else {
                    before.n += 1;
                    before.events += usize::from(e);
                }
            }
            (label, after)
        })
        .collect();
    (kept, before)
}

/// One configured landmark analysis.
pub fn landmark(input: &Input<'_>, job: &LandmarkJob) -> LandmarkAnalysis {
    let grouping = find_grouping(input, job.grouping.as_ref());
    let parts = parts(input, grouping);
    let (obs, excluded_before) = shift(observe(&parts, job.endpoint), job.at);
    let not_estimable = if obs.iter().all(|(_, o)| o.is_empty()) {
        Some(match grouping {
            Some(g) if parts.iter().all(|(_, m)| m.is_empty()) => {
                format!("no patient has {}", g.column)
            }
            _ => format!("no patient is event-free and followed beyond {}", job.at),
        })
    } else {
        None
    };
    let mut c = curves(input, &obs, grouping);
    if not_estimable.is_some() {
        c.groups = Vec::new();
    }
    LandmarkAnalysis {
        id: job.id.clone(),
        endpoint: job.endpoint.code().into(),
        at: job.at,
        excluded_before,
        grouping: grouping_text(grouping),
        groups: c.groups,
        risk_times: c.risk_times,
        logrank: c.logrank,
        cox: c.cox,
        not_estimable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_keeps_only_patients_beyond_the_landmark() {
        let obs = vec![(
            "a".to_string(),
            vec![
                (1.0, true),
                (3.0, false),
                (3.0, true),
                (5.0, true),
                (4.5, false),
            ],
        )];
        let (kept, before) = shift(obs, 3.0);
        assert_eq!(before, ExcludedBefore { n: 3, events: 2 });
        assert_eq!(kept[0].1, vec![(2.0, true), (1.5, false)]);
    }
}
