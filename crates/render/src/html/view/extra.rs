//! The report sections of the reviewers' analyses (issue 15): multivariable Cox models with
//! their forest plots, cumulative incidence with competing risks, restricted mean survival
//! time and landmark analyses; and the immortal-time warning placed next to every analysis
//! that carries one. A section shows only what was computed; otherwise one line says what is
//! missing and why.

use super::{row, survival_table, Block, HtmlError, Table, V};
use crate::figures::{self, km};
use crate::format::{ci, estimate_ci, fixed, pct, ratio_ci};
use crate::results::{
    CifPoint, CompetingRisks, CoxModel, CoxTerm, ForestRow, KmPoint, LandmarkAnalysis, Rmst,
    SurvGroup, Survival,
};

/// The immortal-time warning of analysis `id` in `section`, if it carries one.
pub(super) fn immortal_note(v: &V, section: &str, id: &str) -> Option<Block> {
    let w =
        v.r.analyses
            .warnings
            .iter()
            .find(|w| w.kind == "immortal_time" && w.section == section && w.analysis == id)?;
    let grouping = grouping_label(v, &w.grouping);
    let text = match &w.landmark {
        Some(l) => v
            .l("html.immortal_time_landmark")
            .replace("{grouping}", &grouping)
            .replace("{landmark}", &landmark_title(v, l)),
        None => v.l("html.immortal_time").replace("{grouping}", &grouping),
    };
    Some(Block::Note { text })
}

/// A grouping's label (`Analyses.grouping_labels`), or the covariate's catalog label, or the
/// id as words.
fn grouping_label(v: &V, id: &str) -> String {
    v.grouping(id)
}

/// The heading of a landmark analysis, found by id.
fn landmark_title(v: &V, id: &str) -> String {
    match v.r.analyses.landmark_analyses.iter().find(|l| l.id == id) {
        Some(l) => landmark_heading(v, l),
        None => id.to_string(),
    }
}

fn endpoint_name(v: &V, code: &str) -> String {
    v.label_or(&[format!("endpoint.{code}")], code)
}

/// The line shown when a section has nothing: not configured, or why not estimable.
fn missing(v: &V, key: &str) -> Block {
    Block::Note {
        text: v.l("html.not_configured").replace("{key}", key),
    }
}

fn not_estimable(v: &V, why: &str) -> Block {
    Block::Note {
        text: super::fit::reason(v, why),
    }
}

/// `1.23 (0.45, 6.78)` or the reason there is none.
fn hr_text(v: &V, t: &CoxTerm) -> String {
    match (t.reference, t.hr) {
        (true, _) => v.l("html.reference_level"),
        (false, Some(hr)) => crate::format::ratio_ci(hr, t.ci[0], t.ci[1], "NA"),
        (false, None) => v.l("html.not_estimable"),
    }
}

/// A chi-square test as `χ² = 1.23, df = 2, P = 0.54`.
fn chisq(v: &V, name: &str, t: &crate::results::ChisqTest) -> String {
    format!(
        "{name}: χ² = {}, df = {}, {}",
        fixed(Some(t.chisq), 2, "NA"),
        t.df,
        v.c.p(t.p)
    )
}

/// The notes under a model's table: sample, exclusions, global tests, concordance, PH test.
fn cox_notes(v: &V, m: &CoxModel) -> Vec<String> {
    let mut notes = vec![v
        .l("html.cox_sample")
        .replace("{n}", &m.n.to_string())
        .replace("{events}", &m.events.to_string())
        .replace("{excluded}", &m.excluded.to_string())];
    for x in &m.missing {
        notes.push(
            v.l("html.cox_missing")
                .replace("{covariate}", &grouping_label(v, &x.covariate))
                .replace("{n}", &x.n.to_string()),
        );
    }
    let tests = [
        (&m.lrt, "html.lrt_test"),
        (&m.wald, "html.wald_test"),
        (&m.score, "html.score_test"),
    ];
    let line: Vec<String> = tests
        .iter()
        .filter_map(|(t, k)| t.as_ref().map(|t| chisq(v, &v.l(k), t)))
        .collect();
    if !line.is_empty() {
        notes.push(line.join("; "));
    }
    if let Some(c) = &m.concordance {
        notes.push(format!(
            "{}: {} (SE {})",
            v.l("html.concordance"),
            fixed(Some(c.estimate), 3, "NA"),
            fixed(Some(c.std_err), 3, "NA")
        ));
    }
    if let Some(ph) = &m.ph_test {
        let mut t = chisq(v, &v.l("html.ph_test"), &ph.global);
        for term in &ph.terms {
            t.push_str(&format!(
                "; {} {}",
                grouping_label(v, &term.term),
                v.c.p(term.p)
            ));
        }
        notes.push(t);
    }
    if let Some(n) = &m.note {
        notes.push(v.c.analysis_note(n));
    }
    notes
}

/// The table rows and forest rows of a model's terms.
fn cox_rows(v: &V, m: &CoxModel) -> (Vec<super::Row>, Vec<ForestRow>) {
    let mut rows = Vec::new();
    let mut forest = Vec::new();
    for (i, t) in m.terms.iter().enumerate() {
        let first = i == 0 || m.terms[i - 1].term != t.term;
        let label = grouping_label(v, &t.term);
        let level = t
            .level
            .as_deref()
            .map(|l| v.level(l))
            .unwrap_or_else(|| v.l("html.per_unit"));
        let mut hr = hr_text(v, t);
        if let Some(n) = &t.note {
            hr = format!("{hr} ({})", v.c.analysis_note(n));
        }
        rows.push(row(vec![
            if first { label.clone() } else { String::new() },
            level.clone(),
            hr,
            v.pv(t.p),
        ]));
        forest.push(ForestRow {
            id: t.term.clone(),
            label,
            comparison: level,
            n: m.n,
            events: m.events,
            hr: t.hr,
            ci: t.ci,
            p: t.p,
            reference: t.reference,
        });
    }
    (rows, forest)
}

/// One multivariable model: heading, warnings, forest plot and table.
fn cox_model(v: &mut V, m: &CoxModel) -> Result<Vec<Block>, HtmlError> {
    let title = v
        .l("html.cox_model_heading")
        .replace("{endpoint}", &endpoint_name(v, &m.endpoint));
    // The model's id only tells apart two models of the same endpoint.
    let same =
        v.r.analyses
            .cox_models
            .iter()
            .filter(|x| x.endpoint == m.endpoint)
            .count();
    let text = if same > 1 {
        format!("{title} ({})", m.id.replace('_', " "))
    } else {
        title.clone()
    };
    let mut out = vec![Block::H3 { text }];
    out.extend(immortal_note(v, "cox_models", &m.id));
    if let Some(why) = &m.not_estimable {
        out.push(not_estimable(v, why));
        return Ok(out);
    }
    let (rows, forest) = cox_rows(v, m);
    let svg = figures::forest::forest_svg(&forest, v.c)?;
    let caption = format!("{}{title}", v.l("html.figure_prefix"));
    out.push(v.figure(&format!("forest_{}", m.id), caption, svg));
    out.push(Block::Table(Table {
        id: format!("tab-{}", m.id),
        caption: format!("{}{title}", v.l("html.table_prefix")),
        head: vec![
            v.l("html.covariate"),
            v.l("html.level"),
            format!("{} ({})", v.l("endpoint.hr"), v.l("html.ci95")),
            "P".into(),
        ],
        rows,
        notes: cox_notes(v, m),
    }));
    Ok(out)
}

/// The multivariable Cox section.
pub(super) fn cox_models(v: &mut V) -> Result<Vec<Block>, HtmlError> {
    let models = v.r.analyses.cox_models.clone();
    if models.is_empty() {
        return Ok(vec![missing(v, "[[cox_models]]")]);
    }
    let mut out = Vec::new();
    for m in &models {
        out.extend(cox_model(v, m)?);
    }
    Ok(out)
}

/// A curve of cumulative incidence as KM points (the figure draws both the same way).
fn as_points(cif: &[CifPoint]) -> Vec<KmPoint> {
    cif.iter()
        .map(|p| KmPoint {
            time: p.time,
            surv: p.estimate,
            std_err: p.std_err,
            lower: p.lower,
            upper: p.upper,
            ..KmPoint::default()
        })
        .collect()
}

/// The cumulative incidence figure of one analysis.
fn cif_figure(v: &mut V, c: &CompetingRisks, title: &str) -> Result<Block, HtmlError> {
    let s = Survival {
        id: c.id.clone(),
        groups: c
            .groups
            .iter()
            .map(|g| SurvGroup {
                label: v.t(&g.label),
                n: g.n,
                events: g.events,
                km: as_points(&g.cif),
                at_risk: g.at_risk.clone(),
                ..SurvGroup::default()
            })
            .collect(),
        risk_times: c.risk_times.clone(),
        ..Survival::default()
    };
    let legend = c
        .groups
        .iter()
        .map(|g| {
            v.l("html.cif_legend")
                .replace("{group}", &km::group_label(v.c, &v.t(&g.label)))
                .replace("{n}", &g.n.to_string())
                .replace("{events}", &g.events.to_string())
                .replace("{competing}", &g.competing_events.to_string())
        })
        .collect();
    let style = km::Style {
        y_title: "html.cumulative_incidence",
        start: 0.0,
        survival: false,
        legend: Some(legend),
        stats: Some(
            c.gray
                .as_ref()
                .map(|g| chisq(v, &v.l("html.gray_test"), g))
                .unwrap_or_default(),
        ),
        ..km::Style::default()
    };
    let svg = km::km_svg_styled(&s, v.c, &style)?;
    Ok(v.figure(&c.id, format!("{}{title}", v.l("html.figure_prefix")), svg))
}

/// `12 (5, 30)`: an incidence in percent with its CI.
fn pct_ci(e: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> String {
    let p = |x: Option<f64>| x.map(|v| v * 100.0);
    match e {
        Some(e) => format!("{} ({})", pct(e), ci(p(lo), p(hi), 0, "NA")),
        None => "NA".into(),
    }
}

fn cif_table(v: &V, c: &CompetingRisks, title: &str) -> Table {
    let times: Vec<f64> = c
        .groups
        .first()
        .map(|g| g.at.iter().map(|a| a.time).collect())
        .unwrap_or_default();
    let mut head = vec![
        v.l("html.group"),
        "n".into(),
        v.l("html.events"),
        v.l("html.competing_events"),
    ];
    head.extend(
        times
            .iter()
            .map(|t| v.l("html.cif_at").replace("{t}", &figures::tick(*t))),
    );
    let rows = c
        .groups
        .iter()
        .map(|g| {
            let mut cells = vec![
                km::group_label(v.c, &v.t(&g.label)),
                g.n.to_string(),
                g.events.to_string(),
                g.competing_events.to_string(),
            ];
            cells.extend(g.at.iter().map(|a| pct_ci(a.estimate, a.lower, a.upper)));
            row(cells)
        })
        .collect();
    let mut notes = Vec::new();
    if let Some(g) = &c.gray {
        notes.push(chisq(v, &v.l("html.gray_test"), g));
    }
    notes.push(v.l("html.note_cif"));
    Table {
        id: format!("tab-{}", c.id),
        caption: format!("{}{title}", v.l("html.table_prefix")),
        head,
        rows,
        notes,
    }
}

/// The competing-risks section.
pub(super) fn competing_risks(v: &mut V) -> Result<Vec<Block>, HtmlError> {
    let all = v.r.analyses.competing_risks.clone();
    if all.is_empty() {
        return Ok(vec![missing(v, "[[competing_risks]]")]);
    }
    let mut out = Vec::new();
    for c in &all {
        let title = v
            .l("html.cif_heading")
            .replace("{event}", &v.l(&format!("html.event_{}", c.event)))
            .replace("{competing}", &v.l(&format!("html.event_{}", c.competing)))
            .replace("{grouping}", &v.t(&c.grouping));
        out.push(Block::H3 {
            text: title.clone(),
        });
        out.extend(immortal_note(v, "competing_risks", &c.id));
        if let Some(why) = &c.not_estimable {
            out.push(not_estimable(v, why));
            continue;
        }
        if c.groups.iter().all(|g| g.cif.is_empty()) {
            out.push(not_estimable(v, &v.l("html.cif_not_computed")));
            continue;
        }
        out.push(cif_figure(v, c, &title)?);
        out.push(Block::Table(cif_table(v, c, &title)));
    }
    Ok(out)
}

/// The RMST figure: the KM curves with the area up to tau shaded.
fn rmst_figure(v: &mut V, r: &Rmst, title: &str) -> Result<Block, HtmlError> {
    let s = Survival {
        id: r.id.clone(),
        groups: r
            .groups
            .iter()
            .map(|g| SurvGroup {
                label: v.t(&g.label),
                n: g.n,
                events: g.events,
                km: g.km.clone(),
                at_risk: g.at_risk.clone(),
                ..SurvGroup::default()
            })
            .collect(),
        risk_times: r.risk_times.clone(),
        ..Survival::default()
    };
    let legend = r
        .groups
        .iter()
        .map(|g| {
            format!(
                "{}: RMST {}",
                km::group_label(v.c, &v.t(&g.label)),
                estimate_ci(g.rmst, g.ci[0], g.ci[1], v.c.digits, "NA")
            )
        })
        .collect();
    let style = km::Style {
        shade_to: Some(r.tau),
        survival: false,
        legend: Some(legend),
        stats: Some(String::new()),
        ..km::Style::default()
    };
    let svg = km::km_svg_styled(&s, v.c, &style)?;
    Ok(v.figure(&r.id, format!("{}{title}", v.l("html.figure_prefix")), svg))
}

fn rmst_table(v: &V, r: &Rmst, title: &str) -> Table {
    let mut rows: Vec<super::Row> = r
        .groups
        .iter()
        .map(|g| {
            row(vec![
                km::group_label(v.c, &v.t(&g.label)),
                g.n.to_string(),
                g.events.to_string(),
                estimate_ci(g.rmst, g.ci[0], g.ci[1], v.c.digits, "NA"),
                String::new(),
            ])
        })
        .collect();
    for (key, c) in [
        ("html.rmst_difference", &r.difference),
        ("html.rmst_ratio", &r.ratio),
    ] {
        if let Some(c) = c {
            rows.push(row(vec![
                v.l(key),
                String::new(),
                String::new(),
                match key {
                    "html.rmst_ratio" => {
                        ratio_ci(c.estimate.unwrap_or(f64::NAN), c.ci[0], c.ci[1], "NA")
                    }
                    _ => estimate_ci(c.estimate, c.ci[0], c.ci[1], v.c.digits, "NA"),
                },
                v.pv(c.p),
            ]));
        }
    }
    Table {
        id: format!("tab-{}", r.id),
        caption: format!("{}{title}", v.l("html.table_prefix")),
        head: vec![
            v.l("html.group"),
            "n".into(),
            v.l("html.events"),
            v.l("html.rmst_ci"),
            "P".into(),
        ],
        rows,
        notes: vec![v.l("html.note_rmst")],
    }
}

/// The RMST section.
pub(super) fn rmst(v: &mut V) -> Result<Vec<Block>, HtmlError> {
    let all = v.r.analyses.rmst.clone();
    if all.is_empty() {
        return Ok(vec![missing(v, "[[rmst]]")]);
    }
    let mut out = Vec::new();
    for r in &all {
        let title = v
            .l("html.rmst_heading")
            .replace("{endpoint}", &endpoint_name(v, &r.endpoint))
            .replace("{tau}", &figures::tick(r.tau))
            .replace("{grouping}", &v.t(&r.grouping));
        out.push(Block::H3 {
            text: title.clone(),
        });
        out.extend(immortal_note(v, "rmst", &r.id));
        if let Some(why) = &r.not_estimable {
            out.push(not_estimable(v, why));
            continue;
        }
        out.push(rmst_figure(v, r, &title)?);
        out.push(Block::Table(rmst_table(v, r, &title)));
    }
    Ok(out)
}

/// `OS from month 3 (landmark), by cycles_completed >= 3`.
fn landmark_heading(v: &V, l: &LandmarkAnalysis) -> String {
    let by = if l.grouping.is_empty() || l.grouping == "all" {
        v.l("endpoint.all")
    } else {
        v.t(&l.grouping)
    };
    v.l("html.landmark_heading")
        .replace("{endpoint}", &endpoint_name(v, &l.endpoint))
        .replace("{at}", &figures::tick(l.at))
        .replace("{by}", &by)
}

/// The landmark section.
pub(super) fn landmarks(v: &mut V) -> Result<Vec<Block>, HtmlError> {
    let all = v.r.analyses.landmark_analyses.clone();
    if all.is_empty() {
        return Ok(vec![missing(v, "[[landmark_analyses]]")]);
    }
    let mut out = vec![Block::Para {
        text: v.l("html.landmark_intro"),
    }];
    for l in &all {
        let title = landmark_heading(v, l);
        out.push(Block::H3 {
            text: title.clone(),
        });
        out.push(Block::Note {
            text: v
                .l("html.landmark_excluded")
                .replace("{n}", &l.excluded_before.n.to_string())
                .replace("{events}", &l.excluded_before.events.to_string())
                .replace("{at}", &figures::tick(l.at)),
        });
        if let Some(why) = &l.not_estimable {
            out.push(not_estimable(v, why));
            continue;
        }
        let s = l.as_survival();
        let svg = km::km_svg(&s, v.c)?;
        out.push(v.figure(&l.id, format!("{}{title}", v.l("html.figure_prefix")), svg));
        let caption = format!("{}{title}", v.l("html.table_prefix"));
        out.push(Block::Table(survival_table(v, &s, &caption)));
    }
    Ok(out)
}
