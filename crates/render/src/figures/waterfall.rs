//! Waterfall plot: best % change of the M-protein from baseline per patient, sorted from the
//! largest increase to the deepest decrease, coloured by best response, with dashed lines at
//! -50% (PR) and -90% (VGPR).

use super::{est_width, linear, response_colour, FigCtx, FigureError, FONT, GREY, INK, RESPONSES};
use crate::results::WaterfallRow;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const W: u32 = 760;
const H: u32 = 420;

/// Draws the waterfall plot as a standalone SVG document.
pub fn waterfall_svg(rows: &[WaterfallRow], ctx: &FigCtx) -> Result<String, FigureError> {
    let err = |e: &dyn std::fmt::Display| FigureError::draw("waterfall", e);
    let mut sorted: Vec<&WaterfallRow> = rows.iter().filter(|r| r.change_pct.is_finite()).collect();
    sorted.sort_by(|a, b| b.change_pct.total_cmp(&a.change_pct));
    let n = sorted.len().max(1);
    let top = sorted
        .iter()
        .map(|r| r.change_pct)
        .fold(50.0_f64, f64::max)
        .min(200.0);
    let top = (top / 25.0).ceil() * 25.0;
    let keys: Vec<f64> = {
        let mut v = Vec::new();
        let mut t = -100.0;
        while t <= top + 1e-9 {
            v.push(t);
            t += 25.0;
        }
        v
    };
    let head = 30u32;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, H + head)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let (legend, body) = root.split_vertically(head);
        let font = (FONT, 12).into_font().color(&INK);
        let mut chart = ChartBuilder::on(&body)
            .margin_right(24)
            .margin_top(8)
            .x_label_area_size(36)
            .y_label_area_size(76)
            .build_cartesian_2d(linear(0.0..n as f64, vec![]), linear(-105.0..top, keys))
            .map_err(|e| err(&e))?;
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
            .map_err(|e| err(&e))?;
        for (i, r) in sorted.iter().enumerate() {
            let c = response_colour(r.best_response.as_deref().unwrap_or("NE"));
            let v = r.change_pct.clamp(-100.0, top);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(i as f64 + 0.12, 0.0), (i as f64 + 0.88, v)],
                    c.filled(),
                )))
                .map_err(|e| err(&e))?;
        }
        for line in [-50.0, -90.0] {
            chart
                .draw_series(std::iter::once(DashedPathElement::new(
                    vec![(0.0, line), (n as f64, line)],
                    5,
                    4,
                    GREY.stroke_width(1),
                )))
                .map_err(|e| err(&e))?;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (n as f64, 0.0)],
                INK.stroke_width(1),
            )))
            .map_err(|e| err(&e))?;
        let mut x = 8;
        for code in RESPONSES {
            legend
                .draw(&Rectangle::new(
                    [(x, 9), (x + 12, 21)],
                    response_colour(code).filled(),
                ))
                .map_err(|e| err(&e))?;
            let t = code.to_string();
            legend
                .draw(&Text::new(
                    t.clone(),
                    (x + 16, 15),
                    font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(|e| err(&e))?;
            x += est_width(&t, 12.0) + 30;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(buf)
}
