//! The survival section (tables and one native Excel scatter chart per [`Survival`]) and the
//! other native charts: forest plot, swimmer plot and waterfall. Chart series reference cells
//! written to the sheet: for a KM curve `(0, 1)` then, at each KM time, `(t, S before)` and
//! `(t, S after)`, so the straight-line scatter draws horizontal and vertical steps (the CI
//! band the same way, dashed); censor marks are a marker-only series at each time with
//! censoring. Series names, titles, axis titles and point labels reference cells too, so no
//! text from the input is ever parsed as a range or formula.

use super::layout::Kind;
use super::sections::Ctx;
use super::writer::{col, write_text, Cell, Role, SheetWriter, TableData};
use super::XlsxRenderError;
use crate::format;
use crate::results::{SurvGroup, Survival};
use rust_xlsxwriter::{
    Chart, ChartAxisCrossing, ChartAxisLabelPosition, ChartDataLabel, ChartDataLabelPosition,
    ChartErrorBars, ChartErrorBarsDirection, ChartErrorBarsType, ChartFont, ChartFormat,
    ChartLegendPosition, ChartLine, ChartLineDashType, ChartMarker, ChartMarkerType, ChartRange,
    ChartSolidFill, ChartType, Color,
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
    if c.l.has(&key) {
        c.t(&key)
    } else {
        s.endpoint.clone()
    }
}

fn time_label(c: &Ctx) -> String {
    let key = format!("xlsx_text.time_{}", c.r.time_unit);
    if c.l.has(&key) {
        c.t(&key)
    } else {
        c.r.time_unit.clone()
    }
}

fn one(w: &mut SheetWriter, c: &Ctx, s: &Survival) -> Result<(), XlsxRenderError> {
    let grouping = if s.grouping == "all" {
        c.t("endpoint.all")
    } else {
        s.grouping.clone()
    };
    let title = format!(
        "{}{}{}",
        endpoint_label(c, s),
        c.t("xlsx_text.title_sep"),
        grouping
    );
    let title_row = w.caption(&title)?;
    if let Some(why) = &s.not_estimable {
        return w.note(&format!("{}: {why}", c.t("xlsx_text.not_estimable")));
    }
    let sheet = w.sheet_name.clone();
    let nr = c.nr();
    let na = c.t("xlsx_text.na");

    // Summary per group: n, events, median (95% CI), landmark survival (95% CI).
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
        .map(|g| {
            let mut r = vec![
                Cell::text(&g.label),
                Cell::count(g.n),
                Cell::count(g.events),
                Cell::opt_or(g.median, &nr),
                Cell::opt_or(g.median_ci[0], &nr),
                Cell::opt_or(g.median_ci[1], &nr),
            ];
            for t in &landmarks {
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
        })
        .collect();
    w.table(&TableData {
        columns,
        rows,
        empty_note: Some(c.t("xlsx_text.no_data")),
        ..Default::default()
    })?;

    // Log-rank and Cox.
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
    if let Some(cx) = &s.cox {
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
    if !rows.is_empty() {
        w.table(&TableData {
            columns: vec![
                col(c.t("xlsx_col.test"), Kind::Label),
                col(c.t("xlsx_col.chisq"), Kind::Stat),
                col(c.t("xlsx_col.df"), Kind::Count),
                col(c.t("xlsx_col.p"), Kind::PValue),
                col(c.t("endpoint.hr"), Kind::Hr),
                col(c.t("xlsx_col.ci_low"), Kind::Hr),
                col(c.t("xlsx_col.ci_high"), Kind::Hr),
                col(c.t("xlsx_col.note"), Kind::Text),
            ],
            rows,
            ..Default::default()
        })?;
    }

    // Room for the chart, inserted once its data is written.
    let chart_row = w.row;
    w.gap(chart_rows(w.st.chart_height) + 1);

    // Number at risk under the x-axis ticks.
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
    w.table(&TableData {
        caption: Some(format!("{} ({})", c.t("endpoint.at_risk"), time_label(c))),
        columns,
        rows,
        ..Default::default()
    })?;

    // KM tables.
    for g in &s.groups {
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
        w.table(&TableData {
            caption: Some(format!(
                "{}{}{}",
                c.t("xlsx_caption.km_table"),
                c.t("xlsx_text.title_sep"),
                g.label
            )),
            columns: vec![
                col(c.t("xlsx_col.time"), Kind::Time),
                col(c.t("xlsx_col.n_risk"), Kind::Count),
                col(c.t("xlsx_col.n_event"), Kind::Count),
                col(c.t("xlsx_col.n_censor"), Kind::Count),
                col(c.t("xlsx_col.surv"), Kind::Proportion),
                col(c.t("xlsx_col.std_err"), Kind::Proportion),
                col(c.t("xlsx_col.lower"), Kind::Proportion),
                col(c.t("xlsx_col.upper"), Kind::Proportion),
            ],
            rows,
            empty_note: Some(c.t("xlsx_text.no_data")),
            ..Default::default()
        })?;
    }

    // Chart data: axis titles, then per group six columns: step t, S, CI lower, CI upper
    // (steps at the same times), censor t, S.
    w.caption(&c.t("xlsx_caption.chart_data"))?;
    let axis_row = w.row;
    let note = w.st.note();
    write_text(w.ws, axis_row, 0, &time_label(c), &note)?;
    write_text(w.ws, axis_row, 1, &endpoint_label(c, s), &note)?;
    let name_row = axis_row + 1;
    let head_row = name_row + 1;
    let data_row = head_row + 1;
    let mut series = Vec::with_capacity(s.groups.len());
    let mut longest = 0u32;
    for (gi, g) in s.groups.iter().enumerate() {
        let c0 = (gi * 6) as u16;
        let hf = w.st.cell(Kind::Time, Role::Header);
        write_text(w.ws, name_row, c0, &g.label, &w.st.caption())?;
        for (j, h) in [
            c.t("xlsx_col.time"),
            c.t("xlsx_col.surv"),
            c.t("xlsx_col.lower"),
            c.t("xlsx_col.upper"),
            c.t("xlsx_col.censor_time"),
            c.t("xlsx_col.surv"),
        ]
        .iter()
        .enumerate()
        {
            write_text(w.ws, head_row, c0 + j as u16, h, &hf)?;
        }
        let steps = step_points(g);
        let band = ci_steps(g);
        let cens = censor_points(g);
        for (k, ((x, y), (lo, hi))) in steps.iter().zip(&band).enumerate() {
            let r = data_row + k as u32;
            w.cell(r, c0, &Cell::num(*x), Kind::Time, Role::Body)?;
            w.cell(r, c0 + 1, &Cell::num(*y), Kind::Proportion, Role::Body)?;
            w.cell(r, c0 + 2, &Cell::opt(*lo), Kind::Proportion, Role::Body)?;
            w.cell(r, c0 + 3, &Cell::opt(*hi), Kind::Proportion, Role::Body)?;
        }
        for (k, (x, y)) in cens.iter().enumerate() {
            let r = data_row + k as u32;
            w.cell(r, c0 + 4, &Cell::num(*x), Kind::Time, Role::Body)?;
            w.cell(r, c0 + 5, &Cell::num(*y), Kind::Proportion, Role::Body)?;
        }
        for cc in 0..6u16 {
            w.widen(c0 + cc, w.st.width(Kind::Time));
        }
        longest = longest.max(steps.len() as u32).max(cens.len() as u32);
        series.push((c0, steps.len() as u32, cens.len() as u32));
    }
    w.row = data_row + longest + 2;

    let mut chart = Chart::new(ChartType::ScatterStraight);
    let mut hidden_legend = Vec::new();
    let mut idx = 0usize;
    let band = c.cfg.report.km_ci_band;
    for (gi, (c0, n_steps, n_cens)) in series.iter().enumerate() {
        let color = w.st.chart_colors[gi % w.st.chart_colors.len()];
        let last = data_row + n_steps.saturating_sub(1);
        let range = |col: u16, last: u32| (sheet.as_str(), data_row, col, last, col);
        chart
            .add_series()
            .set_name((sheet.as_str(), name_row, *c0))
            .set_categories(range(*c0, last))
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
                    .set_name((sheet.as_str(), head_row, c0 + off))
                    .set_categories(range(*c0, last))
                    .set_values(range(c0 + off, last))
                    .set_marker(ChartMarker::new().set_none())
                    .set_format(
                        ChartFormat::new().set_line(
                            ChartLine::new()
                                .set_color(color)
                                .set_width(0.75)
                                .set_dash_type(ChartLineDashType::Dash),
                        ),
                    );
                hidden_legend.push(idx);
                idx += 1;
            }
        }
        if *n_cens > 0 {
            let last = data_row + n_cens - 1;
            chart
                .add_series()
                .set_name((sheet.as_str(), name_row, *c0))
                .set_categories(range(c0 + 4, last))
                .set_values(range(c0 + 5, last))
                .set_marker(
                    ChartMarker::new()
                        .set_type(ChartMarkerType::PlusSign)
                        .set_size(7)
                        .set_format(
                            ChartFormat::new()
                                .set_line(ChartLine::new().set_color(color))
                                .set_solid_fill(ChartSolidFill::new().set_color(color)),
                        ),
                )
                .set_format(ChartFormat::new().set_no_line());
            hidden_legend.push(idx);
            idx += 1;
        }
    }
    chart
        .title()
        .set_name((sheet.as_str(), title_row, 0))
        .set_font(ChartFont::new().set_size(w.st.size + 2.0).set_bold());
    chart
        .x_axis()
        .set_name((sheet.as_str(), axis_row, 0))
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
        .set_name((sheet.as_str(), axis_row, 1))
        .set_min(0.0)
        .set_max(1.0)
        .set_major_unit(0.2)
        .set_num_format("0%")
        .set_major_gridlines(false);
    chart
        .legend()
        .set_position(ChartLegendPosition::Bottom)
        .delete_entries(&hidden_legend);
    chart
        .set_width(w.st.chart_width)
        .set_height(w.st.chart_height);
    chart.set_alt_text(title.as_str());
    w.ws.insert_chart_with_offset(chart_row, 0, &chart, 4, 4)?;
    Ok(())
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
    Ok(())
}

/// The forest plot: HR markers with custom 95% CI error bars on a log axis, a reference line
/// at HR = 1, each point labelled from the subgroup cell of the forest table. The chart data
/// (position, HR, CI distances) sit beside the table rows, from column `data_col`.
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
    let sheet = w.sheet_name.clone();
    let head = first_row - 1;
    let hf = w.st.cell(Kind::Hr, Role::Header);
    for (j, h) in [
        c.t("xlsx_col.forest_position"),
        c.t("endpoint.hr"),
        c.t("xlsx_col.ci_minus"),
        c.t("xlsx_col.ci_plus"),
        c.t("xlsx_col.reference_line"),
        c.t("xlsx_col.forest_position"),
    ]
    .iter()
    .enumerate()
    {
        write_text(w.ws, head, data_col + j as u16, h, &hf)?;
        w.widen(data_col + j as u16, w.st.width(Kind::Hr));
    }
    for (i, f) in rows.iter().enumerate() {
        let r = first_row + i as u32;
        if let (Some(hr), Some(lo), Some(hi)) = (f.hr, f.ci[0], f.ci[1]) {
            let y = f64::from(n - i as u32);
            for (j, v) in [y, hr, hr - lo, hi - hr].iter().enumerate() {
                w.cell(r, data_col + j as u16, &Cell::num(*v), Kind::Hr, Role::Body)?;
            }
        }
    }
    // The reference line at HR = 1, from below the first to above the last position.
    for (k, y) in [0.0, f64::from(n) + 1.0].iter().enumerate() {
        let r = first_row + k as u32;
        w.cell(r, data_col + 4, &Cell::num(1.0), Kind::Hr, Role::Body)?;
        w.cell(r, data_col + 5, &Cell::num(*y), Kind::Hr, Role::Body)?;
    }
    let last = first_row + n - 1;
    let color = w.st.chart_colors[0];
    let range = |col: u16, last: u32| ChartRange::new_from_range(&sheet, first_row, col, last, col);
    let mut chart = Chart::new(ChartType::ScatterStraight);
    let labels: Vec<ChartDataLabel> = (0..n)
        .map(|i| {
            let mut l = ChartDataLabel::new();
            l.set_value((sheet.as_str(), first_row + i, 0))
                .set_position(ChartDataLabelPosition::Above);
            l
        })
        .collect();
    chart
        .add_series()
        .set_name((sheet.as_str(), head, data_col + 1))
        .set_categories(&range(data_col + 1, last))
        .set_values(&range(data_col, last))
        .set_marker(
            ChartMarker::new()
                .set_type(ChartMarkerType::Square)
                .set_size(7)
                .set_format(
                    ChartFormat::new()
                        .set_line(ChartLine::new().set_color(color))
                        .set_solid_fill(ChartSolidFill::new().set_color(color)),
                ),
        )
        .set_format(ChartFormat::new().set_no_line())
        .set_custom_data_labels(&labels)
        .set_x_error_bars(
            ChartErrorBars::new()
                .set_type(ChartErrorBarsType::Custom(
                    range(data_col + 3, last),
                    range(data_col + 2, last),
                ))
                .set_direction(ChartErrorBarsDirection::Both)
                .set_end_cap(true)
                .set_format(ChartLine::new().set_color(color).set_width(1.25)),
        );
    chart
        .add_series()
        .set_name((sheet.as_str(), head, data_col + 4))
        .set_categories(&range(data_col + 4, first_row + 1))
        .set_values(&range(data_col + 5, first_row + 1))
        .set_marker(ChartMarker::new().set_none())
        .set_format(
            ChartFormat::new().set_line(
                ChartLine::new()
                    .set_color(Color::Gray)
                    .set_width(0.75)
                    .set_dash_type(ChartLineDashType::Dash),
            ),
        );
    chart.title().set_hidden();
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
    chart
        .x_axis()
        .set_name((sheet.as_str(), head, data_col + 1))
        .set_log_base(10)
        .set_min(10f64.powf(bounds.0.log10().floor()))
        .set_max(10f64.powf(bounds.1.log10().ceil()))
        .set_major_gridlines(false);
    chart
        .y_axis()
        .set_min(0.0)
        .set_max(f64::from(n) + 1.0)
        .set_hidden(true)
        .set_major_gridlines(false);
    chart.legend().set_hidden();
    chart
        .set_width(w.st.chart_width)
        .set_height((60 * n + 140).min(1200));
    chart.set_alt_text(c.t("xlsx_title.forest").as_str());
    let at = w.row;
    w.ws.insert_chart_with_offset(at, 0, &chart, 4, 4)?;
    w.gap((60 * n + 140).min(1200).div_ceil(20) + 1);
    Ok(())
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
        w.widen(col, w.st.width(Kind::Time));
        for (i, s) in rows.iter().enumerate() {
            let mine = s.regimen.as_deref().unwrap_or(none.as_str()) == reg.as_str();
            let cell = if mine { Cell::num(s.end) } else { Cell::Blank };
            w.cell(first_row + i as u32, col, &cell, Kind::Time, Role::Body)?;
        }
    }
    let last = first_row + n - 1;
    let mut chart = Chart::new(ChartType::BarStacked);
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
    w.gap(height.div_ceil(20) + 1);
    Ok(())
}
