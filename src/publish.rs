//! Writing one report directory so that nobody ever opens half a report: everything is
//! written into a temporary directory beside the final one and renamed into place only when
//! complete; the previous report stays until then.
//!
//! [`write_report`] renders a report straight into the staging directory ([`stage_with`]):
//! every file is streamed to disk as it is produced, so a registry's hundreds of megabytes
//! of results.json, CSV and Excel listings are never held in memory whole.
//!
//! [`publish_versioned`] / [`publish_staged`] additionally keep the last N reports of a
//! workbook under a versions folder, and [`write_file_atomic`] writes one file (the manifest,
//! the index, a run log) by the same write-beside-then-rename rule. Anything removed is first renamed to a
//! hidden `.trash-` name, so an interrupted removal never leaves a half-deleted report in
//! sight; [`sweep_leftovers`] clears such hidden debris at the start of the next run.
//!
//! CSV cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
//! tab or carriage return) are prefixed with `'`, the OWASP defence against CSV injection.

use crate::results::Results;
use serde::Serialize;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot serialise {what}: {message}")]
    Serialise { what: String, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PublishError + '_ {
    move |source| PublishError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// OWASP CSV-injection defence: a cell that starts like a formula is prefixed with `'`; control
/// characters (`mmreport_core::text`) become U+FFFD.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.chars().any(crate::text::is_forbidden_control) {
        return csv_safe(&crate::text::replace_controls(cell))
            .into_owned()
            .into();
    }
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if cell.parse::<f64>().is_err() => {
            format!("'{cell}").into()
        }
        _ => cell.into(),
    }
}

/// Serialises rows to CSV bytes with a header, every text cell passed through [`csv_safe`].
pub fn to_csv<T: Serialize>(rows: &[T], header_if_empty: &[&str]) -> Result<Vec<u8>, PublishError> {
    let mut out = Vec::new();
    write_csv(&mut out, rows, header_if_empty)?;
    Ok(out)
}

/// Streams rows as CSV with a header to `w`, every text cell passed through [`csv_safe`].
/// Rows are serialised a block at a time and sanitised field by field, so a million-row
/// listing never sits in memory twice.
pub fn write_csv<T: Serialize, W: Write>(
    w: W,
    rows: &[T],
    header_if_empty: &[&str],
) -> Result<(), PublishError> {
    let ser = |e: csv::Error| PublishError::Serialise {
        what: "csv".into(),
        message: e.to_string(),
    };
    let mut out = csv::Writer::from_writer(w);
    if rows.is_empty() {
        out.write_record(header_if_empty).map_err(ser)?;
    }
    let mut raw = Vec::new();
    for (i, block) in rows.chunks(4096).enumerate() {
        raw.clear();
        {
            // The header (from the field names) comes with the first block only.
            let mut wr = csv::WriterBuilder::new()
                .has_headers(i == 0)
                .from_writer(&mut raw);
            for r in block {
                wr.serialize(r).map_err(ser)?;
            }
            wr.flush().map_err(|e| PublishError::Serialise {
                what: "csv".into(),
                message: e.to_string(),
            })?;
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(raw.as_slice());
        let mut rec = csv::StringRecord::new();
        while reader.read_record(&mut rec).map_err(ser)? {
            for field in rec.iter() {
                out.write_field(csv_safe(field).as_bytes()).map_err(ser)?;
            }
            out.write_record(std::iter::empty::<&[u8]>()).map_err(ser)?;
        }
    }
    out.flush().map_err(|e| PublishError::Serialise {
        what: "csv".into(),
        message: e.to_string(),
    })
}

/// Writes results.json to `w`: indented up to `report.json_pretty_max_patients` patients,
/// compact above.
pub fn write_results_json<W: Write>(
    w: W,
    results: &Results,
    cfg: &crate::config::Config,
) -> Result<(), PublishError> {
    let pretty = results.cohort.patients_read <= cfg.report.json_pretty_max_patients;
    let r = if pretty {
        serde_json::to_writer_pretty(w, results)
    } else {
        serde_json::to_writer(w, results)
    };
    r.map_err(|e| PublishError::Serialise {
        what: "results.json".into(),
        message: e.to_string(),
    })
}

/// Creates `path` (and its folder), lets `write` fill it through a buffer, then fsyncs it.
fn write_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<fs::File>) -> Result<(), PublishError>,
) -> Result<(), PublishError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let f = fs::File::create(path).map_err(io(path))?;
    let mut b = BufWriter::with_capacity(1 << 20, f);
    write(&mut b)?;
    let f = b.into_inner().map_err(|e| PublishError::Io {
        path: path.display().to_string(),
        source: e.into_error(),
    })?;
    f.sync_all().map_err(io(path))
}

/// Writes `bytes` as the file `path` (fsynced).
pub fn write_file_bytes(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    write_file(path, |w| w.write_all(bytes).map_err(io(path)))
}

/// Writes the report of `results` into the folder `dir`: the HTML report with its figures,
/// the Excel report, results.json and the ADaM CSVs, everything rendered from `results`
/// alone. HTML ‖ Excel ‖ data files are rendered in parallel and streamed to disk (a
/// registry's results.json and listings are hundreds of megabytes: none is held in memory
/// whole). Every file is fsynced.
pub fn write_report(
    dir: &Path,
    results: &Results,
    cfg: &crate::config::Config,
    renderer: &crate::render::Renderer,
) -> Result<(), PublishError> {
    let ser = |what: &str, e: String| PublishError::Serialise {
        what: what.into(),
        message: e,
    };
    let (html, (xlsx, data)) = rayon::join(
        || -> Result<(), PublishError> {
            let html = renderer
                .html
                .render(results, cfg)
                .map_err(|e| ser("report.html", e.to_string()))?;
            write_file_bytes(&dir.join("report.html"), html.html.as_bytes())?;
            write_figures(dir, &html.figures, &renderer.export)
        },
        || {
            rayon::join(
                || {
                    let p = dir.join("report.xlsx");
                    write_file(&p, |w| {
                        renderer
                            .xlsx
                            .write(results, cfg, w, dir)
                            .map_err(|e| ser("report.xlsx", e.to_string()))
                    })
                },
                || data_files(dir, results, cfg),
            )
        },
    );
    html?;
    xlsx?;
    data
}

/// Every figure under `dir/figures/` in the configured formats: the SVG as drawn, its PDF
/// and PNG from [`crate::render::export`], figures in parallel. A figure with text that no
/// loaded font covers is named in the run log (its text never: it may be a patient's value).
fn write_figures(
    dir: &Path,
    figures: &[(String, String)],
    export: &crate::render::export::Exporter,
) -> Result<(), PublishError> {
    use crate::config::FigureFormat;
    use rayon::prelude::*;
    let figs = dir.join("figures");
    figures.par_iter().try_for_each(|(name, svg)| {
        if export.writes(FigureFormat::Svg) {
            write_file_bytes(&figs.join(name), svg.as_bytes())?;
        }
        let stem = name.strip_suffix(".svg").unwrap_or(name);
        let out = export
            .export(stem, svg)
            .map_err(|e| PublishError::Serialise {
                what: format!("figures/{stem}"),
                message: e.to_string(),
            })?;
        if out.uncovered > 0 {
            tracing::warn!(
                figure = %stem,
                characters = out.uncovered,
                "figure text has characters no loaded font covers: they show as boxes in its \
                 PDF and PNG; set [figures] font_dir to a folder with a font that has them \
                 (e.g. Noto Sans CJK)"
            );
        }
        for (file, bytes) in &out.files {
            write_file_bytes(&figs.join(file), bytes)?;
        }
        Ok(())
    })
}

/// results.json and the ADaM CSVs.
fn data_files(
    dir: &Path,
    results: &Results,
    cfg: &crate::config::Config,
) -> Result<(), PublishError> {
    write_file(&dir.join("results.json"), |w| {
        write_results_json(w, results, cfg)
    })?;
    let d = &results.datasets;
    write_file(&dir.join("adsl.csv"), |w| {
        write_csv(w, &d.adsl, &["USUBJID"])
    })?;
    write_file(&dir.join("adtte.csv"), |w| {
        write_csv(w, &d.adtte, &["USUBJID", "PARAMCD", "AVAL", "CNSR"])
    })?;
    write_file(&dir.join("adrs.csv"), |w| {
        write_csv(w, &d.adrs, &["USUBJID", "AVISITN", "ADT", "AVALC"])
    })?;
    write_file(&dir.join("adae.csv"), |w| {
        write_csv(
            w,
            &d.adae,
            &["USUBJID", "SOURCE", "AETERM", "AEDECOD", "AETOXGR"],
        )
    })
}

/// Writes `files` as the directory `dest`, atomically: built in a temporary sibling
/// directory, fsynced, then swapped in. The old directory is removed only after the new
/// one is in place.
pub fn write_dir_atomic(dest: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<(), PublishError> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    let stem = short_name(dest);
    let staged = stage(dest, files)?;
    if dest.exists() {
        let old = parent.join(format!(".{stem}.old-{}", std::process::id()));
        fs::rename(dest, &old).map_err(io(dest))?;
        fs::rename(&staged, dest).map_err(io(dest))?;
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(&staged, dest).map_err(io(dest))?;
    }
    sync_dir(parent);
    Ok(())
}

/// Fsyncs a directory so that renames inside it survive a power cut (no-op off Unix).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Removes a directory tree without ever leaving it half-deleted under its own name: it is
/// renamed to a hidden `.trash-` sibling first.
pub fn remove_dir_safely(dir: &Path) -> Result<(), PublishError> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    let name = short_name(dir);
    let trash = parent.join(format!(
        ".trash-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().format("%Y%m%dT%H%M%S%f")
    ));
    fs::rename(dir, &trash).map_err(io(dir))?;
    sync_dir(parent);
    fs::remove_dir_all(&trash).map_err(io(&trash))
}

/// The file name of `path` for naming its hidden siblings (staging `.x.tmp-*`, `.x.old-*`,
/// `.trash-x-*`): a name longer than 120 bytes is cut to its first 64 bytes (on a character
/// boundary) and 16 hex digits of its SHA-256, so that a name near the file system's limit
/// of 255 bytes (81 Chinese characters and `.xlsx`) still has room for the decoration.
fn short_name(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.len() <= 120 {
        return name;
    }
    let mut cut = 64;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let hash = hex::encode(&Sha256::digest(name.as_bytes())[..8]);
    format!("{}~{hash}", &name[..cut])
}

/// Writes one file atomically: a temporary sibling, fsynced, renamed over `path`; created
/// 0666 less the umask, like every other output.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io(parent))?;
    let name = short_name(path);
    let prefix = format!(".{name}.tmp-");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // One rule for every output: the umask, as for the report files (a temporary file is
    // otherwise created 0600, and index.html, the manifest and the run logs would stay so).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(parent).map_err(io(parent))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(io(path))?;
    tmp.as_file().sync_all().map_err(io(path))?;
    tmp.persist(path).map_err(|e| PublishError::Io {
        path: path.display().to_string(),
        source: e.error,
    })?;
    sync_dir(parent);
    Ok(())
}

/// Stages `files` in a hidden temporary sibling of `dest` (every file fsynced).
fn stage(dest: &Path, files: &[(PathBuf, Vec<u8>)]) -> Result<PathBuf, PublishError> {
    stage_with(dest, |dir| {
        for (rel, bytes) in files {
            write_file_bytes(&dir.join(rel), bytes)?;
        }
        Ok(())
    })
}

/// Stages a report directory for `dest`: a hidden temporary sibling that `write` fills
/// (fsyncing its files), then fsynced itself. On error the staging directory is removed.
pub fn stage_with(
    dest: &Path,
    write: impl FnOnce(&Path) -> Result<(), PublishError>,
) -> Result<PathBuf, PublishError> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io(parent))?;
    let stem = short_name(dest);
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{stem}.tmp-"))
        .tempdir_in(parent)
        .map_err(io(parent))?;
    write(tmp.path())?;
    sync_dir(tmp.path());
    Ok(tmp.keep())
}

/// Publishes `files` as the report directory `dest`, keeping `keep` versions in all: the
/// current report moves to `versions/<UTC timestamp>/` (a rename: it is complete there
/// too), the new one is renamed into `dest`, and the oldest versions beyond `keep - 1` are
/// removed. Between the two renames `dest` is briefly absent, never partial.
pub fn publish_versioned(
    dest: &Path,
    files: &[(PathBuf, Vec<u8>)],
    versions: &Path,
    keep: usize,
) -> Result<(), PublishError> {
    let staged = stage(dest, files)?;
    publish_staged(dest, staged, versions, keep)
}

/// [`publish_versioned`] for a directory already staged with [`stage_with`].
pub fn publish_staged(
    dest: &Path,
    staged: PathBuf,
    versions: &Path,
    keep: usize,
) -> Result<(), PublishError> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    if dest.exists() {
        if keep > 1 {
            fs::create_dir_all(versions).map_err(io(versions))?;
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
            let mut target = versions.join(&stamp);
            let mut n = 1;
            while target.exists() {
                target = versions.join(format!("{stamp}-{n}"));
                n += 1;
            }
            fs::rename(dest, &target).map_err(io(dest))?;
            sync_dir(versions);
        } else {
            remove_dir_safely(dest)?;
        }
    }
    fs::rename(&staged, dest).map_err(io(dest))?;
    sync_dir(parent);
    prune_versions(versions, keep.saturating_sub(1))
}

/// Keeps the newest `keep` entries of a versions folder (names sort by time).
fn prune_versions(versions: &Path, keep: usize) -> Result<(), PublishError> {
    let Ok(rd) = fs::read_dir(versions) else {
        return Ok(());
    };
    let mut names: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for old in names.into_iter().take(excess) {
        remove_dir_safely(&old)?;
    }
    Ok(())
}

/// Removes the hidden debris an interrupted run may leave under `root` (staging
/// directories `.x.tmp-*`, `.x.old-*`, `.trash-*`) last modified at least `min_age` ago.
/// Call only while holding the run lock; with several runs sharing the folder (shards),
/// pass an age no live run's staging directory can have.
pub fn sweep_leftovers(root: &Path, min_age: std::time::Duration) -> usize {
    let now = std::time::SystemTime::now();
    let old_enough = |p: &Path| {
        fs::symlink_metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= min_age)
    };
    let mut removed = 0;
    let debris: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            !(n.starts_with(".mmreport") && n.ends_with(".lock"))
        })
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy();
            n.starts_with('.')
                && (n.contains(".tmp-") || n.contains(".old-") || n.starts_with(".trash-"))
        })
        .map(|e| e.path().to_path_buf())
        .filter(|p| old_enough(p))
        .collect();
    for p in debris {
        let ok = if p.is_dir() {
            fs::remove_dir_all(&p).is_ok()
        } else {
            fs::remove_file(&p).is_ok()
        };
        if ok {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+cmd"), "'+cmd");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("-2.5"), "-2.5");
        assert_eq!(csv_safe("-x"), "'-x");
        assert_eq!(csv_safe("plain"), "plain");
    }

    #[test]
    fn csv_rows_are_sanitised() {
        #[derive(Serialize)]
        struct R {
            a: String,
            b: f64,
        }
        let out = to_csv(
            &[R {
                a: "=1+1".into(),
                b: -1.5,
            }],
            &[],
        )
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a,b\n'=1+1,-1.5\n");
    }

    #[test]
    fn long_csv_has_one_header_and_every_row_sanitised() {
        #[derive(Serialize)]
        struct R {
            id: String,
            v: usize,
        }
        // Three blocks of 4096 rows: the header only once, every block sanitised.
        let rows: Vec<R> = (0..10_000)
            .map(|i| R {
                id: if i % 2 == 0 {
                    format!("=X{i}")
                } else {
                    format!("P{i}")
                },
                v: i,
            })
            .collect();
        let out = String::from_utf8(to_csv(&rows, &[]).unwrap()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 10_001);
        assert_eq!(lines[0], "id,v");
        assert_eq!(lines.iter().filter(|l| **l == "id,v").count(), 1);
        assert_eq!(lines[1], "'=X0,0");
        assert_eq!(lines[4097], "'=X4096,4096");
        assert_eq!(lines[10_000], "P9999,9999");
        // No rows: the given header.
        let empty: Vec<R> = Vec::new();
        assert_eq!(to_csv(&empty, &["id", "v"]).unwrap(), b"id,v\n");
    }

    #[test]
    fn atomic_dir_replaces_previous() {
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("rep");
        write_dir_atomic(&dest, &[("a.txt".into(), b"1".to_vec())]).unwrap();
        write_dir_atomic(&dest, &[("b.txt".into(), b"2".to_vec())]).unwrap();
        assert!(!dest.join("a.txt").exists());
        assert_eq!(fs::read(dest.join("b.txt")).unwrap(), b"2");
        let leftovers: Vec<_> = fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary directories left behind");
    }

    #[test]
    fn versions_are_kept_and_pruned() {
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("rep");
        let versions = t.path().join("_versions").join("rep");
        for i in 0..5u8 {
            publish_versioned(&dest, &[("a.txt".into(), vec![b'0' + i])], &versions, 3).unwrap();
        }
        assert_eq!(fs::read(dest.join("a.txt")).unwrap(), b"4");
        let mut kept: Vec<_> = fs::read_dir(&versions)
            .unwrap()
            .map(|e| fs::read(e.unwrap().path().join("a.txt")).unwrap())
            .collect();
        kept.sort();
        assert_eq!(kept, vec![b"2".to_vec(), b"3".to_vec()]);
    }
}
