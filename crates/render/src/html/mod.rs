//! The HTML report: one self-contained file (inline CSS and SVG, no script, no network) in
//! journal style, rendered with tera from templates embedded in the binary. A file of the same
//! name in `report.template_dir` replaces an embedded template, as zola and mdBook do.
//!
//! Rust builds a view model of preformatted text (numbers through [`crate::format`],
//! words through the label catalogs) and figures (through [`crate::figures`]); the
//! templates only lay it out. Autoescaping is on (every template name ends in `.html`), so a
//! cell holding `<script>` shows as text; only the SVG figures are inserted raw.

mod pages;
mod view;

use crate::config::{Config, Language};
use crate::context::{template_dir, Catalog};
use crate::labels::{LabelError, Labels};
use crate::results::Results;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

pub use pages::{IndexRow, PageStatus};
pub use view::{Block, Figure, Row, Table};

/// The embedded templates, by file name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("report.html", include_str!("../../templates/report.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("report.css", include_str!("../../templates/report.css")),
    ("index.html", include_str!("../../templates/index.html")),
    ("error.html", include_str!("../../templates/error.html")),
];

/// Section ids, in report order (`docs/report-contents.md`); each has a `section.<id>` label.
/// The one-page summary comes first and the data validation, a detailed listing, last as an
/// appendix (issue 14).
pub const SECTIONS: &[&str] = &[
    "header",
    "summary",
    "changes",
    "flow",
    "baseline",
    "exposure",
    "response",
    "survival",
    "cox_models",
    "competing_risks",
    "rmst",
    "landmark",
    "adverse_events",
    "swimmer",
    "waterfall",
    "methods",
    "validation",
    "provenance",
];

/// The rendered report: the HTML document and every figure as a standalone SVG file.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedHtml {
    pub html: String,
    /// `(file name, SVG document)`, e.g. `("pfs_all.svg", "<svg …")`.
    pub figures: Vec<(String, String)>,
}

/// Why the report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    #[error(transparent)]
    Labels(#[from] LabelError),
    #[error("cannot read template override {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("template error: {0}")]
    Template(String),
    #[error(transparent)]
    Figure(#[from] crate::figures::FigureError),
}

impl From<tera::Error> for HtmlError {
    fn from(e: tera::Error) -> Self {
        // tera's Display is only the outermost message; keep the whole chain.
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        HtmlError::Template(msg)
    }
}

/// Embedded templates, each replaced by a file of the same name in `dir` when present.
fn load_templates(dir: Option<&Path>) -> Result<Vec<(String, String)>, HtmlError> {
    TEMPLATES
        .iter()
        .map(|(name, text)| match dir.map(|d| d.join(name)) {
            Some(p) if p.is_file() => std::fs::read_to_string(&p)
                .map(|t| (name.to_string(), t))
                .map_err(|source| HtmlError::Read {
                    path: p.display().to_string(),
                    source,
                }),
            _ => Ok((name.to_string(), text.to_string())),
        })
        .collect()
}

/// Labels as nested maps (`L.section.flow` in templates); `labels` over `base`.
fn nested_labels(labels: &Labels, base: &Labels) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in base.all().iter().chain(labels.all()) {
        if let Some((sec, key)) = k.split_once('.') {
            out.entry(sec.to_string())
                .or_default()
                .insert(key.to_string(), v.clone());
        }
    }
    out
}

#[derive(Serialize)]
struct TocEntry {
    id: &'static str,
    title: String,
}

/// Removes the XML namespace declaration that a standalone SVG file needs but inline SVG in
/// HTML does not (it would be the only URL in the report).
fn inline_svg(svg: &str) -> String {
    svg.replace(r#" xmlns="http://www.w3.org/2000/svg""#, "")
        .replace(r#" xmlns:xlink="http://www.w3.org/1999/xlink""#, "")
}

/// What the HTML report needs that no workbook changes: the label catalogs and tera's
/// compiled templates. Built once per run ([`crate::Renderer`]) and shared by every workbook;
/// a night of many small workbooks otherwise spends its time compiling templates.
pub struct HtmlRenderer {
    catalog: Catalog,
    nested: BTreeMap<String, BTreeMap<String, String>>,
    tera: tera::Tera,
    /// The `lang` attribute of every page (`en`, `zh-CN`).
    lang: &'static str,
}

impl HtmlRenderer {
    /// Loads the labels and compiles the templates of `cfg` (with its override directory).
    pub fn new(cfg: &Config) -> Result<Self, HtmlError> {
        let dir = template_dir(cfg);
        let catalog = Catalog::load(cfg)?;
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".html"]);
        tera.set_escape_fn(crate::escape::escape);
        tera.add_raw_templates(load_templates(dir.as_deref())?)?;
        let nested = nested_labels(&catalog.labels, &catalog.base);
        Ok(HtmlRenderer {
            catalog,
            nested,
            tera,
            lang: match cfg.study.language {
                Language::Zh => "zh-CN",
                Language::En => "en",
            },
        })
    }

    /// Renders the HTML report and its figures from `results` alone.
    pub fn render(&self, results: &Results, cfg: &Config) -> Result<RenderedHtml, HtmlError> {
        let ctx = self.catalog.ctx(cfg, &results.time_unit);
        let built = view::build(results, cfg, &ctx)?;
        let toc: Vec<TocEntry> = SECTIONS
            .iter()
            .map(|id| TocEntry {
                id,
                title: ctx.l(&format!("section.{id}")),
            })
            .collect();
        let mut context = tera::Context::new();
        context.insert("L", &self.nested);
        context.insert("lang", self.lang);
        context.insert("toc", &toc);
        context.insert("meta", &built.meta);
        context.insert("s", &built.sections);
        let html = self.tera.render("report.html", &context)?;
        Ok(RenderedHtml {
            html: inline_svg(&html),
            figures: built.figures,
        })
    }
}

impl HtmlRenderer {
    /// The label of `key` in the run's language.
    fn label(&self, key: &str) -> String {
        self.catalog.l(key)
    }

    /// The label catalogs of the run's language (for text written beside the pages, such as
    /// the index's change summary).
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }
}

/// Renders the HTML report and its figures (one workbook: builds an [`HtmlRenderer`] for it).
pub fn render_html(results: &Results, cfg: &Config) -> Result<RenderedHtml, HtmlError> {
    HtmlRenderer::new(cfg)?.render(results, cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_has_a_label_in_both_languages() {
        for lang in [Language::En, Language::Zh] {
            let l = Labels::load(lang, None).unwrap();
            for id in SECTIONS {
                assert!(l.has(&format!("section.{id}")), "{id}");
            }
        }
    }

    #[test]
    fn inline_svg_drops_namespace() {
        let s = r#"<svg width="1" xmlns="http://www.w3.org/2000/svg"></svg>"#;
        assert_eq!(inline_svg(s), r#"<svg width="1"></svg>"#);
    }
}
