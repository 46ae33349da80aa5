//! The immortal-time guard. A grouping known only after the index date (cycles completed,
//! response, exposure: `known_after_index = true`) makes a comparison from the index date
//! biased in favour of the group that had to survive to qualify (Suissa, Am J Epidemiol
//! 2008;167:492; Anderson, Cain and Gelber, J Clin Oncol 1983;1:710). Every configured
//! analysis grouped by one carries a warning naming the grouping and, when configured, the
//! landmark analysis of the same endpoint and grouping that answers it.

use crate::config::{Config, EndpointKind};
use crate::results::AnalysisWarning;

/// The landmark analysis of this grouping (same endpoint first when one is given).
fn landmark_for(cfg: &Config, grouping: &str, endpoint: Option<EndpointKind>) -> Option<String> {
    let of_grouping = || {
        cfg.landmark_analyses
            .iter()
            .filter(|l| l.grouping.as_deref() == Some(grouping))
    };
    of_grouping()
        .find(|l| endpoint.map_or(true, |e| l.endpoint == e))
        .or_else(|| of_grouping().next())
        .map(|l| l.id.clone())
}

/// The warning on `analysis` of `section` grouped by `grouping`, if it is known after the
/// index date.
fn warn(
    cfg: &Config,
    section: &str,
    analysis: &str,
    grouping: &str,
    endpoint: Option<EndpointKind>,
) -> Option<AnalysisWarning> {
    let g = cfg
        .groupings
        .iter()
        .find(|g| g.id == grouping && g.known_after_index)?;
    let landmark = landmark_for(cfg, &g.id, endpoint);
    let see = landmark
        .as_ref()
        .map(|l| format!("; see the landmark analysis {l}"))
        .unwrap_or_else(|| "; compare from a landmark instead".into());
    Some(AnalysisWarning {
        kind: "immortal_time".into(),
        section: section.into(),
        analysis: analysis.into(),
        grouping: g.id.clone(),
        landmark,
        message: format!(
            "{} is known only after the index date: a comparison from the index date has immortal-time bias{see}",
            g.id
        ),
    })
}

/// Every immortal-time warning of the configured analyses, in report order.
pub fn immortal_time(cfg: &Config) -> Vec<AnalysisWarning> {
    let survival = cfg.survival.iter().filter_map(|j| {
        warn(
            cfg,
            "survival",
            &j.id,
            j.grouping.as_deref()?,
            Some(j.endpoint),
        )
    });
    let forest = cfg
        .analysis
        .forest
        .iter()
        .filter_map(|g| warn(cfg, "forest", g, g, Some(EndpointKind::Pfs)));
    let cox = cfg.cox_models.iter().flat_map(|m| {
        m.covariates
            .iter()
            .filter_map(|c| warn(cfg, "cox_models", &m.id, c, Some(m.endpoint)))
    });
    let cr = cfg
        .competing_risks
        .iter()
        .filter_map(|c| warn(cfg, "competing_risks", &c.id, c.grouping.as_deref()?, None));
    let rmst = cfg
        .rmst
        .iter()
        .filter_map(|r| warn(cfg, "rmst", &r.id, &r.grouping, Some(r.endpoint)));
    survival
        .chain(forest)
        .chain(cox)
        .chain(cr)
        .chain(rmst)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cycles_comparisons_are_warned_and_point_to_their_landmarks() {
        let cfg = Config::defaults().unwrap().config;
        let w = immortal_time(&cfg);
        let find = |id: &str| {
            w.iter()
                .find(|w| w.section == "survival" && w.analysis == id)
        };
        assert_eq!(
            find("os_by_cycles").and_then(|w| w.landmark.as_deref()),
            Some("os_by_cycles_landmark")
        );
        assert_eq!(
            find("pfs_by_cycles").and_then(|w| w.landmark.as_deref()),
            Some("pfs_by_cycles_landmark")
        );
        assert!(find("os_by_prior_lines").is_none());
        assert!(find("os_all").is_none());
    }
}
