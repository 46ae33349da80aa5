//! The rows of `<output>/index.html` from the manifests: every report with its status,
//! finding counts, last change and a link. The page itself is a template of the renderer
//! (`crates/render/templates/index.html`).

use super::manifest::{Entry, EntryStatus};
use crate::render::context::Catalog;
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

/// The rows of the index over `entries` (workbook path → entry), in the order given, times
/// in `tz`.
pub fn rows<'a>(
    entries: impl IntoIterator<Item = (&'a String, &'a Entry)>,
    tz: chrono_tz::Tz,
    catalog: &Catalog,
) -> Vec<IndexRow> {
    entries
        .into_iter()
        .map(|(file, e)| row(file, e, tz, catalog))
        .collect()
}

/// An RFC 3339 time (the manifest's, in UTC) as the site's clock shows it:
/// `2026-12-07 20:36 (Asia/Shanghai)`; the text as stored when it is not a time.
pub fn local_time(rfc3339: &str, tz: chrono_tz::Tz) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => format!(
            "{} ({})",
            t.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
            tz.name()
        ),
        Err(_) => rfc3339.to_string(),
    }
}

/// One workbook's row: its status, finding counts, last change (or error) and link.
fn row(file: &str, e: &Entry, tz: chrono_tz::Tz, catalog: &Catalog) -> IndexRow {
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
        // The reason in the site's language (an entry of an older version has only the
        // English text).
        (EntryStatus::Failed, _, Some(err)) => match &e.failure {
            Some(f) => catalog.failure_text(f, err),
            None => err.clone(),
        },
        (_, Some(c), _) => c.clone(),
        _ => String::new(),
    };
    IndexRow {
        file: file.to_string(),
        status,
        findings,
        change,
        updated: local_time(&e.updated, tz),
        href: href(&link),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index shows the manifest's UTC times on the site's clock (issue 14).
    #[test]
    fn times_in_the_site_zone() {
        let shanghai: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(
            local_time("2026-12-07T16:30:00+00:00", shanghai),
            "2026-12-08 00:30 (Asia/Shanghai)"
        );
        assert_eq!(local_time("t", shanghai), "t");
    }
}
