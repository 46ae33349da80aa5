//! Renderers: they only read [`crate::results::Results`] and never compute. One
//! [`context::Ctx`] (labels, number and p-value style) is shared by the HTML report, the
//! Excel report and the figures, so that every output prints the same words and numbers.
pub mod basis;
pub mod context;
pub mod escape;
pub mod export;
pub mod figures;
pub mod fonts;
pub mod format;
pub mod html;
/// The label catalogs (in `mmreport-core`: the analyses label their rows in English too).
pub use mmreport_core::labels;
pub mod text;
pub mod xlsx;

use mmreport_core::{config, model, results};

/// The renderers of a run: built once from the configuration (templates compiled, labels and
/// layout loaded) and shared, read-only, by every workbook rendered in parallel.
pub struct Renderer {
    pub html: html::HtmlRenderer,
    pub xlsx: xlsx::XlsxRenderer,
    /// The PDF and PNG files of every figure (`[figures]`).
    pub export: export::Exporter,
}

/// Why the renderers of a run could not be built (a template override that does not parse).
#[derive(Debug, thiserror::Error)]
pub enum RendererError {
    #[error("HTML templates: {0}")]
    Html(#[from] html::HtmlError),
    #[error("Excel layout: {0}")]
    Xlsx(#[from] xlsx::XlsxRenderError),
    #[error("figure export: {0}")]
    Export(#[from] export::ExportError),
}

impl Renderer {
    /// Builds the renderers of `cfg`.
    pub fn new(cfg: &config::Config) -> Result<Self, RendererError> {
        Ok(Renderer {
            html: html::HtmlRenderer::new(cfg)?,
            xlsx: xlsx::XlsxRenderer::new(cfg)?,
            export: export::Exporter::new(&cfg.figures)?,
        })
    }
}
