//! SVG figures of the HTML report (and of `figures/*.svg`): Kaplan-Meier plots with their
//! number-at-risk tables, the forest plot, the swimmer and waterfall plots, and the CONSORT-style
//! cohort flow diagram.
//!
//! Chart areas are drawn with plotters' SVG backend; text is emitted as SVG `<text>` with a
//! CJK-capable font stack and never measured, so every layout decision uses fixed positions or
//! width estimates ([`est_width`]). Colours are the Okabe-Ito colour-blind-safe palette.

pub mod flow;
pub mod forest;
pub mod km;
pub mod swimmer;
pub mod waterfall;

use plotters::style::RGBColor;

/// Font stack of every figure: Chinese labels render wherever a CJK font is installed.
pub const FONT: &str =
    "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif";

/// Okabe-Ito palette, in the order groups and regimens use it.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
];

/// Near-black used for axes and text.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Grey for reference lines and not-evaluable marks.
pub const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// The colour of group / regimen number `i`.
pub fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The colour of a response category (and of the `PD` / `death` marks of the swimmer plot).
pub fn response_colour(code: &str) -> RGBColor {
    match code {
        "sCR" => RGBColor(0xCC, 0x79, 0xA7),
        "CR" => RGBColor(0x00, 0x72, 0xB2),
        "VGPR" => RGBColor(0x56, 0xB4, 0xE9),
        "PR" => RGBColor(0x00, 0x9E, 0x73),
        "MR" => RGBColor(0xF0, 0xE4, 0x42),
        "SD" => RGBColor(0xE6, 0x9F, 0x00),
        "PD" => RGBColor(0xD5, 0x5E, 0x00),
        "death" => RGBColor(0x00, 0x00, 0x00),
        _ => GREY,
    }
}

/// Response categories in report order (legends).
pub const RESPONSES: [&str; 8] = ["sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE"];

/// `#rrggbb` of a colour.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// A figure could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("figure {figure}: {message}")]
pub struct FigureError {
    pub figure: String,
    pub message: String,
}

impl FigureError {
    pub fn draw(figure: &str, e: impl std::fmt::Display) -> Self {
        FigureError {
            figure: figure.to_string(),
            message: e.to_string(),
        }
    }
}

/// The drawing area of a whole figure.
pub type Area<'a> =
    plotters::drawing::DrawingArea<plotters::prelude::SVGBackend<'a>, plotters::coord::Shift>;

/// Draws `s` vertically centred at `at`, anchored on its `h` side; a drawing error is reported
/// under `figure`.
pub fn centred_text(
    root: &Area,
    figure: &str,
    s: String,
    at: (i32, i32),
    font: &plotters::style::TextStyle,
    h: plotters::style::text_anchor::HPos,
) -> Result<(), FigureError> {
    use plotters::style::text_anchor::{Pos, VPos};
    root.draw(&plotters::element::Text::new(
        s,
        at,
        font.clone().pos(Pos::new(h, VPos::Center)),
    ))
    .map_err(|e| FigureError::draw(figure, e))
}

/// Estimated width in pixels of `s` at `size` px (CJK characters are about one em wide, Latin
/// ones about 0.58 em). Layout uses this instead of font metrics.
pub fn est_width(s: &str, size: f64) -> i32 {
    let em: f64 = s
        .chars()
        .map(|c| if (c as u32) >= 0x2E80 { 1.0 } else { 0.58 })
        .sum();
    (em * size).ceil() as i32
}

/// Escapes text for SVG/XML written by hand (the escaper of every output).
pub use crate::escape::escape as esc;

/// A number as a tick label: integers without decimals, otherwise one decimal.
pub fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{:.0}", v)
    } else {
        format!("{:.1}", v)
    }
}

/// A numeric axis whose ticks are exactly the given values (plotters' `WithKeyPoints` has no
/// label formatter, so the mesh cannot draw it). The mapping is the inner axis's.
pub struct Ticks<R> {
    inner: R,
    ticks: Vec<f64>,
}

impl<R> Ticks<R> {
    pub fn new(inner: R, ticks: Vec<f64>) -> Self {
        Ticks { inner, ticks }
    }
}

impl<R: plotters::coord::ranged1d::Ranged<ValueType = f64>> plotters::coord::ranged1d::Ranged
    for Ticks<R>
{
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// A linear axis over `range` with ticks at `ticks`.
pub fn linear(
    range: std::ops::Range<f64>,
    ticks: Vec<f64>,
) -> Ticks<plotters::coord::types::RangedCoordf64> {
    Ticks::new(range.into(), ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(esc("<a&b>"), "&lt;a&amp;b&gt;");
        assert_eq!(tick(6.0), "6");
        assert_eq!(tick(2.5), "2.5");
        assert!(est_width("全部患者", 10.0) > est_width("abcd", 10.0));
        assert_eq!(hex(palette(0)), "#0072b2");
        assert_eq!(hex(response_colour("PD")), "#d55e00");
    }
}

#[cfg(test)]
mod degenerate {
    //! Figures must not fail (or panic) on empty or odd inputs.
    use super::*;
    use crate::config::{Language, PValueStyle};
    use crate::context::Ctx;
    use crate::labels::Labels;
    use crate::results::*;

    fn ctx(labels: &Labels) -> Ctx<'_> {
        Ctx {
            labels,
            base: labels,
            p_style: PValueStyle::Journal,
            p_digits: 2,
            km_ci_band: true,
            time_unit: "months",
            censor_marks_max: 500,
            km_table: crate::config::KmTable::Kmunicate,
            digits: 2,
        }
    }

    #[test]
    fn empty_and_odd_inputs_draw() {
        let labels = Labels::load(Language::Zh, None).unwrap();
        let c = ctx(&labels);
        let empty = Survival::default();
        assert!(km::km_svg(&empty, &c).unwrap().contains("<svg"));
        let one = Survival {
            id: "x".into(),
            groups: vec![SurvGroup {
                label: "All".into(),
                n: 1,
                km: vec![KmPoint {
                    time: 3.0,
                    n_risk: 1,
                    n_event: 1,
                    surv: 0.0,
                    ..Default::default()
                }],
                at_risk: vec![1, 0, 0],
                ..Default::default()
            }],
            risk_times: vec![0.0, 6.0],
            cox: Some(CoxResult {
                note: Some("monotone likelihood".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let svg = km::km_svg(&one, &c).unwrap();
        assert!(svg.contains("全部患者"));
        assert!(svg.contains("无法估计"));
        assert!(forest::forest_svg(&[], &c).unwrap().contains("<svg"));
        let odd = ForestRow {
            hr: Some(1e-9),
            ci: [None, Some(1e9)],
            ..Default::default()
        };
        assert!(forest::forest_svg(&[odd], &c).is_ok());
        assert!(swimmer::swimmer_svg(&[], &c).is_ok());
        let row = SwimmerRow {
            patient_id: "<P1>".into(),
            end: 0.0,
            ..Default::default()
        };
        assert!(swimmer::swimmer_svg(&[row], &c)
            .unwrap()
            .contains("&lt;P1&gt;"));
        let wf = WaterfallRow {
            change_pct: f64::NAN,
            ..Default::default()
        };
        assert!(waterfall::waterfall_svg(&[wf], &c).is_ok());
        assert!(flow::flow_svg(&Flow::default(), &c).contains("</svg>"));
    }
}
