//! Waterfall plot: best % change from baseline per patient of the IMWG measure of their
//! disease (serum M-protein, else urine M-protein, else dFLC: `WaterfallRow.measure`), sorted
//! from the largest increase to the deepest decrease, coloured by best overall response, with
//! dashed lines at -50% (PR) and -90% (VGPR).
//!
//! Issue 14: a marker under each bar names its measure (legend with counts); a bar of about
//! 0% (shorter than 2 px) is drawn as a small block on the zero line; two lines under the plot
//! say why colour and length may disagree: the colour is the best overall response by IMWG
//! (Kumar 2016), which also needs confirmation, the other measures and the bone marrow, while
//! the length is the best change of the one plotted measure (an SD bar at +70% or a PR bar at
//! -35% is possible). The y axis takes nice breaks ([`mmreport_core::breaks::nice_step`]).

use super::{centred_text, est_width, linear, response_colour, FigureError, Ticks, FONT, GREY};
use super::{Area, INK, RESPONSES};
use crate::context::Ctx;
use crate::results::WaterfallRow;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const W: u32 = 760;
const H: u32 = 420;

/// Height of the legend band above the plot (response colours, measures).
const HEAD: u32 = 52;
/// Height of the two explanation lines under the plot.
const FOOT: u32 = 40;

/// Bars shorter than this (in pixels; 0% and changes of about 1%) are too short to see: they
/// are drawn as a block on the zero line instead.
const ZERO_BAR_PX: i32 = 2;

/// The measures in legend order: code, label key.
const MEASURES: [(&str, &str); 3] = [
    ("serum", "figure.measure_serum"),
    ("urine", "figure.measure_urine"),
    ("dflc", "figure.measure_dflc"),
];

/// The chart: patients on x (one unit each), % change on y.
type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticks<RangedCoordf64>, Ticks<RangedCoordf64>>>;

/// Every drawing error of this figure is reported as a `waterfall` [`FigureError`].
fn err(e: impl std::fmt::Display) -> FigureError {
    FigureError::draw("waterfall", e)
}

/// A text vertically centred at `at`, left-anchored.
fn text(area: &Area, s: String, at: (i32, i32), font: &TextStyle) -> Result<(), FigureError> {
    centred_text(area, "waterfall", s, at, font, HPos::Left)
}

/// The top of the y axis (the largest increase, at least 50% and at most 200%, rounded up to
/// the step) and the y ticks from -100% at a nice step (25% up to +50%, 50% beyond).
pub fn y_axis(sorted: &[&WaterfallRow]) -> (f64, Vec<f64>) {
    let top = sorted
        .iter()
        .map(|r| r.change_pct)
        .fold(50.0_f64, f64::max)
        .min(200.0);
    let step = mmreport_core::breaks::nice_step(top + 100.0, 6).max(25.0);
    let top = (top / step - 1e-9).ceil() * step;
    let n = ((top + 100.0) / step).round() as usize;
    let keys = (0..=n).map(|i| -100.0 + i as f64 * step).collect();
    (top, keys)
}

/// Draws the waterfall plot as a standalone SVG document.
pub fn waterfall_svg(rows: &[WaterfallRow], ctx: &Ctx) -> Result<String, FigureError> {
    let mut sorted: Vec<&WaterfallRow> = rows.iter().filter(|r| r.change_pct.is_finite()).collect();
    sorted.sort_by(|a, b| {
        b.change_pct
            .total_cmp(&a.change_pct)
            .then_with(|| a.patient_id.cmp(&b.patient_id))
    });
    let n = sorted.len().max(1);
    let (top, keys) = y_axis(&sorted);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, HEAD + H + FOOT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (legend, rest) = root.split_vertically(HEAD);
        let (body, foot) = rest.split_vertically(H);
        let font = (FONT, 12).into_font().color(&INK);
        let mut chart = ChartBuilder::on(&body)
            .margin_right(24)
            .margin_top(8)
            .x_label_area_size(36)
            .y_label_area_size(76)
            .build_cartesian_2d(linear(0.0..n as f64, vec![]), linear(-106.0..top, keys))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .x_desc(ctx.l("html.patients_sorted"))
            .y_desc(ctx.l("html.best_change"))
            .label_style(font.clone())
            .axis_desc_style(font.clone())
            .y_label_formatter(&|v| format!("{v:.0}"))
            .axis_style(INK)
            .draw()
            .map_err(err)?;
        draw_bars(&root, &mut chart, &sorted, top)?;
        draw_lines(&mut chart, n)?;
        draw_legend(&legend, &font)?;
        draw_measure_legend(&legend, ctx, &font, &sorted)?;
        let small = (FONT, 11).into_font().color(&INK);
        text(&foot, ctx.l("figure.waterfall_colour"), (8, 12), &small)?;
        text(&foot, ctx.l("figure.waterfall_length"), (8, 28), &small)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// One bar per patient, coloured by best response, clamped to -100% .. `top`; a bar of about
/// 0% as a block on the zero line; the patient's measure marker under the bar.
fn draw_bars(
    root: &Area,
    chart: &mut Chart,
    sorted: &[&WaterfallRow],
    top: f64,
) -> Result<(), FigureError> {
    for (i, r) in sorted.iter().enumerate() {
        let c = response_colour(r.best_response.as_deref().unwrap_or("NE"));
        let v = r.change_pct.clamp(-100.0, top);
        let (x0, x1) = (i as f64 + 0.12, i as f64 + 0.88);
        let (px0, py0) = chart.backend_coord(&(x0, 0.0));
        let (px1, py1) = chart.backend_coord(&(x1, v));
        if (py1 - py0).abs() >= ZERO_BAR_PX {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0, 0.0), (x1, v)],
                    c.filled(),
                )))
                .map_err(err)?;
        } else {
            let hw = ((px1 - px0) / 2).max(2);
            let mid = (i as f64 + 0.5, 0.0);
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(mid)
                        + Rectangle::new([(-hw, -3), (hw, 3)], c.filled())
                        + Rectangle::new([(-hw, -3), (hw, 3)], INK.stroke_width(1)),
                ))
                .map_err(err)?;
        }
        let at = chart.backend_coord(&(i as f64 + 0.5, -103.0));
        measure_marker(root, &r.measure, at)?;
    }
    Ok(())
}

/// The marker of a measure at pixel `at` of `area`: serum a filled square, urine an open
/// square, dFLC a triangle, anything else a small dot.
fn measure_marker(area: &Area, measure: &str, at: (i32, i32)) -> Result<(), FigureError> {
    let e = EmptyElement::at(at);
    match measure {
        "serum" => area.draw(&(e + Rectangle::new([(-3, -3), (3, 3)], INK.filled()))),
        "urine" => area.draw(&(e + Rectangle::new([(-3, -3), (3, 3)], INK.stroke_width(1)))),
        "dflc" => area.draw(&(e + TriangleMarker::new((0, 0), 4, INK.filled()))),
        _ => area.draw(&(e + Circle::new((0, 0), 2, GREY.filled()))),
    }
    .map_err(err)
}

/// The dashed PR (-50%) and VGPR (-90%) thresholds, then the solid zero line.
fn draw_lines(chart: &mut Chart, n: usize) -> Result<(), FigureError> {
    for line in [-50.0, -90.0] {
        chart
            .draw_series(std::iter::once(DashedPathElement::new(
                vec![(0.0, line), (n as f64, line)],
                5,
                4,
                GREY.stroke_width(1),
            )))
            .map_err(err)?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (n as f64, 0.0)],
            INK.stroke_width(1),
        )))
        .map_err(err)?;
    Ok(())
}

/// The first legend line: a colour square and the code of every response category, in
/// report order.
fn draw_legend(legend: &Area, font: &TextStyle) -> Result<(), FigureError> {
    let mut x = 8;
    for code in RESPONSES {
        legend
            .draw(&Rectangle::new(
                [(x, 9), (x + 12, 21)],
                response_colour(code).filled(),
            ))
            .map_err(err)?;
        let t = code.to_string();
        text(legend, t.clone(), (x + 16, 15), font)?;
        x += est_width(&t, 12.0) + 30;
    }
    Ok(())
}

/// The second legend line: `Measure:` then the marker, name and count of every measure
/// plotted.
fn draw_measure_legend(
    legend: &Area,
    ctx: &Ctx,
    font: &TextStyle,
    sorted: &[&WaterfallRow],
) -> Result<(), FigureError> {
    let y = 38;
    let title = ctx.l("figure.waterfall_measure");
    text(legend, title.clone(), (8, y), font)?;
    let mut x = 8 + est_width(&title, 12.0) + 12;
    for (code, key) in MEASURES {
        let count = sorted.iter().filter(|r| r.measure == code).count();
        if count == 0 {
            continue;
        }
        measure_marker(legend, code, (x + 4, y))?;
        let t = format!("{} (n = {count})", ctx.l(key));
        text(legend, t.clone(), (x + 14, y), font)?;
        x += est_width(&t, 12.0) + 30;
    }
    Ok(())
}
