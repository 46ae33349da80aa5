//! One function per layout section: each turns its part of [`Results`] into titled tables on
//! the current sheet. Words come from the label catalogs, numbers from `Results`.

use super::layout::{Kind, Section};
use super::writer::{col, Cell, Field, SheetWriter, TableData};
use super::XlsxRenderError;
use crate::config::Config;
use crate::context::Ctx as RenderCtx;
use crate::format;
use crate::model::Severity;
use crate::results::{KmMedian, Level, MrdSection, Rate, ResponseCounts, Results};
use std::collections::BTreeMap;

/// Everything a section reads: `Results`, the configuration and the shared render context.
pub struct Ctx<'a> {
    pub r: &'a Results,
    pub cfg: &'a Config,
    pub rc: RenderCtx<'a>,
}

impl Ctx<'_> {
    /// A label as an owned string.
    pub fn t(&self, key: &str) -> String {
        self.rc.l(key)
    }

    /// The catalog's text for a category value (`male`, `IgG`, `PR`), or the value itself.
    pub fn value_label(&self, v: &str) -> String {
        self.rc.value_label(v)
    }

    /// A configured name the analyses carry (a group label, a comparison, a grouping's
    /// description: `Analyses.display`) in the report's language, as the HTML report words
    /// it; else a catalog value (`category`, `ctcae`, `grouping_text`, `status`); else the
    /// text as written, typeset (`>=` as `≥`). `All` is the catalog's "All patients".
    pub fn shown(&self, text: &str) -> String {
        if let Some(b) = self.r.analyses.display.get(text) {
            return b.get(&self.rc.labels.lang).to_string();
        }
        if text.eq_ignore_ascii_case("all") {
            return self.t("endpoint.all");
        }
        let l = self.value_label(text);
        if l != text {
            return l;
        }
        self.rc.label_or(
            &[format!("status.{text}")],
            &mmreport_core::display::typographic(text),
        )
    }

    /// A grouping's or covariate's label by id (`Analyses.grouping_labels`), else the
    /// catalog's name of the column (`variable.<id>`), else the id as words.
    pub fn grouping(&self, id: &str) -> String {
        match self.r.analyses.grouping_labels.get(id) {
            Some(b) => b.get(&self.rc.labels.lang).to_string(),
            None => self
                .rc
                .label_or(&[format!("variable.{id}")], &id.replace('_', " ")),
        }
    }

    /// The description of a survival analysis's grouping (`prior_lines >= 3`, `regimen`,
    /// `all`) as the HTML headings word it.
    pub fn grouping_text(&self, g: &str) -> String {
        if g.is_empty() || g == "all" {
            self.t("endpoint.all")
        } else if self.r.analyses.display.contains_key(g) {
            self.shown(g)
        } else {
            format!("{} {}", self.t("html.by"), self.shown(&g.replace('_', " ")))
        }
    }

    /// An endpoint's name (`endpoint.<code>`), else the code.
    pub fn endpoint(&self, code: &str) -> String {
        self.rc.label_or(&[format!("endpoint.{code}")], code)
    }

    /// A note the analyses wrote in English (a Cox model's, a term's), in the report's
    /// language: [`crate::context::Ctx::analysis_note`].
    pub fn note(&self, text: &str) -> String {
        self.rc.analysis_note(text)
    }

    /// A p-value in the configured journal style (text cell).
    pub fn p(&self, p: Option<f64>) -> Cell {
        match p {
            Some(p) => Cell::text(self.rc.p_value(p)),
            None => Cell::Blank,
        }
    }

    pub fn nr(&self) -> String {
        self.t("xlsx_text.nr")
    }

    pub fn yes_no(&self, b: Option<bool>) -> Cell {
        match b {
            Some(true) => Cell::text(self.t("variable.yes")),
            Some(false) => Cell::text(self.t("variable.no")),
            None => Cell::Blank,
        }
    }

    fn empty(&self) -> Option<String> {
        Some(self.t("xlsx_text.no_data"))
    }

    fn severity(&self, s: &Severity) -> String {
        self.t(&format!("xlsx_text.sev_{}", s.as_str()))
    }
}

/// The columns of a table from `(label key, kind)` pairs: a table's header is data.
pub(super) fn cols(c: &Ctx, spec: &[(&str, Kind)]) -> Vec<super::writer::Column> {
    spec.iter()
        .map(|(key, kind)| col(c.t(key), *kind))
        .collect()
}

/// Renders `section` at the writer's cursor.
pub fn render(sec: Section, w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    match sec {
        Section::Overview => overview(w, c),
        Section::Flow => flow(w, c),
        Section::Validation => validation(w, c),
        Section::Findings => findings(w, c),
        Section::Baseline => baseline(w, c),
        Section::Exposure => exposure(w, c),
        Section::Response => response(w, c),
        Section::Survival => super::survival::survival(w, c),
        Section::FollowupDeaths => followup_deaths(w, c),
        Section::Forest => forest(w, c),
        Section::CoxModels => super::extra::cox_models(w, c),
        Section::CompetingRisks => super::extra::competing_risks(w, c),
        Section::Rmst => super::extra::rmst(w, c),
        Section::Landmark => super::extra::landmark(w, c),
        Section::AdverseEvents => adverse_events(w, c),
        Section::Swimmer => swimmer(w, c),
        Section::Waterfall => waterfall(w, c),
        Section::Methods => methods(w, c),
        Section::Adsl => adsl(w, c),
        Section::Adtte => adtte(w, c),
        Section::Adrs => adrs(w, c),
        Section::Adae => adae(w, c),
    }
}

fn kv_table(c: &Ctx, rows: Vec<(String, Cell)>, value_kind: Kind) -> TableData {
    TableData {
        columns: vec![
            col(c.t("xlsx_col.item"), Kind::Label),
            col(c.t("xlsx_col.value"), value_kind),
        ],
        rows: rows
            .into_iter()
            .map(|(k, v)| vec![Cell::text(k), v])
            .collect(),
        ..Default::default()
    }
}

fn overview(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    let r = c.r;
    let title = if r.analyses.study_title.is_empty() {
        c.t("xlsx_text.report_title")
    } else {
        r.analyses.study_title.clone()
    };
    w.title(&title)?;
    let s = |x: &str| Cell::text(x);
    let rows = vec![
        (c.t("xlsx_col.input_file"), s(&r.input.file)),
        (c.t("xlsx_col.input_sha256"), s(&r.input.sha256)),
        (
            c.t("xlsx_col.data_cutoff"),
            Cell::Date(r.data_cutoff.clone()),
        ),
        (c.t("xlsx_col.run_date"), Cell::Date(r.run_date.clone())),
        (
            c.t("xlsx_col.program"),
            s(&format!("{} {}", r.generator.name, r.generator.version)),
        ),
        (c.t("xlsx_col.config_sha256"), s(&r.config_sha256)),
        (
            c.t("xlsx_col.language"),
            s(&c.rc
                .label_or(&[format!("xlsx_label.lang_{}", r.language)], &r.language)),
        ),
        (
            c.t("xlsx_col.time_unit"),
            s(&c.rc
                .label_or(&[format!("xlsx_label.unit_{}", r.time_unit)], &r.time_unit)),
        ),
        (
            c.t("xlsx_col.schema_version"),
            s(&r.schema_version.to_string()),
        ),
        (
            c.t("xlsx_col.patients_read"),
            s(&r.cohort.patients_read.to_string()),
        ),
        (
            c.t("xlsx_col.patients_analysed"),
            s(&r.cohort.patients_analysed.to_string()),
        ),
        (
            c.t("xlsx_col.patients_excluded"),
            s(&r.cohort.excluded.len().to_string()),
        ),
        (
            c.t("xlsx_text.severity_error"),
            s(&r.finding_counts.error.to_string()),
        ),
        (
            c.t("xlsx_text.severity_warning"),
            s(&r.finding_counts.warning.to_string()),
        ),
        (
            c.t("xlsx_text.severity_info"),
            s(&r.finding_counts.info.to_string()),
        ),
    ];
    let mut t = kv_table(c, rows, Kind::Hash);
    t.caption = Some(c.t("xlsx_caption.provenance"));
    w.table(&t)?;
    Ok(())
}

fn flow(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    let f = &c.r.analyses.flow;
    w.title(&c.t("xlsx_title.flow"))?;
    let mut rows = vec![vec![
        Cell::text(c.t("xlsx_text.flow_read")),
        Cell::count(f.read),
    ]];
    rows.push(vec![
        Cell::text(c.t("xlsx_text.flow_excluded")),
        Cell::count(f.excluded_patients),
    ]);
    for e in &f.excluded {
        rows.push(vec![
            Cell::text(format!("    {}", c.rc.basis(&e.level))),
            Cell::count(e.count),
        ]);
    }
    rows.push(vec![
        Cell::text(c.t("xlsx_text.flow_analysed")),
        Cell::count(f.analysed),
    ]);
    for s in &f.completed {
        rows.push(vec![
            Cell::text(
                c.t("xlsx_text.flow_completed")
                    .replace("{n}", &s.cycles.to_string()),
            ),
            Cell::count(s.n),
        ]);
    }
    w.table(&TableData {
        caption: Some(c.t("xlsx_caption.flow")),
        columns: cols(
            c,
            &[("xlsx_col.step", Kind::Label), ("xlsx_col.n", Kind::Count)],
        ),
        rows,
        ..Default::default()
    })?;
    let ex: Vec<Vec<Cell>> =
        c.r.cohort
            .excluded
            .iter()
            .map(|e| {
                let reasons: Vec<String> = e.reasons.iter().map(|x| c.rc.basis(x)).collect();
                vec![
                    Cell::text(&e.patient_id),
                    Cell::text(reasons.join(&c.rc.basis("; "))),
                ]
            })
            .collect();
    w.table(&TableData {
        caption: Some(c.t("xlsx_caption.excluded")),
        columns: cols(
            c,
            &[
                ("xlsx_col.patient", Kind::Id),
                ("xlsx_col.reasons", Kind::LongText),
            ],
        ),
        rows: ex,
        empty_note: c.empty(),
        ..Default::default()
    })?;
    Ok(())
}

/// A JSON value as cell text (strings bare, arrays joined with `; `).
fn json_text(v: Option<&serde_json::Value>) -> Cell {
    match v {
        None | Some(serde_json::Value::Null) => Cell::Blank,
        Some(serde_json::Value::String(s)) => Cell::text(s),
        Some(serde_json::Value::Array(a)) => Cell::text(
            a.iter()
                .map(|x| match x {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Some(other) => Cell::text(other.to_string()),
    }
}

/// A rule set's English or translated basis as printed (`>=` as `≥`), as the HTML shows it.
fn typeset(text: &str) -> String {
    mmreport_core::display::typographic(text)
}

/// A rule set's code (response, disease state) as its catalog label; blank when absent.
fn code_cell(c: &Ctx, v: Option<&str>) -> Cell {
    v.map(|s| Cell::text(c.value_label(s)))
        .unwrap_or(Cell::Blank)
}

fn validation(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("xlsx_title.validation"))?;
    w.table(&findings_by_rule(c))?;
    if let Some(t) = rules_summary(c) {
        w.table(&t)?;
    }
    w.table(&imwg_table(c))?;
    w.table(&disagreements_table(c))?;
    Ok(())
}

/// Findings by rule (errors, warnings, infos) with a total row.
fn findings_by_rule(c: &Ctx) -> TableData {
    let mut by_rule: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for f in &c.r.findings {
        let e = by_rule.entry(f.rule.as_str()).or_default();
        match f.severity {
            Severity::Error => e[0] += 1,
            Severity::Warning => e[1] += 1,
            Severity::Info => e[2] += 1,
        }
    }
    let fc = &c.r.finding_counts;
    let mut rows: Vec<Vec<Cell>> = by_rule
        .iter()
        .map(|(rule, n)| {
            vec![
                Cell::text(*rule),
                Cell::count(n[0]),
                Cell::count(n[1]),
                Cell::count(n[2]),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::text(c.t("xlsx_text.total")),
        Cell::count(fc.error),
        Cell::count(fc.warning),
        Cell::count(fc.info),
    ]);
    TableData {
        caption: Some(c.t("xlsx_caption.findings_by_rule")),
        columns: cols(
            c,
            &[
                ("xlsx_col.rule", Kind::Label),
                ("xlsx_text.severity_error", Kind::Count),
                ("xlsx_text.severity_warning", Kind::Count),
                ("xlsx_text.severity_info", Kind::Count),
            ],
        ),
        rows,
        ..Default::default()
    }
}

/// The rule set's summary as item / value rows (numbers as numbers); `None` when the summary
/// is not a JSON object.
fn rules_summary(c: &Ctx) -> Option<TableData> {
    let serde_json::Value::Object(m) = &c.r.validation.summary else {
        return None;
    };
    let rows: Vec<(String, Cell)> = m
        .iter()
        .map(|(k, v)| {
            // The words of the HTML summary table when this layout has none (issue 14).
            let label = c.rc.label_or(
                &[
                    format!("xlsx_summary.{k}"),
                    format!("summary.{k}"),
                    format!("summary_lang.{k}"),
                ],
                k,
            );
            let cell = match v {
                serde_json::Value::Number(n) => n.as_f64().map(Cell::num).unwrap_or(Cell::Blank),
                serde_json::Value::String(x) => Cell::text(c.value_label(x)),
                other => json_text(Some(other)),
            };
            (label, cell)
        })
        .collect();
    let mut t = kv_table(c, rows, Kind::Text);
    t.caption = Some(c.t("xlsx_caption.rules_summary"));
    Some(t)
}

/// The IMWG classification per patient: recorded and derived state, agreement, basis.
fn imwg_table(c: &Ctx) -> TableData {
    let rows: Vec<Vec<Cell>> =
        c.r.imwg
            .iter()
            .map(|v| {
                vec![
                    Cell::text(&v.patient_id),
                    code_cell(c, v.recorded.as_deref()),
                    code_cell(c, v.derived.as_deref()),
                    c.yes_no(v.agrees),
                    Cell::text(c.rc.label_or(&[format!("finding_rule.{}", v.rule)], &v.rule)),
                    Cell::text(&v.rule),
                    Cell::text(typeset(&c.rc.basis(&v.basis))),
                    Cell::text(typeset(&c.rc.basis(&v.relapse_evidence.join("; ")))),
                ]
            })
            .collect();
    TableData {
        caption: Some(c.t("xlsx_caption.imwg")),
        columns: cols(
            c,
            &[
                ("xlsx_col.patient", Kind::Id),
                ("xlsx_col.recorded", Kind::Text),
                ("xlsx_col.derived", Kind::Text),
                ("xlsx_col.agrees", Kind::Flag),
                ("xlsx_label.rule_text", Kind::LongText),
                ("xlsx_label.rule_code", Kind::Code),
                ("xlsx_col.basis", Kind::LongText),
                ("xlsx_col.relapse_evidence", Kind::LongText),
            ],
        ),
        rows,
        // Filters on the per-patient listing.
        native: true,
        empty_note: c.empty(),
    }
}

/// Recorded responses that disagree with the derived ones.
fn disagreements_table(c: &Ctx) -> TableData {
    let rows: Vec<Vec<Cell>> =
        c.r.validation
            .derived_responses
            .iter()
            .filter(|v| v.agrees == Some(false))
            .map(|v| {
                vec![
                    Cell::text(&v.patient_id),
                    Cell::opt(v.after_cycle.map(f64::from)),
                    Cell::opt_date(v.date.as_deref()),
                    code_cell(c, v.recorded.as_deref()),
                    code_cell(c, v.derived.as_deref()),
                    c.yes_no(Some(v.confirmed)),
                    Cell::text(&v.rule),
                    Cell::text(typeset(&c.rc.basis(&v.basis))),
                ]
            })
            .collect();
    TableData {
        caption: Some(c.t("xlsx_caption.response_disagreements")),
        columns: cols(
            c,
            &[
                ("xlsx_col.patient", Kind::Id),
                ("xlsx_col.after_cycle", Kind::Count),
                ("xlsx_col.date", Kind::Date),
                ("xlsx_col.recorded", Kind::Text),
                ("xlsx_col.derived", Kind::Text),
                ("xlsx_col.confirmed", Kind::Flag),
                ("xlsx_label.rule_code", Kind::Code),
                ("xlsx_col.basis", Kind::LongText),
            ],
        ),
        rows,
        native: true,
        empty_note: c.empty(),
    }
}

fn findings(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&format!(
        "{} ({})",
        c.t("xlsx_title.findings"),
        c.r.findings.len()
    ))?;
    let sev = [Severity::Error, Severity::Warning, Severity::Info].map(|s| c.severity(&s));
    let severity = |s: &Severity| match s {
        Severity::Error => sev[0].as_str(),
        Severity::Warning => sev[1].as_str(),
        Severity::Info => sev[2].as_str(),
    };
    // Messages in the report's language, columns as the workbook's headers wrote them.
    let messages: Vec<String> =
        c.r.findings
            .iter()
            .map(|f| c.rc.finding_message(f))
            .collect();
    // The column as the workbook's header wrote it; one without a header in words.
    let columns_of: Vec<String> =
        c.r.findings
            .iter()
            .map(|f| c.rc.finding_column(f))
            .collect();
    let rows =
        c.r.findings
            .iter()
            .zip(&messages)
            .zip(&columns_of)
            .map(|((f, message), column)| {
                [
                    Field::Text(severity(&f.severity)),
                    Field::Text(&f.rule),
                    Field::opt_text(f.sheet.as_deref()),
                    Field::opt(f.row.map(f64::from)),
                    Field::opt_text(Some(column.as_str()).filter(|x| !x.is_empty())),
                    Field::opt_text(f.cell.as_deref()),
                    Field::opt_text(f.patient_id.as_deref()),
                    Field::opt_text(f.value.as_deref()),
                    Field::Text(message),
                ]
            });
    let columns = [
        col(c.t("xlsx_col.severity"), Kind::Code),
        col(c.t("xlsx_col.rule"), Kind::Text),
        col(c.t("xlsx_col.sheet"), Kind::Text),
        col(c.t("xlsx_col.row"), Kind::Count),
        col(c.t("xlsx_col.column"), Kind::Text),
        col(c.t("xlsx_col.cell"), Kind::Code),
        col(c.t("xlsx_col.patient"), Kind::Id),
        col(c.t("xlsx_col.value"), Kind::Text),
        col(c.t("xlsx_col.message"), Kind::LongText),
    ];
    w.listing(None, &columns, rows, true, c.empty().as_deref())?;
    Ok(())
}

fn baseline(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("xlsx_title.baseline"))?;
    let mut rows = Vec::new();
    let mut section = "";
    for b in &c.r.analyses.baseline {
        if b.section != section {
            section = b.section.as_str();
            let key = format!("xlsx_baseline.{section}");
            let label = if c.rc.has(&key) {
                c.t(&key)
            } else {
                section.to_string()
            };
            rows.push(vec![Cell::text(label)]);
        }
        let label =
            c.rc.variable_label(&b.variable, &b.label, b.unit.as_deref());
        let summary = c.t(&format!("variable.{}", b.summary));
        rows.push(vec![
            Cell::text(format!("  {label}")),
            Cell::text(summary),
            Cell::count(b.n),
            Cell::count(b.missing),
            Cell::Blank,
            Cell::Blank,
            Cell::opt(b.mean),
            Cell::opt(b.sd),
            Cell::opt(b.median),
            Cell::opt(b.q1),
            Cell::opt(b.q3),
            Cell::opt(b.min),
            Cell::opt(b.max),
            c.p(b.shapiro_p),
        ]);
        for lv in &b.levels {
            rows.push(vec![
                Cell::text(format!("    {}", c.rc.level(lv))),
                Cell::Blank,
                Cell::Blank,
                Cell::Blank,
                Cell::count(lv.count),
                Cell::num(lv.fraction),
            ]);
        }
    }
    w.table(&TableData {
        columns: cols(
            c,
            &[
                ("xlsx_col.characteristic", Kind::Label),
                ("xlsx_col.statistic", Kind::Text),
                ("xlsx_col.n", Kind::Count),
                ("xlsx_col.missing", Kind::Count),
                ("xlsx_col.count", Kind::Count),
                ("xlsx_col.percent", Kind::Percent),
                ("xlsx_col.mean", Kind::Decimal2),
                ("xlsx_col.sd", Kind::Decimal2),
                ("xlsx_col.median", Kind::Decimal2),
                ("xlsx_col.q1", Kind::Decimal2),
                ("xlsx_col.q3", Kind::Decimal2),
                ("xlsx_col.min", Kind::Decimal2),
                ("xlsx_col.max", Kind::Decimal2),
                ("xlsx_col.shapiro_p", Kind::PValue),
            ],
        ),
        rows,
        empty_note: c.empty(),
        ..Default::default()
    })?;
    w.note(&c.t("xlsx_note.baseline"))?;
    Ok(())
}

fn level_table(c: &Ctx, caption: &str, first: &str, levels: &[Level]) -> TableData {
    TableData {
        caption: Some(caption.to_string()),
        columns: vec![
            col(first, Kind::Label),
            col(c.t("xlsx_col.n"), Kind::Count),
            col(c.t("xlsx_col.percent"), Kind::Percent),
        ],
        rows: levels
            .iter()
            .map(|l| {
                vec![
                    Cell::text(c.rc.level(l)),
                    Cell::count(l.count),
                    Cell::num(l.fraction),
                ]
            })
            .collect(),
        empty_note: c.empty(),
        ..Default::default()
    }
}

fn exposure(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    let e = &c.r.analyses.exposure;
    w.title(&c.t("xlsx_title.exposure"))?;
    let rows = vec![
        (c.t("xlsx_col.n"), Cell::count(e.n)),
        (c.t("xlsx_text.cycles_median"), Cell::opt(e.cycles_median)),
        (
            c.t("xlsx_text.cycles_min"),
            Cell::opt(e.cycles_min.map(f64::from)),
        ),
        (
            c.t("xlsx_text.cycles_max"),
            Cell::opt(e.cycles_max.map(f64::from)),
        ),
        (c.t("xlsx_text.dose_median"), Cell::opt(e.dose_median)),
        (c.t("xlsx_text.dose_min"), Cell::opt(e.dose_min)),
        (c.t("xlsx_text.dose_max"), Cell::opt(e.dose_max)),
    ];
    let mut t = kv_table(c, rows, Kind::Decimal1);
    t.caption = Some(c.t("xlsx_caption.exposure"));
    w.table(&t)?;
    w.table(&level_table(
        c,
        &c.t("xlsx_caption.cycles_distribution"),
        &c.t("variable.cycles"),
        &e.cycles_distribution,
    ))?;
    w.table(&level_table(
        c,
        &c.t("xlsx_caption.regimens"),
        &c.t("variable.regimen"),
        &e.regimens,
    ))?;
    Ok(())
}

fn rate_cells(r: &Rate) -> Vec<Cell> {
    vec![
        Cell::count(r.k),
        Cell::opt(r.fraction),
        Cell::opt(r.ci[0]),
        Cell::opt(r.ci[1]),
    ]
}

fn rate_columns(c: &Ctx, which: &str) -> Vec<super::writer::Column> {
    let name = c.t(&format!("response.{which}"));
    vec![
        col(format!("{name} {}", c.t("xlsx_col.n")), Kind::Count),
        col(format!("{name} %"), Kind::Percent),
        col(format!("{name} {}", c.t("xlsx_col.ci_low")), Kind::Percent),
        col(format!("{name} {}", c.t("xlsx_col.ci_high")), Kind::Percent),
    ]
}

fn response(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("xlsx_title.response"))?;
    let points = response_points(c);
    w.table(&response_categories(c, &points))?;
    w.table(&orr_dcr(c, &points))?;
    w.table(&response_subgroups(c))?;
    w.table(&ttr_dor(c))?;
    if let Some(m) = &c.r.analyses.response.mrd {
        w.table(&mrd_table(c, m))?;
        let cfg = &c.cfg.rules.mrd;
        w.note(
            &c.t("mrd.note")
                .replace("{sens}", &format::sensitivity(cfg.min_sensitivity))
                .replace("{days}", &cfg.sustained_days.to_string()),
        )?;
    }
    Ok(())
}

/// The MRD table (IMWG 2016), only for a workbook with MRD results: the rates over all
/// response-evaluable patients, then each IMWG MRD category (deepest reached).
fn mrd_table(c: &Ctx, m: &MrdSection) -> TableData {
    let days = c.cfg.rules.mrd.sustained_days.to_string();
    let rate_row = |name: String, r: &Rate| {
        let mut row = vec![Cell::text(name), Cell::count(r.n)];
        row.extend(rate_cells(r));
        row
    };
    let n = m.negative.n;
    let mut rows = vec![
        vec![
            Cell::text(c.t("mrd.tested")),
            Cell::count(n),
            Cell::count(m.tested),
        ],
        rate_row(c.t("mrd.negative"), &m.negative),
        rate_row(c.t("mrd.negative_cr"), &m.negative_among_cr),
        rate_row(
            c.t("mrd.sustained_any").replace("{days}", &days),
            &m.sustained,
        ),
        vec![Cell::text(c.t("mrd.categories"))],
    ];
    for cat in &m.categories {
        rows.push(rate_row(
            format!("  {}", c.t(&format!("mrd.{}", cat.category))),
            &cat.rate,
        ));
    }
    rows.push(vec![
        Cell::text(format!("  {}", c.t("mrd.not_derivable"))),
        Cell::count(n),
        Cell::count(m.not_derivable),
    ]);
    TableData {
        caption: Some(c.t("xlsx_caption.mrd")),
        columns: cols(
            c,
            &[
                ("xlsx_col.measure", Kind::Label),
                ("xlsx_col.denominator", Kind::Count),
                ("xlsx_col.n", Kind::Count),
                ("xlsx_col.percent", Kind::Percent),
                ("xlsx_col.ci_low", Kind::Percent),
                ("xlsx_col.ci_high", Kind::Percent),
            ],
        ),
        rows,
        ..Default::default()
    }
}

/// The response time points: every checkpoint, then final and best response.
fn response_points<'a>(c: &Ctx<'a>) -> Vec<(String, &'a ResponseCounts)> {
    let rs = &c.r.analyses.response;
    let mut points: Vec<(String, &ResponseCounts)> = rs
        .checkpoints
        .iter()
        .map(|cp| {
            (
                c.t("xlsx_text.after_cycle")
                    .replace("{n}", &cp.after_cycle.to_string()),
                &cp.counts,
            )
        })
        .collect();
    points.push((c.t("xlsx_text.final_response"), &rs.final_));
    points.push((c.t("xlsx_text.best_response"), &rs.best));
    points
}

/// Categories by time point: n and % side by side, after a row of patients assessed.
fn response_categories(c: &Ctx, points: &[(String, &ResponseCounts)]) -> TableData {
    let mut columns = vec![col(c.t("xlsx_col.response"), Kind::Label)];
    for (name, _) in points {
        columns.push(col(format!("{name} {}", c.t("xlsx_col.n")), Kind::Count));
        columns.push(col(format!("{name} %"), Kind::Percent));
    }
    let mut rows = vec![{
        let mut r = vec![Cell::text(c.t("xlsx_text.assessed"))];
        for (_, p) in points {
            r.push(Cell::count(p.n));
            r.push(Cell::Blank);
        }
        r
    }];
    for cat in crate::model::Response::ALL.map(|r| r.code()) {
        let mut r = vec![Cell::text(c.t(&format!("response.{cat}")))];
        for (_, p) in points {
            let k = p.counts.get(cat).copied().unwrap_or(0);
            r.push(Cell::count(k));
            r.push(if p.n > 0 {
                Cell::num(k as f64 / p.n as f64)
            } else {
                Cell::Blank
            });
        }
        rows.push(r);
    }
    TableData {
        caption: Some(c.t("xlsx_caption.response_categories")),
        columns,
        rows,
        ..Default::default()
    }
}

/// ORR and DCR with exact CIs at every time point.
fn orr_dcr(c: &Ctx, points: &[(String, &ResponseCounts)]) -> TableData {
    let mut columns = vec![
        col(c.t("xlsx_col.timepoint"), Kind::Label),
        col(c.t("xlsx_col.n"), Kind::Count),
    ];
    columns.extend(rate_columns(c, "ORR"));
    columns.extend(rate_columns(c, "DCR"));
    let rows = points
        .iter()
        .map(|(name, p)| {
            let mut r = vec![Cell::text(name), Cell::count(p.n)];
            r.extend(rate_cells(&p.orr));
            r.extend(rate_cells(&p.dcr));
            r
        })
        .collect();
    TableData {
        caption: Some(c.t("xlsx_caption.orr_dcr")),
        columns,
        rows,
        ..Default::default()
    }
}

/// ORR per subgroup level, with Fisher's exact p (and the test's note) on the first level of
/// each subgroup.
fn response_subgroups(c: &Ctx) -> TableData {
    let rs = &c.r.analyses.response;
    let mut columns = vec![
        col(c.t("xlsx_col.subgroup"), Kind::Label),
        col(c.t("xlsx_col.level"), Kind::Text),
        col(c.t("xlsx_col.n"), Kind::Count),
    ];
    columns.extend(rate_columns(c, "ORR"));
    columns.push(col(c.t("xlsx_col.fisher_p"), Kind::PValue));
    columns.push(col(c.t("xlsx_col.note"), Kind::Text));
    let mut rows = Vec::new();
    let mut last_id = "";
    for s in &rs.subgroups {
        let first = s.id != last_id;
        last_id = s.id.as_str();
        let test = rs.subgroup_tests.iter().find(|t| t.id == s.id);
        let mut r = vec![
            if first {
                Cell::text(subgroup_label(c, s))
            } else {
                Cell::Blank
            },
            Cell::text(subgroup_level(c, s)),
            Cell::count(s.final_.n),
        ];
        r.extend(rate_cells(&s.final_.orr));
        if first {
            r.push(c.p(test.and_then(|t| t.p)));
            r.push(
                test.and_then(|t| t.note.as_deref())
                    .map_or(Cell::Blank, |n| Cell::text(c.note(n))),
            );
        }
        rows.push(r);
    }
    TableData {
        caption: Some(c.t("xlsx_caption.subgroups")),
        columns,
        rows,
        empty_note: c.empty(),
        ..Default::default()
    }
}

/// A response subgroup's name as the HTML table words it: the grouping's label (the
/// high-risk grouping naming the IMS/IMWG 2025 definition when that is configured), else
/// the catalog's, else as configured.
fn subgroup_label(c: &Ctx, s: &crate::results::Subgroup) -> String {
    let high_risk_2025 = c.cfg.rules.high_risk_definition
        == mmreport_core::rules_config::HighRiskDefinition::ImsImwg2025
        && c.cfg
            .groupings
            .iter()
            .any(|g| g.id == s.id && g.column == "high_risk_cytogenetics");
    if high_risk_2025 {
        c.t("variable.high_risk_ims_imwg2025")
    } else if c.r.analyses.grouping_labels.contains_key(&s.id) {
        c.grouping(&s.id)
    } else {
        c.rc.label_or(
            &[format!("variable.{}", s.id), format!("html.sg_{}", s.id)],
            &s.label,
        )
    }
}

/// A response subgroup's level: a two-level grouping's level by its label (`≥ 4 cycles`, not
/// yes/no), else the level in the report's language.
fn subgroup_level(c: &Ctx, s: &crate::results::Subgroup) -> String {
    let a = &c.r.analyses;
    match a.display.get(&s.label) {
        Some(b) if a.grouping_labels.get(&s.id) != Some(b) => b.get(&c.rc.labels.lang).to_string(),
        _ => c.shown(&s.level),
    }
}

/// Time to response and duration of response: n, events, median and its CI.
fn ttr_dor(c: &Ctx) -> TableData {
    let rs = &c.r.analyses.response;
    let km = |name: String, k: &KmMedian| {
        vec![
            Cell::text(name),
            Cell::count(k.n),
            Cell::count(k.events),
            Cell::opt_or(k.median, &c.nr()),
            Cell::opt_or(k.ci[0], &c.nr()),
            Cell::opt_or(k.ci[1], &c.nr()),
        ]
    };
    TableData {
        caption: Some(c.t("xlsx_caption.ttr_dor")),
        columns: km_median_columns(c),
        rows: vec![
            km(c.t("xlsx_text.time_to_response"), &rs.time_to_response),
            km(
                c.t("xlsx_text.duration_of_response"),
                &rs.duration_of_response,
            ),
        ],
        ..Default::default()
    }
}

fn km_median_columns(c: &Ctx) -> Vec<super::writer::Column> {
    vec![
        col(c.t("xlsx_col.measure"), Kind::Label),
        col(c.t("xlsx_col.n"), Kind::Count),
        col(c.t("xlsx_col.events"), Kind::Count),
        col(c.t("xlsx_col.median_time"), Kind::Time),
        col(c.t("xlsx_col.ci_low"), Kind::Time),
        col(c.t("xlsx_col.ci_high"), Kind::Time),
    ]
}

fn followup_deaths(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    let f = &c.r.analyses.followup;
    w.title(&c.t("xlsx_title.followup"))?;
    let mr = |name: String, m: &crate::results::MedianRange| {
        vec![
            Cell::text(name),
            Cell::count(m.n),
            Cell::opt(m.median),
            Cell::opt(m.min),
            Cell::opt(m.max),
        ]
    };
    w.table(&TableData {
        caption: Some(c.t("xlsx_caption.followup")),
        columns: cols(
            c,
            &[
                ("xlsx_col.measure", Kind::Label),
                ("xlsx_col.n", Kind::Count),
                ("xlsx_col.median_time", Kind::Time),
                ("xlsx_col.min", Kind::Time),
                ("xlsx_col.max", Kind::Time),
            ],
        ),
        rows: vec![
            mr(c.t("xlsx_text.followup_all"), &f.all),
            mr(c.t("xlsx_text.followup_survivors"), &f.survivors),
        ],
        ..Default::default()
    })?;
    let k = &f.reverse_km;
    w.table(&TableData {
        caption: Some(c.t("xlsx_caption.reverse_km")),
        columns: km_median_columns(c),
        rows: vec![vec![
            Cell::text(c.t("xlsx_text.reverse_km")),
            Cell::count(k.n),
            Cell::count(k.events),
            Cell::opt_or(k.median, &c.nr()),
            Cell::opt_or(k.ci[0], &c.nr()),
            Cell::opt_or(k.ci[1], &c.nr()),
        ]],
        ..Default::default()
    })?;
    let d = &c.r.analyses.deaths;
    w.title(&c.t("xlsx_title.deaths"))?;
    w.table(&TableData {
        caption: Some(c.t("xlsx_caption.deaths")),
        columns: cols(
            c,
            &[
                ("xlsx_col.deaths", Kind::Label),
                ("xlsx_col.n", Kind::Count),
                ("xlsx_col.of", Kind::Count),
                ("xlsx_col.percent", Kind::Percent),
            ],
        ),
        rows: vec![vec![
            Cell::text(c.t("xlsx_text.deaths_all")),
            Cell::count(d.n),
            Cell::count(d.of),
            Cell::num(d.fraction),
        ]],
        ..Default::default()
    })?;
    w.table(&level_table(
        c,
        &c.t("xlsx_caption.death_causes"),
        &c.t("xlsx_col.cause"),
        &d.causes,
    ))?;
    Ok(())
}

/// The forest rows with the subgroup and comparison in the report's language, as the HTML
/// forest table shows them (the table and the chart's labels read these).
pub(super) fn forest_rows(c: &Ctx) -> Vec<crate::results::ForestRow> {
    c.r.analyses
        .forest
        .iter()
        .map(|f| crate::results::ForestRow {
            label: c.shown(&f.label),
            comparison: c.rc.comparison(&c.shown(&f.comparison)),
            ..f.clone()
        })
        .collect()
}

fn forest(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("xlsx_title.forest"))?;
    for f in &c.r.analyses.forest {
        super::extra::immortal_notes(w, c, "forest", &f.id)?;
    }
    let rows = forest_rows(c)
        .iter()
        .map(|f| {
            vec![
                Cell::text(&f.label),
                Cell::text(&f.comparison),
                Cell::count(f.n),
                Cell::count(f.events),
                Cell::opt_or(f.hr, &c.t("xlsx_text.na")),
                Cell::opt(f.ci[0]),
                Cell::opt(f.ci[1]),
                c.p(f.p),
            ]
        })
        .collect();
    let placed = w.table(&TableData {
        columns: cols(
            c,
            &[
                ("xlsx_col.subgroup", Kind::Label),
                ("xlsx_col.comparison", Kind::Text),
                ("xlsx_col.n", Kind::Count),
                ("xlsx_col.events", Kind::Count),
                ("endpoint.hr", Kind::Hr),
                ("xlsx_col.ci_low", Kind::Hr),
                ("xlsx_col.ci_high", Kind::Hr),
                ("xlsx_col.p", Kind::PValue),
            ],
        ),
        rows,
        empty_note: c.empty(),
        ..Default::default()
    })?;
    super::survival::forest_chart(w, c, placed.first_row, 9)?;
    Ok(())
}

/// CTCAE grades in table order.
const AE_GRADES: [&str; 5] = ["1", "2", "3", "4", "5"];

fn adverse_events(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t(&format!(
        "xlsx_title.adverse_events{}",
        crate::context::ctcae_suffix(c.r)
    )))?;
    w.table(&TableData {
        caption: Some(c.t("xlsx_caption.ae")),
        columns: ae_columns(c),
        rows: ae_rows(c),
        empty_note: c.empty(),
        ..Default::default()
    })?;
    w.note(&c.t("xlsx_note.ae_te"))?;
    if lymphocytes_v5_cutoffs(c) {
        w.note(&c.t("xlsx_note.ae_lymphocytes_v6"))?;
    }
    w.gap(1);
    let h = &c.r.analyses.hb_drop;
    w.table(&TableData {
        caption: Some(c.t("xlsx_caption.hb_drop")),
        columns: cols(
            c,
            &[
                ("xlsx_col.threshold", Kind::Decimal1),
                ("xlsx_col.n", Kind::Count),
                ("xlsx_col.of", Kind::Count),
            ],
        ),
        rows: vec![vec![
            Cell::num(h.threshold),
            Cell::count(h.n),
            Cell::count(h.of),
        ]],
        ..Default::default()
    })?;
    Ok(())
}

/// Under CTCAE v6 a lab-graded "Lymphocyte count decreased" keeps the v5.0 cut-offs (no v6.0
/// source could be verified: docs/clinical-rules.md); the sheet says so, as the HTML does.
fn lymphocytes_v5_cutoffs(c: &Ctx) -> bool {
    crate::context::ctcae_suffix(c.r) == "_ctcae6"
        && c.r
            .analyses
            .adverse_events
            .iter()
            .any(|a| a.term == "Lymphocyte count decreased" && a.by_source.contains_key("labs"))
}

/// The rows of the AE table: a heading per category, then a row per term (merged across the
/// sources in the analysis) with counts per grade and the fractions of the denominator.
fn ae_rows(c: &Ctx) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for cat in ["hematologic", "non_hematologic"] {
        let mine: Vec<_> =
            c.r.analyses
                .adverse_events
                .iter()
                .filter(|a| a.category == cat)
                .collect();
        if mine.is_empty() {
            continue;
        }
        rows.push(vec![Cell::text(c.t(&format!("xlsx_text.ae_{cat}")))]);
        for a in mine {
            let frac = |k: usize| {
                if a.n > 0 {
                    Cell::num(k as f64 / a.n as f64)
                } else {
                    Cell::Blank
                }
            };
            let sources: Vec<String> = a
                .sources
                .iter()
                .map(|s| c.t(&format!("xlsx_text.source_{s}")))
                .collect();
            let mut r = vec![
                // The term as the HTML shows it: a CTCAE term in the report's language, the
                // clinician's own term as written.
                Cell::text(format!("  {}", c.shown(&a.term))),
                Cell::text(sources.join(" + ")),
                Cell::count(a.n),
                Cell::count(a.any),
                frac(a.any),
            ];
            for g in AE_GRADES {
                r.push(Cell::count(a.grade.get(g).copied().unwrap_or(0)));
            }
            r.push(Cell::count(a.grade3plus));
            r.push(frac(a.grade3plus));
            rows.push(r);
        }
    }
    rows
}

/// The columns of the AE table: term, source(s), denominator, any grade, each grade, grade >= 3.
fn ae_columns(c: &Ctx) -> Vec<super::writer::Column> {
    let mut columns = vec![
        col(c.t("xlsx_col.term"), Kind::Label),
        col(c.t("xlsx_col.sources"), Kind::Text),
        col(c.t("xlsx_col.denominator"), Kind::Count),
        col(c.t("xlsx_col.any_grade"), Kind::Count),
        col(format!("{} %", c.t("xlsx_col.any_grade")), Kind::Percent),
    ];
    for g in AE_GRADES {
        columns.push(col(c.t("xlsx_col.grade_n").replace("{n}", g), Kind::Count));
    }
    columns.push(col(c.t("xlsx_col.grade3plus"), Kind::Count));
    columns.push(col(
        format!("{} %", c.t("xlsx_col.grade3plus")),
        Kind::Percent,
    ));
    columns
}

fn swimmer(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("xlsx_title.swimmer"))?;
    let rows =
        c.r.analyses
            .swimmer
            .iter()
            .map(|s| {
                vec![
                    Cell::text(&s.patient_id),
                    Cell::opt_text(s.regimen.as_deref()),
                    Cell::num(s.end),
                    c.yes_no(Some(s.ongoing)),
                    Cell::text(
                        s.marks
                            .iter()
                            .map(|m| {
                                format!(
                                    "{} @ {}",
                                    if m.kind == "death" {
                                        c.t("xlsx_text.death")
                                    } else {
                                        c.value_label(&m.kind)
                                    },
                                    format::fixed(Some(m.time), 1, "")
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                ]
            })
            .collect();
    let placed = w.table(&TableData {
        columns: cols(
            c,
            &[
                ("xlsx_col.patient", Kind::Id),
                ("variable.regimen", Kind::Text),
                ("xlsx_col.end", Kind::Time),
                ("xlsx_col.ongoing", Kind::Flag),
                ("xlsx_col.marks", Kind::LongText),
            ],
        ),
        rows,
        native: true,
        empty_note: c.empty(),
        ..Default::default()
    })?;
    // A chart per patient is drawn for cohorts up to report.per_patient_figures_max; the
    // table above always holds every patient.
    if c.r.analyses.swimmer.len() <= c.cfg.report.per_patient_figures_max {
        super::survival::swimmer_chart(w, c, placed.first_row, 6)?;
    }
    Ok(())
}

fn waterfall(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("xlsx_title.waterfall"))?;
    let wf = &c.r.analyses.waterfall;
    let rows = wf
        .iter()
        .map(|x| {
            vec![
                Cell::text(&x.patient_id),
                Cell::num(x.change_pct / 100.0),
                Cell::text(c.t(&format!("xlsx_text.measure_{}", x.measure))),
                x.best_response
                    .as_deref()
                    .map(|b| Cell::text(c.value_label(b)))
                    .unwrap_or(Cell::Blank),
            ]
        })
        .collect();
    let placed = w.table(&TableData {
        columns: cols(
            c,
            &[
                ("xlsx_col.patient", Kind::Id),
                ("xlsx_col.change_pct", Kind::Percent),
                ("xlsx_col.measure", Kind::Text),
                ("xlsx_col.best_response", Kind::Text),
            ],
        ),
        rows,
        native: true,
        empty_note: c.empty(),
        ..Default::default()
    })?;
    if !wf.is_empty() && wf.len() <= c.cfg.report.per_patient_figures_max {
        super::survival::waterfall_chart(w, placed.first_row, wf.len() as u32)?;
    }
    Ok(())
}

fn methods(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("xlsx_title.methods"))?;
    let m = &c.r.analyses.methods;
    let text = if c.rc.labels.lang == "zh" {
        &m.zh
    } else {
        &m.en
    };
    let f = w.st.paragraph();
    w.widen(0, 110.0);
    for para in text.split('\n').filter(|p| !p.trim().is_empty()) {
        let r = w.row;
        super::writer::write_text(w.ws, r, 0, para, &f)?;
        // Excel does not grow rows on opening: size the row for the wrapped text.
        let per_line = if c.rc.labels.lang == "zh" { 55 } else { 105 };
        let lines = para.chars().count().div_ceil(per_line).max(1);
        w.ws.set_row_height(r, (lines as f64) * 14.0 + 4.0)?;
        w.row += 1;
    }
    Ok(())
}

fn yn(b: bool) -> Field<'static> {
    Field::Text(if b { "Y" } else { "N" })
}

fn opt_yn(b: Option<bool>) -> Field<'static> {
    b.map(yn).unwrap_or(Field::Blank)
}

/// Writes a titled listing of `items`, one row each, streamed (see [`SheetWriter::listing`]).
fn listing<'r, T, const N: usize>(
    w: &mut SheetWriter,
    c: &Ctx,
    title: &str,
    columns: [(&str, Kind); N],
    items: &'r [T],
    row: impl Fn(&'r T) -> [Field<'r>; N],
) -> Result<(), XlsxRenderError> {
    w.title(title)?;
    // The CDISC variables are codes (as in the CSV datasets); the header says so.
    w.note(&c.t("xlsx_label.adam_note"))?;
    let columns: Vec<_> = columns.iter().map(|(n, k)| col(*n, *k)).collect();
    w.listing(
        None,
        &columns,
        items.iter().map(row),
        true,
        c.empty().as_deref(),
    )?;
    Ok(())
}

/// The label of every distinct code of a listing column, computed once (a registry's
/// listing has millions of rows and a handful of codes).
fn code_labels<'a>(
    codes: impl Iterator<Item = &'a str>,
    label: impl Fn(&str) -> String,
) -> BTreeMap<&'a str, String> {
    let mut out = BTreeMap::new();
    for code in codes {
        out.entry(code).or_insert_with(|| label(code));
    }
    out
}

/// The label of `code` in a [`code_labels`] map (blank for a code without one).
fn labelled<'a>(map: &'a BTreeMap<&str, String>, code: Option<&str>) -> Field<'a> {
    Field::opt_text(code.and_then(|x| map.get(x)).map(String::as_str))
}

/// ADSL's `GROUPS` (`cycles_ge3=yes;regimen=BRD`) in the report's language: each grouping
/// by its label, a two-level grouping's `yes`/`no` by its configured level label, any other
/// level as written.
fn groups_text(c: &Ctx, groups: &str) -> String {
    let sep = if c.rc.labels.lang == "zh" {
        "；"
    } else {
        "; "
    };
    let colon = if c.rc.labels.lang == "zh" {
        "："
    } else {
        ": "
    };
    groups
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        // A patient outside a grouping (no value) is left out, as in the code column.
        .filter(|(_, v)| !v.is_empty())
        .map(|(id, v)| {
            let g = c.cfg.groupings.iter().find(|g| g.id == id);
            let level = match (g, v) {
                (Some(g), "yes") if !g.has_levels() && !g.label_yes.is_empty() => {
                    c.shown(&g.label_yes)
                }
                (Some(g), "no") if !g.has_levels() && !g.label_no.is_empty() => {
                    c.shown(&g.label_no)
                }
                _ => c.shown(v),
            };
            format!("{}{colon}{level}", c.grouping(id))
        })
        .collect::<Vec<_>>()
        .join(sep)
}

fn adsl(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    let adsl = &c.r.datasets.adsl;
    let sexes = code_labels(adsl.iter().filter_map(|a| a.sex.as_deref()), |x| {
        c.value_label(x)
    });
    // Each row with its GROUPS in words (a label column beside the code column).
    let rows: Vec<(&mmreport_core::adam::AdslRow, String)> = adsl
        .iter()
        .map(|a| (a, groups_text(c, &a.groups)))
        .collect();
    let (sex_l, groups_l) = (c.t("xlsx_label.sex"), c.t("xlsx_label.groups"));
    let columns = [
        ("USUBJID", Kind::Id),
        ("SEX", Kind::Code),
        (sex_l.as_str(), Kind::Text),
        ("AGE", Kind::Decimal1),
        ("AGEDERIV", Kind::Flag),
        ("TRTSDT", Kind::Date),
        ("REGIMEN", Kind::Text),
        ("CYCLES", Kind::Count),
        ("PRIORLN", Kind::Count),
        ("EVALFL", Kind::Flag),
        ("FINALRSP", Kind::Code),
        ("BESTRSP", Kind::Code),
        ("PFSMO", Kind::Decimal2),
        ("PFSEVFL", Kind::Flag),
        ("OSMO", Kind::Decimal2),
        ("OSEVFL", Kind::Flag),
        ("FUMO", Kind::Decimal2),
        ("ALIVEFL", Kind::Flag),
        ("GROUPS", Kind::Code),
        (groups_l.as_str(), Kind::LongText),
        ("CHECKPTS", Kind::Text),
        ("HRFL", Kind::Flag),
        ("TCRFL", Kind::Flag),
        ("PENTARFL", Kind::Flag),
        ("TCEFL", Kind::Flag),
    ];
    listing(
        w,
        c,
        &c.t("xlsx_title.adsl"),
        columns,
        &rows,
        |(a, groups)| {
            [
                Field::Text(&a.usubjid),
                Field::opt_text(a.sex.as_deref()),
                labelled(&sexes, a.sex.as_deref()),
                Field::opt(a.age),
                yn(a.age_derived),
                Field::opt_date(a.index_date.as_deref()),
                Field::opt_text(a.regimen.as_deref()),
                Field::opt(a.cycles_completed.map(f64::from)),
                Field::opt(a.prior_lines.map(f64::from)),
                Field::Text(&a.response_evaluable),
                Field::opt_text(a.final_response.as_deref()),
                Field::opt_text(a.best_response.as_deref()),
                Field::opt(a.pfs_time),
                Field::opt_text(a.pfs_event.as_deref()),
                Field::num(a.os_time),
                Field::Text(&a.os_event),
                Field::num(a.followup_time),
                Field::Text(&a.alive),
                Field::Text(&a.groups),
                Field::Text(groups),
                Field::Text(&a.checkpoints),
                Field::opt_text(a.high_risk.as_deref()),
                Field::opt_text(a.triple_class_refractory.as_deref()),
                Field::opt_text(a.penta_refractory.as_deref()),
                Field::opt_text(a.triple_class_exposed.as_deref()),
            ]
        },
    )
}

fn adtte(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    let adtte = &c.r.datasets.adtte;
    let units = code_labels(adtte.iter().map(|a| a.avalu.as_str()), |x| {
        c.rc.label_or(&[format!("xlsx_label.unit_{x}")], x)
    });
    let descs = code_labels(adtte.iter().map(|a| a.description.as_str()), |x| {
        c.rc.label_or(&[format!("xlsx_label.desc_{x}")], x)
    });
    let (unit_l, desc_l) = (c.t("xlsx_label.avalu"), c.t("xlsx_label.evntdesc"));
    let columns = [
        ("USUBJID", Kind::Id),
        ("PARAMCD", Kind::Code),
        ("AVAL", Kind::Decimal2),
        ("AVALU", Kind::Code),
        (unit_l.as_str(), Kind::Text),
        ("ADY", Kind::Count),
        ("CNSR", Kind::Count),
        ("STARTDT", Kind::Date),
        ("EVNTDT", Kind::Date),
        ("CNSDT", Kind::Date),
        ("EVNTDESC", Kind::Code),
        (desc_l.as_str(), Kind::Text),
    ];
    listing(
        w,
        c,
        &c.t("xlsx_title.adtte"),
        columns,
        &c.r.datasets.adtte,
        |a| {
            [
                Field::Text(&a.usubjid),
                Field::Text(&a.paramcd),
                Field::num(a.aval),
                Field::Text(&a.avalu),
                labelled(&units, Some(&a.avalu)),
                Field::num(a.days as f64),
                Field::num(f64::from(a.cnsr)),
                Field::opt_date(a.start_date.as_deref()),
                Field::opt_date(a.event_date.as_deref()),
                Field::opt_date(a.censor_date.as_deref()),
                Field::Text(&a.description),
                labelled(&descs, Some(&a.description)),
            ]
        },
    )
}

fn adrs(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    let columns = [
        ("USUBJID", Kind::Id),
        ("AVISITN", Kind::Count),
        ("ADT", Kind::Date),
        ("AVALC", Kind::Code),
        ("SPROT", Kind::Decimal2),
        ("UPROT", Kind::Decimal2),
        ("IFLC", Kind::Decimal2),
        ("UFLC", Kind::Decimal2),
        ("IFENEG", Kind::Flag),
        ("BMPC", Kind::Decimal1),
    ];
    listing(
        w,
        c,
        &c.t("xlsx_title.adrs"),
        columns,
        &c.r.datasets.adrs,
        |a| {
            [
                Field::Text(&a.usubjid),
                Field::opt(a.after_cycle.map(f64::from)),
                Field::opt_date(a.date.as_deref()),
                Field::opt_text(a.response.as_deref()),
                Field::opt(a.serum_m_protein),
                Field::opt(a.urine_m_protein),
                Field::opt(a.involved_flc),
                Field::opt(a.uninvolved_flc),
                opt_yn(a.immunofixation_negative),
                Field::opt(a.bm_plasma_cell_pct),
            ]
        },
    )
}

fn adae(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    let adae = &c.r.datasets.adae;
    let sources = code_labels(adae.iter().map(|a| a.source.as_str()), |x| {
        c.rc.label_or(&[format!("xlsx_text.source_{x}")], x)
    });
    // The CTCAE term in the report's language; AETERM stays as the clinician wrote it.
    let terms = code_labels(adae.iter().filter_map(|a| a.decod.as_deref()), |x| {
        c.shown(x)
    });
    let (source_l, term_l) = (c.t("xlsx_label.source"), c.t("xlsx_label.aedecod"));
    let columns = [
        ("USUBJID", Kind::Id),
        ("SOURCE", Kind::Code),
        (source_l.as_str(), Kind::Text),
        ("AETERM", Kind::Text),
        ("AEDECOD", Kind::Text),
        (term_l.as_str(), Kind::Text),
        ("AETOXGR", Kind::Count),
        ("BTOXGR", Kind::Count),
        ("ACYCLE", Kind::Count),
        ("ASTDT", Kind::Date),
        ("AESER", Kind::Flag),
    ];
    listing(
        w,
        c,
        &c.t("xlsx_title.adae"),
        columns,
        &c.r.datasets.adae,
        |a| {
            [
                Field::Text(&a.usubjid),
                Field::Text(&a.source),
                labelled(&sources, Some(&a.source)),
                Field::opt_text(a.term.as_deref()),
                Field::opt_text(a.decod.as_deref()),
                labelled(&terms, a.decod.as_deref()),
                Field::opt(a.grade.map(f64::from)),
                Field::opt(a.baseline_grade.map(f64::from)),
                Field::opt(a.cycle.map(f64::from)),
                Field::opt_date(a.onset_date.as_deref()),
                opt_yn(a.serious),
            ]
        },
    )
}
