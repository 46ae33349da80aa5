//! Waterfall plot: best % change of the M-protein from baseline per patient, sorted from the
//! largest increase to the deepest decrease, coloured by best response, with dashed lines at
//! -50% (PR) and -90% (VGPR).

use super::{est_width, linear, response_colour, FigureError, Ticks, FONT, GREY, INK, RESPONSES};
use crate::context::Ctx;
use crate::results::WaterfallRow;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const W: u32 = 760;
const H: u32 = 420;

/// Height of the legend band above the plot.
const HEAD: u32 = 30;

/// The chart: patients on x (one unit each), % change on y.
type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticks<RangedCoordf64>, Ticks<RangedCoordf64>>>;

/// Every drawing error of this figure is reported as a `waterfall` [`FigureError`].
fn err(e: impl std::fmt::Display) -> FigureError {
    FigureError::draw("waterfall", e)
}

/// The top of the y axis (the largest increase, at least 50% and at most 200%, rounded up to
/// 25%) and the y ticks every 25% from -100%.
fn y_axis(sorted: &[&WaterfallRow]) -> (f64, Vec<f64>) {
    let top = sorted
        .iter()
        .map(|r| r.change_pct)
        .fold(50.0_f64, f64::max)
        .min(200.0);
    let top = (top / 25.0).ceil() * 25.0;
    let mut keys = Vec::new();
    let mut t = -100.0;
    while t <= top + 1e-9 {
        keys.push(t);
        t += 25.0;
    }
    (top, keys)
}

/// Draws the waterfall plot as a standalone SVG document.
pub fn waterfall_svg(rows: &[WaterfallRow], ctx: &Ctx) -> Result<String, FigureError> {
    let mut sorted: Vec<&WaterfallRow> = rows.iter().filter(|r| r.change_pct.is_finite()).collect();
    sorted.sort_by(|a, b| b.change_pct.total_cmp(&a.change_pct));
    let n = sorted.len().max(1);
    let (top, keys) = y_axis(&sorted);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, H + HEAD)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (legend, body) = root.split_vertically(HEAD);
        let font = (FONT, 12).into_font().color(&INK);
        let mut chart = ChartBuilder::on(&body)
            .margin_right(24)
            .margin_top(8)
            .x_label_area_size(36)
            .y_label_area_size(76)
            .build_cartesian_2d(linear(0.0..n as f64, vec![]), linear(-105.0..top, keys))
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
        draw_bars(&mut chart, &sorted, top)?;
        draw_lines(&mut chart, n)?;
        draw_legend(&legend, &font)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// One bar per patient, coloured by best response, clamped to -100% .. `top`.
fn draw_bars(chart: &mut Chart, sorted: &[&WaterfallRow], top: f64) -> Result<(), FigureError> {
    for (i, r) in sorted.iter().enumerate() {
        let c = response_colour(r.best_response.as_deref().unwrap_or("NE"));
        let v = r.change_pct.clamp(-100.0, top);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(i as f64 + 0.12, 0.0), (i as f64 + 0.88, v)],
                c.filled(),
            )))
            .map_err(err)?;
    }
    Ok(())
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

/// The legend: a colour square and the code of every response category, in report order.
fn draw_legend(
    legend: &DrawingArea<SVGBackend<'_>, Shift>,
    font: &TextStyle,
) -> Result<(), FigureError> {
    let mut x = 8;
    for code in RESPONSES {
        legend
            .draw(&Rectangle::new(
                [(x, 9), (x + 12, 21)],
                response_colour(code).filled(),
            ))
            .map_err(err)?;
        let t = code.to_string();
        legend
            .draw(&Text::new(
                t.clone(),
                (x + 16, 15),
                font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(err)?;
        x += est_width(&t, 12.0) + 30;
    }
    Ok(())
}
