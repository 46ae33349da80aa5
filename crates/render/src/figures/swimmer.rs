//! Swimmer plot: one bar per patient from the index date to last contact, coloured by regimen;
//! a mark at each response assessment (coloured by response), PD and death marks, and an
//! arrow at the end of the lane of each ongoing patient (alive without progression at the
//! last contact: `SwimmerRow.ongoing`).
//!
//! Issue 14: lanes are sorted by duration, the longest at the top (ties by patient id), as
//! swimmer plots are read (the order of the workbook's ids says nothing); the time axis takes
//! nice breaks of the follow-up ([`mmreport_core::breaks::time_step`]).

use super::{
    centred_text, est_width, linear, palette, response_colour, tick, Area, FigureError, Ticks,
    FONT, GREY, INK, RESPONSES,
};
use crate::context::Ctx;
use crate::results::SwimmerRow;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const W: u32 = 760;
const ROW: u32 = 16;

/// Regimens in order of first appearance (`None` is not listed).
fn regimens(rows: &[SwimmerRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in rows {
        if let Some(g) = &r.regimen {
            if !out.contains(g) {
                out.push(g.clone());
            }
        }
    }
    out
}

/// Height of the two-line legend band above the plot.
const HEAD: u32 = 56;

/// The plot area: time on x, one patient per y unit.
type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticks<RangedCoordf64>, Ticks<RangedCoordf64>>>;

/// Every drawing error of this figure is reported as a `swimmer` [`FigureError`].
fn err(e: impl std::fmt::Display) -> FigureError {
    FigureError::draw("swimmer", e)
}

/// A text vertically centred at `at`, left-anchored.
fn text(area: &Area, s: String, at: (i32, i32), font: &TextStyle) -> Result<(), FigureError> {
    centred_text(area, "swimmer", s, at, font, HPos::Left)
}

/// The x axis: its end (a quarter step past the last tick) and nice ticks of the follow-up
/// in `unit`.
fn x_axis(rows: &[SwimmerRow], unit: &str) -> (f64, Vec<f64>) {
    let xmax = rows
        .iter()
        .map(|r| r.end)
        .chain(rows.iter().flat_map(|r| r.marks.iter().map(|m| m.time)))
        .filter(|t| t.is_finite())
        .fold(1.0_f64, f64::max);
    let step = mmreport_core::breaks::time_step(xmax, unit);
    let keys = mmreport_core::breaks::ticks_from_zero(xmax, step);
    let last = keys.last().copied().unwrap_or(step);
    (last + step * 0.25, keys)
}

/// The lanes in drawing order: longest duration first (drawn at the top), ties by patient id;
/// a duration that is not a number sorts last.
pub fn by_duration(rows: &[SwimmerRow]) -> Vec<SwimmerRow> {
    let mut sorted = rows.to_vec();
    sorted.sort_by(|a, b| {
        let key = |r: &SwimmerRow| if r.end.is_finite() { r.end } else { f64::MIN };
        key(b)
            .total_cmp(&key(a))
            .then_with(|| a.patient_id.cmp(&b.patient_id))
    });
    sorted
}

/// Draws the swimmer plot as a standalone SVG document, lanes sorted by duration.
pub fn swimmer_svg(rows: &[SwimmerRow], ctx: &Ctx) -> Result<String, FigureError> {
    let sorted = by_duration(rows);
    let rows = sorted.as_slice();
    let n = rows.len().max(1);
    let regs = regimens(rows);
    let h = HEAD + ROW * n as u32 + 60;
    let (xmax_axis, keys) = x_axis(rows, ctx.time_unit);
    let left = rows
        .iter()
        .map(|r| est_width(&r.patient_id, 12.0) + 16)
        .max()
        .unwrap_or(50)
        .clamp(50, 160) as u32;

    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (legend, body) = root.split_vertically(HEAD);
        let font = (FONT, 12).into_font().color(&INK);
        let mut chart = ChartBuilder::on(&body)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(left + 22)
            .build_cartesian_2d(
                linear(0.0..xmax_axis, keys),
                linear(-0.5..(n as f64 - 0.5), (0..n).map(|i| i as f64).collect()),
            )
            .map_err(err)?;
        draw_mesh(&mut chart, ctx, &font, rows)?;
        for (i, r) in rows.iter().enumerate() {
            draw_patient(&mut chart, r, (n - 1 - i) as f64, &regs)?;
        }
        // Legend: regimens (bars) on the first line, marks on the second.
        draw_regimen_legend(&legend, ctx, &font, &regs)?;
        draw_mark_legend(&legend, ctx, &font)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// The axes: time (catalog unit title) and the patient ids, first patient on top.
fn draw_mesh(
    chart: &mut Chart,
    ctx: &Ctx,
    font: &TextStyle,
    rows: &[SwimmerRow],
) -> Result<(), FigureError> {
    let n = rows.len().max(1);
    let ids: Vec<String> = rows.iter().map(|r| r.patient_id.clone()).collect();
    let y_fmt = |v: &f64| {
        let i = v.round() as usize;
        if i < n {
            ids.get(n - 1 - i).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .x_desc(ctx.time_axis())
        .y_desc(ctx.l("figure.swimmer_order"))
        .label_style(font.clone())
        .axis_desc_style(font.clone())
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&y_fmt)
        .axis_style(INK)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// One patient at height `y`: the bar in the regimen's colour (grey without one), the
/// on-study arrow, then each mark (death cross, PD triangle, response dot).
fn draw_patient(
    chart: &mut Chart,
    r: &SwimmerRow,
    y: f64,
    regs: &[String],
) -> Result<(), FigureError> {
    let c = match &r.regimen {
        Some(g) => palette(regs.iter().position(|x| x == g).unwrap_or(0)),
        None => GREY,
    };
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, y - 0.32), (r.end.max(0.0), y + 0.32)],
            c.mix(0.35).filled(),
        )))
        .map_err(err)?;
    if r.ongoing {
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((r.end, y))
                    + PathElement::new(vec![(2, 0), (12, 0)], INK.stroke_width(1))
                    + PathElement::new(vec![(8, -4), (12, 0), (8, 4)], INK.stroke_width(1)),
            ))
            .map_err(err)?;
    }
    for m in &r.marks {
        let at = (m.time, y);
        match m.kind.as_str() {
            "death" => chart
                .draw_series(std::iter::once(Cross::new(at, 5, INK.stroke_width(2))))
                .map(|_| ()),
            "PD" => chart
                .draw_series(std::iter::once(TriangleMarker::new(
                    at,
                    6,
                    response_colour("PD").filled(),
                )))
                .map(|_| ()),
            k => chart
                .draw_series(std::iter::once(
                    EmptyElement::at(at)
                        + Circle::new((0, 0), 4, response_colour(k).filled())
                        + Circle::new((0, 0), 4, INK.stroke_width(1)),
                ))
                .map(|_| ()),
        }
        .map_err(err)?;
    }
    Ok(())
}

/// The first legend line: `Regimen:` then a bar swatch and the name of every regimen.
fn draw_regimen_legend(
    legend: &Area,
    ctx: &Ctx,
    font: &TextStyle,
    regs: &[String],
) -> Result<(), FigureError> {
    let mut x = 8;
    text(
        legend,
        format!("{}:", ctx.l("variable.regimen")),
        (x, 14),
        font,
    )?;
    x += est_width(&ctx.l("variable.regimen"), 12.0) + 16;
    for (i, g) in regs.iter().enumerate() {
        legend
            .draw(&Rectangle::new(
                [(x, 8), (x + 18, 20)],
                palette(i).mix(0.35).filled(),
            ))
            .map_err(err)?;
        text(legend, g.clone(), (x + 24, 14), font)?;
        x += est_width(g, 12.0) + 44;
    }
    Ok(())
}

/// The second legend line: a dot per response category but PD, then the PD triangle, the
/// death cross and the on-study arrow.
fn draw_mark_legend(legend: &Area, ctx: &Ctx, font: &TextStyle) -> Result<(), FigureError> {
    let mut x = 8;
    let y = 38;
    for code in RESPONSES.iter().filter(|c| **c != "PD") {
        legend
            .draw(
                &(EmptyElement::at((x + 5, y))
                    + Circle::new((0, 0), 4, response_colour(code).filled())
                    + Circle::new((0, 0), 4, INK.stroke_width(1))),
            )
            .map_err(err)?;
        text(legend, code.to_string(), (x + 14, y), font)?;
        x += est_width(code, 12.0) + 26;
    }
    legend
        .draw(&TriangleMarker::new(
            (x + 5, y),
            6,
            response_colour("PD").filled(),
        ))
        .map_err(err)?;
    let pd = ctx.l("response.PD");
    text(legend, pd.clone(), (x + 14, y), font)?;
    x += est_width(&pd, 12.0) + 30;
    legend
        .draw(&Cross::new((x + 5, y), 5, INK.stroke_width(2)))
        .map_err(err)?;
    let death = ctx.l("html.death");
    text(legend, death.clone(), (x + 14, y), font)?;
    x += est_width(&death, 12.0) + 30;
    legend
        .draw(
            &(EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (10, 0)], INK.stroke_width(1))
                + PathElement::new(vec![(6, -4), (10, 0), (6, 4)], INK.stroke_width(1))),
        )
        .map_err(err)?;
    text(legend, ctx.l("figure.swimmer_ongoing"), (x + 16, y), font)
}
