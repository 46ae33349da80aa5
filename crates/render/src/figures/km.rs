//! Kaplan-Meier figure: step curves, censoring `+` ticks, optional pointwise CI band, median
//! drop lines, a legend with n / events / median per group, the log-rank P and Cox HR, and the
//! number-at-risk table under the x axis.
//!
//! The risk table is aligned by construction: the x axis takes its ticks from
//! `Survival.risk_times` (plotters `with_key_points`), and each risk number is drawn at
//! `chart.backend_coord(time)`, the same mapping as the plot area. Those times are nice
//! breaks chosen from the follow-up ([`mmreport_core::breaks::time_step`]), so 23 years of
//! follow-up get 6 columns, not 47.
//!
//! Issue 14: with `[figures] km_table = "kmunicate"` the table is the KMunicate one (Morris
//! et al., BMJ Open 2019;9:e030215): per group the number at risk, and the events and the
//! censored before each time (cumulative), from `SurvGroup.events_before` /
//! `censored_before`. Above `[figures] censor_marks_max` censored patients no censoring mark
//! is drawn (at 5,000 patients they smear into a band) and a line under the figure says so.

use super::{
    centred_text, est_width, linear, palette, tick, Area, FigureError, Ticks, FONT, GREY, INK,
};
use crate::context::Ctx;
use crate::format::ratio;
use crate::results::{KmPoint, Survival};
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const W: u32 = 760;
const CHART_H: u32 = 380;
const ROW: u32 = 18;
/// Width of the y tick labels and title.
const Y_AREA: u32 = 64;

/// The legend text of one group: `All patients: n = 32, 20 events, median 11.0 (8.1, 16.0)`.
pub fn legend_text(
    ctx: &Ctx,
    label: &str,
    n: usize,
    events: usize,
    median: Option<f64>,
    mci: [Option<f64>; 2],
) -> String {
    let med = ctx.median_ci(median, mci);
    format!(
        "{label}: n = {n}, {} {events}, {} {med}",
        ctx.l("endpoint.events"),
        ctx.l("endpoint.median")
    )
}

/// The group label shown for a `SurvGroup` (`All` becomes the catalog's "All patients").
pub fn group_label(ctx: &Ctx, label: &str) -> String {
    if label.eq_ignore_ascii_case("all") {
        ctx.l("endpoint.all")
    } else {
        // A default grouping's level in the report's language; a site's own as written.
        ctx.value_label(label)
    }
}

/// The statistics line: `Log-rank P = 0.02 · HR 0.21 (95% CI 0.08, 0.52), P < 0.001`.
pub fn stats_text(ctx: &Ctx, s: &Survival) -> String {
    let mut parts = Vec::new();
    if let Some(lr) = &s.logrank {
        parts.push(format!("{} {}", ctx.l("html.logrank"), ctx.p(lr.p)));
    }
    // A grouping with levels: the HRs per level are in the table; the figure names the test.
    if let Some(p) = s
        .cox
        .as_ref()
        .filter(|c| !c.levels.is_empty())
        .and_then(|c| c.p_lrt)
    {
        parts.push(format!("{} {}", ctx.l("html.lrt_global"), ctx.p(p)));
    } else if let Some(c) = &s.cox {
        match c.hr {
            Some(hr) => {
                let mut t = format!(
                    "{} {} ({} {}, {})",
                    ctx.l("endpoint.hr"),
                    ratio(Some(hr), "NA"),
                    ctx.l("html.ci95"),
                    ratio(c.ci[0], "NA"),
                    ratio(c.ci[1], "NA")
                );
                if let Some(p) = c.p_wald {
                    t.push_str(&format!(", {}", ctx.p(p)));
                }
                parts.push(t);
            }
            None => parts.push(format!(
                "{} {}",
                ctx.l("endpoint.hr"),
                ctx.l("html.not_estimable")
            )),
        }
    }
    parts.join(" · ")
}

/// The step curve of one group: `(0, 1)` then a horizontal and a vertical segment per row.
fn steps(km: &[KmPoint], value: impl Fn(&KmPoint) -> f64, start: f64) -> Vec<(f64, f64)> {
    let mut pts = vec![(0.0, start)];
    let mut prev = start;
    for p in km {
        let v = value(p);
        pts.push((p.time, prev));
        pts.push((p.time, v));
        prev = v;
    }
    pts
}

/// The x range and ticks: ticks are the risk-table times (or nice breaks of the follow-up
/// when absent).
fn x_axis(s: &Survival, unit: &str) -> (f64, Vec<f64>) {
    let last_km = s
        .groups
        .iter()
        .flat_map(|g| g.km.iter().map(|p| p.time))
        .fold(0.0_f64, f64::max);
    let mut ticks: Vec<f64> = s
        .risk_times
        .iter()
        .copied()
        .filter(|t| t.is_finite())
        .collect();
    if ticks.is_empty() {
        let step = mmreport_core::breaks::time_step(last_km, unit);
        ticks = mmreport_core::breaks::ticks_from_zero(last_km, step);
    }
    let last_tick = ticks.iter().copied().fold(0.0_f64, f64::max);
    let xmax = last_tick.max(last_km).max(1.0);
    (xmax, ticks)
}

/// The plot area: time on x, survival probability on y.
type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticks<RangedCoordf64>, Ticks<RangedCoordf64>>>;

/// How a step-curve figure reads. The default is a Kaplan-Meier survival figure; the same
/// drawing serves the cumulative incidence figure (curves rising from 0, no medians, its own
/// legend) and the RMST figure (the area under each curve up to tau shaded).
#[derive(Debug, Clone)]
pub struct Style {
    /// Label key of the y-axis title.
    pub y_title: &'static str,
    /// The curves' value at time 0 (1 for survival, 0 for incidence).
    pub start: f64,
    /// Median drop lines and the CI band (survival figures only).
    pub survival: bool,
    /// Shade the area under each curve from 0 to this time (RMST).
    pub shade_to: Option<f64>,
    /// Legend lines replacing the n / events / median lines.
    pub legend: Option<Vec<String>>,
    /// Statistics line replacing the log-rank / Cox one.
    pub stats: Option<String>,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            y_title: "html.survival_probability",
            start: 1.0,
            survival: true,
            shade_to: None,
            legend: None,
            stats: None,
        }
    }
}

/// What the drawing steps of one KM figure share: the analysis, the labels, the group names
/// as shown and the text style.
struct Km<'a> {
    s: &'a Survival,
    ctx: &'a Ctx<'a>,
    labels: Vec<String>,
    font: TextStyle<'static>,
    style: &'a Style,
    /// Draw the censoring marks (at most `censor_marks_max` censored patients).
    marks: bool,
    /// Draw the KMunicate table (configured, and the results hold its numbers).
    kmunicate: bool,
    /// Where the table's row labels end: left of the y axis by half the widest first number.
    label_gap: i32,
}

impl Km<'_> {
    /// A drawing error, reported under the analysis id.
    fn err(&self, e: impl std::fmt::Display) -> FigureError {
        FigureError::draw(&self.s.id, e)
    }

    /// The colour of group `i` (a single curve takes the first colour).
    fn colour(&self, i: usize) -> RGBColor {
        palette(if self.s.groups.len() == 1 { 0 } else { i })
    }

    /// A text vertically centred at `at`, anchored on its `h` side.
    fn text(
        &self,
        root: &Area,
        s: String,
        at: (i32, i32),
        font: &TextStyle,
        h: HPos,
    ) -> Result<(), FigureError> {
        centred_text(root, &self.s.id, s, at, font, h)
    }
}

/// The heights of the legend band (a line per group, one more for the statistics) and of the
/// whole figure (legend, plot, the table of `table_rows` rows under it, a note line).
fn heights(ng: u32, has_stats: bool, table_rows: u32, note: bool) -> (u32, u32) {
    let legend_h = 12 + ROW * ng + if has_stats { ROW } else { 0 } + 6;
    let risk_h = 12 + ROW * table_rows + 8 + if note { ROW } else { 0 };
    (legend_h, legend_h + CHART_H + risk_h)
}

/// The rows of the table under the figure: its title, then a row per group (number at risk)
/// or, for the KMunicate table, three per group (at risk, events, censored) under a group
/// heading when there are several groups.
fn table_rows(ng: u32, kmunicate: bool) -> u32 {
    match (kmunicate, ng) {
        (false, _) => ng + 1,
        (true, 1) => 4,
        (true, _) => 1 + 4 * ng,
    }
}

/// The censored patients of all curves of `s`.
pub fn censored(s: &Survival) -> usize {
    s.groups
        .iter()
        .flat_map(|g| g.km.iter().map(|p| p.n_censor))
        .sum()
}

/// Whether the KMunicate table can be drawn: every group holds events and censored counts at
/// each risk time.
fn kmunicate_data(s: &Survival) -> bool {
    !s.groups.is_empty()
        && s.groups.iter().all(|g| {
            g.events_before.len() == g.at_risk.len() && g.censored_before.len() == g.at_risk.len()
        })
}

/// The KMunicate row names (at risk, events, censored).
fn kmunicate_names(ctx: &Ctx) -> [String; 3] {
    [
        ctx.l("figure.km_at_risk"),
        ctx.l("figure.km_events"),
        ctx.l("figure.km_censored"),
    ]
}

/// The room left of the plot: the widest risk-table label and the half of the widest
/// number of the first column (centred on the y axis), within `Y_AREA + 8` to 260 px.
fn left_margin(labels: &[String], first_half: i32) -> u32 {
    labels
        .iter()
        .map(|l| est_width(l, 13.0) + first_half + 20)
        .max()
        .unwrap_or(60)
        .clamp(Y_AREA as i32 + 8, 260) as u32
}

/// Half the estimated width of the widest number of the table's first column (at time 0:
/// the group sizes), so that the row labels end clear of it (4-digit registries).
fn first_half(s: &Survival) -> i32 {
    s.groups
        .iter()
        .filter_map(|g| g.at_risk.first())
        .map(|n| est_width(&n.to_string(), 13.0) / 2)
        .max()
        .unwrap_or(0)
}

/// Draws one survival analysis as a standalone SVG document.
pub fn km_svg(s: &Survival, ctx: &Ctx) -> Result<String, FigureError> {
    km_svg_styled(s, ctx, &Style::default())
}

/// Draws step curves of `s` in `style` as a standalone SVG document.
pub fn km_svg_styled(s: &Survival, ctx: &Ctx, style: &Style) -> Result<String, FigureError> {
    let ng = s.groups.len() as u32;
    let stats = style.stats.clone().unwrap_or_else(|| stats_text(ctx, s));
    let kmunicate = ctx.km_table == crate::config::KmTable::Kmunicate && kmunicate_data(s);
    let marks = censored(s) <= ctx.censor_marks_max;
    let (legend_h, h) = heights(ng, !stats.is_empty(), table_rows(ng, kmunicate), !marks);
    let labels: Vec<String> = s
        .groups
        .iter()
        .map(|g| group_label(ctx, &g.label))
        .collect();
    let half = first_half(s);
    let left = if kmunicate {
        left_margin(&kmunicate_names(ctx), half)
    } else {
        left_margin(&labels, half)
    };
    let k = Km {
        s,
        ctx,
        labels,
        font: (FONT, 13).into_font().color(&INK),
        style,
        marks,
        kmunicate,
        label_gap: half + 8,
    };
    let (xmax, ticks) = x_axis(s, ctx.time_unit);

    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| k.err(e))?;
        let (_, rest) = root.split_vertically(legend_h);
        let (plot_area, _) = rest.split_vertically(CHART_H);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_right(24)
            .margin_top(6)
            // Risk-table labels need room left of the axis; the y title stays near the axis.
            .margin_left(left.saturating_sub(Y_AREA))
            .x_label_area_size(44)
            .y_label_area_size(Y_AREA)
            .build_cartesian_2d(
                linear(0.0..xmax, ticks.clone()),
                linear(0.0..1.02, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
            )
            .map_err(|e| k.err(e))?;
        draw_mesh(&mut chart, &k)?;
        for i in 0..s.groups.len() {
            draw_group(&mut chart, &k, i)?;
        }
        // Legend and statistics above the plot (fixed positions; no text measurement).
        let (x0, _) = chart.backend_coord(&(0.0, 1.0));
        let (x1, _) = chart.backend_coord(&(xmax, 1.0));
        draw_legend(&root, &k, x0)?;
        if !stats.is_empty() {
            let y = 12 + (ROW * ng) as i32 + ROW as i32 / 2;
            k.text(&root, stats, (x1, y), &k.font, HPos::Right)?;
        }
        // Number-at-risk table: same x mapping as the plot.
        let top = (legend_h + CHART_H) as i32 + 12;
        if k.kmunicate {
            draw_kmunicate_table(&root, &chart, &k, &ticks, (x0, top))?;
        } else {
            draw_risk_table(&root, &chart, &k, &ticks, (x0, top))?;
        }
        if !k.marks {
            let note = k
                .ctx
                .l("figure.censor_marks_omitted")
                .replace("{n}", &censored(s).to_string())
                .replace("{max}", &ctx.censor_marks_max.to_string());
            let y = h as i32 - ROW as i32 / 2 - 4;
            k.text(&root, note, (8, y), &k.font, HPos::Left)?;
        }
        root.present().map_err(|e| k.err(e))?;
    }
    Ok(buf)
}

/// The axes: time (catalog unit title, risk-table ticks) and survival probability.
fn draw_mesh(chart: &mut Chart, k: &Km) -> Result<(), FigureError> {
    let unit = k.ctx.time_axis();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .x_desc(unit.as_str())
        .y_desc(k.ctx.l(k.style.y_title))
        .label_style(k.font.clone())
        .axis_desc_style(k.font.clone())
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .axis_style(INK)
        .draw()
        .map_err(|e| k.err(e))?;
    Ok(())
}

/// Group `i`: its CI band (when configured), step curve, censoring `+` ticks and the dashed
/// median drop line, in that order.
fn draw_group(chart: &mut Chart, k: &Km, i: usize) -> Result<(), FigureError> {
    let g = &k.s.groups[i];
    let c = k.colour(i);
    let start = k.style.start;
    if let Some(tau) = k.style.shade_to {
        let mut area = steps(&g.km, |p| p.surv, start);
        area.retain(|(t, _)| *t <= tau);
        let last = area.last().map(|p| p.1).unwrap_or(start);
        area.push((tau, last));
        area.push((tau, 0.0));
        area.push((0.0, 0.0));
        chart
            .draw_series(std::iter::once(Polygon::new(area, c.mix(0.18).filled())))
            .map_err(|e| k.err(e))?;
    }
    if k.style.survival && k.ctx.km_ci_band && !g.km.is_empty() {
        let up = steps(&g.km, |p| p.upper.unwrap_or(p.surv).min(1.0), 1.0);
        let lo = steps(&g.km, |p| p.lower.unwrap_or(p.surv).max(0.0), 1.0);
        let mut poly = up;
        poly.extend(lo.into_iter().rev());
        chart
            .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.15).filled())))
            .map_err(|e| k.err(e))?;
    }
    let curve = steps(&g.km, |p| p.surv, start);
    chart
        .draw_series(std::iter::once(PathElement::new(curve, c.stroke_width(2))))
        .map_err(|e| k.err(e))?;
    let ticks_style = c.stroke_width(1);
    chart
        .draw_series(g.km.iter().filter(|p| k.marks && p.n_censor > 0).map(|p| {
            EmptyElement::at((p.time, p.surv))
                + PathElement::new(vec![(0, -5), (0, 5)], ticks_style)
                + PathElement::new(vec![(-4, 0), (4, 0)], ticks_style)
        }))
        .map_err(|e| k.err(e))?;
    if let Some(m) = g.median.filter(|_| k.style.survival) {
        let dash = GREY.stroke_width(1);
        chart
            .draw_series(std::iter::once(DashedPathElement::new(
                vec![(0.0, 0.5), (m, 0.5), (m, 0.0)],
                4,
                3,
                dash,
            )))
            .map_err(|e| k.err(e))?;
    }
    Ok(())
}

/// One legend line per group from the plot's left edge `x0`: a colour stroke and
/// [`legend_text`], marking the Cox reference group when there are several.
fn draw_legend(root: &Area, k: &Km, x0: i32) -> Result<(), FigureError> {
    let ng = k.s.groups.len();
    for (i, g) in k.s.groups.iter().enumerate() {
        let y = 12 + (ROW * i as u32) as i32 + ROW as i32 / 2;
        root.draw(&PathElement::new(
            vec![(x0, y), (x0 + 24, y)],
            k.colour(i).stroke_width(3),
        ))
        .map_err(|e| k.err(e))?;
        let mut t = match k.style.legend.as_ref().and_then(|l| l.get(i)) {
            Some(line) => line.clone(),
            None => legend_text(k.ctx, &k.labels[i], g.n, g.events, g.median, g.median_ci),
        };
        if ng > 1 && k.s.cox.as_ref().is_some_and(|c| c.reference == g.label) {
            t.push_str(&format!(" ({})", k.ctx.l("html.reference_group")));
        }
        k.text(root, t, (x0 + 32, y), &k.font, HPos::Left)?;
    }
    Ok(())
}

/// The number-at-risk table under the x axis from row `top`: its title, then per group the
/// label right-aligned before `x0` in the group's colour and each count centred under its
/// tick (the chart's own x mapping).
fn draw_risk_table(
    root: &Area,
    chart: &Chart,
    k: &Km,
    ticks: &[f64],
    (x0, top): (i32, i32),
) -> Result<(), FigureError> {
    k.text(
        root,
        k.ctx.l("endpoint.at_risk"),
        (8, top),
        &k.font,
        HPos::Left,
    )?;
    for (i, g) in k.s.groups.iter().enumerate() {
        let y = top + (ROW * (i as u32 + 1)) as i32;
        let row_font = (FONT, 13).into_font().color(&k.colour(i));
        k.text(
            root,
            k.labels[i].clone(),
            (x0 - k.label_gap, y),
            &row_font,
            HPos::Right,
        )?;
        for (t, n) in ticks.iter().zip(g.at_risk.iter()) {
            let (x, _) = chart.backend_coord(&(*t, 0.0));
            k.text(root, n.to_string(), (x, y), &k.font, HPos::Center)?;
        }
    }
    Ok(())
}

/// The KMunicate table under the x axis from row `top`: its title, then per group (under its
/// label in the group's colour when there are several) the number at risk at each tick and
/// the events and censored before it, each count centred under its tick.
fn draw_kmunicate_table(
    root: &Area,
    chart: &Chart,
    k: &Km,
    ticks: &[f64],
    (x0, top): (i32, i32),
) -> Result<(), FigureError> {
    k.text(
        root,
        k.ctx.l("figure.kmunicate_title"),
        (8, top),
        &k.font,
        HPos::Left,
    )?;
    let names = kmunicate_names(k.ctx);
    let several = k.s.groups.len() > 1;
    let mut y = top;
    for (i, g) in k.s.groups.iter().enumerate() {
        let colour = (FONT, 13).into_font().color(&k.colour(i));
        if several {
            y += ROW as i32;
            k.text(root, k.labels[i].clone(), (8, y), &colour, HPos::Left)?;
        }
        for (name, counts) in names
            .iter()
            .zip([&g.at_risk, &g.events_before, &g.censored_before])
        {
            y += ROW as i32;
            k.text(
                root,
                name.clone(),
                (x0 - k.label_gap, y),
                &colour,
                HPos::Right,
            )?;
            for (t, n) in ticks.iter().zip(counts.iter()) {
                let (x, _) = chart.backend_coord(&(*t, 0.0));
                k.text(root, n.to_string(), (x, y), &k.font, HPos::Center)?;
            }
        }
    }
    Ok(())
}
