//! Load-time checks of the issue-15 analyses (`[[cox_models]]`, `[[competing_risks]]`,
//! `[[rmst]]`, `[[landmark_analyses]]`): every reference names a grouping or a numeric column,
//! every number lies in its range, and every error names the key and the entry's id, so a
//! site configuration fails once, at load, instead of a report failing at night.

use crate::config::{Config, ConfigError, Grouping, NUMERIC_COVARIATES};

/// The error refusing entry `id` at `key`.
fn refuse(key: String, id: &str, message: String) -> Result<(), ConfigError> {
    Err(ConfigError::Invalid {
        key,
        message: format!("entry {id:?}: {message}"),
    })
}

/// The grouping with this id.
fn grouping<'a>(cfg: &'a Config, id: &str) -> Option<&'a Grouping> {
    cfg.groupings.iter().find(|g| g.id == id)
}

/// Ids are present and unique within one array.
fn check_ids<'a>(array: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), ConfigError> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, id) in ids.enumerate() {
        if id.trim().is_empty() {
            return refuse(format!("{array}[{i}].id"), id, "must not be empty".into());
        }
        if !seen.insert(id) {
            return refuse(format!("{array}[{i}].id"), id, "duplicate id".into());
        }
    }
    Ok(())
}

/// An optional grouping reference names a grouping.
fn check_grouping_ref(
    cfg: &Config,
    key: String,
    id: &str,
    grouping_id: Option<&str>,
) -> Result<(), ConfigError> {
    match grouping_id {
        Some(g) if grouping(cfg, g).is_none() => {
            refuse(key, id, format!("no grouping with id {g:?}"))
        }
        _ => Ok(()),
    }
}

/// A finite number above zero.
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

fn check_cox_models(cfg: &Config) -> Result<(), ConfigError> {
    check_ids("cox_models", cfg.cox_models.iter().map(|m| m.id.as_str()))?;
    for (i, m) in cfg.cox_models.iter().enumerate() {
        if m.covariates.is_empty() {
            return refuse(
                format!("cox_models[{i}].covariates"),
                &m.id,
                "needs at least one covariate".into(),
            );
        }
        for (j, c) in m.covariates.iter().enumerate() {
            let key = format!("cox_models[{i}].covariates[{j}]");
            if grouping(cfg, c).is_none() && !NUMERIC_COVARIATES.contains(&c.as_str()) {
                return refuse(
                    key,
                    &m.id,
                    format!(
                        "{c:?} is neither a grouping id nor a numeric column ({})",
                        NUMERIC_COVARIATES.join(", ")
                    ),
                );
            }
            if m.covariates[..j].contains(c) {
                return refuse(key, &m.id, format!("covariate {c:?} is listed twice"));
            }
        }
    }
    Ok(())
}

fn check_competing_risks(cfg: &Config) -> Result<(), ConfigError> {
    check_ids(
        "competing_risks",
        cfg.competing_risks.iter().map(|m| m.id.as_str()),
    )?;
    for (i, c) in cfg.competing_risks.iter().enumerate() {
        if c.event == c.competing {
            return refuse(
                format!("competing_risks[{i}].competing"),
                &c.id,
                "the competing event must differ from the event of interest".into(),
            );
        }
        if let Some(j) = c.times.iter().position(|t| !positive(*t)) {
            return refuse(
                format!("competing_risks[{i}].times[{j}]"),
                &c.id,
                "must be a positive time".into(),
            );
        }
        let key = format!("competing_risks[{i}].grouping");
        check_grouping_ref(cfg, key, &c.id, c.grouping.as_deref())?;
    }
    Ok(())
}

fn check_rmst(cfg: &Config) -> Result<(), ConfigError> {
    check_ids("rmst", cfg.rmst.iter().map(|m| m.id.as_str()))?;
    for (i, r) in cfg.rmst.iter().enumerate() {
        if !positive(r.tau) {
            return refuse(
                format!("rmst[{i}].tau"),
                &r.id,
                "must be a positive time".into(),
            );
        }
        let key = format!("rmst[{i}].grouping");
        match grouping(cfg, &r.grouping) {
            None => return refuse(key, &r.id, format!("no grouping with id {:?}", r.grouping)),
            Some(g) if g.has_levels() => {
                return refuse(
                    key,
                    &r.id,
                    format!("grouping {:?} has more than two levels", g.id),
                )
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn check_landmarks(cfg: &Config) -> Result<(), ConfigError> {
    check_ids(
        "landmark_analyses",
        cfg.landmark_analyses.iter().map(|m| m.id.as_str()),
    )?;
    for (i, l) in cfg.landmark_analyses.iter().enumerate() {
        if !positive(l.at) {
            return refuse(
                format!("landmark_analyses[{i}].at"),
                &l.id,
                "must be a positive time after the index date".into(),
            );
        }
        let key = format!("landmark_analyses[{i}].grouping");
        check_grouping_ref(cfg, key, &l.id, l.grouping.as_deref())?;
    }
    Ok(())
}

/// Every check of this module.
pub(crate) fn check_issue15(cfg: &Config) -> Result<(), ConfigError> {
    check_cox_models(cfg)?;
    check_competing_risks(cfg)?;
    check_rmst(cfg)?;
    check_landmarks(cfg)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn err(site: &str) -> String {
        Config::with_override(site, "site.toml")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn defaults_have_all_four() {
        let c = Config::defaults().unwrap().config;
        assert!(!c.cox_models.is_empty());
        assert!(!c.competing_risks.is_empty());
        assert!(!c.rmst.is_empty());
        assert!(!c.landmark_analyses.is_empty());
    }

    #[test]
    fn unknown_references_name_the_entry() {
        let e = err("[[cox_models]]\nid = \"m\"\nendpoint = \"os\"\ncovariates = [\"age\", \"shoe_size\"]\n");
        assert!(
            e.contains("cox_models[")
                && e.contains("covariates[1]")
                && e.contains("\"m\"")
                && e.contains("shoe_size"),
            "{e}"
        );
        let e = err("[[rmst]]\nid = \"r\"\nendpoint = \"os\"\ngrouping = \"regimen\"\ntau = 12\n");
        assert!(
            e.contains("rmst[") && e.contains("more than two levels"),
            "{e}"
        );
        let e = err("[[rmst]]\nid = \"r\"\nendpoint = \"os\"\ngrouping = \"emd\"\ntau = 0\n");
        assert!(e.contains(".tau") && e.contains("\"r\""), "{e}");
        let e = err(
            "[[landmark_analyses]]\nid = \"l\"\nendpoint = \"os\"\nat = 3\ngrouping = \"nope\"\n",
        );
        assert!(
            e.contains("landmark_analyses[") && e.contains("nope"),
            "{e}"
        );
        let e = err("[[competing_risks]]\nid = \"c\"\nevent = \"progression\"\ncompeting = \"progression\"\n");
        assert!(e.contains("must differ"), "{e}");
        let e = err(
            "[[competing_risks]]\nid = \"c\"\nevent = \"relapse\"\ncompeting = \"progression\"\n",
        );
        assert!(e.contains("competing_risks[") && e.contains("event"), "{e}");
    }
}
