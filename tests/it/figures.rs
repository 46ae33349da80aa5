//! Figures and their files (issue 14): every figure written as SVG, vector PDF with embedded
//! fonts and 300-dpi PNG, byte-identical across runs; nice axis breaks that keep the tick
//! labels and risk-table numbers of 23 years of follow-up apart; censoring marks dropped above
//! the configured limit; the KMunicate table; the swimmer plot sorted by duration with arrows
//! for ongoing patients; a visible 0% waterfall bar.

use super::util::*;
use mmreport::config::{Config, KmTable};
use mmreport::render::context::{Catalog, Ctx};
use mmreport::render::figures::{est_width, km, swimmer, waterfall};
use mmreport::results::{KmPoint, Results, SurvGroup, Survival, SwimmerRow, WaterfallRow};
use std::collections::BTreeMap;
use std::path::Path;

/// One `<text>` of an SVG as plotters writes it.
#[derive(Debug, Clone)]
struct Text {
    x: f64,
    y: f64,
    anchor: String,
    /// The nominal size (plotters writes `size / 1.24` as `font-size`).
    size: f64,
    rotated: bool,
    content: String,
}

impl Text {
    /// Left and right edge by the code's own width estimate ([`est_width`]).
    fn span(&self) -> (f64, f64) {
        let w = est_width(&self.content, self.size) as f64;
        match self.anchor.as_str() {
            "middle" => (self.x - w / 2.0, self.x + w / 2.0),
            "end" => (self.x - w, self.x),
            _ => (self.x, self.x + w),
        }
    }
}

/// The value of attribute `name` in a tag's text.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(&tag[i..j])
}

/// Every `<text>` element of `svg`.
fn texts(svg: &str) -> Vec<Text> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text ") {
        let after = &rest[i..];
        let open_end = after.find('>').unwrap();
        let tag = &after[..open_end];
        let close = after.find("</text>").unwrap();
        let num = |n: &str| attr(tag, n).unwrap().parse::<f64>().unwrap();
        out.push(Text {
            x: num("x"),
            y: num("y"),
            anchor: attr(tag, "text-anchor").unwrap_or("start").to_string(),
            size: (num("font-size") * 1.24).round(),
            rotated: attr(tag, "transform").is_some(),
            content: after[open_end + 1..close].trim().to_string(),
        });
        rest = &after[close..];
    }
    out
}

/// Asserts that no two horizontal texts on the same line overlap (2 px apart at least).
fn assert_no_overlap(svg: &str) {
    let mut rows: BTreeMap<i64, Vec<(f64, f64, String)>> = BTreeMap::new();
    for t in texts(svg).into_iter().filter(|t| !t.rotated) {
        let (a, b) = t.span();
        rows.entry(t.y.round() as i64)
            .or_default()
            .push((a, b, t.content));
    }
    for (y, mut row) in rows {
        row.sort_by(|p, q| p.0.total_cmp(&q.0));
        for w in row.windows(2) {
            assert!(
                w[0].1 + 2.0 <= w[1].0,
                "overlap at y = {y}: {:?} and {:?}",
                w[0],
                w[1]
            );
        }
    }
}

/// The survival::myeloma registry (3,882 patients, 23 years) through the pipeline, as
/// `tests/it/real_data.rs` reads it.
fn registry() -> (Results, Config) {
    let bytes = super::real_data::workbook("myeloma_registry", "myeloma");
    let mut c = ctx();
    c.config =
        Config::with_override("[dictionary.units]\nos_time = \"days\"\n", "site.toml").unwrap();
    let cfg = c.config.config.clone();
    let r = mmreport::pipeline::process(&bytes, "export.xlsx", &c)
        .unwrap()
        .results;
    (r, cfg)
}

#[test]
fn long_follow_up_km_has_few_ticks_that_do_not_overlap() {
    let (r, cfg) = registry();
    let os = r
        .analyses
        .survival
        .iter()
        .find(|s| s.id == "os_all")
        .unwrap();
    // 23 years in days: a tick every 1826 days (5 years), not every 6 months.
    let last = os.groups[0].km.last().unwrap().time;
    let years = if r.time_unit == "days" {
        last / 365.25
    } else {
        last / 12.0
    };
    assert!(years > 22.0, "{last} {}", r.time_unit);
    assert!(os.risk_times.len() <= 7, "{:?}", os.risk_times);
    let step = if r.time_unit == "days" { 1826.0 } else { 60.0 };
    assert_eq!(os.risk_times[1], step, "{}", r.time_unit);
    // The KMunicate numbers add up to n at every time.
    let g = &os.groups[0];
    for i in 0..os.risk_times.len() {
        assert_eq!(
            g.at_risk[i] + g.events_before[i] + g.censored_before[i],
            g.n
        );
    }
    let catalog = Catalog::load(&cfg).unwrap();
    for table in [KmTable::AtRisk, KmTable::Kmunicate] {
        let mut c: Ctx = catalog.ctx(&cfg, &r.time_unit);
        c.km_table = table;
        let svg = km::km_svg(os, &c).unwrap();
        assert_no_overlap(&svg);
        // Every tick label is drawn once on the axis line.
        let labels: Vec<String> = os.risk_times.iter().map(|t| format!("{t:.0}")).collect();
        let all = texts(&svg);
        for l in &labels {
            assert!(all.iter().any(|t| &t.content == l), "tick {l} missing");
        }
        if table == KmTable::Kmunicate {
            for name in ["At risk", "Events", "Censored"] {
                assert!(all.iter().any(|t| t.content == name), "{name}");
            }
            let censored = g.censored_before.last().unwrap().to_string();
            assert!(all.iter().any(|t| t.content == censored));
        } else {
            assert!(!all.iter().any(|t| t.content == "Censored"));
        }
    }
}

/// A one-group survival analysis with `censored` censored patients (one per time) and 10
/// events.
fn censored_cohort(censored: usize) -> Survival {
    let mut km = Vec::new();
    let n = censored + 10;
    let mut at = n;
    for i in 0..n {
        let event = i < 10;
        km.push(KmPoint {
            time: 1.0 + i as f64 * 0.01,
            n_risk: at,
            n_event: usize::from(event),
            n_censor: usize::from(!event),
            surv: at as f64 / n as f64,
            ..Default::default()
        });
        at -= 1;
    }
    Survival {
        id: "os_all".into(),
        groups: vec![SurvGroup {
            label: "All".into(),
            n,
            km,
            at_risk: vec![n, 0],
            ..Default::default()
        }],
        risk_times: vec![0.0, 12.0],
        ..Default::default()
    }
}

/// The number of `<polyline` elements of an SVG.
fn polylines(svg: &str) -> usize {
    svg.matches("<polyline").count()
}

#[test]
fn censor_marks_are_dropped_above_the_limit_and_the_figure_says_so() {
    let cfg = Config::defaults().unwrap().config;
    assert_eq!(cfg.figures.censor_marks_max, 500);
    let catalog = Catalog::load(&cfg).unwrap();
    let c = catalog.ctx(&cfg, "months");
    let s = censored_cohort(600);
    let marked = s.groups[0].km.iter().filter(|p| p.n_censor > 0).count();
    assert_eq!(km::censored(&s), marked);
    assert!(marked > 500);
    let without = km::km_svg(&s, &c).unwrap();
    assert!(without.contains("Censoring marks not drawn: 600 censored patients (more than 500)."));
    let mut all = c;
    all.censor_marks_max = usize::MAX;
    let with = km::km_svg(&s, &all).unwrap();
    assert!(!with.contains("Censoring marks not drawn"));
    // Each censoring mark is two strokes.
    assert_eq!(polylines(&with) - polylines(&without), 2 * marked);
    // Below the limit they are drawn.
    let few = censored_cohort(20);
    let svg = km::km_svg(&few, &c).unwrap();
    assert!(!svg.contains("Censoring marks not drawn"));
    let mut none = c;
    none.censor_marks_max = 0;
    let fewer = km::km_svg(&few, &none).unwrap();
    assert_eq!(polylines(&svg) - polylines(&fewer), 2 * km::censored(&few));
}

#[test]
fn swimmer_lanes_sorted_by_duration_with_arrows_for_ongoing_patients() {
    let cfg = Config::defaults().unwrap().config;
    let catalog = Catalog::load(&cfg).unwrap();
    let c = catalog.ctx(&cfg, "months");
    let row = |id: &str, end: f64, ongoing: bool| SwimmerRow {
        patient_id: id.into(),
        end,
        ongoing,
        ..Default::default()
    };
    let rows = vec![
        row("P01", 3.0, false),
        row("P02", 30.0, true),
        row("P03", 12.0, true),
        row("P04", 12.0, false),
    ];
    let order: Vec<String> = swimmer::by_duration(&rows)
        .into_iter()
        .map(|r| r.patient_id)
        .collect();
    assert_eq!(order, ["P02", "P03", "P04", "P01"]);
    let svg = swimmer::swimmer_svg(&rows, &c).unwrap();
    // The y labels from top to bottom.
    let mut ids: Vec<(f64, String)> = texts(&svg)
        .into_iter()
        .filter(|t| t.content.starts_with("P0"))
        .map(|t| (t.y, t.content))
        .collect();
    ids.sort_by(|a, b| a.0.total_cmp(&b.0));
    let top_down: Vec<&str> = ids.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(top_down, ["P02", "P03", "P04", "P01"]);
    assert!(svg.contains("longest follow-up at top"));
    // An arrow (shaft and head) per ongoing patient, one more in the legend.
    let none: Vec<SwimmerRow> = rows
        .iter()
        .map(|r| row(&r.patient_id, r.end, false))
        .collect();
    let plain = swimmer::swimmer_svg(&none, &c).unwrap();
    assert_eq!(polylines(&svg) - polylines(&plain), 2 * 2);
    assert_no_overlap(&svg);
}

#[test]
fn waterfall_draws_a_zero_bar_names_its_measures_and_explains_its_colours() {
    let cfg = Config::defaults().unwrap().config;
    let catalog = Catalog::load(&cfg).unwrap();
    let c = catalog.ctx(&cfg, "months");
    let row = |id: &str, change: f64, measure: &str, best: &str| WaterfallRow {
        patient_id: id.into(),
        change_pct: change,
        measure: measure.into(),
        best_response: Some(best.into()),
    };
    let zero = vec![
        row("P1", 70.0, "serum", "SD"),
        row("P2", 0.0, "urine", "SD"),
        row("P3", -35.0, "dflc", "PR"),
    ];
    let mut moved = zero.clone();
    moved[1].change_pct = 30.0;
    let with_zero = waterfall::waterfall_svg(&zero, &c).unwrap();
    let without = waterfall::waterfall_svg(&moved, &c).unwrap();
    // The zero bar is a block (a filled and an outlined rectangle) instead of a bar.
    let rects = |s: &str| s.matches("<rect").count();
    assert_eq!(rects(&with_zero), rects(&without) + 1);
    for text in [
        "Serum M-protein (n = 1)",
        "Urine M-protein (n = 1)",
        "dFLC (n = 1)",
        "Measure plotted:",
        "best overall response by IMWG",
        "colour and length may disagree",
    ] {
        assert!(with_zero.contains(text), "{text}");
    }
    assert_no_overlap(&with_zero);
    // Chinese labels.
    let mut zh = cfg.clone();
    zh.study.language = mmreport::config::Language::Zh;
    let zc = Catalog::load(&zh).unwrap();
    let svg = waterfall::waterfall_svg(&zero, &zc.ctx(&zh, "months")).unwrap();
    assert!(svg.contains("所示指标") && svg.contains("血清M蛋白"));
}

/// Every file under `dir/figures/` by name.
fn figure_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir.join("figures"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_figure_as_svg_pdf_and_300_dpi_png_byte_identical_across_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let example = bundled_example();
    let a = run_report(&tmp.path().join("a"), &example, "");
    let b = run_report(&tmp.path().join("b"), &example, "");
    let fa = figure_files(&tmp.path().join("a/out/w"));
    let fb = figure_files(&tmp.path().join("b/out/w"));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    let svgs: Vec<&String> = fa.keys().filter(|k| k.ends_with(".svg")).collect();
    assert!(svgs.len() >= 8, "{svgs:?}");
    for name in svgs {
        let stem = name.trim_end_matches(".svg");
        let svg = String::from_utf8(fa[name].clone()).unwrap();
        let pdf = &fa[&format!("{stem}.pdf")];
        let png = &fa[&format!("{stem}.png")];
        assert!(pdf.starts_with(b"%PDF-"), "{stem}");
        let pdf_text = String::from_utf8_lossy(pdf);
        assert!(
            pdf_text.contains("/FontFile2") || pdf_text.contains("/FontFile3"),
            "{stem}: no embedded font"
        );
        assert!(!pdf_text.contains("/CreationDate"), "{stem}");
        // PNG: the SVG's size at 300 dpi (96 px per inch), resolution recorded.
        let tag = &svg[svg.find("<svg").unwrap()..];
        let w: f64 = attr(tag, "width").unwrap().parse().unwrap();
        let h: f64 = attr(tag, "height").unwrap().parse().unwrap();
        let info = png::Decoder::new(std::io::Cursor::new(png.as_slice()))
            .read_info()
            .unwrap()
            .info()
            .clone();
        let want = |v: f64| (v * 300.0 / 96.0).ceil() as u32;
        assert_eq!((info.width, info.height), (want(w), want(h)), "{stem}");
        assert_eq!(info.pixel_dims.unwrap().xppu, 11811, "{stem}");
        // The HTML caption links the three files.
        for ext in ["svg", "pdf", "png"] {
            assert!(
                a.html.contains(&format!("href=\"figures/{stem}.{ext}\"")),
                "{stem}.{ext}"
            );
        }
    }
    for (name, bytes) in &fa {
        assert!(bytes == &fb[name], "{name} differs between two runs");
    }
    assert_eq!(a.json["analyses"], b.json["analyses"]);
}
