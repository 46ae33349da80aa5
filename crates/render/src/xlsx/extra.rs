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
            // Each covariate's test under the global one, by the covariate's label.
            let name = format!("    {}", c.grouping(&t.term));
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

/// A model's heading as the HTML words it: `Multivariable Cox model of <endpoint>`, with
/// the model's id (as words) only when two models share the endpoint.
fn cox_heading(c: &Ctx, m: &CoxModel) -> String {
    let title = c
        .t("html.cox_model_heading")
        .replace("{endpoint}", &c.endpoint(&m.endpoint));
    let same =
        c.r.analyses
            .cox_models
            .iter()
            .filter(|x| x.endpoint == m.endpoint)
            .count();
    if same > 1 {
        format!("{title} ({})", m.id.replace('_', " "))
    } else {
        title
    }
}

/// The notes under a model's terms: its sample, the patients missing each covariate (named
/// in the report's language) and the analyses' note, worded from the catalogs.
fn cox_notes(w: &mut SheetWriter, c: &Ctx, m: &CoxModel) -> Result<(), XlsxRenderError> {
    w.note(
        &c.t("html.cox_sample")
            .replace("{n}", &m.n.to_string())
            .replace("{events}", &m.events.to_string())
            .replace("{excluded}", &m.excluded.to_string()),
    )?;
    for x in &m.missing {
        w.note(
            &c.t("html.cox_missing")
                .replace("{covariate}", &c.grouping(&x.covariate))
                .replace("{n}", &x.n.to_string()),
        )?;
    }
    if let Some(n) = &m.note {
        w.note(&c.note(n))?;
    }
    Ok(())
}

/// One model: its terms table, its notes, then its tests.
fn cox_model(w: &mut SheetWriter, c: &Ctx, m: &CoxModel) -> Result<(), XlsxRenderError> {
    w.caption(&cox_heading(c, m))?;
    immortal_notes(w, c, "cox_models", &m.id)?;
    if let Some(why) = &m.not_estimable {
        return w.note(&super::survival::not_estimable_line(c, why));
    }
    let rows = m
        .terms
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let hr = if t.reference {
                Cell::num(1.0)
            } else {
                Cell::opt_or(t.hr, &c.t("xlsx_text.na"))
            };
            // The covariate once, on its first row, as the HTML table shows it.
            let first = i == 0 || m.terms[i - 1].term != t.term;
            let level = t
                .level
                .as_deref()
                .map(|l| c.shown(l))
                .unwrap_or_else(|| c.t("html.per_unit"));
            vec![
                if first {
                    Cell::text(c.grouping(&t.term))
                } else {
                    Cell::Blank
                },
                Cell::text(level),
                Cell::text(if t.reference {
                    c.t("html.reference_level")
                } else {
                    String::new()
                }),
                hr,
                Cell::opt(t.ci[0]),
                Cell::opt(t.ci[1]),
                c.p(t.p),
                t.note
                    .as_deref()
                    .map_or(Cell::Blank, |n| Cell::text(c.note(n))),
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
    cox_notes(w, c, m)?;
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

/// `Cumulative incidence of <event> (competing: <event>), <grouping>`, as the HTML heading.
fn cif_heading(c: &Ctx, a: &CompetingRisks) -> String {
    c.t("html.cif_heading")
        .replace("{event}", &c.t(&format!("html.event_{}", a.event)))
        .replace("{competing}", &c.t(&format!("html.event_{}", a.competing)))
        .replace("{grouping}", &c.shown(&a.grouping))
}

/// One competing-risks analysis: counts and incidence at the configured times.
fn competing(w: &mut SheetWriter, c: &Ctx, a: &CompetingRisks) -> Result<(), XlsxRenderError> {
    w.caption(&cif_heading(c, a))?;
    immortal_notes(w, c, "competing_risks", &a.id)?;
    if let Some(why) = &a.not_estimable {
        return w.note(&super::survival::not_estimable_line(c, why));
    }
    let mut rows = Vec::new();
    for g in &a.groups {
        let label = c.shown(&g.label);
        for at in &g.at {
            rows.push(vec![
                Cell::text(&label),
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

/// `Restricted mean <endpoint> up to <tau> months, <grouping>`, as the HTML heading.
fn rmst_heading(c: &Ctx, r: &Rmst) -> String {
    c.t("html.rmst_heading")
        .replace("{endpoint}", &c.endpoint(&r.endpoint))
        .replace("{tau}", &crate::figures::tick(r.tau))
        .replace("{grouping}", &c.shown(&r.grouping))
}

/// One RMST comparison: a row per group, then the difference and the ratio.
fn one_rmst(w: &mut SheetWriter, c: &Ctx, r: &Rmst) -> Result<(), XlsxRenderError> {
    w.caption(&rmst_heading(c, r))?;
    immortal_notes(w, c, "rmst", &r.id)?;
    if let Some(why) = &r.not_estimable {
        return w.note(&super::survival::not_estimable_line(c, why));
    }
    let mut rows: Vec<Vec<Cell>> = r
        .groups
        .iter()
        .map(|g| {
            vec![
                Cell::text(c.shown(&g.label)),
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

/// The immortal-time warning of analysis `id` in `section`, worded as the HTML words it
/// (`html.immortal_time`, the grouping named in the report's language), under the analysis
/// it concerns.
pub(super) fn immortal_notes(
    w: &mut SheetWriter,
    c: &Ctx,
    section: &str,
    id: &str,
) -> Result<(), XlsxRenderError> {
    for x in
        c.r.analyses
            .warnings
            .iter()
            .filter(|x| x.kind == "immortal_time" && x.section == section && x.analysis == id)
    {
        w.note(&immortal_text(c, x))?;
    }
    Ok(())
}

/// The words of one immortal-time warning (the English `message` is results.json's).
fn immortal_text(c: &Ctx, x: &crate::results::AnalysisWarning) -> String {
    let grouping = c.grouping(&x.grouping);
    let landmark = x
        .landmark
        .as_ref()
        .and_then(|id| c.r.analyses.landmark_analyses.iter().find(|l| &l.id == id));
    match landmark {
        Some(l) => c
            .t("html.immortal_time_landmark")
            .replace("{grouping}", &grouping)
            .replace("{landmark}", &landmark_heading(c, l)),
        None => c.t("html.immortal_time").replace("{grouping}", &grouping),
    }
}

/// The heading of the analysis a warning concerns, found by section and id (the id as
/// words when it is not found).
fn analysis_name(c: &Ctx, x: &crate::results::AnalysisWarning) -> String {
    let a = &c.r.analyses;
    let found = match x.section.as_str() {
        "survival" => a
            .survival
            .iter()
            .find(|s| s.id == x.analysis)
            .map(|s| super::survival::analysis_title(c, s)),
        "cox_models" => a
            .cox_models
            .iter()
            .find(|m| m.id == x.analysis)
            .map(|m| cox_heading(c, m)),
        "forest" => Some(c.t("xlsx_title.forest")),
        "competing_risks" => a
            .competing_risks
            .iter()
            .find(|r| r.id == x.analysis)
            .map(|r| cif_heading(c, r)),
        "rmst" => a
            .rmst
            .iter()
            .find(|r| r.id == x.analysis)
            .map(|r| rmst_heading(c, r)),
        _ => None,
    };
    found.unwrap_or_else(|| x.analysis.replace('_', " "))
}

/// `OS from month 3 (landmark), by ...`, as the HTML heading.
fn landmark_heading(c: &Ctx, l: &crate::results::LandmarkAnalysis) -> String {
    c.t("html.landmark_heading")
        .replace("{endpoint}", &c.endpoint(&l.endpoint))
        .replace("{at}", &crate::figures::tick(l.at))
        .replace("{by}", &c.grouping_text(&l.grouping))
}

/// The landmark sheet: the immortal-time warnings of every analysis (each also under its
/// analysis), then each landmark analysis as on the survival sheet.
pub fn landmark(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("html.landmark_title"))?;
    for x in &c.r.analyses.warnings {
        if x.kind == "immortal_time" {
            w.note(&format!("{}: {}", analysis_name(c, x), immortal_text(c, x)))?;
        } else {
            w.note(&x.message)?;
        }
    }
    if c.r.analyses.landmark_analyses.is_empty() {
        return not_configured(w, c, "[[landmark_analyses]]");
    }
    for l in &c.r.analyses.landmark_analyses {
        w.note(
            &c.t("html.landmark_excluded")
                .replace("{n}", &l.excluded_before.n.to_string())
                .replace("{events}", &l.excluded_before.events.to_string())
                .replace("{at}", &crate::figures::tick(l.at)),
        )?;
        super::survival::one_titled(w, c, &l.as_survival(), &landmark_heading(c, l))?;
    }
    Ok(())
}
