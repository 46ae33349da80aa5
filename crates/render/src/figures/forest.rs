//! Forest plot: PFS hazard ratio (95% CI) of every configured two-level grouping, on a log
//! scale with a reference line at HR = 1, with the numbers in a column to the right.

use super::{est_width, linear, FigCtx, FigureError, Ticks, FONT, GREY, INK, PALETTE};
use crate::format::{ci, fixed};
use crate::results::ForestRow;
use plotters::coord::combinators::LogCoord;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const W: u32 = 760;
const ROW: u32 = 30;
const RIGHT: u32 = 230;

/// Draws the forest plot as a standalone SVG document.
pub fn forest_svg(rows: &[ForestRow], ctx: &FigCtx) -> Result<String, FigureError> {
    let err = |e: &dyn std::fmt::Display| FigureError::draw("forest", e);
    let n = rows.len().max(1);
    let head = 34u32;
    let h = head + ROW * n as u32 + 56;
    let texts: Vec<String> = rows
        .iter()
        .map(|r| {
            if r.comparison.is_empty() {
                r.label.clone()
            } else {
                format!("{}: {}", r.label, r.comparison)
            }
        })
        .collect();
    let left = texts
        .iter()
        .map(|t| est_width(t, 13.0) + 24)
        .max()
        .unwrap_or(120)
        .clamp(120, 320) as u32;
    let lo = rows
        .iter()
        .filter_map(|r| r.ci[0].or(r.hr))
        .fold(0.25_f64, f64::min)
        .max(1e-3);
    let hi = rows
        .iter()
        .filter_map(|r| r.ci[1].or(r.hr))
        .fold(4.0_f64, f64::max)
        .min(1e3);
    // Axis bounds and ticks from the 1-2-5 series.
    let nice: Vec<f64> = (-3..=3)
        .flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e)))
        .collect();
    let lo = nice
        .iter()
        .copied()
        .filter(|v| *v <= lo * 1.0001)
        .fold(1e-3, f64::max);
    let hi = nice
        .iter()
        .copied()
        .filter(|v| *v >= hi * 0.9999)
        .fold(1e3, f64::min);
    let keys: Vec<f64> = nice
        .iter()
        .copied()
        .filter(|v| *v >= lo * 0.9999 && *v <= hi * 1.0001)
        .collect();

    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let (_, body) = root.split_vertically(head);
        let font = (FONT, 13).into_font().color(&INK);
        let mut chart = ChartBuilder::on(&body)
            .margin_right(RIGHT)
            .x_label_area_size(44)
            .y_label_area_size(left)
            .build_cartesian_2d(
                Ticks::new(LogCoord::from((lo..hi).log_scale()), keys),
                linear(-0.5..(n as f64 - 0.5), vec![]),
            )
            .map_err(|e| err(&e))?;
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
            .x_label_formatter(&|v| {
                if *v >= 1.0 {
                    format!("{v:.0}")
                } else {
                    format!("{v}")
                }
            })
            .axis_style(INK)
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(std::iter::once(DashedPathElement::new(
                vec![(1.0, -0.5), (1.0, n as f64 - 0.5)],
                4,
                3,
                GREY.stroke_width(1),
            )))
            .map_err(|e| err(&e))?;
        let c = PALETTE[0];
        let right_x = W as i32 - RIGHT as i32 + 16;
        root.draw(&Text::new(
            ctx.l("html.subgroup"),
            (8, head as i32 / 2 + 4),
            font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(|e| err(&e))?;
        root.draw(&Text::new(
            format!("{} ({})", ctx.l("endpoint.hr"), ctx.l("html.ci95")),
            (right_x, head as i32 / 2 + 4),
            font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(|e| err(&e))?;
        root.draw(&Text::new(
            "P".to_string(),
            (W as i32 - 12, head as i32 / 2 + 4),
            font.clone().pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(|e| err(&e))?;
        for (i, r) in rows.iter().enumerate() {
            let yv = (n - 1 - i) as f64;
            let (_, y) = chart.backend_coord(&(1.0, yv));
            root.draw(&Text::new(
                texts[i].clone(),
                (8, y),
                font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(|e| err(&e))?;
            let numbers = match r.hr {
                Some(hr) => format!(
                    "{} ({})",
                    fixed(Some(hr), 2, "NA"),
                    ci(r.ci[0], r.ci[1], 2, "NA")
                ),
                None => ctx.l("html.not_estimable"),
            };
            root.draw(&Text::new(
                numbers,
                (right_x, y),
                font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(|e| err(&e))?;
            if let Some(p) = r.p {
                root.draw(&Text::new(
                    crate::format::p_value(p, ctx.p_style, ctx.p_digits),
                    (W as i32 - 12, y),
                    font.clone().pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .map_err(|e| err(&e))?;
            }
            let Some(hr) = r.hr else { continue };
            let clamp = |v: f64| v.clamp(lo, hi);
            let (a, b) = (clamp(r.ci[0].unwrap_or(lo)), clamp(r.ci[1].unwrap_or(hi)));
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(a, yv), (b, yv)],
                    c.stroke_width(2),
                )))
                .map_err(|e| err(&e))?;
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((clamp(hr), yv))
                        + Rectangle::new([(-5, -5), (5, 5)], c.filled()),
                ))
                .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(buf)
}
