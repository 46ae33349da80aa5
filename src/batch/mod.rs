//! A batch run: discover workbooks under the input, skip the unchanged ones (manifest),
//! process the rest in parallel (as many at once as the night's memory budget admits), publish each report atomically with its previous
//! versions kept, and quarantine any workbook that fails, with the reason in plain words,
//! without stopping the others (ripgrep's model: one bad file never stops the run). Input
//! files are only ever read.
//!
//! Submodules: [`manifest`] (what was reported from what), [`crate::changes`] (differences from the
//! previous report), [`index`] (`index.html`), [`pseudonym`] (keyed patient-id hashing).

pub mod budget;
pub mod index;
pub mod manifest;
pub mod pseudonym;

use crate::changes;
use crate::config::FollowSymlinks;
use crate::failure::Failure;
use crate::pipeline::{self, Context};
use crate::publish;
use crate::results::{FindingCounts, Results};
use manifest::{Entry, EntryStatus, Manifest};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// Extensions calamine reads.
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xls", "xlsb", "ods"];

/// Folders of the output that are ours, not reports.
pub const FAILED_DIR: &str = "_failed";
pub const VERSIONS_DIR: &str = "_versions";
pub const RUNS_DIR: &str = "runs";

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("cannot list {path}: {message}")]
    List { path: String, message: String },
    #[error("{0}")]
    Publish(#[from] publish::PublishError),
    #[error("bad --shard {0:?}: expected I/N with 0 <= I < N, e.g. 0/4")]
    Shard(String),
    /// A template or layout override that does not load: a configuration problem of the
    /// whole run, not of any workbook (none is quarantined for it).
    #[error("report templates: {0}")]
    Renderer(#[from] crate::render::RendererError),
    /// The index page's template (an override) does not render.
    #[error("index.html: {0}")]
    Index(#[from] crate::render::html::HtmlError),
}

/// `--shard I/N`: this run handles the workbooks whose relative path hashes to `I` modulo
/// `N` (SHA-256 of the `/`-separated relative path, first 8 bytes big-endian), so every
/// machine of an array computes the same partition with no coordination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = BatchError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BatchError::Shard(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// True when the workbook at `rel` (`/`-separated) belongs to this shard.
    pub fn contains(&self, rel: &str) -> bool {
        let h = Sha256::digest(rel.as_bytes());
        let mut b = [0u8; 8];
        b.copy_from_slice(&h[..8]);
        u64::from_be_bytes(b) % self.count == self.index
    }

    /// File-name suffix of this shard's manifest and lock (`` for 0/1).
    pub fn suffix(&self) -> String {
        if self.count == 1 {
            String::new()
        } else {
            format!("-shard-{}-of-{}", self.index, self.count)
        }
    }
}

/// How a run behaves, resolved once from flags and `[batch]`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Files modified more recently than this are left for the next run.
    pub settle: Duration,
    pub keep_versions: usize,
    /// Redo every workbook, changed or not.
    pub force: bool,
    pub shard: Shard,
    /// `--pseudonymize` key.
    pub pseudonym_key: Option<Vec<u8>>,
    /// Show a progress bar.
    pub progress: bool,
    /// Set (by the SIGTERM handler) to stop: no new workbook is started, the ones under way
    /// finish and are recorded, and the run log says what was not started.
    pub stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// The outcome of one workbook.
#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    /// Path relative to the input root, `/`-separated.
    pub file: String,
    pub status: Status,
    /// Report directory or quarantine entry, relative to the output folder.
    pub dir: Option<String>,
    pub error: Option<String>,
    pub findings: Option<FindingCounts>,
    pub last_change: Option<String>,
    pub millis: u128,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Reported,
    Skipped,
    Failed,
}

/// The previous report's results: `None` when there is none, an error (in words, for the
/// report and the log) when it exists but cannot be read back.
fn read_previous(path: &Path) -> Result<Option<Results>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot open the previous results.json: {e}")),
    };
    serde_json::from_reader(std::io::BufReader::new(file))
        .map(Some)
        .map_err(|e| format!("the previous results.json cannot be read ({e})"))
}

/// True for names a person or Office leaves behind: `~$lock.xlsx`, `.hidden`, `x.tmp`.
pub fn ignored_name(name: &str) -> bool {
    name.starts_with("~$")
        || name.starts_with('.')
        || name.ends_with('~')
        || name.to_lowercase().ends_with(".tmp")
        || name.to_lowercase().ends_with(".crdownload")
        || name.to_lowercase().ends_with(".part")
}

/// A workbook found under the input.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    /// Relative to the input root, `/`-separated.
    pub rel: String,
}

/// What discovery saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Discovery {
    #[serde(skip)]
    pub files: Vec<Found>,
    /// Modified less than the settle time ago: left for the next run.
    pub unsettled: Vec<String>,
    /// In another shard.
    pub other_shards: usize,
    /// Folders (relative to the input, `/`-separated; `""` for the input itself) that could
    /// not be listed, with the reason: an error of the run, and the workbooks reported from
    /// them before stay in the manifest and the index.
    pub unreadable: Vec<(String, String)>,
    /// Symbolic links not followed (`batch.follow_symlinks`), each with the reason.
    pub skipped_links: Vec<String>,
}

impl Discovery {
    /// True when `rel` lies in a folder that could not be listed (its absence from this
    /// night's files says nothing about whether it still exists).
    pub fn hidden_by_unreadable(&self, rel: &str) -> bool {
        self.unreadable
            .iter()
            .any(|(dir, _)| dir.is_empty() || rel.starts_with(&format!("{dir}/")))
    }
}

/// When a file last changed: the later of its modification time and, on Unix, its status
/// change time (a copy that preserves the original mtime, or a move into the folder, still
/// counts as new).
fn changed_at(meta: &std::fs::Metadata) -> Option<SystemTime> {
    let modified = meta.modified().ok();
    #[cfg(unix)]
    let ctime = {
        use std::os::unix::fs::MetadataExt;
        u64::try_from(meta.ctime())
            .ok()
            .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
    };
    #[cfg(not(unix))]
    let ctime: Option<SystemTime> = None;
    match (modified, ctime) {
        (Some(m), Some(c)) => Some(m.max(c)),
        (m, c) => m.or(c),
    }
}

fn rel_string(rel: &Path) -> String {
    rel.components()
        .map(|c| name_text(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/")
}

/// A file name as text: on Unix each byte that is not UTF-8 becomes `%XX`, so that two
/// names differing only in such bytes stay two names (a lossy decoding made them one, and
/// both were refused).
fn name_text(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::fmt::Write as _;
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                let _ = write!(out, "%{b:02X}");
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// True when `path` ends with a complete zip directory (xlsx, xlsm, xlsb and ods are zips):
/// the end-of-central-directory record sits exactly at the end of the file and the central
/// directory ends where it starts. A copy in progress writes that record last, so a complete
/// one is a finished file whatever its age (APPNOTE.TXT 4.3.16).
fn zip_complete(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let Ok(len) = file.seek(SeekFrom::End(0)) else {
        return false;
    };
    let tail_len = len.min(22 + 65_535);
    let mut tail = vec![0u8; tail_len as usize];
    if file.seek(SeekFrom::Start(len - tail_len)).is_err() || file.read_exact(&mut tail).is_err() {
        return false;
    }
    let u16_at = |i: usize| u64::from(u16::from_le_bytes([tail[i], tail[i + 1]]));
    let u32_at = |i: usize| {
        u64::from(u32::from_le_bytes([
            tail[i],
            tail[i + 1],
            tail[i + 2],
            tail[i + 3],
        ]))
    };
    (0..tail.len().saturating_sub(21)).rev().any(|i| {
        if tail[i..i + 4] != EOCD || i + 22 + u16_at(i + 20) as usize != tail.len() {
            return false;
        }
        let eocd_at = len - tail_len + i as u64;
        let (size, offset) = (u32_at(i + 12), u32_at(i + 16));
        // Zip64 keeps the real values elsewhere; its sentinel still marks a finished file.
        offset == 0xFFFF_FFFF || offset + size == eocd_at
    })
}

/// Whether a file changed `age` ago has settled: old enough, or (when it is not) a zip whose
/// directory is complete.
fn settled(path: &Path, age: Option<Duration>, settle: Duration) -> bool {
    settle == Duration::ZERO || matches!(age, Some(a) if a >= settle) || zip_complete(path)
}

/// True for a folder mmreport writes reports into (it holds the run lock file): an output
/// folder inside the input is never read as input.
fn is_output_folder(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(".mmreport") && name.ends_with(".lock")
        })
    })
}

/// What to do with a symbolic link met under the input ([`FollowSymlinks`]): `None` to
/// read it as a workbook, or the warning that names it and says why it is skipped. A link
/// whose target is gone is read (and quarantined as a file that disappeared).
fn link_verdict(path: &Path, rel: &str, root: &Path, policy: FollowSymlinks) -> Option<String> {
    let target = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(_) => return None,
    };
    if target.is_dir() {
        return Some(format!(
            "{rel}: a symbolic link to a folder; not followed (batch.follow_symlinks)"
        ));
    }
    if policy == FollowSymlinks::Never {
        return Some(format!(
            "{rel}: a symbolic link; not followed (batch.follow_symlinks = \"never\")"
        ));
    }
    let inside = std::fs::canonicalize(path).is_ok_and(|t| t.starts_with(root));
    (!inside).then(|| {
        format!(
            "{rel}: a symbolic link to a file outside the input folder; not read (batch.follow_symlinks = \"inside\")"
        )
    })
}

/// True for a name with one of [`EXTENSIONS`].
fn workbook_name(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .is_some_and(|e| EXTENSIONS.contains(&e.as_str()))
}

/// Workbooks under `input` (a file or a directory, searched recursively, hidden folders and
/// mmreport output folders skipped, symbolic links as `follow` says), sorted, that have
/// settled and belong to `shard`. A folder that cannot be listed is recorded in
/// [`Discovery::unreadable`], a link not followed in [`Discovery::skipped_links`].
pub fn discover(
    input: &Path,
    settle: Duration,
    shard: Shard,
    follow: FollowSymlinks,
) -> Result<Discovery, BatchError> {
    let now = SystemTime::now();
    let mut d = Discovery::default();
    let consider = |d: &mut Discovery, path: &Path, rel: String, modified: Option<SystemTime>| {
        if !shard.contains(&rel) {
            d.other_shards += 1;
            return;
        }
        let age = modified.and_then(|m| now.duration_since(m).ok());
        if !settled(path, age, settle) {
            d.unsettled.push(rel);
            return;
        }
        d.files.push(Found {
            path: path.to_path_buf(),
            rel,
        });
    };
    if input.is_file() {
        let rel = input.file_name().map(name_text).unwrap_or_default();
        let modified = std::fs::metadata(input).ok().and_then(|m| changed_at(&m));
        consider(&mut d, input, rel, modified);
        return Ok(d);
    }
    if !input.is_dir() {
        return Err(BatchError::List {
            path: input.display().to_string(),
            message: "no such file or folder".into(),
        });
    }
    let root = std::fs::canonicalize(input).unwrap_or_else(|_| input.to_path_buf());
    let rel_of = |p: &Path| rel_string(p.strip_prefix(input).unwrap_or(p));
    let walker = walkdir::WalkDir::new(input)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(ignored_name(&e.file_name().to_string_lossy())
                    || e.file_type().is_dir() && is_output_folder(e.path()))
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let dir = e.path().map(&rel_of).unwrap_or_default();
                tracing::error!(folder = %dir, error = %e, "cannot list part of the input; its workbooks keep their last reports");
                d.unreadable.push((dir, e.to_string()));
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let rel = rel_of(entry.path());
        if entry.path_is_symlink() {
            let target_dir = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
            if !(target_dir || workbook_name(entry.path())) {
                continue;
            }
            if let Some(warning) = link_verdict(entry.path(), &rel, &root, follow) {
                tracing::warn!("{warning}");
                d.skipped_links.push(warning);
                continue;
            }
        }
        if workbook_name(entry.path()) {
            let modified = entry.metadata().ok().and_then(|m| changed_at(&m));
            consider(&mut d, entry.path(), rel, modified);
        }
    }
    Ok(d)
}

/// What a report folder whose first name is one of the output folder's own gets appended
/// to that name (`runs.xlsx` is reported into `runs.report/`).
pub const RESERVED_SUFFIX: &str = ".report";

/// True for a name the output folder keeps for itself at its top level: `_failed`,
/// `_versions`, `runs`, `index.html`, the manifests (`manifest.json`,
/// `manifest-shard-I-of-N.json`, `manifest.json.corrupt-*`) and the lock files
/// (`.mmreport*.lock`), compared without case (a case-insensitive file system would merge
/// `Runs` with `runs`).
pub fn reserved_name(name: &str) -> bool {
    let n = name.to_lowercase();
    [FAILED_DIR, VERSIONS_DIR, RUNS_DIR, "index.html"].contains(&n.as_str())
        || n.starts_with("manifest") && n.contains(".json")
        || n.starts_with(".mmreport")
}

/// The report directory of a workbook, relative to the output: its relative path without
/// the extension, with [`RESERVED_SUFFIX`] after a first name that is reserved
/// ([`reserved_name`]: `manifest.json.xlsx` is reported into `manifest.json.report/`, never
/// in the manifest's place), so that no report folder collides with the output folder's own
/// files.
pub fn report_rel(rel: &str) -> String {
    let dir = rel_string(&Path::new(rel).with_extension(""));
    match dir.split_once('/') {
        Some((first, rest)) if reserved_name(first) => {
            format!("{first}{RESERVED_SUFFIX}/{rest}")
        }
        None if reserved_name(&dir) => format!("{dir}{RESERVED_SUFFIX}"),
        _ => dir,
    }
}

fn quarantine(
    output: &Path,
    rel: &str,
    reason: &Failed,
    html: &crate::render::html::HtmlRenderer,
) -> Result<String, publish::PublishError> {
    let dir_rel = format!("{FAILED_DIR}/{rel}");
    let dir = output.join(&dir_rel);
    #[derive(Serialize)]
    struct ErrorJson<'a> {
        file: &'a str,
        error: &'a str,
        reason: &'a Failure,
        time: String,
    }
    let json = serde_json::to_vec_pretty(&ErrorJson {
        file: rel,
        error: &reason.text,
        reason: &reason.failure,
        time: chrono::Utc::now().to_rfc3339(),
    })
    .map_err(|e| publish::PublishError::Serialise {
        what: "error.json".into(),
        message: e.to_string(),
    })?;
    let worded = html.catalog().failure_text(&reason.failure, &reason.text);
    let html = html
        .error_page(rel, &worded)
        .map_err(|e| publish::PublishError::Serialise {
            what: "error.html".into(),
            message: e.to_string(),
        })?;
    publish::write_dir_atomic(
        &dir,
        &[
            ("error.json".into(), json),
            ("error.html".into(), html.into_bytes()),
        ],
    )?;
    Ok(dir_rel)
}

/// Shared state of a run: where to write, and the manifest being updated.
pub struct Run<'a> {
    pub output: &'a Path,
    pub ctx: &'a Context,
    /// Built once for the run, shared by every workbook.
    pub renderer: &'a crate::render::Renderer,
    pub opts: &'a Options,
    pub manifest_path: PathBuf,
    pub manifest: Mutex<Manifest>,
    /// The night's memory budget (`batch.memory_budget_bytes`).
    pub budget: budget::Budget,
    /// What could not be written to the output outside a report (the manifest journal):
    /// the output disk is full or not writable. Makes the run's outcome an output error.
    pub output_errors: Mutex<Vec<String>>,
}

struct Done {
    dir: String,
    /// The published report's files, for the manifest.
    files: std::collections::BTreeMap<String, manifest::FileSum>,
    findings: FindingCounts,
    last_change: String,
}

fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>, Failed> {
    let empty = || {
        Failed::new(
            Failure::new("empty_file"),
            "the file is empty (0 bytes): probably an interrupted copy or save",
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Failed::new(
                Failure::new("file_disappeared"),
                "the file disappeared during the run (moved or deleted before it could be read)",
            )
        } else {
            Failed::new(
                Failure::new("file_unreadable"),
                format!("cannot read the file: {e}"),
            )
        }
    })?;
    if meta.is_dir() {
        return Err(Failed::new(
            Failure::new("folder"),
            "this is a folder named like a workbook, not a workbook file",
        ));
    }
    if meta.len() == 0 {
        return Err(empty());
    }
    if meta.len() > limit {
        return Err(Failed::new(
            Failure::new("file_too_large")
                .with("size", meta.len())
                .with("limit", limit),
            format!(
                "the file is {} bytes, more than the limit of {limit} bytes (batch.max_decompressed_bytes)",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Failed::new(
                Failure::new("file_disappeared"),
                "the file disappeared during the run (moved or deleted while being read)",
            )
        } else {
            Failed::new(
                Failure::new("file_unreadable"),
                format!("cannot read the file: {e}"),
            )
        }
    })?;
    if bytes.is_empty() {
        return Err(empty());
    }
    Ok(bytes)
}

/// Why a workbook failed: the English reason (the manifest, the run log and the logs keep
/// it) and the same reason as a catalog code with parameters, which the error page and the
/// index word in the site's language (issue 14).
#[derive(Debug, Clone)]
pub struct Failed {
    pub text: String,
    pub failure: Failure,
}

impl Failed {
    fn new(failure: Failure, text: impl Into<String>) -> Self {
        Failed {
            text: text.into(),
            failure,
        }
    }

    /// A workbook the reader refused.
    fn ingest(e: &crate::ingest::IngestError) -> Self {
        Failed::new(e.failure(), e.to_string())
    }

    /// The report could not be written (`e`: the publishing error, English only).
    fn write(e: impl std::fmt::Display) -> Self {
        Failed::new(
            Failure::new("write_failed"),
            format!("cannot write the report: {e}"),
        )
    }
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

impl Run<'_> {
    fn entry(&self, rel: &str) -> Option<Entry> {
        self.manifest
            .lock()
            .ok()
            .and_then(|m| m.entries.get(rel).cloned())
    }

    fn record(&self, rel: &str, entry: Entry) {
        let Ok(mut m) = self.manifest.lock() else {
            return;
        };
        // One journal line, not the whole manifest (compacted at the end of the run).
        if let Err(e) = manifest::append(&self.manifest_path, rel, &entry) {
            tracing::error!(error = %e, "cannot write the manifest journal");
            self.output_error(format!("manifest journal: {e}"));
        }
        m.entries.insert(rel.to_string(), entry);
    }

    /// Records an output error (logged by the caller).
    fn output_error(&self, message: String) {
        if let Ok(mut v) = self.output_errors.lock() {
            if !v.contains(&message) {
                v.push(message);
            }
        }
    }

    /// The workbook's memory estimate (which also refuses a shared-string bomb or a zip
    /// bomb by its counts), then its admission into the night's budget, waiting while the
    /// workbooks under way leave too little room.
    fn admit(&self, bytes: &[u8]) -> Result<budget::Admitted<'_>, Failed> {
        let fp = crate::ingest::footprint::footprint(std::io::Cursor::new(bytes), self.ctx.limits)
            .map_err(|e| Failed::ingest(&e))?;
        self.budget.admit(fp.estimate_bytes()).map_err(|e| {
            let f = Failure::new("over_budget")
                .with("estimate", e.estimate)
                .with("limit", e.limit);
            Failed::new(f, e.to_string())
        })
    }

    fn entry_for(&self, sha: &str, status: EntryStatus, dir: String) -> Entry {
        Entry {
            content_sha256: sha.to_string(),
            config_sha256: self.ctx.config.sha256.clone(),
            program_version: env!("CARGO_PKG_VERSION").to_string(),
            pseudonymized: self.opts.pseudonym_key.is_some(),
            status,
            dir,
            error: None,
            failure: None,
            findings: None,
            last_change: None,
            updated: chrono::Utc::now().to_rfc3339(),
            files: Default::default(),
        }
    }

    fn unchanged(&self, prev: &Entry, sha: &str) -> bool {
        !self.opts.force
            && prev.status == EntryStatus::Reported
            && prev.content_sha256 == sha
            && prev.config_sha256 == self.ctx.config.sha256
            && prev.program_version == env!("CARGO_PKG_VERSION")
            && prev.pseudonymized == self.opts.pseudonym_key.is_some()
            && self.intact(prev)
    }

    /// True when the report of `prev` is on disk as the manifest recorded it (each file's
    /// size and SHA-256); logged when it is not, so that the redo is explained.
    fn intact(&self, prev: &Entry) -> bool {
        let ok = manifest::verify(&self.output.join(&prev.dir), &prev.files);
        if !ok {
            tracing::info!(dir = %prev.dir, "report missing, damaged or unrecorded; redone");
        }
        ok
    }

    fn report(&self, f: &Found, bytes: &[u8]) -> Result<Done, Failed> {
        let name = f
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Only the results go on: the cohort model is freed before the reports are rendered.
        let mut results = pipeline::process(bytes, &name, self.ctx)
            .map_err(|e| Failed::ingest(&e))?
            .results;
        if let Some(key) = &self.opts.pseudonym_key {
            pseudonym::apply(&mut results, key)
                .map_err(|e| Failed::new(Failure::new("pseudonym"), e))?;
        }
        let dir = report_rel(&f.rel);
        let dest = self.output.join(&dir);
        let (changes, same_mode) = self.changes_since(&f.rel, &dest, &results);
        results.changes = Some(changes.clone());
        let changes_json = serde_json::to_vec_pretty(&changes)
            .map_err(|e| Failed::new(Failure::new("internal"), e.to_string()))?;
        let cfg = &self.ctx.config.config;
        let staged = publish::stage_with(&dest, |d| {
            publish::write_report(d, &results, cfg, self.renderer)?;
            publish::write_file_bytes(&d.join("changes.json"), &changes_json)
        })
        .map_err(Failed::write)?;
        publish::publish_staged(
            &dest,
            staged,
            &self.output.join(VERSIONS_DIR).join(&dir),
            // A new history: the other mode's reports are not kept as versions.
            if same_mode {
                self.opts.keep_versions
            } else {
                1
            },
        )
        .map_err(Failed::write)?;
        // Unrecorded sums only cost a redo next night; the report itself is published.
        let files = manifest::sums(&dest).unwrap_or_else(|e| {
            tracing::warn!(file = %f.rel, error = %e, "cannot read back the report's files");
            Default::default()
        });
        Ok(Done {
            files,
            dir,
            findings: results.finding_counts,
            last_change: changes.summary_in(&self.renderer.html.catalog().base),
        })
    }

    /// What changed since the previous report at `dest`, and whether that report was made
    /// in the same mode (pseudonymised or not) as this one. A report is only compared with
    /// one of its own mode: a pseudonymised report never reads identified data into its
    /// changes, and an unreadable previous report counts as the other mode.
    fn changes_since(&self, rel: &str, dest: &Path, results: &Results) -> (changes::Changes, bool) {
        match read_previous(&dest.join("results.json")) {
            Ok(Some(prev)) if prev.pseudonymized != results.pseudonymized => {
                tracing::info!(file = %rel, "previous report made in the other mode (pseudonymised or identified); a new history starts");
                let reason = if results.pseudonymized {
                    "the previous report was not pseudonymised; a pseudonymised report starts a new history"
                } else {
                    "the previous report was pseudonymised; an identified report starts a new history"
                };
                (changes::not_compared(results, reason.into()), false)
            }
            Ok(previous) => (changes::compare(previous.as_ref(), results), true),
            Err(reason) => {
                tracing::warn!(file = %rel, %reason, "previous report unreadable; not compared");
                (
                    changes::not_compared(results, reason),
                    !results.pseudonymized,
                )
            }
        }
    }

    /// Processes one workbook; never panics, never returns an error: every failure is a
    /// quarantine entry.
    pub fn one(&self, f: &Found) -> FileOutcome {
        let start = Instant::now();
        let limit = self.ctx.limits.max_decompressed_bytes;
        let bytes = read_input(&f.path, limit);
        let sha = bytes
            .as_ref()
            .map(|b| hex::encode(Sha256::digest(b)))
            .unwrap_or_default();
        if let (Ok(_), Some(prev)) = (&bytes, self.entry(&f.rel)) {
            if self.unchanged(&prev, &sha) {
                tracing::debug!(file = %f.rel, "unchanged; skipped");
                return FileOutcome {
                    file: f.rel.clone(),
                    status: Status::Skipped,
                    dir: Some(prev.dir),
                    error: None,
                    findings: prev.findings,
                    last_change: prev.last_change,
                    millis: start.elapsed().as_millis(),
                };
            }
        }
        let admitted = bytes.and_then(|b| self.admit(&b).map(|a| (b, a)));
        let result = admitted.and_then(|(b, _admitted)| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.report(f, &b)))
                .unwrap_or_else(|p| {
                    Err(Failed::new(
                        Failure::new("internal"),
                        format!(
                            "internal error (a bug in mmreport, please report it): {}",
                            panic_text(p)
                        ),
                    ))
                })
        });
        let millis = start.elapsed().as_millis();
        match result {
            Ok(done) => {
                tracing::info!(file = %f.rel, ms = millis as u64, "reported");
                let failed = self.output.join(FAILED_DIR).join(&f.rel);
                if failed.exists() {
                    let _ = publish::remove_dir_safely(&failed);
                }
                let mut e = self.entry_for(&sha, EntryStatus::Reported, done.dir.clone());
                e.findings = Some(done.findings.clone());
                e.last_change = Some(done.last_change.clone());
                e.files = done.files;
                self.record(&f.rel, e);
                FileOutcome {
                    file: f.rel.clone(),
                    status: Status::Reported,
                    dir: Some(done.dir),
                    error: None,
                    findings: Some(done.findings),
                    last_change: Some(done.last_change),
                    millis,
                }
            }
            Err(reason) => self.fail(f, &sha, reason, millis),
        }
    }

    /// Quarantines one workbook with `reason` and records it in the manifest.
    fn fail(&self, f: &Found, sha: &str, reason: Failed, millis: u128) -> FileOutcome {
        tracing::warn!(file = %f.rel, reason = %reason.text, "failed; quarantined");
        let q = quarantine(self.output, &f.rel, &reason, &self.renderer.html);
        if let Err(e) = &q {
            tracing::error!(file = %f.rel, error = %e, "could not write the quarantine entry");
        }
        let dir = q.unwrap_or_else(|_| format!("{FAILED_DIR}/{}", f.rel));
        let mut e = self.entry_for(sha, EntryStatus::Failed, dir.clone());
        e.error = Some(reason.text.clone());
        e.failure = Some(reason.failure);
        self.record(&f.rel, e);
        FileOutcome {
            file: f.rel.clone(),
            status: Status::Failed,
            dir: Some(dir),
            error: Some(reason.text),
            findings: None,
            last_change: None,
            millis,
        }
    }
}

/// The run log, `runs/<timestamp>.json`.
#[derive(Debug, Clone, Serialize)]
pub struct RunLog {
    pub program_version: String,
    pub started: String,
    pub finished: String,
    pub duration_ms: u128,
    pub input: String,
    pub output: String,
    pub shard: Shard,
    pub force: bool,
    pub pseudonymized: bool,
    pub config_sha256: String,
    pub files_seen: usize,
    pub reported: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Left for the next run: modified less than the settle time ago.
    pub unsettled: Vec<String>,
    /// True when the run was stopped (SIGTERM) before every workbook was started.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// Workbooks a stopped run did not start: the next run takes them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_started: Vec<String>,
    /// What a person should know about the run as a whole (nothing found, everything left
    /// to settle, a symbolic link not followed), also logged as warnings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What went wrong with the run as a whole (a folder of the input that cannot be listed):
    /// the run exits 1, and the workbooks under such a folder keep their last reports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// What could not be written to the output folder (the manifest, its journal, the index:
    /// a full or read-only disk): the run exits 4. Reports published before stay valid.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output_errors: Vec<String>,
    pub outcomes: Vec<FileOutcome>,
}

/// The run-level errors of a discovery: each input folder that could not be listed.
fn discovery_errors(d: &Discovery) -> Vec<String> {
    d.unreadable
        .iter()
        .map(|(dir, e)| {
            let dir = if dir.is_empty() { "." } else { dir.as_str() };
            format!("cannot list the input folder {dir}: {e}; its workbooks were not read and keep their last reports")
        })
        .collect()
}

/// The run-level warnings of a discovery: a run that reports nothing says why.
fn discovery_warnings(input: &Path, d: &Discovery, settle: Duration) -> Vec<String> {
    if !d.files.is_empty() {
        return Vec::new();
    }
    let warning = if d.unsettled.is_empty() && d.other_shards == 0 {
        format!(
            "no workbook found under {} (looked for {})",
            input.display(),
            EXTENSIONS.map(|e| format!(".{e}")).join(", ")
        )
    } else if !d.unsettled.is_empty() {
        format!(
            "every workbook found ({}) was modified less than {} s ago and is left for the next run; use --settle-seconds 0 to report them now",
            d.unsettled.len(),
            settle.as_secs()
        )
    } else {
        return Vec::new();
    };
    tracing::warn!("{warning}");
    vec![warning]
}

/// Everything a finished run produced.
pub struct Summary {
    pub log: RunLog,
    /// Where the run log was written; `None` when it could not be (its error is the last of
    /// `log.output_errors`).
    pub log_path: Option<PathBuf>,
}

/// The manifest file of a shard.
pub fn manifest_path(output: &Path, shard: Shard) -> PathBuf {
    output.join(format!("manifest{}.json", shard.suffix()))
}

/// The lock file of a shard.
pub fn lock_path(output: &Path, shard: Shard) -> PathBuf {
    output.join(format!(".mmreport{}.lock", shard.suffix()))
}

/// Rewrites `index.html` from every manifest of the same shard count, its times in the site's
/// zone (`dates.time_zone`, as a clinician reads a clock).
pub fn write_index(
    output: &Path,
    shard: Shard,
    html: &crate::render::html::HtmlRenderer,
    tz: chrono_tz::Tz,
) -> Result<(), BatchError> {
    let mut all = std::collections::BTreeMap::new();
    for i in 0..shard.count {
        let path = manifest_path(
            output,
            Shard {
                index: i,
                count: shard.count,
            },
        );
        if let Some(m) = Manifest::read(&path) {
            all.extend(m.entries);
        }
    }
    let now = index::local_time(&chrono::Utc::now().to_rfc3339(), tz);
    let page = html.index_page(&index::rows(all.iter(), tz, html.catalog()), &now)?;
    publish::write_file_atomic(&output.join("index.html"), page.as_bytes())?;
    Ok(())
}

/// Runs the batch over discovered files (the caller holds the lock). Writes reports,
/// quarantine entries, the manifest, `index.html` and the run log. Once workbooks were
/// started, a failure to write the manifest or the index (a full disk) does not end the
/// run early: it is recorded in [`RunLog::output_errors`] and the run log is still tried.
pub fn run(
    input: &Path,
    output: &Path,
    ctx: &Context,
    opts: &Options,
    discovery: Discovery,
) -> Result<Summary, BatchError> {
    let renderer = crate::render::Renderer::new(&ctx.config.config)?;
    let started = chrono::Utc::now();
    let clock = Instant::now();
    sweep(output, opts.shard);
    let manifest_path = manifest_path(output, opts.shard);
    let manifest = current_manifest(&manifest_path, &discovery);
    let state = Run {
        output,
        ctx,
        renderer: &renderer,
        opts,
        manifest_path,
        manifest: Mutex::new(manifest),
        budget: budget::Budget::new(ctx.config.config.batch.memory_budget_bytes),
        output_errors: Mutex::new(Vec::new()),
    };
    let (outcomes, not_started) = state.all(&discovery.files);
    let interrupted = opts.stop.load(std::sync::atomic::Ordering::SeqCst);
    if interrupted {
        tracing::warn!(
            not_started = not_started.len(),
            "stopped by SIGTERM: workbooks under way finished, the rest are left for the next run"
        );
    }
    state.finish_output();
    let count = |s: Status| outcomes.iter().filter(|o| o.status == s).count();
    let mut warnings = discovery_warnings(input, &discovery, opts.settle);
    warnings.extend(discovery.skipped_links.iter().cloned());
    let mut log = RunLog {
        program_version: env!("CARGO_PKG_VERSION").into(),
        started: started.to_rfc3339(),
        finished: chrono::Utc::now().to_rfc3339(),
        duration_ms: clock.elapsed().as_millis(),
        input: input.display().to_string(),
        output: output.display().to_string(),
        shard: opts.shard,
        force: opts.force,
        pseudonymized: opts.pseudonym_key.is_some(),
        config_sha256: ctx.config.sha256.clone(),
        files_seen: discovery.files.len() + discovery.unsettled.len(),
        reported: count(Status::Reported),
        skipped: count(Status::Skipped),
        failed: count(Status::Failed),
        interrupted,
        not_started,
        warnings,
        errors: discovery_errors(&discovery),
        output_errors: state.output_errors.into_inner().unwrap_or_default(),
        unsettled: discovery.unsettled,
        outcomes,
    };
    let log_path = match write_run_log(output, opts.shard, started, &log) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::error!(error = %e, "cannot write the run log");
            log.output_errors.push(format!("run log: {e}"));
            None
        }
    };
    Ok(Summary { log, log_path })
}

impl Run<'_> {
    /// The end of a run's writing: the manifest compacted (its journal folded in) and the
    /// index rewritten, each failure an output error.
    fn finish_output(&self) {
        let compacted = match self.manifest.lock() {
            Ok(m) => m.compact(&self.manifest_path),
            Err(_) => Ok(()),
        };
        if let Err(e) = compacted {
            tracing::error!(error = %e, "cannot write the manifest; its journal is kept for the next run");
            self.output_error(format!("manifest: {e}"));
        }
        let tz = self.ctx.config.config.dates.time_zone.0;
        if let Err(e) = write_index(self.output, self.opts.shard, &self.renderer.html, tz) {
            tracing::error!(error = %e, "cannot write index.html");
            self.output_error(format!("index.html: {e}"));
        }
    }
}

/// Removes what killed runs left behind. Alone on the folder, all debris is from killed
/// runs; with shards, another shard's staging directory may be live, so only debris older
/// than any run is removed.
fn sweep(output: &Path, shard: Shard) {
    let min_age = if shard.count == 1 {
        Duration::ZERO
    } else {
        Duration::from_secs(24 * 3600)
    };
    let swept = publish::sweep_leftovers(output, min_age);
    if swept > 0 {
        tracing::info!(count = swept, "removed leftovers of an interrupted run");
    }
}

/// The manifest at `path` without the workbooks no longer in the input (their reports stay
/// on disk). A workbook under a folder that could not be listed is kept: unseen is not gone.
fn current_manifest(path: &Path, discovery: &Discovery) -> Manifest {
    let mut manifest = Manifest::load(path);
    let present: std::collections::BTreeSet<&str> = discovery
        .files
        .iter()
        .map(|f| f.rel.as_str())
        .chain(discovery.unsettled.iter().map(String::as_str))
        .collect();
    manifest
        .entries
        .retain(|k, _| present.contains(k.as_str()) || discovery.hidden_by_unreadable(k));
    manifest
}

/// Workbooks that cannot have a report folder of their own, with the reason: two workbooks
/// with one report directory (`a.xlsx` and `a.ods`: the later one is refused), or one whose
/// report directory would hold or lie inside another's (`a.xlsx` and `a/b.xlsx`: publishing
/// `a` would replace `a/b`, and their kept versions would mix). The output folder's own
/// names never come up: [`report_rel`] keeps report folders off them.
fn folder_clashes(files: &[Found]) -> std::collections::BTreeMap<String, Failed> {
    use std::collections::BTreeMap;
    // Report folder -> workbook, and every proper ancestor of one -> its workbook.
    let mut claimed: BTreeMap<String, String> = BTreeMap::new();
    let mut inner: BTreeMap<String, String> = BTreeMap::new();
    let mut clashes = BTreeMap::new();
    for f in files {
        let dir = report_rel(&f.rel);
        let ancestors: Vec<&str> = dir.match_indices('/').map(|(i, _)| &dir[..i]).collect();
        let clash = |code: &str, other: &str, text: String| {
            Failed::new(
                Failure::new(code).with("other", other).with("dir", &dir),
                text,
            )
        };
        let reason = if let Some(other) = claimed.get(&dir) {
            clash("same_folder", other, format!(
                "{other} has the same name and would share its report folder {dir:?}; rename one of them"
            ))
        } else if let Some(other) = ancestors.iter().find_map(|a| claimed.get(*a)) {
            clash("folder_inside", other, format!(
                "its report folder {dir:?} would lie inside the report folder of {other}; rename one of them"
            ))
        } else if let Some(other) = inner.get(&dir) {
            clash("folder_holds", other, format!(
                "its report folder {dir:?} would hold the report folder of {other}; rename one of them"
            ))
        } else {
            for a in ancestors {
                inner.insert(a.to_string(), f.rel.clone());
            }
            claimed.insert(dir, f.rel.clone());
            continue;
        };
        clashes.insert(f.rel.clone(), reason);
    }
    clashes
}

/// Writes the run log to `runs/<start time><shard>.json` (with `-n` when a log of the same
/// millisecond exists); its path.
fn write_run_log(
    output: &Path,
    shard: Shard,
    started: chrono::DateTime<chrono::Utc>,
    log: &RunLog,
) -> Result<PathBuf, BatchError> {
    let bytes = serde_json::to_vec_pretty(log).map_err(|e| publish::PublishError::Serialise {
        what: "run log".into(),
        message: e.to_string(),
    })?;
    let stamp = started.format("%Y%m%dT%H%M%S%.3fZ");
    let name = |n: usize| match n {
        0 => format!("{stamp}{}.json", shard.suffix()),
        n => format!("{stamp}{}-{n}.json", shard.suffix()),
    };
    let mut n = 0;
    while output.join(RUNS_DIR).join(name(n)).exists() {
        n += 1;
    }
    let log_path = output.join(RUNS_DIR).join(name(n));
    publish::write_file_atomic(&log_path, &bytes)?;
    Ok(log_path)
}

impl Run<'_> {
    /// Reports (or quarantines) every discovered workbook, in parallel, with a progress bar
    /// on a terminal; once [`Options::stop`] is set no workbook is started. The outcomes,
    /// and the workbooks not started.
    fn all(&self, files: &[Found]) -> (Vec<FileOutcome>, Vec<String>) {
        let clashes = folder_clashes(files);
        let bar = if self.opts.progress {
            indicatif::ProgressBar::new(files.len() as u64)
        } else {
            indicatif::ProgressBar::hidden()
        };
        // The batch's own threads, not rayon's: a workbook may wait here for the memory
        // budget ([`budget`]) while the pool runs the admitted ones' parallel work.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slots: Vec<Mutex<Option<FileOutcome>>> =
            files.iter().map(|_| Mutex::new(None)).collect();
        let workers = rayon::current_num_threads().clamp(1, files.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(f) = files.get(i) else { break };
                    if self.opts.stop.load(std::sync::atomic::Ordering::SeqCst) {
                        continue;
                    }
                    let o = match clashes.get(&f.rel) {
                        Some(reason) => self.fail(f, "", reason.clone(), 0),
                        None => self.one(f),
                    };
                    bar.inc(1);
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(o);
                    }
                });
            }
        });
        let done: Vec<Option<FileOutcome>> = slots
            .into_iter()
            .map(|m| m.into_inner().unwrap_or(None))
            .collect();
        bar.finish_and_clear();
        let not_started = files
            .iter()
            .zip(&done)
            .filter(|(_, o)| o.is_none())
            .map(|(f, _)| f.rel.clone())
            .collect();
        (done.into_iter().flatten().collect(), not_started)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition() {
        let names: Vec<String> = (0..200).map(|i| format!("dir/w{i}.xlsx")).collect();
        for n in 1..=5u64 {
            for name in &names {
                let hits = (0..n)
                    .filter(|&i| Shard { index: i, count: n }.contains(name))
                    .count();
                assert_eq!(hits, 1);
            }
        }
        assert!("3/2".parse::<Shard>().is_err());
        assert!("0/0".parse::<Shard>().is_err());
        assert_eq!(
            "1/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
    }

    #[test]
    fn nested_or_shared_report_folders_clash() {
        let found = |rels: &[&str]| -> Vec<Found> {
            rels.iter()
                .map(|r| Found {
                    path: PathBuf::from(r),
                    rel: r.to_string(),
                })
                .collect()
        };
        let c = folder_clashes(&found(&[
            "a.ods",
            "a.xlsx",
            "a/b.xlsx",
            "c/d/e.xlsx",
            "c/d.xlsx",
            "runs.xlsx",
        ]));
        let keys: Vec<&str> = c.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a.xlsx", "a/b.xlsx", "c/d.xlsx"], "{c:?}");
        assert!(c["a.xlsx"].text.contains("a.ods has the same name"));
        assert!(c["a/b.xlsx"]
            .text
            .contains("inside the report folder of a.ods"));
        assert!(c["c/d.xlsx"]
            .text
            .contains("would hold the report folder of c/d/e.xlsx"));
        let codes: Vec<&str> = ["a.xlsx", "a/b.xlsx", "c/d.xlsx"]
            .map(|f| c[f].failure.code.as_str())
            .to_vec();
        assert_eq!(codes, ["same_folder", "folder_inside", "folder_holds"]);
        assert_eq!(c["a.xlsx"].failure.params["other"], "a.ods");
    }

    #[test]
    fn report_dirs_drop_the_extension() {
        assert_eq!(report_rel("a/b/c.xlsx"), "a/b/c");
        assert_eq!(report_rel("manifest.json.xlsx"), "manifest.json.report");
        assert_eq!(report_rel("Index.HTML.xlsx"), "Index.HTML.report");
        assert_eq!(report_rel("runs/a.xlsx"), "runs.report/a");
        assert_eq!(report_rel("a/runs.xlsx"), "a/runs");
        assert_eq!(
            report_rel("manifest-shard-0-of-2.json.ods"),
            "manifest-shard-0-of-2.json.report"
        );
    }
}
