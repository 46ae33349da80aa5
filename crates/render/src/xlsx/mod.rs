//! The Excel report (`report.xlsx`), written with rust_xlsxwriter from [`Results`] only.
//!
//! The workbook's layout is a template, `crates/render/templates/xlsx_layout.toml` (embedded; a file of the
//! same name in `report.template_dir` replaces it): sheets in order, their names (label keys),
//! the sections each holds, column kinds (width, number format, alignment) and styles (fonts,
//! header fill, rule weights, chart size and colours). Every word comes from the label
//! catalogs ([`Labels`]), every number from `Results` (formatted, never recomputed).
//!
//! Tables are three-line journal tables (thick rule above the header, thin under it, thick
//! under the last row; no vertical lines); list sheets (findings, ADaM datasets) are native
//! Excel tables with filters. Kaplan-Meier curves (with censor marks and, when
//! `report.km_ci_band`, the CI band), the forest, swimmer and waterfall plots are native Excel
//! charts whose series reference cells written to the sheet, so a clinician can restyle them.
//! Every string from the input is written with `write_string`: a value such as
//! `=HYPERLINK(...)` stays text. The creation time is the run date, so the same `Results`
//! give byte-identical bytes.

mod extra;
mod layout;
mod sections;
mod survival;
mod writer;

pub use layout::{Layout, Section, EMBEDDED_LAYOUT, LAYOUT_FILE};
pub use survival::{censor_points, ci_steps, step_points};

use crate::config::Config;
use crate::context::{template_dir, Catalog};
use crate::labels::{LabelError, Labels};
use crate::results::Results;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, XlsxError};
use std::path::{Path, PathBuf};

/// Why the workbook could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum XlsxRenderError {
    /// The layout override could not be read.
    #[error("cannot read xlsx layout {path}: {source}")]
    ReadLayout {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The layout is not valid TOML or has a wrong key or value.
    #[error("xlsx layout {file}: {message}")]
    Layout { file: String, message: String },
    /// A sheet of the layout names a section that does not exist.
    #[error("xlsx layout {file}: unknown section id `{id}` on sheet `{sheet}`")]
    UnknownSection {
        file: String,
        sheet: String,
        id: String,
    },
    /// A sheet name (after label lookup) that Excel does not accept.
    #[error("xlsx layout: sheet name {name:?} (label `{key}`) is not a valid Excel sheet name: {message}")]
    SheetName {
        key: String,
        name: String,
        message: String,
    },
    #[error(transparent)]
    Labels(#[from] LabelError),
    /// rust_xlsxwriter refused a cell, table, chart or the workbook.
    #[error("writing the workbook: {0}")]
    Xlsx(#[from] XlsxError),
    /// Writing the workbook's temporary files (in the report's staging folder) failed: the
    /// output disk is full or not writable. rust_xlsxwriter panics on such a write error;
    /// this is that panic as an error (a full disk is not a bug in mmreport, issue 17).
    #[error("cannot write report.xlsx's temporary files in {dir}: the output disk is full or not writable")]
    TempWrite { dir: String },
}

/// The message rust_xlsxwriter 0.102 panics with when writing one of its XML parts fails
/// (`xmlwriter::XML_WRITE_ERROR`): in constant-memory mode the parts are temporary files,
/// so this is a full or unwritable disk.
pub const XLSXWRITER_WRITE_PANIC: &str = "Couldn't write to xml file";

/// What the Excel report needs that no workbook changes: the layout template and the label
/// catalog, loaded once per run ([`crate::Renderer`]) and shared by every workbook.
pub struct XlsxRenderer {
    layout: Layout,
    catalog: Catalog,
}

impl XlsxRenderer {
    /// Loads the layout and labels of `cfg` (with its override directory).
    pub fn new(cfg: &Config) -> Result<Self, XlsxRenderError> {
        let dir = template_dir(cfg);
        Ok(XlsxRenderer {
            layout: Layout::load(dir.as_deref())?,
            catalog: Catalog::load(cfg)?,
        })
    }

    /// Renders the workbook into `w` (the report file): the listing sheets are streamed to
    /// unnamed temporary files in `temp_dir` while written (the report's staging folder: on
    /// the output disk, under its access rules, rather than a `/tmp` that may be
    /// memory-backed) and compressed straight into `w`.
    pub fn write<W: std::io::Write + Send>(
        &self,
        results: &Results,
        cfg: &Config,
        w: W,
        temp_dir: &Path,
    ) -> Result<(), XlsxRenderError> {
        let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut wb = build_with(results, cfg, &self.layout, &self.catalog, Some(temp_dir))?;
            Ok(wb.save_to_writer(w)?)
        }));
        match written {
            Ok(r) => r,
            Err(p) if panic_message(&*p).contains(XLSXWRITER_WRITE_PANIC) => {
                Err(XlsxRenderError::TempWrite {
                    dir: temp_dir.display().to_string(),
                })
            }
            Err(p) => std::panic::resume_unwind(p),
        }
    }
}

/// The text of a panic payload (`&str` or `String`), empty otherwise.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> &str {
    p.downcast_ref::<&str>()
        .copied()
        .or_else(|| p.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("")
}

/// Renders the workbook to bytes. Reads only `Results`, the configuration and the template
/// overrides in `cfg.report.template_dir`; writes no file.
pub fn render_xlsx(results: &Results, cfg: &Config) -> Result<Vec<u8>, XlsxRenderError> {
    let r = XlsxRenderer::new(cfg)?;
    Ok(build_with(results, cfg, &r.layout, &r.catalog, None)?.save_to_buffer()?)
}

/// Renders with an already loaded layout and label catalog.
pub fn render_with(
    results: &Results,
    cfg: &Config,
    layout: &Layout,
    catalog: &Catalog,
) -> Result<Vec<u8>, XlsxRenderError> {
    Ok(build_with(results, cfg, layout, catalog, None)?.save_to_buffer()?)
}

fn build_with(
    results: &Results,
    cfg: &Config,
    layout: &Layout,
    catalog: &Catalog,
    temp_dir: Option<&Path>,
) -> Result<Workbook, XlsxRenderError> {
    let labels = &catalog.labels;
    let styles = writer::Styles::new(layout, &labels.lang)?;
    let ctx = sections::Ctx {
        r: results,
        cfg,
        rc: catalog.ctx(cfg, &results.time_unit),
    };
    let mut wb = Workbook::new();
    if let Some(d) = temp_dir {
        wb.set_tempdir(d)?;
    }
    // Fast deflate: registry-sized listings otherwise spend most of their time compressing,
    // for a file only slightly smaller.
    wb.set_zip_compression_level(1);
    wb.set_properties(&properties(results, labels));
    // Create every sheet in layout order; a sheet of listings is written row by row to a
    // temporary file (unnamed, removed on close) instead of being held in memory.
    let mut names = Vec::with_capacity(layout.sheets.len());
    for sheet in &layout.sheets {
        let name = ctx.rc.l(&sheet.name);
        check_sheet_name(&sheet.name, &name)?;
        let ws = if sheet.sections.iter().any(|s| s.is_listing()) {
            wb.add_worksheet_with_constant_memory()?
        } else {
            wb.add_worksheet()
        };
        ws.set_name(&name).map_err(|e| XlsxRenderError::SheetName {
            key: sheet.name.clone(),
            name: name.clone(),
            message: e.to_string(),
        })?;
        ws.set_paper_size(9); // A4
        ws.set_print_fit_to_pages(1, 0); // one page wide, as many tall as needed
        ws.set_screen_gridlines(false);
        names.push(name);
    }
    let render = |ws: &mut rust_xlsxwriter::Worksheet,
                  sheet: &layout::SheetSpec,
                  name: &str|
     -> Result<(), XlsxRenderError> {
        let mut w = writer::SheetWriter::new(ws, name.to_string(), &styles);
        for section in &sheet.sections {
            sections::render(*section, &mut w, &ctx)?;
        }
        w.finish(sheet.freeze, sheet.landscape)
    };
    // Sheets holding only listings (millions of rows in a registry) are written in
    // parallel, the others first, one after the other. Constant-memory sheets number their
    // cell formats in one workbook-wide table in order of first use; every format a listing
    // can use is registered first, in a fixed order, so that the parallel writers only look
    // formats up and the same results still give the same bytes.
    let parallel = |sheet: &layout::SheetSpec| sheet.sections.iter().all(|s| s.is_listing());
    {
        let sheets = wb.worksheets_mut();
        for ((ws, sheet), name) in sheets.iter_mut().zip(&layout.sheets).zip(&names) {
            if !parallel(sheet) {
                render(ws, sheet, name)?;
            }
        }
    }
    // `register_format` is public but hidden in rust_xlsxwriter's docs; its doc comment
    // names this use ("multi-threaded constant memory programs"). Without it the
    // reproducibility test `same_results_give_identical_bytes` fails.
    for f in styles.listing_formats() {
        wb.register_format(&f);
    }
    {
        use rayon::prelude::*;
        let jobs: Vec<_> = wb
            .worksheets_mut()
            .iter_mut()
            .zip(&layout.sheets)
            .zip(&names)
            .filter(|((_, sheet), _)| parallel(sheet))
            .collect();
        jobs.into_par_iter()
            .map(|((ws, sheet), name)| render(ws, sheet, name))
            .collect::<Result<Vec<()>, _>>()?;
    }
    Ok(wb)
}

/// Rejects names Excel cannot hold, naming the label key (rust_xlsxwriter checks too, but
/// only a duplicate is found at save time; this gives the early, clearer message).
fn check_sheet_name(key: &str, name: &str) -> Result<(), XlsxRenderError> {
    let bad = |message: &str| XlsxRenderError::SheetName {
        key: key.to_string(),
        name: name.to_string(),
        message: message.to_string(),
    };
    if name.trim().is_empty() {
        return Err(bad("empty"));
    }
    if name.chars().count() > 31 {
        return Err(bad("longer than 31 characters"));
    }
    if name.contains(['[', ']', ':', '*', '?', '/', '\\']) {
        return Err(bad("contains one of []:*?/\\"));
    }
    Ok(())
}

/// Document properties with a fixed creation time (the run date, midnight UTC; 2000-01-01
/// when the run date does not parse), so that the output is reproducible.
fn properties(r: &Results, l: &Labels) -> DocProperties {
    let created = ExcelDateTime::parse_from_str(r.run_date.trim())
        .or_else(|_| ExcelDateTime::from_ymd(2000, 1, 1));
    let title = if r.analyses.study_title.is_empty() {
        l.get("xlsx_text.report_title").to_string()
    } else {
        r.analyses.study_title.clone()
    };
    let mut p = DocProperties::new()
        .set_title(title)
        .set_author(format!("{} {}", r.generator.name, r.generator.version))
        .set_comment(l.get("xlsx_text.doc_comment").to_string());
    if let Ok(dt) = created {
        p = p.set_creation_datetime(&dt);
    }
    p
}

/// The layout override path for `dir`, for messages and tests.
pub fn layout_override_path(dir: &Path) -> PathBuf {
    dir.join(LAYOUT_FILE)
}
