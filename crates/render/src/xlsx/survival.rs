//! The survival section (tables and one native Excel scatter chart per [`Survival`]) and the
//! other native charts: forest plot, swimmer plot and waterfall. Chart series reference cells
//! written to the sheet: for a KM curve `(0, 1)` then, at each KM time, `(t, S before)` and
//! `(t, S after)`, so the straight-line scatter draws horizontal and vertical steps (the CI
//! band the same way, dashed); censor marks are a marker-only series at each time with
//! censoring. Series names, titles, axis titles and point labels reference cells too, so no
//! text from the input is ever parsed as a range or formula.

use super::layout::Kind;
use super::sections::{cols, Ctx};
use super::writer::{col, write_text, Cell, Role, SheetWriter, Styles, TableData};
use super::XlsxRenderError;
use crate::format;
use crate::results::{SurvGroup, Survival};
use rust_xlsxwriter::{
    Chart, ChartAxisCrossing, ChartAxisLabelPosition, ChartErrorBars, ChartErrorBarsDirection,
    ChartErrorBarsType, ChartFont, ChartFormat, ChartLegendPosition, ChartLine, ChartLineDashType,
    ChartMarker, ChartMarkerType, ChartRange, ChartSolidFill, ChartType, Color,
};

/// Rows a chart of `height` pixels covers (default row height 20 px).
fn chart_rows(height: u32) -> u32 {
    height.div_ceil(20) + 1
}

/// The step points of one KM curve.
pub fn step_points(g: &SurvGroup) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(g.km.len() * 2 + 1);
    let mut prev = 1.0;
    pts.push((0.0, prev));
    for k in &g.km {
        pts.push((k.time, prev));
        pts.push((k.time, k.surv));
        prev = k.surv;
    }
    pts
}

/// The pointwise CI bounds at the step points of [`step_points`] (same length); a bound not
/// estimated is `None` (a gap in the chart).
pub fn ci_steps(g: &SurvGroup) -> Vec<(Option<f64>, Option<f64>)> {
    let mut pts = Vec::with_capacity(g.km.len() * 2 + 1);
    let mut prev = (Some(1.0), Some(1.0));
    pts.push(prev);
    for k in &g.km {
        pts.push(prev);
        prev = (k.lower, k.upper);
        pts.push(prev);
    }
    pts
}

/// The censor marks of one KM curve: `(t, S(t))` at each time with censoring.
pub fn censor_points(g: &SurvGroup) -> Vec<(f64, f64)> {
    g.km.iter()
        .filter(|k| k.n_censor > 0)
        .map(|k| (k.time, k.surv))
        .collect()
}

fn time_header(t: f64) -> String {
    if t.fract() == 0.0 {
        format::fixed(Some(t), 0, "")
    } else {
        format::fixed(Some(t), 1, "")
    }
}

pub fn survival(w: &mut SheetWriter, c: &Ctx) -> Result<(), XlsxRenderError> {
    w.title(&c.t("xlsx_title.survival"))?;
    if c.r.analyses.survival.is_empty() {
        w.note(&c.t("xlsx_text.no_data"))?;
    }
    for s in &c.r.analyses.survival {
        one(w, c, s)?;
    }
    Ok(())
}

fn endpoint_label(c: &Ctx, s: &Survival) -> String {
    let key = format!("endpoint.{}", s.endpoint);
    if c.rc.has(&key) {
        c.t(&key)
    } else {
        s.endpoint.clone()
    }
}

fn time_label(c: &Ctx) -> String {
    let key = format!("xlsx_text.time_{}", c.r.time_unit);
    if c.rc.has(&key) {
        c.t(&key)
    } else {
        c.r.time_unit.clone()
    }
}

/// The title of one analysis: `endpoint: grouping`, the grouping worded as the HTML heading
/// words it (`all` as the catalog's "All patients").
pub(super) fn analysis_title(c: &Ctx, s: &Survival) -> String {
    format!(
        "{}{}{}",
        endpoint_label(c, s),
        c.t("xlsx_text.title_sep"),
        c.grouping_text(&s.grouping)
    )
}

/// `s` with its group labels, Cox reference and levels and the Cox note in the report's
/// language (as the HTML report's tables and figures show them), so that every table, the
/// chart's series names and the at-risk table of the analysis read the same words.
fn shown(c: &Ctx, s: &Survival) -> Survival {
    let mut out = s.clone();
    for g in &mut out.groups {
        g.label = c.shown(&g.label);
    }
    if let Some(cx) = &mut out.cox {
        cx.reference = c.shown(&cx.reference);
        for l in &mut cx.levels {
            l.level = c.shown(&l.level);
        }
        cx.note = cx.note.as_deref().map(|n| c.note(n));
    }
    out
}

/// A column's name as the catalog writes it, else the column as words (`Cycles completed`).
fn column_name(c: &Ctx, col: &str) -> String {
    let words = col.replace('_', " ");
    let mut chars = words.chars();
    let words = match chars.next() {
        Some(f) => f.to_uppercase().collect::<String>() + chars.as_str(),
        None => words,
    };
    c.rc.label_or(&[format!("variable.{col}")], &words)
}

/// The line of an analysis that could not be estimated, as the HTML words it: the column
/// no patient has, named in the report's language, else the analyses' reason.
pub(super) fn not_estimable_line(c: &Ctx, why: &str) -> String {
    match why.strip_prefix("no patient has ") {
        Some(col) if !col.is_empty() && col.chars().all(|x| x.is_ascii_lowercase() || x == '_') => {
            c.t("layout.no_column")
                .replace("{column}", &column_name(c, col))
        }
        _ => format!("{}: {}", c.t("xlsx_text.not_estimable"), c.note(why)),
    }
}

/// One analysis: its tables, the chart data and the native KM chart in the room left for it
/// between the test table and the number-at-risk table.
pub(super) fn one(w: &mut SheetWriter, c: &Ctx, s: &Survival) -> Result<(), XlsxRenderError> {
    one_titled(w, c, s, &analysis_title(c, s))?;
    Ok(())
}

/// [`one`] under `title` (a landmark analysis's heading), with the analysis's
/// immortal-time warning under it.
pub(super) fn one_titled(
    w: &mut SheetWriter,
    c: &Ctx,
    s: &Survival,
    title: &str,
) -> Result<(), XlsxRenderError> {
    let title_row = w.caption(title)?;
    super::extra::immortal_notes(w, c, "survival", &s.id)?;
    if let Some(why) = &s.not_estimable {
        // What is missing, named in the report's language (`Survival.missing`).
        let line = match s.missing.as_deref() {
            Some("progression") => c.t("layout.no_progression"),
            Some(col) => c
                .t("layout.no_column")
                .replace("{column}", &column_name(c, col)),
            None => not_estimable_line(c, why),
        };
        return w.note(&line);
    }
    let s = &shown(c, s);
    w.table(&summary_table(c, s))?;
    if let Some(t) = tests_table(c, s) {
        w.table(&t)?;
    }
    // Room for the chart, inserted once its data is written.
    let chart_row = w.row;
    w.gap(chart_rows(w.st.chart_height) + 1);
    w.table(&at_risk_table(c, s))?;
    for g in &s.groups {
        w.table(&km_table(c, g))?;
    }
    let data = chart_data(w, c, s)?;
    let sheet = w.sheet_name.clone();
    let (mut chart, hidden_legend) = km_series(w.st, &sheet, c.cfg.report.km_ci_band, &data);
    chart
        .title()
        .set_name((sheet.as_str(), title_row, 0))
        .set_font(ChartFont::new().set_size(w.st.size + 2.0).set_bold());
    km_axes(&mut chart, &sheet, s, data.axis_row);
    chart
        .legend()
        .set_position(ChartLegendPosition::Bottom)
        .delete_entries(&hidden_legend);
    chart
        .set_width(w.st.chart_width)
        .set_height(w.st.chart_height);
    chart.set_alt_text(title);
    chart.show_hidden_data();
    w.ws.insert_chart_with_offset(chart_row, 0, &chart, 4, 4)?;
    w.chart_at(0, w.st.chart_width);
    Ok(())
}

/// Summary per group: n, events, median (95% CI), landmark survival (95% CI).
fn summary_table(c: &Ctx, s: &Survival) -> TableData {
    let landmarks: Vec<f64> = s
        .groups
        .first()
        .map(|g| g.landmarks.iter().map(|l| l.time).collect())
        .unwrap_or_default();
    let mut columns = vec![
        col(c.t("xlsx_col.group"), Kind::Label),
        col(c.t("xlsx_col.n"), Kind::Count),
        col(c.t("xlsx_col.events"), Kind::Count),
        col(c.t("xlsx_col.median_time"), Kind::Time),
        col(c.t("xlsx_col.ci_low"), Kind::Time),
        col(c.t("xlsx_col.ci_high"), Kind::Time),
    ];
    for t in &landmarks {
        let at = c.t("xlsx_col.surv_at").replace("{t}", &time_header(*t));
        columns.push(col(at.clone(), Kind::Percent));
        columns.push(col(
            format!("{at} {}", c.t("xlsx_col.ci_low")),
            Kind::Percent,
        ));
        columns.push(col(
            format!("{at} {}", c.t("xlsx_col.ci_high")),
            Kind::Percent,
        ));
    }
    let rows = s
        .groups
        .iter()
        .map(|g| summary_row(c, g, &landmarks))
        .collect();
    TableData {
        columns,
        rows,
        empty_note: Some(c.t("xlsx_text.no_data")),
        ..Default::default()
    }
}

/// One group of [`summary_table`]; a landmark the group lacks is three blank cells.
fn summary_row(c: &Ctx, g: &SurvGroup, landmarks: &[f64]) -> Vec<Cell> {
    let nr = c.nr();
    let na = c.t("xlsx_text.na");
    let mut r = vec![
        Cell::text(&g.label),
        Cell::count(g.n),
        Cell::count(g.events),
        Cell::opt_or(g.median, &nr),
        Cell::opt_or(g.median_ci[0], &nr),
        Cell::opt_or(g.median_ci[1], &nr),
    ];
    for t in landmarks {
        match g.landmarks.iter().find(|l| l.time == *t) {
            Some(l) => {
                r.push(Cell::opt_or(l.surv, &na));
                r.push(Cell::opt(l.lower));
                r.push(Cell::opt(l.upper));
            }
            None => r.extend([Cell::Blank, Cell::Blank, Cell::Blank]),
        }
    }
    r
}

/// Cox of a grouping with levels: one row per level against the reference level (HR, CI,
/// Wald P), then the global likelihood-ratio P.
fn level_rows(c: &Ctx, cx: &crate::results::CoxResult) -> Vec<Vec<Cell>> {
    let na = c.t("xlsx_text.na");
    let mut rows: Vec<Vec<Cell>> = cx
        .levels
        .iter()
        .map(|l| {
            vec![
                Cell::text(format!("{}: {}", c.t("xlsx_text.cox"), l.level)),
                Cell::Blank,
                Cell::Blank,
                c.p(l.p_wald),
                Cell::opt_or(l.hr, &na),
                Cell::opt(l.ci[0]),
                Cell::opt(l.ci[1]),
                Cell::text(format!("{} {}", c.t("xlsx_text.reference"), cx.reference)),
            ]
        })
        .collect();
    if let Some(p) = cx.p_lrt {
        rows.push(vec![
            Cell::text(c.t("xlsx_text.cox_lrt")),
            Cell::Blank,
            Cell::Blank,
            c.p(Some(p)),
        ]);
    }
    rows
}

/// Log-rank and Cox (Wald, then likelihood-ratio P); `None` when neither was run.
fn tests_table(c: &Ctx, s: &Survival) -> Option<TableData> {
    let na = c.t("xlsx_text.na");
    let mut rows = Vec::new();
    if let Some(lr) = &s.logrank {
        rows.push(vec![
            Cell::text(c.t("xlsx_text.logrank")),
            Cell::num(lr.chisq),
            Cell::count(lr.df),
            c.p(Some(lr.p)),
            Cell::Blank,
            Cell::Blank,
            Cell::Blank,
            Cell::Blank,
        ]);
    }
    if let Some(cx) = s.cox.as_ref().filter(|cx| !cx.levels.is_empty()) {
        rows.extend(level_rows(c, cx));
    } else if let Some(cx) = &s.cox {
        rows.push(vec![
            Cell::text(c.t("xlsx_text.cox")),
            Cell::Blank,
            Cell::Blank,
            c.p(cx.p_wald),
            Cell::opt_or(cx.hr, &na),
            Cell::opt(cx.ci[0]),
            Cell::opt(cx.ci[1]),
            Cell::text(match &cx.note {
                Some(n) => format!("{} {}; {n}", c.t("xlsx_text.reference"), cx.reference),
                None => format!("{} {}", c.t("xlsx_text.reference"), cx.reference),
            }),
        ]);
        if let Some(p) = cx.p_lrt {
            rows.push(vec![
                Cell::text(c.t("xlsx_text.cox_lrt")),
                Cell::Blank,
                Cell::Blank,
                c.p(Some(p)),
            ]);
        }
    }
    if rows.is_empty() {
        return None;
    }
    Some(TableData {
        columns: cols(
            c,
            &[
                ("xlsx_col.test", Kind::Label),
                ("xlsx_col.chisq", Kind::Stat),
                ("xlsx_col.df", Kind::Count),
                ("xlsx_col.p", Kind::PValue),
                ("endpoint.hr", Kind::Hr),
                ("xlsx_col.ci_low", Kind::Hr),
                ("xlsx_col.ci_high", Kind::Hr),
                ("xlsx_col.note", Kind::Text),
            ],
        ),
        rows,
        ..Default::default()
    })
}

/// Number at risk per group under the x-axis ticks (`Survival.risk_times`).
fn at_risk_table(c: &Ctx, s: &Survival) -> TableData {
    if s.risk_times.len() > MAX_AT_RISK_COLUMNS {
        return at_risk_by_time(c, s);
    }
    let mut columns = vec![col(c.t("endpoint.at_risk"), Kind::Label)];
    for t in &s.risk_times {
        columns.push(col(time_header(*t), Kind::Count));
    }
    let rows = s
        .groups
        .iter()
        .map(|g| {
            let mut r = vec![Cell::text(&g.label)];
            r.extend(g.at_risk.iter().map(|n| Cell::count(*n)));
            r
        })
        .collect();
    TableData {
        caption: Some(format!("{} ({})", c.t("endpoint.at_risk"), time_label(c))),
        columns,
        rows,
        ..Default::default()
    }
}

/// Most risk times written as columns; more (a long follow-up) are written one per row, so
/// that the printed page is not scaled down to the width of dozens of columns.
const MAX_AT_RISK_COLUMNS: usize = 12;

/// The number at risk with a row per risk time and a column per group.
fn at_risk_by_time(c: &Ctx, s: &Survival) -> TableData {
    let mut columns = vec![col(time_label(c), Kind::Time)];
    columns.extend(s.groups.iter().map(|g| col(&g.label, Kind::Count)));
    let rows = s
        .risk_times
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut r = vec![Cell::num(*t)];
            r.extend(
                s.groups
                    .iter()
                    .map(|g| g.at_risk.get(i).map_or(Cell::Blank, |n| Cell::count(*n))),
            );
            r
        })
        .collect();
    TableData {
        caption: Some(format!("{} ({})", c.t("endpoint.at_risk"), time_label(c))),
        columns,
        rows,
        ..Default::default()
    }
}

/// The KM table of one group: every event or censoring time with its estimate and CI.
fn km_table(c: &Ctx, g: &SurvGroup) -> TableData {
    let rows =
        g.km.iter()
            .map(|k| {
                vec![
                    Cell::num(k.time),
                    Cell::count(k.n_risk),
                    Cell::count(k.n_event),
                    Cell::count(k.n_censor),
                    Cell::num(k.surv),
                    Cell::num(k.std_err),
                    Cell::opt(k.lower),
                    Cell::opt(k.upper),
                ]
            })
            .collect();
    TableData {
        caption: Some(format!(
            "{}{}{}",
            c.t("xlsx_caption.km_table"),
            c.t("xlsx_text.title_sep"),
            g.label
        )),
        columns: cols(
            c,
            &[
                ("xlsx_col.time", Kind::Time),
                ("xlsx_col.n_risk", Kind::Count),
                ("xlsx_col.n_event", Kind::Count),
                ("xlsx_col.n_censor", Kind::Count),
                ("xlsx_col.surv", Kind::Proportion),
                ("xlsx_col.std_err", Kind::Proportion),
                ("xlsx_col.lower", Kind::Proportion),
                ("xlsx_col.upper", Kind::Proportion),
            ],
        ),
        rows,
        empty_note: Some(c.t("xlsx_text.no_data")),
        ..Default::default()
    }
}

/// Where the chart data of one analysis sit on the sheet.
struct ChartData {
    /// Axis titles: time in column 0, the endpoint in column 1.
    axis_row: u32,
    /// Group names (the series names), one per block of six columns.
    name_row: u32,
    /// Column heads of every block.
    head_row: u32,
    /// First data row.
    data_row: u32,
    /// Per group: first column, step rows, censor rows.
    series: Vec<(u16, u32, u32)>,
}

/// Chart data: axis titles, then per group six columns: step t, S, CI lower, CI upper
/// (steps at the same times), censor t, S. Leaves the cursor two rows below the longest.
fn chart_data(w: &mut SheetWriter, c: &Ctx, s: &Survival) -> Result<ChartData, XlsxRenderError> {
    let caption_row = w.caption(&c.t("xlsx_caption.chart_data"))?;
    let axis_row = w.row;
    let note = w.st.note();
    write_text(w.ws, axis_row, 0, &time_label(c), &note)?;
    write_text(w.ws, axis_row, 1, &endpoint_label(c, s), &note)?;
    let mut d = ChartData {
        axis_row,
        name_row: axis_row + 1,
        head_row: axis_row + 2,
        data_row: axis_row + 3,
        series: Vec::with_capacity(s.groups.len()),
    };
    let mut longest = 0u32;
    for (gi, g) in s.groups.iter().enumerate() {
        let (c0, n_steps, n_cens) = group_data(w, c, &d, (gi * 6) as u16, g)?;
        longest = longest.max(n_steps).max(n_cens);
        d.series.push((c0, n_steps, n_cens));
    }
    w.row = d.data_row + longest + 2;
    // Helper rows of the chart: hidden, so not printed (the chart still plots them).
    w.hide_rows(caption_row, d.data_row + longest)?;
    Ok(d)
}

/// The six chart-data columns of one group from column `c0`: name, heads, step points with
/// their CI bounds, censor marks. Returns `(c0, step rows, censor rows)`.
fn group_data(
    w: &mut SheetWriter,
    c: &Ctx,
    d: &ChartData,
    c0: u16,
    g: &SurvGroup,
) -> Result<(u16, u32, u32), XlsxRenderError> {
    let hf = w.st.cell(Kind::Time, Role::Header);
    write_text(w.ws, d.name_row, c0, &g.label, &w.st.caption())?;
    let heads = [
        "xlsx_col.time",
        "xlsx_col.surv",
        "xlsx_col.lower",
        "xlsx_col.upper",
        "xlsx_col.censor_time",
        "xlsx_col.surv",
    ];
    for (j, h) in heads.map(|k| c.t(k)).iter().enumerate() {
        write_text(w.ws, d.head_row, c0 + j as u16, h, &hf)?;
    }
    let steps = step_points(g);
    let band = ci_steps(g);
    let cens = censor_points(g);
    for (k, ((x, y), (lo, hi))) in steps.iter().zip(&band).enumerate() {
        let r = d.data_row + k as u32;
        w.cell(r, c0, &Cell::num(*x), Kind::Time, Role::Body)?;
        w.cell(r, c0 + 1, &Cell::num(*y), Kind::Proportion, Role::Body)?;
        w.cell(r, c0 + 2, &Cell::opt(*lo), Kind::Proportion, Role::Body)?;
        w.cell(r, c0 + 3, &Cell::opt(*hi), Kind::Proportion, Role::Body)?;
    }
    for (k, (x, y)) in cens.iter().enumerate() {
        let r = d.data_row + k as u32;
        w.cell(r, c0 + 4, &Cell::num(*x), Kind::Time, Role::Body)?;
        w.cell(r, c0 + 5, &Cell::num(*y), Kind::Proportion, Role::Body)?;
    }
    Ok((c0, steps.len() as u32, cens.len() as u32))
}

/// The KM chart's series: per group the curve, the dashed CI bounds (when `band`) and the
/// censor marks. Returns the chart and the legend entries to hide (all but the curves).
fn km_series(st: &Styles, sheet: &str, band: bool, d: &ChartData) -> (Chart, Vec<usize>) {
    let mut chart = Chart::new(ChartType::ScatterStraight);
    let mut hidden_legend = Vec::new();
    let mut idx = 0usize;
    for (gi, &(c0, n_steps, n_cens)) in d.series.iter().enumerate() {
        let color = st.chart_colors[gi % st.chart_colors.len()];
        let last = d.data_row + n_steps.saturating_sub(1);
        let range = |col: u16, last: u32| (sheet, d.data_row, col, last, col);
        chart
            .add_series()
            .set_name((sheet, d.name_row, c0))
            .set_categories(range(c0, last))
            .set_values(range(c0 + 1, last))
            .set_marker(ChartMarker::new().set_none())
            .set_format(
                ChartFormat::new().set_line(ChartLine::new().set_color(color).set_width(1.75)),
            );
        idx += 1;
        if band {
            for off in [2u16, 3u16] {
                chart
                    .add_series()
                    .set_name((sheet, d.head_row, c0 + off))
                    .set_categories(range(c0, last))
                    .set_values(range(c0 + off, last))
                    .set_marker(ChartMarker::new().set_none())
                    .set_format(ChartFormat::new().set_line(&dashed(color, 0.75)));
                hidden_legend.push(idx);
                idx += 1;
            }
        }
        if n_cens > 0 {
            let last = d.data_row + n_cens - 1;
            chart
                .add_series()
                .set_name((sheet, d.name_row, c0))
                .set_categories(range(c0 + 4, last))
                .set_values(range(c0 + 5, last))
                .set_marker(&marker(ChartMarkerType::PlusSign, color))
                .set_format(ChartFormat::new().set_no_line());
            hidden_legend.push(idx);
            idx += 1;
        }
    }
    (chart, hidden_legend)
}

/// A dashed line of `color` and `width` (CI bounds, the forest reference line).
fn dashed(color: Color, width: f64) -> ChartLine {
    let mut line = ChartLine::new();
    line.set_color(color)
        .set_width(width)
        .set_dash_type(ChartLineDashType::Dash);
    line
}

/// A size-7 marker of `kind`, outlined and filled in `color` (censor marks, forest HRs).
fn marker(kind: ChartMarkerType, color: Color) -> ChartMarker {
    let mut m = ChartMarker::new();
    m.set_type(kind).set_size(7).set_format(
        ChartFormat::new()
            .set_line(ChartLine::new().set_color(color))
            .set_solid_fill(ChartSolidFill::new().set_color(color)),
    );
    m
}

/// The KM chart's axes: time from 0 (major unit the risk-table step, ending at the last risk
/// time when no KM time lies beyond it) and survival 0-100%, titled from the chart data.
fn km_axes(chart: &mut Chart, sheet: &str, s: &Survival, axis_row: u32) {
    chart
        .x_axis()
        .set_name((sheet, axis_row, 0))
        .set_min(0.0)
        .set_major_gridlines(false);
    if let (Some(first), Some(second)) = (s.risk_times.first(), s.risk_times.get(1)) {
        let step = second - first;
        if step > 0.0 {
            chart.x_axis().set_major_unit(step);
        }
    }
    let max_km = s
        .groups
        .iter()
        .flat_map(|g| g.km.iter().map(|k| k.time))
        .fold(0.0_f64, f64::max);
    if let Some(last) = s.risk_times.last() {
        if *last >= max_km && *last > 0.0 {
            chart.x_axis().set_max(*last);
        }
    }
    chart
        .y_axis()
        .set_name((sheet, axis_row, 1))
        .set_min(0.0)
        .set_max(1.0)
        .set_major_unit(0.2)
        .set_num_format("0%")
        .set_major_gridlines(false);
}

/// A column chart of the best % change per patient, from the waterfall table's cells.
pub fn waterfall_chart(w: &mut SheetWriter, first_row: u32, n: u32) -> Result<(), XlsxRenderError> {
    let sheet = w.sheet_name.clone();
    let last = first_row + n - 1;
    let mut chart = Chart::new(ChartType::Column);
    chart
        .add_series()
        .set_name((sheet.as_str(), first_row - 1, 1))
        .set_categories((sheet.as_str(), first_row, 0, last, 0))
        .set_values((sheet.as_str(), first_row, 1, last, 1))
        .set_format(
            ChartFormat::new()
                .set_solid_fill(ChartSolidFill::new().set_color(w.st.chart_colors[0])),
        )
        .set_gap(30);
    chart
        .x_axis()
        .set_name((sheet.as_str(), first_row - 1, 0))
        .set_label_position(ChartAxisLabelPosition::Low);
    chart
        .y_axis()
        .set_name((sheet.as_str(), first_row - 1, 1))
        .set_num_format("0%")
        .set_major_gridlines(false);
    chart.legend().set_hidden();
    chart
        .set_width(w.st.chart_width)
        .set_height(w.st.chart_height);
    w.ws.insert_chart_with_offset(first_row - 1, 6, &chart, 10, 4)?;
    w.chart_at(6, w.st.chart_width);
    Ok(())
}

/// The forest plot: a horizontal bar chart whose categories are text cells naming each row
/// (the subgroup, with its comparison when the subgroup has several rows), which Excel and
/// LibreOffice both show as axis labels (custom data labels from cells, which LibreOffice
/// ignores, showed numbers there). Each row's bar is invisible: its end
/// at the HR carries the 95% CI as custom error bars and, on a second invisible series, a
/// short thick error bar that draws the HR square. The category axis crosses the log HR axis
/// at HR = 1, drawing the reference line. The chart data (HR, the CI's distances, the labels)
/// sit beside the table rows from column `data_col`, in hidden columns.
pub fn forest_chart(
    w: &mut SheetWriter,
    c: &Ctx,
    first_row: u32,
    data_col: u16,
) -> Result<(), XlsxRenderError> {
    let rows = &c.r.analyses.forest;
    let n = rows.len() as u32;
    if n == 0 {
        return Ok(());
    }
    forest_data(w, c, first_row, data_col)?;
    let sheet = w.sheet_name.clone();
    let mut chart = Chart::new(ChartType::Bar);
    forest_series(
        &mut chart,
        &sheet,
        w.st.chart_colors[0],
        (first_row, data_col),
        n,
    );
    chart.title().set_hidden();
    chart.show_hidden_data();
    // Log axis bounds: whole decades around every CI (0.1 to 10 when there is none).
    let bounds = rows
        .iter()
        .filter_map(|f| match (f.ci[0], f.ci[1]) {
            (Some(lo), Some(hi)) if lo > 0.0 && hi > 0.0 => Some((lo, hi)),
            _ => None,
        })
        .fold((0.1_f64, 10.0_f64), |(a, b), (lo, hi)| {
            (a.min(lo), b.max(hi))
        });
    // In a bar chart the x axis is the (horizontal) value axis.
    chart
        .x_axis()
        .set_name((sheet.as_str(), first_row - 1, data_col))
        .set_log_base(10)
        .set_min(10f64.powf(bounds.0.log10().floor()))
        .set_max(10f64.powf(bounds.1.log10().ceil()))
        .set_crossing(ChartAxisCrossing::AxisValue(1.0))
        .set_major_gridlines(false);
    chart
        .y_axis()
        .set_reverse()
        .set_crossing(ChartAxisCrossing::Max)
        .set_label_position(ChartAxisLabelPosition::Low)
        .set_format(ChartFormat::new().set_line(&dashed(Color::Gray, 0.75)));
    chart.legend().set_hidden();
    let height = (40 * n + 120).min(1200);
    chart.set_width(w.st.chart_width).set_height(height);
    chart.set_alt_text(c.t("xlsx_title.forest").as_str());
    let at = w.row;
    w.ws.insert_chart_with_offset(at, 0, &chart, 4, 4)?;
    w.chart_at(0, w.st.chart_width);
    w.gap(height.div_ceil(20) + 1);
    Ok(())
}

/// The forest chart's data beside the table from column `data_col` (hidden columns): heads in
/// the table's head row; per row with a full CI its HR and the CI's distances below and above,
/// and per row its category label (text).
fn forest_data(
    w: &mut SheetWriter,
    c: &Ctx,
    first_row: u32,
    data_col: u16,
) -> Result<(), XlsxRenderError> {
    let rows = &super::sections::forest_rows(c);
    let hf = w.st.cell(Kind::Hr, Role::Header);
    let heads = [
        "endpoint.hr",
        "xlsx_col.ci_minus",
        "xlsx_col.ci_plus",
        "xlsx_col.subgroup",
    ];
    for (j, h) in heads.map(|k| c.t(k)).iter().enumerate() {
        write_text(w.ws, first_row - 1, data_col + j as u16, h, &hf)?;
        w.hide_column(data_col + j as u16);
    }
    for (i, f) in rows.iter().enumerate() {
        let r = first_row + i as u32;
        // The category label: the subgroup, with its comparison when the subgroup has more
        // than one row (a grouping of three levels).
        let repeated = rows.iter().filter(|g| g.label == f.label).count() > 1;
        let label = if repeated {
            format!("{}: {}", f.label, f.comparison)
        } else {
            f.label.clone()
        };
        w.cell(r, data_col + 3, &Cell::text(label), Kind::Label, Role::Body)?;
        if let (Some(hr), Some(lo), Some(hi)) = (f.hr, f.ci[0], f.ci[1]) {
            for (j, v) in [hr, hr - lo, hi - hr].iter().enumerate() {
                w.cell(r, data_col + j as u16, &Cell::num(*v), Kind::Hr, Role::Body)?;
            }
        }
    }
    Ok(())
}

/// The forest chart's two invisible bar series over `n` rows, categories from the label cells
/// (text): the first carries the CI error bars, the second the HR square.
fn forest_series(
    chart: &mut Chart,
    sheet: &str,
    color: Color,
    (first_row, data_col): (u32, u16),
    n: u32,
) {
    let head = first_row - 1;
    let last = first_row + n - 1;
    let range = |col: u16| ChartRange::new_from_range(sheet, first_row, col, last, col);
    let mut invisible = ChartFormat::new();
    invisible.set_no_fill().set_no_border();
    chart
        .add_series()
        .set_name((sheet, head, data_col))
        .set_categories(&range(data_col + 3))
        .set_values(&range(data_col))
        .set_format(&mut invisible.clone())
        .set_gap(60)
        .set_overlap(100)
        .set_x_error_bars(
            ChartErrorBars::new()
                .set_type(ChartErrorBarsType::Custom(
                    range(data_col + 2),
                    range(data_col + 1),
                ))
                .set_direction(ChartErrorBarsDirection::Both)
                .set_end_cap(true)
                .set_format(ChartLine::new().set_color(color).set_width(1.25)),
        );
    chart
        .add_series()
        .set_name((sheet, head, data_col))
        .set_categories(&range(data_col + 3))
        .set_values(&range(data_col))
        .set_format(&mut invisible.clone())
        .set_x_error_bars(
            ChartErrorBars::new()
                .set_type(ChartErrorBarsType::Percentage(4.0))
                .set_direction(ChartErrorBarsDirection::Both)
                .set_end_cap(false)
                .set_format(ChartLine::new().set_color(color).set_width(7.0)),
        );
}

/// The swimmer plot as a stacked horizontal bar chart: one series per regimen (so bars are
/// coloured by regimen), each reading a helper column beside the swimmer table that holds the
/// patient's time on study in the row of that regimen's patients, blank elsewhere.
pub fn swimmer_chart(
    w: &mut SheetWriter,
    c: &Ctx,
    first_row: u32,
    data_col: u16,
) -> Result<(), XlsxRenderError> {
    let rows = &c.r.analyses.swimmer;
    let n = rows.len() as u32;
    if n == 0 {
        return Ok(());
    }
    let sheet = w.sheet_name.clone();
    let head = first_row - 1;
    let none = c.t("xlsx_text.no_regimen");
    let mut regimens: Vec<String> = Vec::new();
    for s in rows {
        let r = s.regimen.clone().unwrap_or_else(|| none.clone());
        if !regimens.contains(&r) {
            regimens.push(r);
        }
    }
    let hf = w.st.cell(Kind::Time, Role::Header);
    for (j, reg) in regimens.iter().enumerate() {
        let col = data_col + j as u16;
        write_text(w.ws, head, col, reg, &hf)?;
        w.hide_column(col);
        for (i, s) in rows.iter().enumerate() {
            let mine = s.regimen.as_deref().unwrap_or(none.as_str()) == reg.as_str();
            let cell = if mine { Cell::num(s.end) } else { Cell::Blank };
            w.cell(first_row + i as u32, col, &cell, Kind::Time, Role::Body)?;
        }
    }
    let last = first_row + n - 1;
    let mut chart = Chart::new(ChartType::BarStacked);
    // The helper columns are hidden (not printed); the chart still plots them.
    chart.show_hidden_data();
    for (j, _) in regimens.iter().enumerate() {
        let col = data_col + j as u16;
        let color = w.st.chart_colors[j % w.st.chart_colors.len()];
        chart
            .add_series()
            .set_name((sheet.as_str(), head, col))
            .set_categories((sheet.as_str(), first_row, 0, last, 0))
            .set_values((sheet.as_str(), first_row, col, last, col))
            .set_format(ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(color)))
            .set_gap(40)
            .set_overlap(100);
    }
    chart.title().set_hidden();
    // In a bar chart the x axis is the (horizontal) value axis.
    chart
        .x_axis()
        .set_name((sheet.as_str(), head, 2))
        .set_min(0.0)
        .set_major_gridlines(false);
    chart
        .y_axis()
        .set_name((sheet.as_str(), head, 0))
        .set_reverse()
        .set_crossing(ChartAxisCrossing::Max);
    chart.legend().set_position(ChartLegendPosition::Bottom);
    let height = (18 * n + 120).min(2000);
    chart.set_width(w.st.chart_width).set_height(height);
    chart.set_alt_text(c.t("xlsx_title.swimmer").as_str());
    let at = w.row;
    w.ws.insert_chart_with_offset(at, 0, &chart, 4, 4)?;
    w.chart_at(0, w.st.chart_width);
    w.gap(height.div_ceil(20) + 1);
    Ok(())
}
