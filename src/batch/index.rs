//! `<output>/index.html`: every report with its status, finding counts, last change and a
//! link. Self-contained (inline CSS), no JavaScript, every text escaped.

use super::html_escape;
use super::manifest::{Entry, EntryStatus};
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

/// The index page over `entries` (workbook path → entry).
pub fn render<'a>(
    entries: impl IntoIterator<Item = (&'a String, &'a Entry)>,
    generated: &str,
) -> String {
    let mut rows = String::new();
    let (mut ok, mut failed) = (0, 0);
    for (file, e) in entries {
        let (status, link) = match e.status {
            EntryStatus::Reported => {
                ok += 1;
                ("reported", format!("{}/results.json", e.dir))
            }
            EntryStatus::Failed => {
                failed += 1;
                ("failed", format!("{}/error.html", e.dir))
            }
        };
        let counts = e
            .findings
            .as_ref()
            .map(|c| format!("{} / {} / {}", c.error, c.warning, c.info))
            .unwrap_or_else(|| "-".into());
        let change = match (&e.status, &e.last_change, &e.error) {
            (EntryStatus::Failed, _, Some(err)) => err.clone(),
            (_, Some(c), _) => c.clone(),
            _ => String::new(),
        };
        let _ = writeln!(
            rows,
            "<tr class=\"{status}\"><td>{}</td><td>{status}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"{}\">open</a></td></tr>",
            html_escape(file),
            html_escape(&counts),
            html_escape(&change),
            html_escape(&e.updated),
            html_escape(&href(&link)),
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mmreport: reports</title>\n\
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}tr.failed td{{background:#fdd}}</style>\n\
</head><body><h1>Reports</h1>\n<p>{ok} reported, {failed} failed. Generated {}.</p>\n\
<table><thead><tr><th>Workbook</th><th>Status</th><th>Findings (errors / warnings / info)</th>\
<th>Last change</th><th>Updated</th><th>Link</th></tr></thead><tbody>\n{rows}</tbody></table>\n</body></html>\n",
        html_escape(generated)
    )
}
