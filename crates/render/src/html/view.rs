//! The view model of the HTML report: every section as a list of blocks (subheadings,
//! paragraphs, notes, three-line tables, figures) of preformatted text. Numbers go through
//! [`crate::format`], words through the label catalogs; nothing is computed here
//! beyond counting findings by rule for display.

mod extra;
mod fit;

use super::{inline_svg, HtmlError};
use crate::config::Config;
use crate::context::Ctx;
use crate::figures::{self, km};
use crate::format::{ci, estimate_ci, fixed, pct, ratio_ci};
use crate::results::{
    ImwgRow, KmMedian, Level, MrdSection, Rate, ResponseCheck, ResponseCounts, Results, Survival,
};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One table row; `kind` is `""`, `group` (a spanning section row) or `sub` (indented).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub cells: Vec<String>,
    pub kind: &'static str,
}

/// A three-line journal table.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub id: String,
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

/// An inline figure (the same SVG is also written as `figures/<file>`, with its PDF and PNG
/// as configured: `links`).
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub id: String,
    pub file: String,
    pub caption: String,
    pub svg: String,
    /// The figure's files in `[figures] formats` order: `(format name, path from the report)`.
    pub links: Vec<(String, String)>,
}

/// A piece of a section.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    H3 { text: String },
    Para { text: String },
    Note { text: String },
    Table(Table),
    Figure(Figure),
}

/// Header facts.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub title: String,
    pub file: String,
    pub sha256: String,
    pub data_cutoff: String,
    pub run_date: String,
    pub generator: String,
    pub version: String,
    pub config_sha256: String,
    pub language: String,
    pub time_unit: String,
}

pub struct Built {
    pub meta: Meta,
    pub sections: BTreeMap<&'static str, Vec<Block>>,
    pub figures: Vec<(String, String)>,
}

fn row(cells: Vec<String>) -> Row {
    Row { cells, kind: "" }
}
fn sub(cells: Vec<String>) -> Row {
    Row { cells, kind: "sub" }
}
fn group(text: String, width: usize) -> Row {
    let mut cells = vec![text];
    cells.resize(width.max(1), String::new());
    Row {
        cells,
        kind: "group",
    }
}

/// `22 (69)`: a count and its whole percent.
fn n_pct(count: usize, fraction: f64) -> String {
    format!("{count} ({})", pct(fraction))
}

/// `count (pct)` of a denominator (`-` for an empty denominator).
fn n_of(count: usize, n: usize) -> String {
    if n == 0 {
        count.to_string()
    } else {
        n_pct(count, count as f64 / n as f64)
    }
}

struct V<'a> {
    r: &'a Results,
    cfg: &'a Config,
    c: &'a Ctx<'a>,
    figures: Vec<(String, String)>,
}

impl V<'_> {
    fn l(&self, key: &str) -> String {
        self.c.l(key)
    }
    fn pv(&self, p: Option<f64>) -> String {
        match p {
            Some(p) => self.c.p_value(p),
            None => "—".into(),
        }
    }
    fn no_data(&self) -> Block {
        Block::Note {
            text: self.l("html.no_data"),
        }
    }
    /// A catalog label when there is one, else the text itself.
    fn label_or(&self, keys: &[String], fallback: &str) -> String {
        self.c.label_or(keys, fallback)
    }
    fn level(&self, level: &str) -> String {
        if let Some(b) = self.r.analyses.display.get(level) {
            return b.get(&self.c.labels.lang).to_string();
        }
        let l = self.c.value_label(level);
        if l == level {
            self.label_or(&[format!("status.{level}")], level)
        } else {
            l
        }
    }
    /// The display text of a configured name the analyses carry (`Analyses.display`), in
    /// the report's language; a name without one is shown as written, typeset.
    fn t(&self, text: &str) -> String {
        match self.r.analyses.display.get(text) {
            Some(b) => b.get(&self.c.labels.lang).to_string(),
            None => mmreport_core::display::typographic(text),
        }
    }
    /// A grouping's label by id (`Analyses.grouping_labels`), else the catalog's name of the
    /// column, else the id as words.
    fn grouping(&self, id: &str) -> String {
        match self.r.analyses.grouping_labels.get(id) {
            Some(b) => b.get(&self.c.labels.lang).to_string(),
            None => self.label_or(&[format!("variable.{id}")], &id.replace('_', " ")),
        }
    }
    /// `11/29 (38)` and `24, 58` (percent).
    fn rate(&self, r: &Rate) -> (String, String) {
        let main = match r.fraction {
            Some(f) => format!("{}/{} ({})", r.k, r.n, pct(f)),
            None => format!("{}/{}", r.k, r.n),
        };
        let p = |x: Option<f64>| x.map(|v| v * 100.0);
        (main, ci(p(r.ci[0]), p(r.ci[1]), 0, "NA"))
    }
    fn median_ci(&self, m: Option<f64>, c: [Option<f64>; 2]) -> String {
        self.c.median_ci(m, c)
    }
    fn figure(&mut self, id: &str, caption: String, svg: String) -> Block {
        let file = format!("{id}.svg");
        self.figures.push((file.clone(), svg.clone()));
        let links = self
            .cfg
            .figures
            .formats
            .iter()
            .map(|f| (f.ext().to_uppercase(), format!("figures/{id}.{}", f.ext())))
            .collect();
        Block::Figure(Figure {
            id: format!("fig-{id}"),
            file,
            links,
            svg: inline_svg(&svg).replacen(
                "<svg ",
                &format!(
                    r#"<svg role="img" aria-label="{}" "#,
                    figures::esc(&caption)
                ),
                1,
            ),
            caption,
        })
    }
}

/// The text of an optional value, `—` when absent.
fn or_dash(x: &Option<String>) -> &str {
    x.as_deref().unwrap_or("—")
}

/// Builds the view model.
pub fn build(r: &Results, cfg: &Config, c: &Ctx) -> Result<Built, HtmlError> {
    let mut v = V {
        r,
        cfg,
        c,
        figures: Vec::new(),
    };
    let a = &r.analyses;
    let title = if a.study_title.is_empty() {
        v.l("xlsx_text.report_title")
    } else {
        a.study_title.clone()
    };
    let meta = Meta {
        title,
        file: r.input.file.clone(),
        sha256: r.input.sha256.clone(),
        data_cutoff: r.data_cutoff.clone(),
        run_date: r.run_date.clone(),
        generator: r.generator.name.clone(),
        version: r.generator.version.clone(),
        config_sha256: r.config_sha256.clone(),
        language: v.l(&format!("html.lang_{}", v.c.labels.lang)),
        time_unit: v.c.time_axis(),
    };
    let mut sections = BTreeMap::new();
    sections.insert("summary", fit::summary(&v));
    sections.insert("changes", changes(&mut v));
    sections.insert("flow", flow(&mut v));
    sections.insert("validation", validation(&mut v));
    sections.insert("baseline", fit::baseline(&v));
    sections.insert("exposure", exposure(&mut v));
    sections.insert("response", response(&mut v));
    sections.insert("survival", survival(&mut v)?);
    sections.insert("cox_models", extra::cox_models(&mut v)?);
    sections.insert("competing_risks", extra::competing_risks(&mut v)?);
    sections.insert("rmst", extra::rmst(&mut v)?);
    sections.insert("landmark", extra::landmarks(&mut v)?);
    sections.insert("adverse_events", adverse_events(&mut v));
    sections.insert("swimmer", swimmer(&mut v)?);
    sections.insert("waterfall", waterfall(&mut v)?);
    sections.insert("methods", methods(&mut v));
    fit::number_and_typeset(&mut sections, c);
    Ok(Built {
        meta,
        sections,
        figures: v.figures,
    })
}

fn flow(v: &mut V) -> Vec<Block> {
    // Without treatment data no patient "completed" a cycle: those steps are left out.
    let mut shown = v.r.analyses.flow.clone();
    if v.r.analyses.exposure.n == 0 {
        shown.completed.clear();
    }
    let f = &shown;
    let mut out = Vec::new();
    if f.read == 0 && f.analysed == 0 {
        // Analyses absent: fall back on the cohort summary.
        let co = &v.r.cohort;
        if co.patients_read == 0 {
            return vec![v.no_data()];
        }
        let mut rows = vec![
            row(vec![
                v.l("html.flow_read_row"),
                co.patients_read.to_string(),
            ]),
            row(vec![
                v.l("html.flow_excluded_row"),
                co.excluded.len().to_string(),
            ]),
        ];
        for e in &co.excluded {
            rows.push(sub(vec![
                format!("{}: {}", e.patient_id, v.c.basis(&e.reasons.join("; "))),
                String::new(),
            ]));
        }
        rows.push(row(vec![
            v.l("html.flow_analysed_row"),
            co.patients_analysed.to_string(),
        ]));
        out.push(Block::Table(Table {
            id: "tab-flow".into(),
            caption: v.l("html.tab_flow"),
            head: vec![v.l("html.step"), "n".into()],
            rows,
            notes: vec![],
        }));
        return out;
    }
    // The figure holds every count (the excluded with their reasons): no table repeats it,
    // so that Table 1 is the patients' characteristics, as journals number it.
    let svg = figures::flow::flow_svg(f, v.c);
    out.push(v.figure("flow", v.l("html.fig_flow"), svg));
    // The note explains the cycle steps: none without treatment data.
    if !f.completed.is_empty() {
        out.push(Block::Note {
            text: v.l("html.note_flow"),
        });
    }
    out
}

/// The IMWG rows the HTML lists: every patient of a small cohort; in a large one only those
/// whose recorded state is not confirmed, up to `report.findings_in_html`.
fn imwg_rows<'a>(v: &V<'a>) -> Vec<&'a ImwgRow> {
    let max = v.cfg.report.findings_in_html;
    let all = &v.r.imwg;
    if all.len() <= max {
        return all.iter().collect();
    }
    all.iter()
        .filter(|x| x.agrees != Some(true))
        .take(max)
        .collect()
}

fn imwg_note(v: &V) -> Vec<String> {
    let all = &v.r.imwg;
    if all.len() <= v.cfg.report.findings_in_html {
        return vec![];
    }
    let agree = all.iter().filter(|x| x.agrees == Some(true)).count();
    vec![v
        .l("html.imwg_capped")
        .replace("{n}", &all.len().to_string())
        .replace("{agree}", &agree.to_string())
        .replace("{max}", &v.cfg.report.findings_in_html.to_string())]
}

/// A note when a listing shows only its first rows.
fn capped_note(v: &V, total: usize) -> Vec<String> {
    let max = v.cfg.report.findings_in_html;
    if total <= max {
        return vec![];
    }
    vec![v
        .l("html.listing_capped")
        .replace("{n}", &total.to_string())
        .replace("{max}", &max.to_string())]
}

fn validation(v: &mut V) -> Vec<Block> {
    let mut out = vec![
        Block::H3 {
            text: v.l("html.findings_by_severity"),
        },
        severity_table(v),
    ];
    if !v.r.findings.is_empty() {
        out.push(rules_table(v));
        out.push(findings_table(v));
    }
    out.extend(imwg_blocks(v));
    out.extend(disagreement_blocks(v));
    out.extend(summary_blocks(v));
    out
}

/// Findings counted by severity (error, warning, info).
fn severity_table(v: &V) -> Block {
    let c = &v.r.finding_counts;
    Block::Table(Table {
        id: "tab-severity".into(),
        caption: v.l("html.tab_severity"),
        head: vec![v.l("html.severity"), "n".into()],
        rows: vec![
            row(vec![v.l("html.sev_error"), c.error.to_string()]),
            row(vec![v.l("html.sev_warning"), c.warning.to_string()]),
            row(vec![v.l("html.sev_info"), c.info.to_string()]),
        ],
        notes: vec![],
    })
}

/// Findings counted by rule and severity, in rule order.
fn rules_table(v: &V) -> Block {
    let mut by_rule: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for f in &v.r.findings {
        *by_rule
            .entry((f.rule.clone(), f.severity.as_str()))
            .or_default() += 1;
    }
    Block::Table(Table {
        id: "tab-rules".into(),
        caption: v.l("html.tab_rules"),
        head: vec![v.l("html.rule"), v.l("html.severity"), "n".into()],
        rows: by_rule
            .into_iter()
            .map(|((rule, sev), n)| row(vec![rule, v.l(&format!("html.sev_{sev}")), n.to_string()]))
            .collect(),
        notes: vec![],
    })
}

/// The first `report.findings_in_html` findings, with a note giving how many are shown.
fn findings_table(v: &V) -> Block {
    let r = v.r;
    let shown = v.cfg.report.findings_in_html.min(r.findings.len());
    let rows = r.findings[..shown]
        .iter()
        .map(|f| {
            let o = |x: &Option<String>| x.clone().unwrap_or_default();
            row(vec![
                v.l(&format!("html.sev_{}", f.severity.as_str())),
                f.rule.clone(),
                o(&f.sheet),
                f.row.map(|x| x.to_string()).unwrap_or_default(),
                v.c.finding_column(f),
                o(&f.patient_id),
                f.value.as_deref().map(|x| v.level(x)).unwrap_or_default(),
                v.c.finding_message(f),
            ])
        })
        .collect();
    Block::Table(Table {
        id: "tab-findings".into(),
        caption: v.l("html.tab_findings"),
        head: [
            "html.severity",
            "html.rule",
            "html.sheet",
            "html.row",
            "html.column",
            "html.patient",
            "html.value",
            "html.message",
        ]
        .map(|k| v.l(k))
        .to_vec(),
        rows,
        notes: vec![v
            .l("html.note_findings")
            .replace("{shown}", &shown.to_string())
            .replace("{total}", &r.findings.len().to_string())],
    })
}

/// The IMWG disease-state classification: heading, then the table (or "no data").
/// The one line that stands for the disease-state table when no patient has a recorded
/// state, a derivable one or any relapse evidence (a survival-only registry): the columns
/// the IMWG 2016 rules need, in the report's language, instead of a row of dashes per patient.
fn imwg_not_checked(v: &V) -> Option<String> {
    let rows = &v.r.imwg;
    let empty =
        |x: &ImwgRow| x.recorded.is_none() && x.derived.is_none() && x.relapse_evidence.is_empty();
    if !rows.iter().all(empty) {
        return None;
    }
    let mut missing: Vec<&str> = rows
        .iter()
        .flat_map(|x| x.missing.iter().map(String::as_str))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    let names: Vec<String> = missing.iter().map(|c| fit::column_name(v, c)).collect();
    Some(
        v.l("html.imwg_not_checked")
            .replace("{columns}", &names.join(&v.l("lang.list_separator"))),
    )
}

fn imwg_blocks(v: &V) -> Vec<Block> {
    let mut out = vec![Block::H3 {
        text: v.l("html.imwg_heading"),
    }];
    if v.r.imwg.is_empty() {
        out.push(v.no_data());
        return out;
    }
    if let Some(line) = imwg_not_checked(v) {
        out.push(Block::Note { text: line });
        return out;
    }
    let status = |code: &str| v.label_or(&[format!("status.{code}")], code);
    let yn = |x: Option<bool>| match x {
        Some(true) => v.l("variable.yes"),
        Some(false) => v.l("variable.no"),
        None => "—".into(),
    };
    out.push(Block::Table(Table {
        id: "tab-imwg".into(),
        caption: v.l("html.tab_imwg"),
        head: [
            "html.patient",
            "html.recorded",
            "html.derived",
            "html.agrees",
            "html.basis",
            "html.relapse_evidence",
        ]
        .map(|k| v.l(k))
        .to_vec(),
        rows: imwg_rows(v)
            .iter()
            .map(|x| {
                row(vec![
                    x.patient_id.clone(),
                    status(or_dash(&x.recorded)),
                    status(or_dash(&x.derived)),
                    yn(x.agrees),
                    v.c.basis(&x.basis),
                    v.c.basis(&x.relapse_evidence.join("; ")),
                ])
            })
            .collect(),
        notes: imwg_note(v),
    }));
    out
}

/// Recorded responses that disagree with the derived ones: heading, then the (capped) table
/// or a note that there are none.
fn disagreement_blocks(v: &V) -> Vec<Block> {
    let mut out = vec![Block::H3 {
        text: v.l("html.disagree_heading"),
    }];
    let dis: Vec<&ResponseCheck> =
        v.r.validation
            .derived_responses
            .iter()
            .filter(|x| x.agrees == Some(false))
            .collect();
    if dis.is_empty() {
        out.push(Block::Note {
            text: v.l("html.no_disagreements"),
        });
        return out;
    }
    out.push(Block::Table(Table {
        id: "tab-disagree".into(),
        caption: v.l("html.tab_disagree"),
        head: [
            "html.patient",
            "html.after_cycle",
            "html.date",
            "html.recorded",
            "html.derived",
            "html.basis",
            "html.rule",
        ]
        .map(|k| v.l(k))
        .to_vec(),
        notes: capped_note(v, dis.len()),
        rows: dis
            .iter()
            .take(v.cfg.report.findings_in_html)
            .map(|x| {
                row(vec![
                    x.patient_id.clone(),
                    x.after_cycle.map_or("—".into(), |c| c.to_string()),
                    or_dash(&x.date).to_string(),
                    v.level(or_dash(&x.recorded)),
                    v.level(or_dash(&x.derived)),
                    v.c.basis(&x.basis),
                    x.rule.clone(),
                ])
            })
            .collect(),
    }));
    out
}

/// The rule set's summary (`Results.validation.summary`) as item / value rows; nothing when
/// it is absent or empty.
fn summary_blocks(v: &V) -> Vec<Block> {
    let Value::Object(m) = &v.r.validation.summary else {
        return vec![];
    };
    if m.is_empty() {
        return vec![];
    }
    vec![
        Block::H3 {
            text: v.l("html.summary_heading"),
        },
        Block::Table(Table {
            id: "tab-vsummary".into(),
            caption: v.l("html.tab_vsummary"),
            head: vec![v.l("html.item"), v.l("html.value")],
            rows: m
                .iter()
                .map(|(k, x)| {
                    let name = v.label_or(
                        &[
                            format!("summary.{k}"),
                            format!("summary_lang.{k}"),
                            format!("layout.summary_{k}"),
                        ],
                        &k.replace('_', " "),
                    );
                    let val = match x {
                        Value::String(s) => v.label_or(
                            &[format!("layout.value_{s}"), format!("status.{s}")],
                            &v.level(s),
                        ),
                        o => o.to_string(),
                    };
                    row(vec![name, val])
                })
                .collect(),
            notes: vec![],
        }),
    ]
}

fn levels_rows(v: &V, out: &mut Vec<Row>, levels: &[Level]) {
    for l in levels {
        out.push(sub(vec![v.c.level(l), n_pct(l.count, l.fraction)]));
    }
}

fn exposure(v: &mut V) -> Vec<Block> {
    let e = &v.r.analyses.exposure;
    if e.n == 0 && e.regimens.is_empty() {
        return vec![fit::gap(v, "layout.no_treatment")];
    }
    let mut rows = Vec::new();
    if e.n > 0 {
        rows.push(row(vec![
            v.l("html.cycles_median_range"),
            format!(
                "{} ({}, {})",
                fixed(e.cycles_median, 0, "NA"),
                e.cycles_min
                    .map(|x| x.to_string())
                    .unwrap_or_else(|| "NA".into()),
                e.cycles_max
                    .map(|x| x.to_string())
                    .unwrap_or_else(|| "NA".into())
            ),
        ]));
        rows.push(group(v.l("html.cycles_distribution"), 2));
        levels_rows(v, &mut rows, &e.cycles_distribution);
    }
    if !e.regimens.is_empty() {
        rows.push(group(v.l("variable.regimen"), 2));
        levels_rows(v, &mut rows, &e.regimens);
    }
    if e.dose_median.is_some() {
        let d = crate::format::sig_decimals(
            e.dose_median.unwrap_or(0.0),
            v.cfg.report.significant_digits,
        );
        rows.push(row(vec![
            v.l("html.dose"),
            format!(
                "{} ({}, {})",
                fixed(e.dose_median, d, "NA"),
                fixed(e.dose_min, d, "NA"),
                fixed(e.dose_max, d, "NA")
            ),
        ]));
    }
    vec![Block::Table(Table {
        id: "tab-exposure".into(),
        caption: v.l("html.tab_exposure").replace("{n}", &e.n.to_string()),
        head: vec![v.l("html.item"), v.l("html.value")],
        rows,
        notes: vec![v.l("html.note_n_pct")],
    })]
}

const CATS: [&str; 8] = ["sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE"];

fn response_row(v: &V, name: String, rc: &ResponseCounts) -> Row {
    let mut cells = vec![name, rc.n.to_string()];
    for cat in CATS {
        cells.push(n_of(rc.counts.get(cat).copied().unwrap_or(0), rc.n));
    }
    let (orr, orr_ci) = v.rate(&rc.orr);
    let (dcr, dcr_ci) = v.rate(&rc.dcr);
    cells.push(format!("{orr} [{orr_ci}]"));
    cells.push(format!("{dcr} [{dcr_ci}]"));
    row(cells)
}

fn km_median_row(v: &V, name: String, k: &KmMedian) -> Row {
    row(vec![
        name,
        k.n.to_string(),
        k.events.to_string(),
        v.median_ci(k.median, k.ci),
    ])
}

fn response(v: &mut V) -> Vec<Block> {
    let rs = &v.r.analyses.response;
    if rs.final_.n == 0 && rs.best.n == 0 {
        return vec![fit::gap(v, "layout.no_responses")];
    }
    let mut out = vec![response_table(v)];
    if rs.subgroups.iter().any(|s| s.final_.n > 0) {
        out.push(subgroup_table(v));
    }
    if rs.time_to_response.n == 0 && rs.duration_of_response.n == 0 {
        out.push(fit::gap(v, "layout.no_assessment_dates"));
    } else {
        out.push(ttr_table(v));
    }
    if let Some(m) = &rs.mrd {
        out.push(mrd_table(v, m));
    }
    out
}

/// The MRD table (IMWG 2016), only for a workbook with MRD results: rates over all
/// response-evaluable patients, then each IMWG MRD category (deepest reached).
fn mrd_table(v: &V, m: &MrdSection) -> Block {
    let cfg = &v.cfg.rules.mrd;
    let days = cfg.sustained_days.to_string();
    let rate_row = |name: String, r: &Rate| {
        let (main, ci) = v.rate(r);
        row(vec![name, main, ci])
    };
    let n = m.negative.n;
    let mut rows = vec![
        row(vec![v.l("mrd.tested"), n_of(m.tested, n), String::new()]),
        rate_row(v.l("mrd.negative"), &m.negative),
        rate_row(v.l("mrd.negative_cr"), &m.negative_among_cr),
        rate_row(
            v.l("mrd.sustained_any").replace("{days}", &days),
            &m.sustained,
        ),
        group(v.l("mrd.categories"), 3),
    ];
    for c in &m.categories {
        let (main, ci) = v.rate(&c.rate);
        rows.push(sub(vec![v.l(&format!("mrd.{}", c.category)), main, ci]));
    }
    if m.not_derivable > 0 {
        rows.push(sub(vec![
            v.l("mrd.not_derivable"),
            n_of(m.not_derivable, n),
            String::new(),
        ]));
    }
    Block::Table(Table {
        id: "tab-mrd".into(),
        caption: v.l("html.tab_mrd"),
        head: vec![
            v.l("html.mrd_measure"),
            v.l("html.mrd_rate"),
            v.l("html.ci95"),
        ],
        rows,
        notes: vec![v
            .l("mrd.note")
            .replace("{sens}", &crate::format::sensitivity(cfg.min_sensitivity))
            .replace("{days}", &days)],
    })
}

/// `ORR [95% CI]` style column heads of a rate.
fn rate_head(v: &V, key: &str) -> String {
    format!("{} [{}]", v.l(key), v.l("html.ci95"))
}

/// Response categories, ORR and DCR at every checkpoint, at the end of treatment and best.
fn response_table(v: &V) -> Block {
    let rs = &v.r.analyses.response;
    let mut head = vec![v.l("html.assessment"), "n".into()];
    head.extend(CATS.iter().map(|c| c.to_string()));
    head.push(rate_head(v, "html.orr_ci"));
    head.push(rate_head(v, "html.dcr_ci"));
    let mut rows: Vec<Row> = rs
        .checkpoints
        .iter()
        .filter(|c| c.counts.n > 0)
        .map(|c| {
            response_row(
                v,
                v.l("html.after_cycle_n")
                    .replace("{cycles}", &c.after_cycle.to_string()),
                &c.counts,
            )
        })
        .collect();
    rows.push(response_row(v, v.l("html.final_response"), &rs.final_));
    rows.push(response_row(v, v.l("html.best_response"), &rs.best));
    let mut notes = vec![v.l("html.note_response")];
    // The legend of the category codes, only where a catalog spells one out (never
    // `sCR: sCR`).
    let legend: Vec<String> = CATS
        .iter()
        .map(|c| (c, v.l(&format!("response.{c}"))))
        .filter(|(c, l)| l != *c)
        .map(|(c, l)| format!("{c}: {l}"))
        .collect();
    if !legend.is_empty() {
        notes.push(legend.join("; "));
    }
    Block::Table(Table {
        id: "tab-response".into(),
        caption: v.l("html.tab_response"),
        head,
        rows,
        notes,
    })
}

/// ORR and DCR per subgroup level with Fisher's exact P on the first level of each subgroup.
fn subgroup_table(v: &V) -> Block {
    let rs = &v.r.analyses.response;
    let mut rows = Vec::new();
    let mut last = String::new();
    for sg in &rs.subgroups {
        let p = if sg.id != last {
            last = sg.id.clone();
            let label = if high_risk_2025(v, &sg.id) {
                v.l("variable.high_risk_ims_imwg2025")
            } else if v.r.analyses.grouping_labels.contains_key(&sg.id) {
                v.grouping(&sg.id)
            } else {
                v.label_or(
                    &[format!("variable.{}", sg.id), format!("html.sg_{}", sg.id)],
                    &sg.label,
                )
            };
            rows.push(group(label, 6));
            Some(subgroup_p(v, &sg.id))
        } else {
            None
        };
        let (orr, orr_ci) = v.rate(&sg.final_.orr);
        let (dcr, dcr_ci) = v.rate(&sg.final_.dcr);
        // A two-level grouping's levels by their labels (`≥ 4 cycles`), not yes/no.
        let a = &v.r.analyses;
        let level = match a.display.get(&sg.label) {
            Some(b) if a.grouping_labels.get(&sg.id) != Some(b) => {
                b.get(&v.c.labels.lang).to_string()
            }
            _ => v.level(&sg.level),
        };
        rows.push(sub(vec![
            level,
            sg.final_.n.to_string(),
            format!("{orr} [{orr_ci}]"),
            format!("{dcr} [{dcr_ci}]"),
            p.unwrap_or_default(),
            String::new(),
        ]));
    }
    for r in rows.iter_mut() {
        r.cells.truncate(5);
    }
    Block::Table(Table {
        id: "tab-subgroups".into(),
        caption: v.l("html.tab_subgroups"),
        head: vec![
            v.l("html.subgroup"),
            "n".into(),
            rate_head(v, "html.orr_ci"),
            rate_head(v, "html.dcr_ci"),
            v.l("html.fisher_p"),
        ],
        rows,
        notes: vec![v.l("html.note_fisher")],
    })
}

/// Grouping `id` is the high-risk grouping and the configured definition is IMS/IMWG 2025:
/// its label must name that definition, not the catalog's "High-risk cytogenetics".
fn high_risk_2025(v: &V, id: &str) -> bool {
    v.cfg.rules.high_risk_definition == mmreport_core::rules_config::HighRiskDefinition::ImsImwg2025
        && v.cfg
            .groupings
            .iter()
            .any(|g| g.id == id && g.column == "high_risk_cytogenetics")
}

/// The P of subgroup `id`'s test: the P, else the test's note, `—` when neither; blank when
/// the subgroup was not tested.
fn subgroup_p(v: &V, id: &str) -> String {
    let t =
        v.r.analyses
            .response
            .subgroup_tests
            .iter()
            .find(|t| t.id == id);
    match t {
        Some(t) => match (t.p, &t.note) {
            (Some(p), _) => v.pv(Some(p)),
            (None, Some(n)) => v.c.analysis_note(n),
            _ => "—".into(),
        },
        None => String::new(),
    }
}

/// Time to response and duration of response: n, events, median (95% CI).
fn ttr_table(v: &V) -> Block {
    let rs = &v.r.analyses.response;
    Block::Table(Table {
        id: "tab-ttr".into(),
        caption: v.l("html.tab_ttr"),
        head: vec![
            v.l("html.measure"),
            "n".into(),
            v.l("html.events"),
            v.l("html.median_ci"),
        ],
        rows: vec![
            km_median_row(v, v.l("html.time_to_response"), &rs.time_to_response),
            km_median_row(
                v,
                v.l("html.duration_of_response"),
                &rs.duration_of_response,
            ),
        ],
        notes: vec![v.l("html.note_months")],
    })
}

fn survival_title(v: &V, s: &Survival) -> String {
    let ep = v.label_or(&[format!("endpoint.{}", s.endpoint)], &s.endpoint);
    if s.grouping.is_empty() || s.grouping == "all" {
        format!("{ep}: {}", v.l("endpoint.all"))
    } else if v.r.analyses.display.contains_key(&s.grouping) {
        format!("{ep}: {}", v.t(&s.grouping))
    } else {
        format!(
            "{ep}: {} {}",
            v.l("html.by"),
            v.t(&s.grouping.replace('_', " "))
        )
    }
}

fn survival_table(v: &V, s: &Survival, title: &str) -> Table {
    let times: Vec<f64> = s
        .groups
        .first()
        .map(|g| g.landmarks.iter().map(|l| l.time).collect())
        .unwrap_or_default();
    let mut head = vec![
        v.l("html.group"),
        "n".into(),
        v.l("html.events"),
        v.l("html.median_ci"),
    ];
    for t in &times {
        head.push(v.l("html.landmark").replace("{t}", &figures::tick(*t)));
    }
    let by_level = s.cox.as_ref().filter(|c| !c.levels.is_empty());
    if by_level.is_some() {
        head.extend([v.l("html.hr_ci"), "P".into()]);
    }
    let rows = s
        .groups
        .iter()
        .map(|g| {
            let mut cells = vec![
                km::group_label(v.c, &v.t(&g.label)),
                g.n.to_string(),
                g.events.to_string(),
                v.median_ci(g.median, g.median_ci),
            ];
            for t in &times {
                let lm = g.landmarks.iter().find(|l| (l.time - t).abs() < 1e-9);
                cells.push(match lm.and_then(|l| l.surv.map(|s| (s, l))) {
                    Some((sv, l)) if l.lower.is_none() && l.upper.is_none() => pct(sv),
                    Some((sv, l)) => {
                        let p = |x: Option<f64>| x.map(|v| v * 100.0);
                        format!("{} ({})", pct(sv), ci(p(l.lower), p(l.upper), 0, "NA"))
                    }
                    None => "NA".into(),
                });
            }
            if let Some(c) = by_level {
                cells.extend(level_hr_cells(v, c, &g.label));
            }
            row(cells)
        })
        .collect();
    let mut notes = survival_notes(v, s);
    notes.push(v.l("html.note_km"));
    Table {
        id: format!("tab-{}", s.id),
        caption: title.to_string(),
        head,
        rows,
        notes,
    }
}

/// The HR (95% CI) and Wald P of one level against the reference level (`1 (reference)`
/// on the reference row; empty for a level without patients).
fn level_hr_cells(v: &V, c: &crate::results::CoxResult, label: &str) -> [String; 2] {
    if label == c.reference {
        return [v.l("html.reference_level"), String::new()];
    }
    match c.levels.iter().find(|l| l.level == label) {
        Some(l) => [
            match l.hr {
                Some(hr) => format!(
                    "{} ({})",
                    fixed(Some(hr), 2, "NA"),
                    ci(l.ci[0], l.ci[1], 2, "NA")
                ),
                None => v.l("html.not_estimable"),
            },
            l.p_wald.map(|p| v.c.p(p)).unwrap_or_default(),
        ],
        None => [String::new(), String::new()],
    }
}

/// The notes under a survival table: log-rank, Cox (the single HR of a two-level grouping,
/// or the global likelihood-ratio test of a grouping with levels), patients in no group.
fn survival_notes(v: &V, s: &Survival) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(lr) = &s.logrank {
        notes.push(format!(
            "{}: χ² = {}, df = {}, {}",
            v.l("html.logrank_test"),
            fixed(Some(lr.chisq), 2, "NA"),
            lr.df,
            v.c.p(lr.p)
        ));
    }
    if let Some(c) = s.cox.as_ref().filter(|c| !c.levels.is_empty()) {
        let mut t = format!(
            "{} ({} {})",
            v.l("html.cox_hr"),
            v.l("html.reference"),
            c.reference
        );
        if let Some(p) = c.p_lrt {
            t.push_str(&format!("; {} {}", v.l("html.lrt_global"), v.c.p(p)));
        }
        notes.push(t);
    } else if let Some(c) = &s.cox {
        let mut t = match c.hr {
            Some(hr) => format!(
                "{} ({} {}): {} ",
                v.l("html.cox_hr"),
                v.l("html.reference"),
                v.t(&c.reference),
                ratio_ci(hr, c.ci[0], c.ci[1], "NA")
            ),
            None => format!("{}: {} ", v.l("html.cox_hr"), v.l("html.not_estimable")),
        };
        if let Some(p) = c.p_wald {
            t.push_str(&format!("{} {}", v.l("html.wald"), v.c.p(p)));
        }
        if let Some(p) = c.p_lrt {
            t.push_str(&format!("; {} {}", v.l("html.lrt"), v.c.p(p)));
        }
        if let Some(n) = &c.note {
            t.push_str(&format!(" ({})", v.c.analysis_note(n)));
        }
        notes.push(t.trim().to_string());
    }
    if s.not_grouped > 0 {
        notes.push(
            v.l("html.not_grouped")
                .replace("{n}", &s.not_grouped.to_string()),
        );
    }
    notes
}

fn survival(v: &mut V) -> Result<Vec<Block>, HtmlError> {
    let a = &v.r.analyses;
    let mut out = Vec::new();
    if a.survival.is_empty() {
        out.push(fit::gap(v, "layout.no_survival"));
    }
    for s in &a.survival {
        let title = survival_title(v, s);
        out.push(Block::H3 {
            text: title.clone(),
        });
        out.extend(extra::immortal_note(v, "survival", &s.id));
        if s.not_estimable.is_some() {
            out.push(fit::survival_gap(v, s));
            continue;
        }
        let shown = relabel(v, s);
        let svg = km::km_svg(&shown, v.c)?;
        let fig_caption = format!("{}{title}", v.l("html.figure_prefix"));
        out.push(v.figure(&s.id, fig_caption, svg));
        let tab_caption = format!("{}{title}", v.l("html.table_prefix"));
        out.push(Block::Table(survival_table(v, s, &tab_caption)));
    }
    out.extend(followup_blocks(v));
    out.extend(deaths_blocks(v));
    out.extend(forest_blocks(v)?);
    Ok(out)
}

/// `s` with its group labels in the report's language (`Analyses.display`), for the figure.
fn relabel(v: &V, s: &Survival) -> Survival {
    let mut out = s.clone();
    for g in &mut out.groups {
        g.label = v.t(&g.label);
    }
    out
}

/// Follow-up (all patients, survivors, reverse Kaplan-Meier); nothing without patients.
fn followup_blocks(v: &V) -> Vec<Block> {
    let f = &v.r.analyses.followup;
    if f.all.n == 0 {
        return vec![];
    }
    let mr = |m: &crate::results::MedianRange| {
        estimate_ci(
            m.median,
            m.min,
            m.max,
            v.cfg.report.significant_digits,
            "NA",
        )
    };
    vec![
        Block::H3 {
            text: v.l("html.followup_heading"),
        },
        Block::Table(Table {
            id: "tab-followup".into(),
            caption: v.l("html.tab_followup"),
            head: vec![v.l("html.measure"), "n".into(), v.l("html.value")],
            rows: vec![
                row(vec![
                    v.l("html.followup_all"),
                    f.all.n.to_string(),
                    mr(&f.all),
                ]),
                row(vec![
                    v.l("html.followup_survivors"),
                    f.survivors.n.to_string(),
                    mr(&f.survivors),
                ]),
                row(vec![
                    v.l("html.followup_reverse_km"),
                    f.reverse_km.n.to_string(),
                    v.median_ci(f.reverse_km.median, f.reverse_km.ci),
                ]),
            ],
            notes: vec![v.l("html.note_followup")],
        }),
    ]
}

/// Deaths and their causes; nothing when no patient could die.
fn deaths_blocks(v: &V) -> Vec<Block> {
    let d = &v.r.analyses.deaths;
    if d.of == 0 {
        return vec![];
    }
    let mut rows = vec![row(vec![
        v.l("html.deaths"),
        format!("{}/{} ({})", d.n, d.of, pct(d.fraction)),
    ])];
    for c in &d.causes {
        rows.push(sub(vec![v.c.level(c), n_pct(c.count, c.fraction)]));
    }
    vec![
        Block::H3 {
            text: v.l("html.deaths_heading"),
        },
        Block::Table(Table {
            id: "tab-deaths".into(),
            caption: v.l("html.tab_deaths"),
            head: vec![v.l("html.item"), v.l("html.value")],
            rows,
            notes: vec![v.l("html.note_causes")],
        }),
    ]
}

/// The forest plot and its table; nothing without forest rows.
fn forest_blocks(v: &mut V) -> Result<Vec<Block>, HtmlError> {
    let forest = &v.r.analyses.forest;
    if forest.is_empty() {
        if v.cfg.analysis.forest.is_empty() || v.r.analyses.survival.is_empty() {
            return Ok(vec![]);
        }
        return Ok(vec![
            Block::H3 {
                text: v.l("html.forest_heading"),
            },
            fit::gap(
                v,
                if v.r.analyses.data.progression {
                    "layout.no_forest"
                } else {
                    "layout.no_forest_progression"
                },
            ),
        ]);
    }
    let forest: Vec<crate::results::ForestRow> = forest
        .iter()
        .map(|f| crate::results::ForestRow {
            label: v.t(&f.label),
            comparison: v.t(&f.comparison),
            ..f.clone()
        })
        .collect();
    let forest = &forest;
    let mut out = vec![Block::H3 {
        text: v.l("html.forest_heading"),
    }];
    for f in forest {
        out.extend(extra::immortal_note(v, "forest", &f.id));
    }
    let svg = figures::forest::forest_svg(forest, v.c)?;
    out.push(v.figure("forest", v.l("html.fig_forest"), svg));
    out.push(Block::Table(Table {
        id: "tab-forest".into(),
        caption: v.l("html.tab_forest"),
        head: vec![
            v.l("html.subgroup"),
            v.l("html.comparison"),
            "n".into(),
            v.l("html.events"),
            format!("{} ({})", v.l("endpoint.hr"), v.l("html.ci95")),
            "P".into(),
        ],
        rows: forest.iter().map(|f| forest_row(v, f)).collect(),
        notes: vec![],
    }));
    Ok(out)
}

/// One forest table row: subgroup, comparison, n, events, `HR (CI)` and P.
fn forest_row(v: &V, f: &crate::results::ForestRow) -> Row {
    row(vec![
        v.level(&f.label),
        v.c.comparison(&f.comparison),
        f.n.to_string(),
        f.events.to_string(),
        match f.hr {
            Some(hr) => ratio_ci(hr, f.ci[0], f.ci[1], "NA"),
            None => v.l("html.not_estimable"),
        },
        v.pv(f.p),
    ])
}

fn adverse_events(v: &mut V) -> Vec<Block> {
    let a = &v.r.analyses;
    let mut out = Vec::new();
    if a.adverse_events.is_empty() {
        out.push(fit::gap(v, "layout.no_adverse_events"));
    }
    for cat in ["hematologic", "non_hematologic"] {
        // One row per term (merged in the analysis), in the analysis' order.
        let rows: Vec<&crate::results::AeRow> = a
            .adverse_events
            .iter()
            .filter(|r| r.category == cat)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let mut head = vec![
            v.l("html.ae_term"),
            v.l("html.source"),
            v.l("html.any_grade"),
        ];
        for g in 1..=5 {
            head.push(v.l("html.grade_n").replace("{g}", &g.to_string()));
        }
        head.push(v.l("html.grade3plus"));
        out.push(Block::Table(Table {
            id: format!("tab-ae-{cat}"),
            caption: v.l(&format!(
                "html.tab_ae_{cat}{}",
                crate::context::ctcae_suffix(v.r)
            )),
            head,
            rows: rows.iter().map(|r| ae_row(v, r)).collect(),
            notes: ae_notes(v, &rows),
        }));
    }
    let hb = &a.hb_drop;
    if hb.of > 0 {
        out.push(Block::Para {
            text: v
                .l("html.hb_drop")
                .replace("{threshold}", &figures::tick(hb.threshold))
                .replace("{n}", &hb.n.to_string())
                .replace("{of}", &hb.of.to_string())
                .replace("{pct}", &pct(hb.n as f64 / hb.of as f64)),
        });
    }
    out
}

/// Per-patient figures are drawn up to `report.per_patient_figures_max` patients, so that the
/// HTML does not grow with the cohort; above it the data are in the Excel report.
fn too_many(v: &V, n: usize) -> Option<Block> {
    let max = v.cfg.report.per_patient_figures_max;
    (n > max).then(|| Block::Note {
        text: v
            .l("html.figure_capped")
            .replace("{n}", &n.to_string())
            .replace("{max}", &max.to_string()),
    })
}

fn swimmer(v: &mut V) -> Result<Vec<Block>, HtmlError> {
    let rows = &v.r.analyses.swimmer;
    if rows.is_empty() {
        return Ok(vec![fit::gap(v, "layout.no_swimmer")]);
    }
    if let Some(note) = too_many(v, rows.len()) {
        return Ok(vec![note]);
    }
    let svg = figures::swimmer::swimmer_svg(rows, v.c)?;
    Ok(vec![v.figure("swimmer", v.l("html.fig_swimmer"), svg)])
}

fn waterfall(v: &mut V) -> Result<Vec<Block>, HtmlError> {
    let rows = &v.r.analyses.waterfall;
    if rows.is_empty() {
        return Ok(vec![fit::gap(v, "layout.no_m_protein")]);
    }
    if let Some(note) = too_many(v, rows.len()) {
        return Ok(vec![note]);
    }
    let svg = figures::waterfall::waterfall_svg(rows, v.c)?;
    Ok(vec![v.figure("waterfall", v.l("html.fig_waterfall"), svg)])
}

/// What changed since the previous report of this workbook (`Results.changes`).
fn changes(v: &mut V) -> Vec<Block> {
    let Some(c) = &v.r.changes else {
        return vec![Block::Note {
            text: v.l("html.changes_none"),
        }];
    };
    if let Some(reason) = &c.not_compared {
        return vec![Block::Note {
            text: v.l("html.changes_not_compared").replace("{reason}", reason),
        }];
    }
    if c.previous.is_none() {
        return vec![Block::Para {
            text: v
                .l("html.changes_first")
                .replace("{n}", &c.patients.after.to_string()),
        }];
    }
    let mut rows = vec![
        row(vec![
            v.l("html.changes_patients"),
            format!("{} → {}", c.patients.before, c.patients.after),
        ]),
        row(vec![
            v.l("html.changes_added"),
            count_and_ids(&c.patients.added),
        ]),
        row(vec![
            v.l("html.changes_removed"),
            count_and_ids(&c.patients.removed),
        ]),
    ];
    for e in &c.new_events {
        rows.push(row(vec![
            format!("{} {}", v.l("html.changes_new_event"), e.endpoint),
            format!(
                "{} ({})",
                e.patient_id,
                e.event_date.clone().unwrap_or_default()
            ),
        ]));
    }
    let (b, a) = (&c.findings.before, &c.findings.after);
    rows.push(row(vec![
        v.l("html.changes_findings"),
        format!(
            "{}/{}/{} → {}/{}/{}",
            b.error, b.warning, b.info, a.error, a.warning, a.info
        ),
    ]));
    for m in &c.measures {
        rows.push(row(vec![
            m.name.clone(),
            format!("{} → {}", fixed(m.before, 3, "NA"), fixed(m.after, 3, "NA")),
        ]));
    }
    vec![Block::Table(Table {
        id: "tab-changes".into(),
        caption: v.l("section.changes"),
        head: vec![v.l("html.item"), v.l("html.value")],
        rows,
        notes: vec![],
    })]
}

/// `0`, or the count and the patients (`2: P033, P034`): never an empty cell.
fn count_and_ids(ids: &[String]) -> String {
    match ids.len() {
        0 => "0".to_string(),
        n => format!("{n}: {}", ids.join(", ")),
    }
}

fn methods(v: &mut V) -> Vec<Block> {
    let m = &v.r.analyses.methods;
    let text = if v.c.labels.lang == "zh" && !m.zh.is_empty() {
        &m.zh
    } else {
        &m.en
    };
    if text.trim().is_empty() {
        return vec![v.no_data()];
    }
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| Block::Para {
            text: p.trim().to_string(),
        })
        .collect()
}

/// One AE table row: term, source(s), any grade n (%), n per grade, grade >= 3 n (%).
fn ae_row(v: &V, r: &crate::results::AeRow) -> Row {
    let sources = if r.sources.is_empty() {
        "—".to_string()
    } else {
        r.sources
            .iter()
            .map(|s| v.l(&format!("html.source_{s}")))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let mut cells = vec![v.level(&r.term), sources, n_of(r.any, r.n)];
    for g in 1..=5 {
        cells.push(
            r.grade
                .get(&g.to_string())
                .copied()
                .unwrap_or(0)
                .to_string(),
        );
    }
    cells.push(n_of(r.grade3plus, r.n));
    row(cells)
}

/// Whether a row's term was graded from the labs (whether or not an event was counted).
fn lab_graded(r: &crate::results::AeRow) -> bool {
    r.by_source.contains_key("labs")
}

/// The notes under an AE table: the treatment-emergent rule and the denominator; under CTCAE
/// v6 a lab-graded "Lymphocyte count decreased" says that its grades are v5.0's (no v6.0
/// source could be verified: docs/clinical-rules.md).
fn ae_notes(v: &V, rows: &[&crate::results::AeRow]) -> Vec<String> {
    let n = rows.first().map_or(0, |r| r.n);
    let mut notes = vec![v.l("html.note_ae_te").replace("{n}", &n.to_string())];
    let v6 = crate::context::ctcae_suffix(v.r) == "_ctcae6";
    if v6
        && rows
            .iter()
            .any(|r| r.term == "Lymphocyte count decreased" && lab_graded(r))
    {
        notes.push(v.l("html.note_ae_lymphocytes_v6"));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::count_and_ids;

    /// The changes table never shows an empty cell for "patients added / removed".
    #[test]
    fn added_and_removed_patients_are_counted() {
        assert_eq!(count_and_ids(&[]), "0");
        let ids = ["P033".to_string(), "P034".to_string()];
        assert_eq!(count_and_ids(&ids), "2: P033, P034");
    }
}
