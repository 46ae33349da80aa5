//! CONSORT-style cohort flow diagram, written as SVG by hand (boxes and arrows): patients
//! read, excluded (each reason with its count) to the side, analysed, then the patients who
//! completed at least 2, 4, 6 and 8 cycles. Text is centred or left-aligned at fixed
//! positions; long exclusion reasons are wrapped by an estimated width.

use super::{esc, est_width, hex, FONT, INK};
use crate::context::Ctx;
use crate::results::Flow;
use std::fmt::Write;

const W: i32 = 760;
const BOX_W: i32 = 300;
const BOX_H: i32 = 46;
const GAP: i32 = 34;
const MAIN_X: i32 = 40;
const SIDE_X: i32 = 420;
const SIDE_W: i32 = 320;
const LINE: i32 = 17;

/// `label` with `{n}` / `{cycles}` placeholders filled.
pub fn fill(label: &str, n: usize, cycles: Option<u32>) -> String {
    let s = label.replace("{n}", &n.to_string());
    match cycles {
        Some(c) => s.replace("{cycles}", &c.to_string()),
        None => s,
    }
}

/// Splits `s` into lines no wider (estimated) than `width` px at `size` px.
fn wrap(s: &str, width: i32, size: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for ch in s.chars() {
        cur.push(ch);
        if est_width(&cur, size) > width {
            let cut = cur.rfind(' ').filter(|i| *i > 0);
            match cut {
                Some(i) => {
                    let rest = cur[i + 1..].to_string();
                    cur.truncate(i);
                    lines.push(std::mem::take(&mut cur));
                    cur = rest;
                }
                None => {
                    let last = cur.pop();
                    lines.push(std::mem::take(&mut cur));
                    if let Some(c) = last {
                        cur.push(c);
                    }
                }
            }
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

fn text(out: &mut String, x: i32, y: i32, anchor: &str, weight: &str, s: &str) {
    let _ = writeln!(
        out,
        r#"<text x="{x}" y="{y}" text-anchor="{anchor}" font-family="{FONT}" font-size="13" font-weight="{weight}" fill="{}">{}</text>"#,
        hex(INK),
        esc(s)
    );
}

fn rect(out: &mut String, x: i32, y: i32, w: i32, h: i32) {
    let _ = writeln!(
        out,
        r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="white" stroke="{}" stroke-width="1.2"/>"#,
        hex(INK)
    );
}

fn arrow(out: &mut String, x1: i32, y1: i32, x2: i32, y2: i32) {
    let _ = writeln!(
        out,
        r#"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{}" stroke-width="1.2" marker-end="url(#arrow)"/>"#,
        hex(INK)
    );
}

/// Draws the flow diagram as a standalone SVG document.
pub fn flow_svg(flow: &Flow, ctx: &Ctx) -> String {
    let reasons: Vec<Vec<String>> = flow
        .excluded
        .iter()
        .map(|l| {
            let reason = ctx.basis(&l.level);
            wrap(&format!("{reason} (n = {})", l.count), SIDE_W - 24, 13.0)
        })
        .collect();
    let side_lines: i32 = reasons.iter().map(|r| r.len() as i32).sum();
    let side_h = (LINE * (side_lines + 1) + 20).max(BOX_H);
    let mut main: Vec<String> = vec![fill(&ctx.l("html.flow_read"), flow.read, None)];
    main.push(fill(&ctx.l("html.flow_analysed"), flow.analysed, None));
    for c in &flow.completed {
        main.push(fill(&ctx.l("html.flow_completed"), c.n, Some(c.cycles)));
    }
    // The excluded box sits between the first two main boxes.
    let first_gap = side_h + GAP;
    let mut ys = Vec::new();
    let mut y = 10;
    for i in 0..main.len() {
        ys.push(y);
        y += BOX_H + if i == 0 { first_gap } else { GAP };
    }
    let h = y - GAP + 10;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg width="{W}" height="{h}" viewBox="0 0 {W} {h}" xmlns="http://www.w3.org/2000/svg">"#
    );
    let _ = writeln!(
        out,
        r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{}"/></marker></defs>"#,
        hex(INK)
    );
    let _ = writeln!(out, r#"<rect width="{W}" height="{h}" fill="white"/>"#);
    let cx = MAIN_X + BOX_W / 2;
    for (i, label) in main.iter().enumerate() {
        rect(&mut out, MAIN_X, ys[i], BOX_W, BOX_H);
        text(
            &mut out,
            cx,
            ys[i] + BOX_H / 2 + 5,
            "middle",
            "normal",
            label,
        );
        if i + 1 < main.len() {
            arrow(&mut out, cx, ys[i] + BOX_H, cx, ys[i + 1] - 2);
        }
    }
    if ys.len() >= 2 {
        let side_y = ys[0] + BOX_H + GAP / 2;
        let mid = side_y + side_h / 2;
        rect(&mut out, SIDE_X, side_y, SIDE_W, side_h);
        arrow(&mut out, cx, mid, SIDE_X - 2, mid);
        text(
            &mut out,
            SIDE_X + 12,
            side_y + LINE + 4,
            "start",
            "bold",
            &fill(&ctx.l("html.flow_excluded"), flow.excluded_patients, None),
        );
        let mut ly = side_y + LINE + 4;
        for r in &reasons {
            for (j, line) in r.iter().enumerate() {
                ly += LINE;
                let x = if j == 0 { SIDE_X + 12 } else { SIDE_X + 24 };
                text(
                    &mut out,
                    x,
                    ly,
                    "start",
                    "normal",
                    &format!("{}{line}", if j == 0 { "• " } else { "" }),
                );
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_long_reasons() {
        let lines = wrap(
            "index date missing and no treatment start recorded at all",
            120,
            13.0,
        );
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| est_width(l, 13.0) <= 130));
        assert_eq!(fill("n = {n}, ≥ {cycles}", 3, Some(4)), "n = 3, ≥ 4");
    }
}
