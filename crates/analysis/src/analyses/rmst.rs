//! Restricted mean survival time (`[[rmst]]`; Royston and Parmar, BMC Med Res Methodol
//! 2013;13:152): the area under each group's Kaplan-Meier curve up to `tau`, with its standard
//! error as R's `print(survfit(...), rmean = tau)`, and the difference ("yes" minus "no") and
//! ratio (log scale) with normal CIs as `survRM2::rmst2`. A `tau` beyond a group's last
//! observed time is refused with the reason (the curve is not defined there), never
//! extrapolated.

use super::survival::{find_grouping, grouping_text, km_point, observe, parts};
use super::Input;
use crate::config::RmstJob;
use crate::results::{Contrast, Rmst, RmstGroup};
use crate::stats::{self, ConfType};

/// One group's KM curve up to tau, its number at risk and its RMST (`Err`: why not).
fn group(
    input: &Input<'_>,
    label: &str,
    obs: &[(f64, bool)],
    tau: f64,
    risk_times: &[f64],
) -> (RmstGroup, Result<stats::Rmst, String>) {
    let time: Vec<f64> = obs.iter().map(|o| o.0).collect();
    let event: Vec<bool> = obs.iter().map(|o| o.1).collect();
    let mut g = RmstGroup {
        label: label.to_string(),
        n: obs.len(),
        events: event.iter().filter(|e| **e).count(),
        at_risk: risk_times
            .iter()
            .map(|t| time.iter().filter(|x| **x >= *t).count())
            .collect(),
        ..RmstGroup::default()
    };
    let fit = match stats::kaplan_meier(&time, &event, ConfType::Log, input.level) {
        Ok(fit) => fit,
        Err(_) => return (g, Err(format!("no patient in group {label}"))),
    };
    g.km = fit
        .rows
        .iter()
        .filter(|r| r.time <= tau)
        .map(km_point)
        .collect();
    let r = stats::rmst(&fit, tau).map_err(|e| format!("group {label}: {e}"));
    if let Ok(r) = &r {
        let z = fit.z();
        g.rmst = Some(r.estimate);
        g.se = Some(r.se);
        g.ci = [Some(r.estimate - z * r.se), Some(r.estimate + z * r.se)];
    }
    (g, r)
}

fn contrast(c: &stats::Contrast) -> Contrast {
    let ok = |x: f64| x.is_finite().then_some(x);
    Contrast {
        estimate: ok(c.estimate),
        ci: [ok(c.lower), ok(c.upper)],
        p: ok(c.p),
    }
}

/// One configured RMST comparison.
pub fn rmst(input: &Input<'_>, job: &RmstJob) -> Rmst {
    let grouping = find_grouping(input, Some(&job.grouping));
    let parts = parts(input, grouping);
    let obs = observe(&parts, job.endpoint);
    let step = input.cfg.report.risk_table_step;
    let risk_times = super::survival::risk_times(job.tau, step, &input.cfg.time.unit)
        .into_iter()
        .filter(|t| *t <= job.tau + 1e-9)
        .collect::<Vec<_>>();
    let (groups, fits): (Vec<RmstGroup>, Vec<Result<stats::Rmst, String>>) = obs
        .iter()
        .map(|(label, o)| group(input, label, o, job.tau, &risk_times))
        .unzip();
    let mut out = Rmst {
        id: job.id.clone(),
        endpoint: job.endpoint.code().into(),
        grouping: grouping_text(grouping),
        tau: job.tau,
        groups,
        risk_times,
        ..Rmst::default()
    };
    match fits.as_slice() {
        [Ok(a), Ok(b)] => match stats::rmst_compare(a, b, input.level) {
            Ok(c) => {
                out.difference = Some(contrast(&c.difference));
                out.ratio = Some(contrast(&c.ratio));
            }
            Err(e) => out.not_estimable = Some(e.to_string()),
        },
        _ => {
            let why: Vec<String> = fits.into_iter().filter_map(Result::err).collect();
            out.not_estimable = Some(if why.is_empty() {
                "the grouping does not have two levels".into()
            } else {
                why.join("; ")
            });
        }
    }
    out
}
