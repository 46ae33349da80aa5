//! The fonts of figure export, held in memory and loaded once per run (issue 14).
//!
//! resvg and svg2pdf read glyphs through a `fontdb::Database`. One built with
//! `load_system_fonts` names ~200 font files; each time text layout or a coverage check
//! touches a face, fontdb opens and maps its file again (shared mappings need `unsafe`, which
//! this workspace forbids). Exporting the bundled example's ~60 figures made ~19,000
//! open/mmap/munmap calls: 4.7 s of system time, 9x the time of the run without PDF and PNG.
//!
//! So the figures' database holds only what they use, read into memory once: the compiled-in
//! Latin font, every font of `[figures] font_dir`, the files of the families the figures name
//! (`figures::FONT`: Noto Sans CJK SC, …) and, for a character none of those covers, the first
//! system file that does. The families and a fixed set of characters (CJK, Greek, the
//! comparison and superscript signs the reports print) are loaded when the run starts, in a
//! fixed order, so that every run picks the same faces and unchanged inputs give
//! byte-identical figures; a rarer character (a clinician's label in another script) loads
//! its font when a figure first needs it. The system database keeps only the fonts' names.

use resvg::usvg::fontdb;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Characters whose fonts are loaded when a run starts: Chinese, Greek, the signs of the
/// reports' text (≥ ≤ × · – — … χ² 10⁹ ±) and full-width punctuation.
const PROBE: &str = "中文疗效≥≤×·–—…χ²³⁰¹⁴⁵⁶⁷⁸⁹⁻±αβμ→↑（）：；、，。“”";

/// The figures' fonts: an in-memory database and the system's font names to draw from.
pub struct Fonts {
    /// What resvg and svg2pdf read: fonts held in memory (no file access when drawing).
    db: RwLock<Arc<fontdb::Database>>,
    /// The system's fonts (and `font_dir`'s): names and files only, searched for a character
    /// the in-memory fonts lack.
    system: fontdb::Database,
    /// Files already read into `db`.
    loaded: Mutex<BTreeSet<PathBuf>>,
    /// Whether a character is covered, per character seen so far.
    covered: Mutex<BTreeMap<char, bool>>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("faces", &self.db().len())
            .field("system_faces", &self.system.len())
            .finish()
    }
}

impl Fonts {
    /// The fonts of a run: `latin` (compiled in, the `sans-serif` family `latin_family`), every
    /// font file of `font_dir`, the files of `families`, then the fonts of [`PROBE`].
    pub fn new(
        latin: &[u8],
        latin_family: &str,
        font_dir: Option<&Path>,
        families: &[&str],
    ) -> Fonts {
        let mut system = fontdb::Database::new();
        system.load_system_fonts();
        let mut db = fontdb::Database::new();
        db.load_font_data(latin.to_vec());
        db.set_sans_serif_family(latin_family);
        let mut first: Vec<PathBuf> = Vec::new();
        if let Some(dir) = font_dir {
            let mut own = fontdb::Database::new();
            own.load_fonts_dir(dir);
            first.extend(own.faces().filter_map(file_of));
            system.load_fonts_dir(dir);
        }
        for family in families {
            first.extend(
                system
                    .faces()
                    .filter(|f| f.families.iter().any(|(name, _)| name == family))
                    .filter_map(file_of),
            );
        }
        let fonts = Fonts {
            db: RwLock::new(Arc::new(db)),
            system,
            loaded: Mutex::new(BTreeSet::new()),
            covered: Mutex::new(BTreeMap::new()),
        };
        for path in first {
            fonts.load(&path);
        }
        fonts.ensure(PROBE.chars());
        fonts
    }

    /// The compiled-in font only, the system's not even listed: a run without PDF or PNG.
    pub fn latin_only(latin: &[u8], latin_family: &str) -> Fonts {
        let mut db = fontdb::Database::new();
        db.load_font_data(latin.to_vec());
        db.set_sans_serif_family(latin_family);
        Fonts {
            db: RwLock::new(Arc::new(db)),
            system: fontdb::Database::new(),
            loaded: Mutex::new(BTreeSet::new()),
            covered: Mutex::new(BTreeMap::new()),
        }
    }

    /// The in-memory database, for one figure's drawing.
    pub fn db(&self) -> Arc<fontdb::Database> {
        match self.db.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Makes sure every character of `chars` is covered if any font can cover it, reading the
    /// first system file that does for one the in-memory fonts lack; returns how many distinct
    /// visible characters no font covers.
    pub fn ensure(&self, chars: impl IntoIterator<Item = char>) -> usize {
        let mut known = lock(&self.covered);
        let mut missing = 0;
        let wanted: BTreeSet<char> = chars
            .into_iter()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect();
        for c in wanted {
            let ok = match known.get(&c) {
                Some(ok) => *ok,
                None => {
                    let ok = covers(&self.db(), c) || self.load_covering(c);
                    known.insert(c, ok);
                    ok
                }
            };
            missing += usize::from(!ok);
        }
        missing
    }

    /// Reads the first system file (in the system's order) with a glyph for `c` that is not
    /// loaded yet; whether there was one.
    fn load_covering(&self, c: char) -> bool {
        let done = lock(&self.loaded).clone();
        let file = self
            .system
            .faces()
            .filter_map(|f| file_of(f).map(|p| (f.id, p)))
            .filter(|(_, p)| !done.contains(p))
            .find(|(id, _)| face_covers(&self.system, *id, c));
        match file {
            Some((_, path)) => self.load(&path),
            None => false,
        }
    }

    /// Reads `path` into the in-memory database (once); whether it is there. An unreadable
    /// file is skipped: its characters count as uncovered and the run log says so.
    fn load(&self, path: &Path) -> bool {
        let mut loaded = lock(&self.loaded);
        if loaded.contains(path) {
            return true;
        }
        let Ok(data) = std::fs::read(path) else {
            return false;
        };
        let mut db = (*self.db()).clone();
        db.load_font_data(data);
        match self.db.write() {
            Ok(mut g) => *g = Arc::new(db),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(db),
        }
        loaded.insert(path.to_path_buf());
        true
    }
}

/// A lock, also after a panic elsewhere (the data is a cache: never left half-written).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The file a face is read from (`None` for a font given as bytes).
fn file_of(f: &fontdb::FaceInfo) -> Option<PathBuf> {
    match &f.source {
        fontdb::Source::File(p) => Some(p.clone()),
        // Fonts given as bytes; shared mappings are never made here.
        _ => None,
    }
}

/// Whether any face of `db` has a glyph for `c`.
pub fn covers(db: &fontdb::Database, c: char) -> bool {
    db.faces().any(|face| face_covers(db, face.id, c))
}

/// Whether the face `id` of `db` has a glyph for `c`.
fn face_covers(db: &fontdb::Database, id: fontdb::ID, c: char) -> bool {
    db.with_face_data(id, |data, index| {
        ttf_parser::Face::parse(data, index)
            .ok()
            .and_then(|f| f.glyph_index(c))
            .is_some()
    })
    .unwrap_or(false)
}

/// The characters of the text content of `svg` (outside its tags) that are not ASCII: those
/// the compiled-in Latin font may lack.
pub fn text_chars(svg: &str) -> BTreeSet<char> {
    let mut out = BTreeSet::new();
    let mut in_tag = false;
    for c in svg.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag && !c.is_ascii() => {
                out.insert(c);
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_outside_tags_only() {
        let svg = r#"<svg aria-label="图"><text x="1">≥ 3 个疗程 a</text></svg>"#;
        let got: String = text_chars(svg).into_iter().collect();
        assert_eq!(got, "≥个疗程");
    }
}
