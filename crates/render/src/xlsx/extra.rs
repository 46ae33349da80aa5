//! The Excel sheets of the reviewers' analyses (issue 15): each multivariable Cox model's
//! terms (reference rows included) and global tests, the cumulative incidence tables with
//! Gray's test, the RMST table with its difference and ratio, the landmark analyses (the same
//! tables and native KM chart as the survival sheet) and the immortal-time warnings. A sheet
//! whose analysis was not computed says so in one line.

use super::layout::Kind;
use super::sections::{cols, Ctx};
use super::writer::{Cell, SheetWriter, TableData};
use super::XlsxRenderError;
use crate::results::{ChisqTest, CompetingRisks, CoxModel, Rmst};

/// The line of a sheet whose analyses were not computed.
fn not_configured(w: &mut SheetWriter, c: &Ctx, key: &str) -> Result<(), XlsxRenderError> {
    w.note(&c.t("html.not_configured").replace("{key}", key))
}

fn test_row(c: &Ctx, name: String, t: &ChisqTest) -> Vec<Cell> {
    vec![
        Cell::text(name),
        Cell::num(t.chisq),
        Cell::count(t.df),
        c.p(Some(t.p)),
    ]
}

/// The global tests of a model (and its PH test per term) as one table.
fn cox_tests(c: &Ctx, m: &CoxModel) -> TableData {
    let mut rows = Vec::new();
    for (key, t) in [
        ("html.lrt_test", &m.lrt),
        ("html.wald_test", &m.wald),
        ("html.score_test", &m.score),
    ] {
        if let Some(t) = t {
            rows.push(test_row(c, c.t(key), t));
        }
    }
    if let Some(ph) = &m.ph_test {
        rows.push(test_row(c, c.t("html.ph_test"), &ph.global));
        for t in &ph.terms {
            let name = format!("{} {}", c.t("html.ph_test"), t.term);
            rows.push(vec![
                Cell::text(name),
                Cell::num(t.chisq),
                Cell::count(t.df),
                c.p(Some(t.p)),
            ]);
        }
    }
    if let Some(k) = &m.concordance {
        rows.push(vec![
            Cell::text(c.t("html.concordance")),
            Cell::num(k.estimate),
            Cell::Blank,
            Cell::Blank,
        ]);
    }
    TableData {
        columns: cols(
            c,
            &[
                ("xlsx_col.measure", Kind::Label),
                ("xlsx_col.statistic", Kind::Stat),
                ("xlsx_col.df", Kind::Count),
                ("xlsx_col.p", Kind::PValue),
            ],
        ),
        rows,
        ..Default::default()
    }
}

/// One model: its terms table, then its tests.
fn cox_model(w: &mut SheetWriter, c: &Ctx, m: &CoxModel) -> Result<(), XlsxRenderError> {
    w.caption(&format!(
        "{} ({}, {})",
        m.id,
        c.t(&format!("endpoint.{}", m.endpoint)),
        c.t("html.cox_sample")
            .replace("{n}", &m.n.to_string())
            .replace("{events}", &m.events.to_string())
            .replace("{excluded}", &m.excluded.to_string())
    ))?;
    if let Some(why) = &m.not_estimable {
        return w.note(&format!("{}: {why}", c.t("xlsx_text.not_estimable")));
    }
    let rows = m
        .terms
        .iter()
        .map(|t| {
            let hr = if t.reference {
                Cell::num(1.0)
            } else {
                Cell::opt_or(t.hr, &c.t("xlsx_text.na"))
            };
            vec![
                Cell::text(&t.term),
                Cell::opt_text(t.level.as_deref()),
                Cell::text(if t.reference {
                    c.t("html.reference_level")
                } else {
                    String::new()
                }),
                hr,
                Cell::opt(t.ci[0]),
                Cell::opt(t.ci[1]),
                c.p(t.p),
                Cell::opt_text(t.note.as_deref()),
            ]
        })
        .collect();
    w.table(&TableData {
        columns: cols(
            c,
            &[
                ("html.covariate", Kind::Label),
                ("xlsx_col.level", Kind::Text),
                ("xlsx_col.note", Kind::Text),
                ("endpoint.hr", Kind::Hr),
                ("xlsx_col.ci_low", Kind::Hr),
                ("xlsx_col.ci_high", Kind::Hr),
                ("xlsx_col.p", Kind::PValue),
                ("xlsx_col.note", Kind::Text),
            ],
        ),
        rows,
        ..Default::default()
    })?;
    w.table(&cox_tests(c, m))?;
    Ok(())
}

/// The multivariable Cox sheet.
pub fn cox_models(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("html.cox_models_title"))?;
    if c.r.analyses.cox_models.is_empty() {
        return not_configured(w, c, "[[cox_models]]");
    }
    for m in &c.r.analyses.cox_models {
        cox_model(w, c, m)?;
    }
    Ok(())
}

/// One competing-risks analysis: counts and incidence at the configured times.
fn competing(w: &mut SheetWriter, c: &Ctx, a: &CompetingRisks) -> Result<(), XlsxRenderError> {
    w.caption(&format!("{} ({}; {})", a.id, a.event, a.competing))?;
    if let Some(why) = &a.not_estimable {
        return w.note(&format!("{}: {why}", c.t("xlsx_text.not_estimable")));
    }
    let mut rows = Vec::new();
    for g in &a.groups {
        for at in &g.at {
            rows.push(vec![
                Cell::text(&g.label),
                Cell::count(g.n),
                Cell::count(g.events),
                Cell::count(g.competing_events),
                Cell::num(at.time),
                Cell::opt(at.estimate),
                Cell::opt(at.lower),
                Cell::opt(at.upper),
            ]);
        }
    }
    w.table(&TableData {
        columns: cols(
            c,
            &[
                ("xlsx_col.group", Kind::Label),
                ("xlsx_col.n", Kind::Count),
                ("xlsx_col.events", Kind::Count),
                ("html.competing_events", Kind::Count),
                ("xlsx_col.time", Kind::Time),
                ("html.cumulative_incidence", Kind::Proportion),
                ("xlsx_col.ci_low", Kind::Proportion),
                ("xlsx_col.ci_high", Kind::Proportion),
            ],
        ),
        rows,
        empty_note: Some(c.t("xlsx_text.no_data")),
        ..Default::default()
    })?;
    if let Some(g) = &a.gray {
        w.note(&format!(
            "{}: χ² = {:.2}, df = {}, {}",
            c.t("html.gray_test"),
            g.chisq,
            g.df,
            c.rc.p(g.p)
        ))?;
    }
    Ok(())
}

/// The competing-risks sheet.
pub fn competing_risks(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("html.competing_risks_title"))?;
    if c.r.analyses.competing_risks.is_empty() {
        return not_configured(w, c, "[[competing_risks]]");
    }
    for a in &c.r.analyses.competing_risks {
        competing(w, c, a)?;
    }
    Ok(())
}

/// One RMST comparison: a row per group, then the difference and the ratio.
fn one_rmst(w: &mut SheetWriter, c: &Ctx, r: &Rmst) -> Result<(), XlsxRenderError> {
    w.caption(&format!("{} (tau = {})", r.id, r.tau))?;
    if let Some(why) = &r.not_estimable {
        return w.note(&format!("{}: {why}", c.t("xlsx_text.not_estimable")));
    }
    let mut rows: Vec<Vec<Cell>> = r
        .groups
        .iter()
        .map(|g| {
            vec![
                Cell::text(&g.label),
                Cell::count(g.n),
                Cell::count(g.events),
                Cell::opt(g.rmst),
                Cell::opt(g.se),
                Cell::opt(g.ci[0]),
                Cell::opt(g.ci[1]),
                Cell::Blank,
            ]
        })
        .collect();
    for (key, x) in [
        ("html.rmst_difference", &r.difference),
        ("html.rmst_ratio", &r.ratio),
    ] {
        if let Some(x) = x {
            rows.push(vec![
                Cell::text(c.t(key)),
                Cell::Blank,
                Cell::Blank,
                Cell::opt(x.estimate),
                Cell::Blank,
                Cell::opt(x.ci[0]),
                Cell::opt(x.ci[1]),
                c.p(x.p),
            ]);
        }
    }
    w.table(&TableData {
        columns: cols(
            c,
            &[
                ("xlsx_col.group", Kind::Label),
                ("xlsx_col.n", Kind::Count),
                ("xlsx_col.events", Kind::Count),
                ("html.rmst_ci", Kind::Decimal2),
                ("xlsx_col.se", Kind::Decimal2),
                ("xlsx_col.ci_low", Kind::Decimal2),
                ("xlsx_col.ci_high", Kind::Decimal2),
                ("xlsx_col.p", Kind::PValue),
            ],
        ),
        rows,
        ..Default::default()
    })?;
    Ok(())
}

/// The RMST sheet.
pub fn rmst(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("html.rmst_title"))?;
    if c.r.analyses.rmst.is_empty() {
        return not_configured(w, c, "[[rmst]]");
    }
    for r in &c.r.analyses.rmst {
        one_rmst(w, c, r)?;
    }
    Ok(())
}

/// The landmark sheet: the immortal-time warnings, then each landmark analysis as on the
/// survival sheet.
pub fn landmark(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("html.landmark_title"))?;
    for x in &c.r.analyses.warnings {
        w.note(&format!("{} ({}): {}", x.analysis, x.section, x.message))?;
    }
    if c.r.analyses.landmark_analyses.is_empty() {
        return not_configured(w, c, "[[landmark_analyses]]");
    }
    for l in &c.r.analyses.landmark_analyses {
        w.note(
            &c.t("html.landmark_excluded")
                .replace("{n}", &l.excluded_before.n.to_string())
                .replace("{events}", &l.excluded_before.events.to_string())
                .replace("{at}", &l.at.to_string()),
        )?;
        super::survival::one(w, c, &l.as_survival())?;
    }
    Ok(())
}
