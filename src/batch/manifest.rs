//! The manifest (`<output>/manifest.json`, one per shard when sharded): per workbook, the
//! content hash, configuration hash and program version of its last report, so that an
//! unchanged workbook is skipped. During a run each finished workbook is one JSON line
//! appended (and fsynced) to a journal beside it (`manifest.json.journal`); at the end of the
//! run the journal is folded into the manifest, which is rewritten once atomically
//! (temporary file, fsync, rename), and the journal removed. A run killed at any moment
//! leaves the manifest plus a journal whose complete lines are replayed by the next run (a
//! torn last line is ignored: at most the workbook under way is redone). Rewriting the whole
//! manifest after every workbook wrote 9 GB for 3,000 workbooks (issue 17); a line is a few
//! hundred bytes. A manifest that cannot be parsed is set aside and every workbook is redone,
//! never trusted. It also records the size and SHA-256 of every file of
//! each report, checked before a workbook is skipped: a damaged report is redone.

use crate::publish::{self, PublishError};
use crate::results::FindingCounts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const MANIFEST_VERSION: u32 = 1;

/// What happened to a workbook in its last run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryStatus {
    Reported,
    Failed,
}

/// One workbook's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub content_sha256: String,
    pub config_sha256: String,
    pub program_version: String,
    #[serde(default)]
    pub pseudonymized: bool,
    pub status: EntryStatus,
    /// The report directory (or the quarantine entry), relative to the output folder.
    pub dir: String,
    #[serde(default)]
    pub error: Option<String>,
    /// The reason of a quarantine as a catalog code with parameters (`error` is its English
    /// text): the index words it in the site's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<crate::failure::Failure>,
    #[serde(default)]
    pub findings: Option<FindingCounts>,
    /// One-line summary of `changes.json`.
    #[serde(default)]
    pub last_change: Option<String>,
    /// When this entry was written (UTC, RFC 3339).
    pub updated: String,
    /// Every file of the report directory as it was written (path relative to it,
    /// `/`-separated): an unchanged workbook is skipped only when they all still match, so
    /// a truncated or deleted report file is redone on the next run.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, FileSum>,
}

/// Size and SHA-256 of one report file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSum {
    pub size: u64,
    pub sha256: String,
}

/// The files under `dir` (recursively) with their sizes and hashes.
pub fn sums(dir: &Path) -> std::io::Result<BTreeMap<String, FileSum>> {
    use sha2::{Digest, Sha256};
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.map_err(std::io::Error::other)?;
        if !e.file_type().is_file() {
            continue;
        }
        let bytes = std::fs::read(e.path())?;
        let rel = e
            .path()
            .strip_prefix(dir)
            .unwrap_or(e.path())
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        out.insert(
            rel,
            FileSum {
                size: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(&bytes)),
            },
        );
    }
    Ok(out)
}

/// True when every file `files` records is under `dir` with its recorded size and hash (the
/// size first, so that a truncated file costs no hashing). No record is no proof: false.
pub fn verify(dir: &Path, files: &BTreeMap<String, FileSum>) -> bool {
    use sha2::{Digest, Sha256};
    !files.is_empty()
        && files.iter().all(|(rel, sum)| {
            let path = dir.join(rel);
            std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() == sum.size)
                && std::fs::read(&path).is_ok_and(|b| hex::encode(Sha256::digest(&b)) == sum.sha256)
        })
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub manifest_version: u32,
    /// By workbook path relative to the input root, `/`-separated.
    pub entries: BTreeMap<String, Entry>,
}

/// One journal line: a workbook's new entry.
#[derive(Debug, Serialize, Deserialize)]
struct JournalLine {
    file: String,
    entry: Entry,
}

/// The journal of the manifest at `path` (`manifest.json.journal`).
pub fn journal_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".journal");
    path.with_file_name(name)
}

/// Appends one workbook's entry to the journal of the manifest at `path`, as one line written
/// with a single `write` and fsynced: a kill leaves whole lines and at most one torn last
/// line, which [`replay`] ignores.
pub fn append(path: &Path, file: &str, entry: &Entry) -> Result<(), PublishError> {
    use std::io::Write;
    let journal = journal_path(path);
    let io = |e: std::io::Error| PublishError::Io {
        path: journal.display().to_string(),
        source: e,
    };
    let mut line = serde_json::to_vec(&JournalLine {
        file: file.to_string(),
        entry: entry.clone(),
    })
    .map_err(|e| PublishError::Serialise {
        what: "manifest journal".into(),
        message: e.to_string(),
    })?;
    // A line after a torn one must start on its own line.
    line.insert(0, b'\n');
    line.push(b'\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&journal)
        .map_err(io)?;
    f.write_all(&line).map_err(io)?;
    f.sync_data().map_err(io)
}

/// Applies the complete lines of the journal of the manifest at `path` to `m`, in order;
/// blank and torn lines are skipped (a killed run's last line).
fn replay(path: &Path, m: &mut Manifest) {
    let Ok(bytes) = std::fs::read(journal_path(path)) else {
        return;
    };
    for line in bytes.split(|b| *b == b'\n') {
        if let Ok(j) = serde_json::from_slice::<JournalLine>(line) {
            m.entries.insert(j.file, j.entry);
        }
    }
}

impl Manifest {
    /// Reads the manifest and replays its journal (left by a killed run); a missing file is
    /// an empty manifest, an unreadable one is moved aside to `<name>.corrupt-<time>` (logged)
    /// and replaced by an empty one.
    pub fn load(path: &Path) -> Manifest {
        let mut m = Self::load_file(path);
        replay(path, &mut m);
        m
    }

    fn load_file(path: &Path) -> Manifest {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(_) => return Manifest::default(),
        };
        match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) if m.manifest_version == MANIFEST_VERSION => m,
            _ => {
                let aside = path.with_extension(format!(
                    "json.corrupt-{}",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S")
                ));
                tracing::warn!(
                    manifest = %path.display(),
                    "manifest unreadable; set aside, every workbook will be redone"
                );
                let _ = std::fs::rename(path, aside);
                Manifest::default()
            }
        }
    }

    /// Reads a manifest and its journal without side effects (for the index over other
    /// shards' manifests, which may be under way): `None` when neither is there or the
    /// manifest is unreadable.
    pub fn read(path: &Path) -> Option<Manifest> {
        let mut m = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice::<Manifest>(&bytes)
                .ok()
                .filter(|m| m.manifest_version == MANIFEST_VERSION)?,
            Err(_) if journal_path(path).exists() => Manifest::default(),
            Err(_) => return None,
        };
        replay(path, &mut m);
        Some(m)
    }

    /// Writes the manifest atomically, then removes its journal (now folded in): the end of
    /// a run's compaction. A failure leaves the journal, replayed by the next run.
    pub fn compact(&self, path: &Path) -> Result<(), PublishError> {
        self.save(path)?;
        match std::fs::remove_file(journal_path(path)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(PublishError::Io {
                path: journal_path(path).display().to_string(),
                source: e,
            }),
        }
    }

    /// Writes the manifest atomically.
    pub fn save(&self, path: &Path) -> Result<(), PublishError> {
        let mut m = self.clone();
        m.manifest_version = MANIFEST_VERSION;
        let bytes = serde_json::to_vec_pretty(&m).map_err(|e| PublishError::Serialise {
            what: "manifest".into(),
            message: e.to_string(),
        })?;
        publish::write_file_atomic(path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sha: &str) -> Entry {
        Entry {
            content_sha256: sha.into(),
            config_sha256: "c".into(),
            program_version: "v".into(),
            pseudonymized: false,
            status: EntryStatus::Reported,
            dir: "d".into(),
            error: None,
            failure: None,
            findings: None,
            last_change: None,
            updated: "t".into(),
            files: BTreeMap::new(),
        }
    }

    /// What a killed run leaves (the manifest, journal lines, a torn last line) loads as the
    /// manifest with every complete line applied in order; compaction folds the journal in.
    #[test]
    fn a_killed_runs_journal_is_replayed_and_compaction_removes_it() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("manifest.json");
        let mut m = Manifest::default();
        m.entries.insert("a.xlsx".into(), entry("a0"));
        m.save(&path).unwrap();
        append(&path, "b.xlsx", &entry("b1")).unwrap();
        append(&path, "a.xlsx", &entry("a1")).unwrap();
        // A line cut by the kill, then a later run's line.
        let journal = journal_path(&path);
        let mut bytes = std::fs::read(&journal).unwrap();
        bytes.extend_from_slice(b"\n{\"file\":\"c.xlsx\",\"entry\":{\"content_sha");
        std::fs::write(&journal, bytes).unwrap();
        append(&path, "d.xlsx", &entry("d1")).unwrap();
        let loaded = Manifest::load(&path);
        let shas: Vec<(&str, &str)> = loaded
            .entries
            .iter()
            .map(|(k, e)| (k.as_str(), e.content_sha256.as_str()))
            .collect();
        assert_eq!(shas, [("a.xlsx", "a1"), ("b.xlsx", "b1"), ("d.xlsx", "d1")]);
        assert_eq!(Manifest::read(&path).unwrap(), loaded);
        loaded.compact(&path).unwrap();
        assert!(!journal.exists());
        assert_eq!(Manifest::load(&path), loaded);
    }

    /// A journal line is a few hundred bytes, not the whole manifest: 1,000 workbooks append
    /// about 0.5 MB where rewriting the manifest after each wrote hundreds of megabytes.
    #[test]
    fn recording_a_workbook_appends_one_line() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("manifest.json");
        for i in 0..1000 {
            append(&path, &format!("w{i}.xlsx"), &entry("x")).unwrap();
        }
        let size = std::fs::metadata(journal_path(&path)).unwrap().len();
        assert!(size < 300 * 1000, "{size}");
        assert_eq!(Manifest::load(&path).entries.len(), 1000);
        assert!(
            !path.exists(),
            "the manifest itself is not written per workbook"
        );
    }
}
