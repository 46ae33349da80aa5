//! The rows of `<output>/index.html` from the manifests: every report with its status,
//! finding counts, last change and a link. The page itself is a template of the renderer
//! (`crates/render/templates/index.html`).

use super::manifest::{Entry, EntryStatus};
use crate::render::html::{IndexRow, PageStatus};
use std::fmt::Write as _;

/// Percent-encodes a relative path for an `href`, segment by segment.
pub fn href(rel: &str) -> String {
    let mut out = String::new();
    for b in rel.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// The rows of the index over `entries` (workbook path → entry), in the order given.
pub fn rows<'a>(entries: impl IntoIterator<Item = (&'a String, &'a Entry)>) -> Vec<IndexRow> {
    entries.into_iter().map(|(file, e)| row(file, e)).collect()
}

/// One workbook's row: its status, finding counts, last change (or error) and link.
fn row(file: &str, e: &Entry) -> IndexRow {
    let (status, link) = match e.status {
        EntryStatus::Reported => (PageStatus::Reported, format!("{}/report.html", e.dir)),
        EntryStatus::Failed => (PageStatus::Failed, format!("{}/error.html", e.dir)),
    };
    let findings = e
        .findings
        .as_ref()
        .map(|c| format!("{} / {} / {}", c.error, c.warning, c.info))
        .unwrap_or_else(|| "-".into());
    let change = match (&e.status, &e.last_change, &e.error) {
        (EntryStatus::Failed, _, Some(err)) => err.clone(),
        (_, Some(c), _) => c.clone(),
        _ => String::new(),
    };
    IndexRow {
        file: file.to_string(),
        status,
        findings,
        change,
        updated: e.updated.clone(),
        href: href(&link),
    }
}
