//! A batch run: discover workbooks under the input, process them in parallel (rayon), write
//! each report atomically, and quarantine any workbook that fails, with the reason in plain
//! words, without stopping the others (ripgrep's model: one bad file never stops the run).
//! Input files are only ever read.

use crate::pipeline::{self, Context};
use crate::publish;
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Extensions calamine reads.
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xls", "xlsb", "ods"];

/// The outcome of one workbook.
#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    /// Path relative to the input root.
    pub file: String,
    pub status: Status,
    pub report_dir: Option<String>,
    pub error: Option<String>,
    pub findings: Option<crate::results::FindingCounts>,
    pub millis: u128,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Reported,
    Failed,
}

/// True for names a person or Office leaves behind: `~$lock.xlsx`, `.hidden`, `x.tmp`.
pub fn ignored_name(name: &str) -> bool {
    name.starts_with("~$") || name.starts_with('.') || name.ends_with('~') || name.ends_with(".tmp")
}

/// Workbooks under `input` (a file or a directory, searched recursively), sorted, as
/// (absolute path, path relative to the input root).
pub fn discover(input: &Path) -> std::io::Result<Vec<(PathBuf, PathBuf)>> {
    if input.is_file() {
        let name = input.file_name().map(PathBuf::from).unwrap_or_default();
        return Ok(vec![(input.to_path_buf(), name)]);
    }
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(input)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(std::io::Error::other)?;
        let name = entry.file_name().to_string_lossy();
        if entry.depth() > 0 && ignored_name(&name) {
            continue;
        }
        let ext = entry
            .path()
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase());
        if ext.as_deref().is_some_and(|e| EXTENSIONS.contains(&e)) {
            let rel = entry
                .path()
                .strip_prefix(input)
                .unwrap_or(entry.path())
                .to_path_buf();
            out.push((entry.path().to_path_buf(), rel));
        }
    }
    Ok(out)
}

/// The report directory of a workbook: its relative path without the extension.
pub fn report_rel(rel: &Path) -> PathBuf {
    rel.with_extension("")
}

fn quarantine(output: &Path, rel: &Path, reason: &str) -> Result<PathBuf, publish::PublishError> {
    let dir = output.join("_failed").join(rel);
    #[derive(Serialize)]
    struct ErrorJson<'a> {
        file: String,
        error: &'a str,
    }
    let json = serde_json::to_vec_pretty(&ErrorJson {
        file: rel.display().to_string(),
        error: reason,
    })
    .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Failed: {0}</title></head>\
         <body><h1>No report for {0}</h1><p>{1}</p></body></html>",
        html_escape(&rel.display().to_string()),
        html_escape(reason)
    );
    publish::write_dir_atomic(
        &dir,
        &[
            ("error.json".into(), json),
            ("error.html".into(), html.into_bytes()),
        ],
    )?;
    Ok(dir)
}

/// Minimal HTML escaping for the quarantine page.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn one(path: &Path, rel: &Path, output: &Path, ctx: &Context) -> FileOutcome {
    let start = Instant::now();
    let file = rel.display().to_string();
    let result: Result<(PathBuf, crate::results::FindingCounts), String> = (|| {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read the file: {e}"))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let processed = pipeline::process(&bytes, &name, ctx).map_err(|e| e.to_string())?;
        let files = publish::report_files(&processed.results).map_err(|e| e.to_string())?;
        let dest = output.join(report_rel(rel));
        publish::write_dir_atomic(&dest, &files).map_err(|e| e.to_string())?;
        Ok((dest, processed.results.finding_counts))
    })();
    let millis = start.elapsed().as_millis();
    match result {
        Ok((dest, counts)) => {
            tracing::info!(file = %file, ms = millis as u64, "reported");
            FileOutcome {
                file,
                status: Status::Reported,
                report_dir: Some(dest.display().to_string()),
                error: None,
                findings: Some(counts),
                millis,
            }
        }
        Err(reason) => {
            tracing::warn!(file = %file, reason = %reason, "failed; quarantined");
            let q = quarantine(output, rel, &reason);
            if let Err(e) = &q {
                tracing::error!(file = %file, error = %e, "could not write the quarantine entry");
            }
            FileOutcome {
                file,
                status: Status::Failed,
                report_dir: q.ok().map(|d| d.display().to_string()),
                error: Some(reason),
                findings: None,
                millis,
            }
        }
    }
}

/// Processes every workbook in parallel; the outcomes come back in discovery order.
pub fn run(files: &[(PathBuf, PathBuf)], output: &Path, ctx: &Context) -> Vec<FileOutcome> {
    files
        .par_iter()
        .map(|(p, rel)| one(p, rel, output, ctx))
        .collect()
}
