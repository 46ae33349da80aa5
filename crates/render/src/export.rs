//! Figure export (issue 14): every SVG figure also as a vector PDF with its fonts embedded
//! (svg2pdf) and as a PNG at `[figures] png_dpi` (resvg), as journals ask for (300-600 dpi
//! raster or vector PDF/EPS).
//!
//! Fonts: Liberation Sans (SIL OFL 1.1, `fonts/`) is compiled in and is the figures'
//! `sans-serif`, so Latin text renders the same on every machine. A CJK font is too large to
//! compile in (Noto Sans CJK is over 15 MB), so Chinese text takes the system's fonts
//! (fontconfig's folders) and those of `[figures] font_dir`, read into memory once a run
//! ([`crate::fonts`]). Text that no loaded font covers
//! is never dropped silently: [`Exported::uncovered`] counts its characters and the run log
//! warns, naming the figure (never the text: it may be a patient's value).
//!
//! Outputs are deterministic: svg2pdf writes no creation date and no document id, the PNG
//! holds no time chunk, so unchanged inputs give byte-identical files on the same machine
//! (the same fonts).

use crate::config::{FigureFormat, FiguresConfig};
use crate::fonts::{text_chars, Fonts};
use resvg::tiny_skia;
use resvg::usvg;

/// The compiled-in Latin font.
const LATIN_FONT: &[u8] = include_bytes!("../fonts/LiberationSans-Regular.ttf");
/// Its family name: the figures' `sans-serif`.
const LATIN_FAMILY: &str = "Liberation Sans";
/// CSS pixels per inch: the SVG figures' unit (a 760-px figure is 7.92 in wide).
const PX_PER_INCH: f32 = 96.0;

/// Why a figure could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("figure font folder {0} (`[figures] font_dir`) is not a folder")]
    FontDir(String),
    #[error("figure {figure}: SVG not readable: {message}")]
    Parse { figure: String, message: String },
    #[error("figure {figure}: PDF: {message}")]
    Pdf { figure: String, message: String },
    #[error("figure {figure}: PNG: {message}")]
    Png { figure: String, message: String },
}

/// The PDF and PNG files of one figure.
#[derive(Debug, Default)]
pub struct Exported {
    /// `(file name, bytes)`, in the configured format order (SVG excluded: the caller has it).
    pub files: Vec<(String, Vec<u8>)>,
    /// Distinct characters of the figure's text that no loaded font has a glyph for.
    pub uncovered: usize,
}

/// The fonts and settings of a run's figure export, built once per run and shared by every
/// workbook (loading the system fonts takes tens of milliseconds).
pub struct Exporter {
    fonts: Fonts,
    formats: Vec<FigureFormat>,
    dpi: u32,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("fonts", &self.fonts)
            .field("formats", &self.formats)
            .field("dpi", &self.dpi)
            .finish()
    }
}

impl Exporter {
    /// The exporter of `cfg`: the compiled-in font, the system fonts and `font_dir`.
    /// Without PDF or PNG no system font is looked at.
    pub fn new(cfg: &FiguresConfig) -> Result<Self, ExportError> {
        let dir = cfg.font_dir.as_deref().map(std::path::Path::new);
        if let Some(d) = dir.filter(|d| !d.is_dir()) {
            return Err(ExportError::FontDir(d.display().to_string()));
        }
        let families: Vec<&str> = crate::figures::FONT
            .split(',')
            .map(str::trim)
            .filter(|f| *f != "sans-serif")
            .collect();
        let exports = cfg
            .formats
            .iter()
            .any(|f| matches!(f, FigureFormat::Pdf | FigureFormat::Png));
        let fonts = if exports {
            Fonts::new(LATIN_FONT, LATIN_FAMILY, dir, &families)
        } else {
            Fonts::latin_only(LATIN_FONT, LATIN_FAMILY)
        };
        Ok(Exporter {
            fonts,
            formats: cfg.formats.clone(),
            dpi: cfg.png_dpi,
        })
    }

    /// Whether `format` is configured.
    pub fn writes(&self, format: FigureFormat) -> bool {
        self.formats.contains(&format)
    }

    /// The configured PDF and PNG files of the figure `svg` named `stem` (`km_pfs`).
    pub fn export(&self, stem: &str, svg: &str) -> Result<Exported, ExportError> {
        let raster = self.writes(FigureFormat::Png);
        let vector = self.writes(FigureFormat::Pdf);
        let mut out = Exported::default();
        if !raster && !vector {
            return Ok(out);
        }
        // Fonts for every character first: the tree is laid out when it is read.
        self.fonts.ensure(text_chars(svg));
        let opt = usvg::Options {
            font_family: LATIN_FAMILY.to_string(),
            fontdb: self.fonts.db(),
            ..usvg::Options::default()
        };
        let svg = shape_opacity(svg);
        let tree = usvg::Tree::from_str(&svg, &opt).map_err(|e| ExportError::Parse {
            figure: stem.to_string(),
            message: e.to_string(),
        })?;
        out.uncovered = self.uncovered(&tree);
        for f in &self.formats {
            let bytes = match f {
                FigureFormat::Svg => continue,
                FigureFormat::Pdf => pdf(&tree, stem)?,
                FigureFormat::Png => png(&tree, self.dpi, stem)?,
            };
            out.files.push((format!("{stem}.{}", f.ext()), bytes));
        }
        Ok(out)
    }

    /// The number of distinct non-space characters of the text of `tree` that no font covers.
    fn uncovered(&self, tree: &usvg::Tree) -> usize {
        let mut chars = std::collections::BTreeSet::new();
        collect_text(tree.root(), &mut chars);
        self.fonts.ensure(chars)
    }
}

/// `svg` with each element's `opacity` moved to its fill and stroke (`opacity="1"` dropped).
///
/// plotters writes a translucent shape (the KM CI band, the swimmer bars) as
/// `opacity="0.35"` on the element. For one shape that is its fill and stroke opacity, but a
/// renderer has to treat element opacity as a group: resvg draws each such element into a
/// layer of the whole page (15 MB at 300 dpi) and composites it, which made a 32-patient
/// swimmer plot take seconds. The SVG file itself is left as drawn.
fn shape_opacity(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    const KEY: &str = " opacity=\"";
    while let Some(i) = rest.find(KEY) {
        out.push_str(&rest[..i]);
        let after = &rest[i + KEY.len()..];
        let Some(end) = after.find('"') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let v = &after[..end];
        if v != "1" {
            out.push_str(&format!(" fill-opacity=\"{v}\" stroke-opacity=\"{v}\""));
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Every character of the text nodes under `g`.
fn collect_text(g: &usvg::Group, out: &mut std::collections::BTreeSet<char>) {
    for node in g.children() {
        match node {
            usvg::Node::Group(g) => collect_text(g, out),
            usvg::Node::Text(t) => {
                for chunk in t.chunks() {
                    out.extend(chunk.text().chars());
                }
            }
            _ => {}
        }
    }
}

/// The figure as a one-page vector PDF, page size the figure's at 96 px per inch, text as
/// text with the fonts embedded (subset).
fn pdf(tree: &usvg::Tree, stem: &str) -> Result<Vec<u8>, ExportError> {
    svg2pdf::to_pdf(
        tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions { dpi: PX_PER_INCH },
    )
    .map_err(|e| ExportError::Pdf {
        figure: stem.to_string(),
        message: e.to_string(),
    })
}

/// The pixel size of a figure of `size` (CSS px) at `dpi`.
pub fn png_size(size: (f32, f32), dpi: u32) -> (u32, u32) {
    let s = dpi as f32 / PX_PER_INCH;
    (
        (size.0 * s).ceil().max(1.0) as u32,
        (size.1 * s).ceil().max(1.0) as u32,
    )
}

/// The figure rasterised at `dpi` on white, as an RGBA PNG whose `pHYs` chunk records the
/// resolution (so that a journal's system reads 300 dpi, not 72).
fn png(tree: &usvg::Tree, dpi: u32, stem: &str) -> Result<Vec<u8>, ExportError> {
    let fail = |message: String| ExportError::Png {
        figure: stem.to_string(),
        message,
    };
    let size = tree.size();
    let (w, h) = png_size((size.width(), size.height()), dpi);
    let mut pixmap =
        tiny_skia::Pixmap::new(w, h).ok_or_else(|| fail(format!("no {w} x {h} canvas")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let s = dpi as f32 / PX_PER_INCH;
    resvg::render(
        tree,
        tiny_skia::Transform::from_scale(s, s),
        &mut pixmap.as_mut(),
    );
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, w, h);
        // Every pixel is opaque (drawn over white), so the premultiplied RGBA of the pixmap
        // is its straight RGBA: written as it is, without a pass over the pixels here.
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let per_metre = (dpi as f64 / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: png::Unit::Meter,
        }));
        let mut writer = enc.write_header().map_err(|e| fail(e.to_string()))?;
        writer
            .write_image_data(pixmap.data())
            .map_err(|e| fail(e.to_string()))?;
        writer.finish().map_err(|e| fail(e.to_string()))?;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(formats: Vec<FigureFormat>) -> FiguresConfig {
        FiguresConfig {
            formats,
            png_dpi: 300,
            censor_marks_max: 500,
            km_table: crate::config::KmTable::AtRisk,
            font_dir: None,
        }
    }

    const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="96" height="48"><rect width="96" height="48" fill="white"/><text x="4" y="20" font-family="Noto Sans CJK SC, sans-serif" font-size="13">HR 0.5</text></svg>"#;

    #[test]
    fn pdf_and_png_at_the_configured_dpi() {
        let e = Exporter::new(&cfg(vec![
            FigureFormat::Svg,
            FigureFormat::Pdf,
            FigureFormat::Png,
        ]))
        .unwrap();
        let out = e.export("x", SVG).unwrap();
        let names: Vec<&str> = out.files.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(names, ["x.pdf", "x.png"]);
        let pdf = &out.files[0].1;
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(pdf);
        assert!(text.contains("/FontFile2") || text.contains("/FontFile3"));
        assert!(!text.contains("/CreationDate"));
        let png = &out.files[1].1;
        let dec = png::Decoder::new(std::io::Cursor::new(png.as_slice()));
        let reader = dec.read_info().unwrap();
        // 96 x 48 px at 96 px/in is 1 x 0.5 in: 300 x 150 px at 300 dpi.
        assert_eq!((reader.info().width, reader.info().height), (300, 150));
        let dims = reader.info().pixel_dims.unwrap();
        assert_eq!(dims.xppu, 11811);
        assert_eq!(out.uncovered, 0);
        // Deterministic.
        let again = e.export("x", SVG).unwrap();
        assert_eq!(out.files, again.files);
    }

    #[test]
    fn svg_only_writes_nothing_and_bad_svg_is_an_error() {
        let e = Exporter::new(&cfg(vec![FigureFormat::Svg])).unwrap();
        assert!(e.export("x", SVG).unwrap().files.is_empty());
        let e = Exporter::new(&cfg(vec![FigureFormat::Png])).unwrap();
        assert!(matches!(
            e.export("x", "<svg"),
            Err(ExportError::Parse { .. })
        ));
        let mut c = cfg(vec![FigureFormat::Png]);
        c.font_dir = Some("/nonexistent/fonts".into());
        assert!(matches!(Exporter::new(&c), Err(ExportError::FontDir(_))));
    }

    #[test]
    fn element_opacity_becomes_fill_and_stroke_opacity() {
        let svg = r#"<rect opacity="0.35" fill="red"/><text opacity="1" x="1">a</text>"#;
        assert_eq!(
            shape_opacity(svg),
            r#"<rect fill-opacity="0.35" stroke-opacity="0.35" fill="red"/><text x="1">a</text>"#
        );
        // fill-opacity already set is not touched.
        assert_eq!(
            shape_opacity(r#"<a fill-opacity="0.2"/>"#),
            r#"<a fill-opacity="0.2"/>"#
        );
    }

    #[test]
    fn uncovered_characters_are_counted() {
        let e = Exporter::new(&cfg(vec![FigureFormat::Png])).unwrap();
        // U+10FFFD (private use, plane 16): no font has it.
        let svg = SVG.replace("HR 0.5", "\u{10FFFD}\u{10FFFC} x");
        assert_eq!(e.export("x", &svg).unwrap().uncovered, 2);
    }
}
