//! The pages of the output folder besides the reports: `index.html` (every workbook with its
//! status, finding counts, last change and a link) and the error page of a quarantined
//! workbook. Rendered from the templates `index.html` and `error.html` (embedded, replaceable
//! in `report.template_dir`) in the run's language, escaped like the report.

use super::{HtmlError, HtmlRenderer};
use serde::Serialize;

/// Whether a workbook has a report or was quarantined (the row's CSS class and status label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageStatus {
    Reported,
    Failed,
}

/// One workbook in the index, as text (the caller formats counts and dates).
#[derive(Debug, Clone, Serialize)]
pub struct IndexRow {
    /// The workbook's path relative to the input folder.
    pub file: String,
    pub status: PageStatus,
    /// `errors / warnings / info`, or `-` for a quarantined workbook.
    pub findings: String,
    /// The last change of the report, or the reason of a quarantine.
    pub change: String,
    pub updated: String,
    /// The link to the report (or error page), percent-encoded.
    pub href: String,
}

#[derive(Serialize)]
struct IndexView<'a> {
    rows: &'a [IndexRow],
    summary: String,
}

#[derive(Serialize)]
struct ErrorView<'a> {
    title: String,
    heading: String,
    reason: &'a str,
}

impl HtmlRenderer {
    /// `index.html` over `rows` (in the order given), generated at `time`.
    pub fn index_page(&self, rows: &[IndexRow], time: &str) -> Result<String, HtmlError> {
        let count = |s| rows.iter().filter(|r| r.status == s).count().to_string();
        let summary = self
            .label("page.index_summary")
            .replace("{ok}", &count(PageStatus::Reported))
            .replace("{failed}", &count(PageStatus::Failed))
            .replace("{time}", time);
        self.page("index.html", &IndexView { rows, summary })
    }

    /// The error page of a workbook (`file`, relative to the input) that has no report.
    pub fn error_page(&self, file: &str, reason: &str) -> Result<String, HtmlError> {
        let view = ErrorView {
            title: self.label("page.error_title").replace("{file}", file),
            heading: self.label("page.error_heading").replace("{file}", file),
            reason,
        };
        self.page("error.html", &view)
    }

    /// Renders template `name` with `view` at the top level, the labels as `L` and `lang`.
    fn page(&self, name: &str, view: &impl Serialize) -> Result<String, HtmlError> {
        let mut context = tera::Context::from_serialize(view)?;
        context.insert("L", &self.nested);
        context.insert("lang", self.lang);
        Ok(self.tera.render(name, &context)?)
    }
}
