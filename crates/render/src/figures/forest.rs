//! Forest plot: PFS hazard ratio (95% CI) of every configured two-level grouping, on a log
//! scale with a reference line at HR = 1, with the numbers in a column to the right. The log
//! axis takes ratio breaks (0.25, 0.5, 1, 2, 4 …: [`mmreport_core::breaks::log_breaks`]).

use super::{centred_text, est_width, linear, Area, FigureError, Ticks, FONT, GREY, INK, PALETTE};
use crate::context::Ctx;
use crate::results::ForestRow;
use plotters::coord::combinators::LogCoord;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const W: u32 = 760;
const ROW: u32 = 30;
const RIGHT: u32 = 230;

/// Height of the column-title band above the plot.
const HEAD: u32 = 34;

/// The chart: HR on a log x axis, one row per y unit.
type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticks<LogCoord<f64>>, Ticks<RangedCoordf64>>>;

/// Every drawing error of this figure is reported as a `forest` [`FigureError`].
fn err(e: impl std::fmt::Display) -> FigureError {
    FigureError::draw("forest", e)
}

/// The label of one row: `label: comparison` (or the label alone).
fn row_text(r: &ForestRow) -> String {
    if r.comparison.is_empty() {
        r.label.clone()
    } else {
        format!("{}: {}", r.label, r.comparison)
    }
}

/// The log axis: breaks around every CI (at least 0.5 to 2, at most 1e-3 to 1e3) from
/// [`mmreport_core::breaks::log_breaks`] (doublings 0.25, 0.5, 1, 2, 4 over a narrow range,
/// the 1-2-5 series or decades over wider ones); the axis runs from the first to the last.
fn log_axis(rows: &[ForestRow]) -> (f64, f64, Vec<f64>) {
    let finite = |v: &f64| v.is_finite() && *v > 0.0;
    let lo = rows
        .iter()
        .filter_map(|r| r.ci[0].or(r.hr).filter(finite))
        .fold(0.5_f64, f64::min)
        .max(1e-3);
    let hi = rows
        .iter()
        .filter_map(|r| r.ci[1].or(r.hr).filter(finite))
        .fold(2.0_f64, f64::max)
        .min(1e3);
    let keys = mmreport_core::breaks::log_breaks(lo, hi);
    let first = keys.first().copied().unwrap_or(lo);
    let last = keys.last().copied().unwrap_or(hi);
    (first, last, keys)
}

/// A tick label of the HR axis: at most 3 decimals, trailing zeros dropped (0.25, 0.5, 1, 10).
fn hr_tick(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A text centred vertically at `(x, y)`, anchored on its `h` side.
fn text(
    root: &Area,
    s: String,
    at: (i32, i32),
    font: &TextStyle,
    h: HPos,
) -> Result<(), FigureError> {
    centred_text(root, "forest", s, at, font, h)
}

/// Draws the forest plot as a standalone SVG document (a reference row shows its text and
/// no estimate).
pub fn forest_svg(rows: &[ForestRow], ctx: &Ctx) -> Result<String, FigureError> {
    let n = rows.len().max(1);
    let h = HEAD + ROW * n as u32 + 56;
    let texts: Vec<String> = rows.iter().map(row_text).collect();
    let left = texts
        .iter()
        .map(|t| est_width(t, 13.0) + 24)
        .max()
        .unwrap_or(120)
        .clamp(120, 320) as u32;
    let (lo, hi, keys) = log_axis(rows);

    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (_, body) = root.split_vertically(HEAD);
        let font = (FONT, 13).into_font().color(&INK);
        let mut chart = ChartBuilder::on(&body)
            .margin_right(RIGHT)
            .x_label_area_size(44)
            .y_label_area_size(left)
            .build_cartesian_2d(
                Ticks::new(LogCoord::from((lo..hi).log_scale()), keys),
                linear(-0.5..(n as f64 - 0.5), vec![]),
            )
            .map_err(err)?;
        draw_axes(&mut chart, ctx, &font, n)?;
        draw_column_titles(&root, ctx, &font)?;
        for (i, r) in rows.iter().enumerate() {
            let yv = (n - 1 - i) as f64;
            draw_row_text(&root, &chart, ctx, &font, (&texts[i], r), yv)?;
            if let Some(hr) = r.hr {
                draw_estimate(&mut chart, r, hr, yv, (lo, hi))?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// The x axis (HR, log scale) and the dashed reference line at HR = 1 across all `n` rows.
fn draw_axes(chart: &mut Chart, ctx: &Ctx, font: &TextStyle, n: usize) -> Result<(), FigureError> {
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .x_desc(format!(
            "{} ({})",
            ctx.l("html.hazard_ratio"),
            ctx.l("html.log_scale")
        ))
        .label_style(font.clone())
        .axis_desc_style(font.clone())
        .x_label_formatter(&|v| hr_tick(*v))
        .axis_style(INK)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(std::iter::once(DashedPathElement::new(
            vec![(1.0, -0.5), (1.0, n as f64 - 0.5)],
            4,
            3,
            GREY.stroke_width(1),
        )))
        .map_err(err)?;
    Ok(())
}

/// The titles of the three columns: subgroup, HR (95% CI), P.
fn draw_column_titles(root: &Area, ctx: &Ctx, font: &TextStyle) -> Result<(), FigureError> {
    let y = HEAD as i32 / 2 + 4;
    text(root, ctx.l("html.subgroup"), (8, y), font, HPos::Left)?;
    let hr = format!("{} ({})", ctx.l("endpoint.hr"), ctx.l("html.ci95"));
    text(root, hr, (right_x(), y), font, HPos::Left)?;
    text(root, "P".to_string(), (W as i32 - 12, y), font, HPos::Right)
}

/// The x of the numbers column, right of the plot area.
fn right_x() -> i32 {
    W as i32 - RIGHT as i32 + 16
}

/// The texts of one row at the height of `yv`: its label, `HR (CI)` (or "not estimable") and
/// the P value when there is one.
fn draw_row_text(
    root: &Area,
    chart: &Chart,
    ctx: &Ctx,
    font: &TextStyle,
    (label, r): (&str, &ForestRow),
    yv: f64,
) -> Result<(), FigureError> {
    let (_, y) = chart.backend_coord(&(1.0, yv));
    text(root, label.to_string(), (8, y), font, HPos::Left)?;
    let numbers = match r.hr {
        _ if r.reference => ctx.l("html.reference_level"),
        Some(hr) => ctx.hr_ci(hr, r.ci),
        None => ctx.l("html.not_estimable"),
    };
    text(root, numbers, (right_x(), y), font, HPos::Left)?;
    if let Some(p) = r.p {
        let p = crate::format::p_value(p, ctx.p_style, ctx.p_digits);
        text(root, p, (W as i32 - 12, y), font, HPos::Right)?;
    }
    Ok(())
}

/// The CI line and the HR square of one row, clamped to the axis bounds (an open CI bound
/// runs to the edge).
fn draw_estimate(
    chart: &mut Chart,
    r: &ForestRow,
    hr: f64,
    yv: f64,
    (lo, hi): (f64, f64),
) -> Result<(), FigureError> {
    let c = PALETTE[0];
    let clamp = |v: f64| v.clamp(lo, hi);
    let (a, b) = (clamp(r.ci[0].unwrap_or(lo)), clamp(r.ci[1].unwrap_or(hi)));
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(a, yv), (b, yv)],
            c.stroke_width(2),
        )))
        .map_err(err)?;
    chart
        .draw_series(std::iter::once(
            EmptyElement::at((clamp(hr), yv)) + Rectangle::new([(-5, -5), (5, 5)], c.filled()),
        ))
        .map_err(err)?;
    Ok(())
}
