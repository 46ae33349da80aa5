//! The reviewers' analyses (issue 15) end to end: the bundled example's report shows the
//! multivariable Cox models, competing risks, RMST and landmark analyses with the
//! immortal-time warning on the cycles comparisons; the landmark analyses and RMST agree
//! with R (tests/golden/make_landmark_fixtures.R on the committed per-patient inputs);
//! site configurations merge the new arrays by id; and the edge cases (a covariate missing
//! for everyone, tau beyond the data, no competing events) give a reason, never a crash.

use super::golden_dir;
use super::rgolden::{check_job, close, cohorts, results};
use super::util::ctx;
use mmreport::pipeline;
use mmreport::results::Results;
use serde_json::Value;

fn example() -> Vec<u8> {
    std::fs::read(format!(
        "{}/examples/bendamustine-32.xlsx",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The example processed with a site configuration over the defaults.
fn with_site(site: &str) -> Results {
    let mut c = ctx();
    c.config = mmreport::config::Config::with_override(site, "site.toml").unwrap();
    pipeline::process(&example(), "example.xlsx", &c)
        .unwrap()
        .results
}

#[test]
fn the_example_report_shows_all_four_with_the_immortal_time_warning() {
    let out = pipeline::process(&example(), "bendamustine-32.xlsx", &ctx()).unwrap();
    let a = &out.results.analyses;
    let pfs = a
        .cox_models
        .iter()
        .find(|m| m.id == "pfs_multivariable")
        .unwrap();
    assert_eq!((pfs.n + pfs.excluded, pfs.n), (32, 23), "complete cases");
    assert_eq!(pfs.missing[0].covariate, "high_risk_cytogenetics");
    assert!(pfs.terms.iter().any(|t| t.reference && t.hr.is_none()));
    assert!(pfs
        .terms
        .iter()
        .filter(|t| !t.reference)
        .all(|t| t.hr.is_some()));
    assert!(pfs.lrt.is_some() && pfs.wald.is_some() && pfs.score.is_some());
    let c = pfs.concordance.as_ref().unwrap();
    assert!(
        c.estimate > 0.0 && c.estimate < 1.0 && c.std_err > 0.0,
        "{c:?}"
    );
    let ph = pfs.ph_test.as_ref().unwrap();
    assert_eq!(ph.terms.len(), 4, "one PH test per covariate");
    assert_eq!(ph.global.df, 4);
    let cr = &a.competing_risks[0];
    assert_eq!(cr.groups.len(), 2);
    assert!(cr.groups.iter().all(|g| !g.cif.is_empty()), "AJ computed");
    assert!(cr.gray.is_some());
    let rmst = &a.rmst[0];
    assert_eq!(rmst.not_estimable, None);
    assert!(rmst.difference.is_some() && rmst.ratio.is_some());
    assert_eq!(a.landmark_analyses.len(), 2);
    for id in ["pfs_by_cycles", "os_by_cycles"] {
        let w = a
            .warnings
            .iter()
            .find(|w| w.section == "survival" && w.analysis == id)
            .unwrap();
        assert_eq!(
            w.landmark.as_deref(),
            Some(format!("{id}_landmark").as_str())
        );
    }
    assert!(!a.warnings.iter().any(|w| w.analysis == "os_by_prior_lines"));
    let html = mmreport::render::html::render_html(&out.results, &ctx().config.config)
        .unwrap()
        .html;
    for needle in [
        "id=\"cox_models\"",
        "fig-forest_pfs_multivariable",
        "fig-progression_vs_death",
        "fig-os_rmst_by_cycles",
        "fig-os_by_cycles_landmark",
        "Immortal-time bias",
        "1 (reference)",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    assert!(
        a.methods.en.contains("landmark analyses"),
        "{}",
        a.methods.en
    );
    assert!(a.methods.zh.contains("界标"), "{}", a.methods.zh);
    assert!(a.methods.en.contains("Aalen-Johansen") && a.methods.en.contains("restricted mean"));
}

#[test]
fn landmark_analyses_and_rmst_match_r() {
    let want: Value = serde_json::from_str(
        &std::fs::read_to_string(golden_dir().join("analysis/landmark_rmst.json")).unwrap(),
    )
    .unwrap();
    let mut compared = 0;
    for (name, bytes, _) in cohorts() {
        let Some(w) = want.get(name) else { continue };
        let r = results(&bytes, None);
        for l in &r.analyses.landmark_analyses {
            let wl = &w[&l.id];
            let what = format!("{name}/{}", l.id);
            assert_eq!(
                (l.excluded_before.n as u64, l.excluded_before.events as u64),
                (
                    wl["excluded_n"].as_u64().unwrap(),
                    wl["excluded_events"].as_u64().unwrap()
                ),
                "{what}"
            );
            check_job(&what, &l.as_survival(), wl);
            compared += 1;
        }
        let rm = &r.analyses.rmst[0];
        let wr = &w["os_rmst_by_cycles"];
        for (g, key) in rm.groups.iter().zip(["yes", "no"]) {
            close(
                &format!("{name} rmst {key}"),
                g.rmst,
                &wr[key]["rmst"],
                1e-9,
            );
            close(&format!("{name} se {key}"), g.se, &wr[key]["se"], 1e-9);
        }
        for (got, key) in [(&rm.difference, "difference"), (&rm.ratio, "ratio")] {
            let got = got.as_ref().unwrap();
            close(
                &format!("{name} {key}"),
                got.estimate,
                &wr[key]["estimate"],
                1e-9,
            );
            close(
                &format!("{name} {key} lower"),
                got.ci[0],
                &wr[key]["lower"],
                1e-9,
            );
            close(
                &format!("{name} {key} upper"),
                got.ci[1],
                &wr[key]["upper"],
                1e-9,
            );
            close(&format!("{name} {key} p"), got.p, &wr[key]["p"], 1e-9);
        }
    }
    assert_eq!(compared, 4, "two landmark analyses of two cohorts");
}

#[test]
fn site_configs_merge_the_new_arrays_by_id() {
    let r = with_site(
        "[[landmark_analyses]]\nid = \"os_by_cycles_landmark\"\nendpoint = \"os\"\nat = 6\ngrouping = \"cycles_ge3\"\n\
         [[landmark_analyses]]\nid = \"pfs_by_cycles_landmark\"\nremove = true\n\
         [[rmst]]\nid = \"pfs_rmst\"\nendpoint = \"pfs\"\ngrouping = \"emd\"\ntau = 6\n\
         [[competing_risks]]\nid = \"progression_vs_death\"\nevent = \"progression\"\ncompeting = \"death_without_progression\"\n",
    );
    let a = &r.analyses;
    let ids: Vec<&str> = a.landmark_analyses.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["os_by_cycles_landmark"]);
    assert_eq!(a.landmark_analyses[0].at, 6.0, "same id replaces");
    let ids: Vec<&str> = a.rmst.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["os_rmst_by_cycles", "pfs_rmst"], "new id appends");
    assert_eq!(
        a.competing_risks[0].grouping, "all",
        "replaced without a grouping"
    );
    assert_eq!(a.competing_risks[0].gray, None);
    // The PFS comparison by cycles now has no landmark of its own: the warning says so.
    let w = a
        .warnings
        .iter()
        .find(|w| w.analysis == "pfs_by_cycles")
        .unwrap();
    assert_eq!(w.landmark.as_deref(), Some("os_by_cycles_landmark"));
}

#[test]
fn edge_cases_give_reasons_not_crashes() {
    let r = with_site(
        "[[cox_models]]\nid = \"pfs_multivariable\"\nendpoint = \"pfs\"\ncovariates = [\"age\", \"del17p_fraction\"]\n\
         [[cox_models]]\nid = \"prior_lines_twice\"\nendpoint = \"os\"\ncovariates = [\"prior_lines\", \"prior_lines_ge3\", \"age\"]\n\
         [[rmst]]\nid = \"os_rmst_by_cycles\"\nendpoint = \"os\"\ngrouping = \"cycles_ge3\"\ntau = 60\n",
    );
    let a = &r.analyses;
    let m = a
        .cox_models
        .iter()
        .find(|m| m.id == "pfs_multivariable")
        .unwrap();
    assert_eq!(m.n, 0);
    assert_eq!(
        m.not_estimable.as_deref(),
        Some("no patient has every covariate")
    );
    assert_eq!(
        m.missing
            .iter()
            .find(|x| x.covariate == "del17p_fraction")
            .map(|x| x.n),
        Some(32)
    );
    let c = a
        .cox_models
        .iter()
        .find(|m| m.id == "prior_lines_twice")
        .unwrap();
    assert!(c.not_estimable.is_none(), "{:?}", c.not_estimable);
    assert!(c.terms.iter().any(|t| t.hr.is_some()));
    let rm = &a.rmst[0];
    let why = rm.not_estimable.as_deref().unwrap();
    assert!(why.contains("beyond"), "{why}");
    assert!(rm.difference.is_none());
    // The example has no death without progression: the competing event never occurs, and
    // the cumulative incidence is still estimated (it is 1 - KM of progression then).
    let cr = &a.competing_risks[0];
    assert!(cr.groups.iter().all(|g| g.competing_events == 0));
    assert!(cr.groups.iter().all(|g| !g.cif.is_empty()));
    let html = mmreport::render::html::render_html(&r, &ctx().config.config)
        .unwrap()
        .html;
    assert!(html.contains("beyond"), "the reason is in the report");
}

/// The example site configuration of the README loads and computes what it says.
#[test]
fn the_documented_site_config_loads() {
    let path = format!(
        "{}/examples/site-reviewers.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let site = std::fs::read_to_string(path).unwrap();
    let r = with_site(&site);
    let a = &r.analyses;
    assert_eq!(a.cox_models.len(), 1);
    assert_eq!(a.cox_models[0].covariates.len(), 5);
    assert!(a
        .landmark_analyses
        .iter()
        .any(|l| l.id == "os_by_cycles_landmark_6m" && l.at == 6.0));
    assert_eq!(a.rmst[0].tau, 12.0);
}

/// The default multivariable models of the bundled example against R's coxph and cox.zph on
/// the same patients (`tests/golden/make_cox_models_fixture.R`, from the run's adsl.csv).
#[test]
fn multivariable_cox_models_of_the_example_match_r() {
    let want: Value = serde_json::from_str(
        &std::fs::read_to_string(golden_dir().join("cox_models/example.json")).unwrap(),
    )
    .unwrap();
    let r = with_site("[dates]\ndata_cutoff = \"2022-12-09\"\n");
    for id in ["pfs_multivariable", "os_multivariable"] {
        let w = &want[id];
        let m = r.analyses.cox_models.iter().find(|m| m.id == id).unwrap();
        assert_eq!(
            (m.n as u64, m.events as u64),
            (w["n"].as_u64().unwrap(), w["events"].as_u64().unwrap()),
            "{id}"
        );
        // Non-reference rows in covariate order: age, then each factor's second level.
        let est: Vec<_> = m.terms.iter().filter(|t| !t.reference).collect();
        assert_eq!(est.len(), 4, "{id}");
        for (i, t) in est.iter().enumerate() {
            close(&format!("{id} hr {i}"), t.hr, &w["hr"][i], 1e-6);
            close(&format!("{id} lower {i}"), t.ci[0], &w["lower"][i], 1e-6);
            close(&format!("{id} upper {i}"), t.ci[1], &w["upper"][i], 1e-6);
            close(&format!("{id} p {i}"), t.p, &w["p"][i], 1e-6);
        }
        let chi = |t: &Option<mmreport::results::ChisqTest>| t.as_ref().map(|c| c.chisq);
        close(&format!("{id} lrt"), chi(&m.lrt), &w["lrt"], 1e-6);
        close(&format!("{id} wald"), chi(&m.wald), &w["wald"], 1e-6);
        close(&format!("{id} score"), chi(&m.score), &w["score"], 1e-6);
        let c = m.concordance.as_ref().unwrap();
        close(
            &format!("{id} C"),
            Some(c.estimate),
            &w["concordance"],
            1e-9,
        );
        close(
            &format!("{id} C se"),
            Some(c.std_err),
            &w["concordance_se"],
            1e-6,
        );
        let ph = m.ph_test.as_ref().unwrap();
        close(
            &format!("{id} zph"),
            Some(ph.global.chisq),
            &w["zph_global"],
            1e-6,
        );
        close(
            &format!("{id} zph p"),
            Some(ph.global.p),
            &w["zph_global_p"],
            1e-6,
        );
    }
}
