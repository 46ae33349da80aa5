//! The manifest (`<output>/manifest.json`, one per shard when sharded): per workbook, the
//! content hash, configuration hash and program version of its last report, so that an
//! unchanged workbook is skipped. It is rewritten atomically (temporary file, fsync,
//! rename) after every workbook, so a crash at any moment leaves the previous or the next
//! complete manifest; a manifest that cannot be parsed anyway is set aside and every
//! workbook is redone, never trusted. It also records the size and SHA-256 of every file of
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

impl Manifest {
    /// Reads the manifest; a missing file is an empty manifest, an unreadable one is moved
    /// aside to `<name>.corrupt-<time>` (logged) and replaced by an empty one.
    pub fn load(path: &Path) -> Manifest {
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

    /// Reads a manifest without side effects (for the index over other shards' manifests):
    /// `None` when missing or unreadable.
    pub fn read(path: &Path) -> Option<Manifest> {
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice::<Manifest>(&bytes)
            .ok()
            .filter(|m| m.manifest_version == MANIFEST_VERSION)
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
