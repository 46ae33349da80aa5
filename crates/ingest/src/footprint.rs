//! What a workbook will cost before it is read: its zip directory's unpacked sizes and its
//! shared-string count, checked against [`Limits`] and turned into a memory estimate.
//!
//! Bytes alone do not bound memory: a 0.7 MB xlsx whose `xl/sharedStrings.xml` unpacks to
//! 450 MB of `<si><t/></si>` (far under the 500 MB byte limit) is 37 million strings, and
//! calamine keeps one `String` (24 bytes) for each after reserving the `uniqueCount` the file
//! declares: 4.3 GB for one such file, 8.2 GB for two in one night (issue 17). The count is
//! bounded here before calamine opens the package: the declared `count`/`uniqueCount`
//! attributes first, then the `<si>` elements counted while the part is streamed through a
//! fixed buffer (constant memory; the count stops at the limit).

use crate::{IngestError, Limits};
use std::io::{Read, Seek};

/// A workbook's size, as its package declares and its shared strings count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// The file's own size.
    pub file_bytes: u64,
    /// Sum of the zip directory's unpacked sizes (the file size for a non-zip workbook).
    pub unpacked_bytes: u64,
    /// Shared strings counted (xlsx; 0 for other formats).
    pub shared_strings: u64,
}

/// Fixed cost of one workbook beyond what it holds: the analysis, the rendered reports and
/// the allocator's slack for a small workbook (measured: a 32-patient workbook peaks near 40
/// MB in a run of its own).
pub const BASE_BYTES: u64 = 64 << 20;
/// Bytes per unpacked byte: calamine's cells (32 bytes each for a cell of about 30 bytes of
/// XML), the typed model, the ADaM rows and the reports built from them.
pub const PER_UNPACKED_BYTE: u64 = 4;
/// Bytes per shared string: calamine's `String` (24) plus allocator rounding of a short text.
pub const PER_SHARED_STRING: u64 = 64;

impl Footprint {
    /// The memory the workbook is expected to need while it is read, analysed and reported:
    /// [`BASE_BYTES`] + the file + [`PER_UNPACKED_BYTE`] per unpacked byte +
    /// [`PER_SHARED_STRING`] per shared string. An estimate for admission into the night's
    /// memory budget, deliberately generous (a 450 MB empty-string bomb: about 4 GB, as
    /// measured).
    pub fn estimate_bytes(&self) -> u64 {
        BASE_BYTES
            .saturating_add(self.file_bytes)
            .saturating_add(self.unpacked_bytes.saturating_mul(PER_UNPACKED_BYTE))
            .saturating_add(self.shared_strings.saturating_mul(PER_SHARED_STRING))
    }
}

/// Measures a workbook without expanding it: refuses it (the same errors as the reader) when
/// its declared unpacked size or its shared-string count is over `limits`.
pub fn footprint<R: Read + Seek>(mut reader: R, limits: Limits) -> Result<Footprint, IngestError> {
    let file_bytes = reader
        .seek(std::io::SeekFrom::End(0))
        .and_then(|n| reader.rewind().map(|()| n))
        .map_err(|e| IngestError::Unreadable(e.to_string()))?;
    if file_bytes > limits.max_decompressed_bytes {
        return Err(IngestError::TooLargeDecompressed {
            declared: file_bytes,
            limit: limits.max_decompressed_bytes,
        });
    }
    let mut magic = [0u8; 4];
    let is_zip = reader.read_exact(&mut magic).is_ok() && crate::is_zip(&magic);
    reader
        .rewind()
        .map_err(|e| IngestError::Unreadable(e.to_string()))?;
    if !is_zip {
        return Ok(Footprint {
            file_bytes,
            unpacked_bytes: file_bytes,
            shared_strings: 0,
        });
    }
    let broken =
        |e: zip::result::ZipError| IngestError::Unreadable(format!("broken zip package: {e}"));
    let mut zip = zip::ZipArchive::new(reader).map_err(broken)?;
    let mut unpacked: u64 = 0;
    let mut sst = None;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(broken)?;
        unpacked = unpacked.saturating_add(entry.size());
        if unpacked > limits.max_decompressed_bytes {
            return Err(IngestError::TooLargeDecompressed {
                declared: unpacked,
                limit: limits.max_decompressed_bytes,
            });
        }
        if entry
            .name()
            .map_err(broken)?
            .to_lowercase()
            .ends_with("sharedstrings.xml")
        {
            sst = Some(i);
        }
    }
    let shared_strings = match sst {
        Some(i) => count_shared_strings(zip.by_index(i).map_err(broken)?, limits)?,
        None => 0,
    };
    Ok(Footprint {
        file_bytes,
        unpacked_bytes: unpacked,
        shared_strings,
    })
}

/// The `<si>` elements of a shared-strings part, refused as soon as the declared
/// `count`/`uniqueCount` or the running count passes `limits.max_shared_strings`.
fn count_shared_strings(part: impl Read, limits: Limits) -> Result<u64, IngestError> {
    let limit = limits.max_shared_strings;
    let over = |count: u64| IngestError::TooManyStrings { count, limit };
    let mut scan = TagScan::default();
    let mut part = part;
    let mut buf = vec![0u8; 64 << 10];
    let mut head_checked = false;
    loop {
        let n = part
            .read(&mut buf)
            .map_err(|e| IngestError::Unreadable(format!("broken shared strings: {e}")))?;
        if n == 0 {
            return Ok(scan.si);
        }
        if !head_checked {
            head_checked = true;
            if let Some(declared) = declared_count(&buf[..n]).filter(|d| *d > limit) {
                return Err(over(declared));
            }
        }
        scan.feed(&buf[..n]);
        if scan.si > limit {
            return Err(over(scan.si));
        }
    }
}

/// The larger of the `count` and `uniqueCount` attributes of the `<sst>` start tag in the
/// part's first bytes (calamine reserves `uniqueCount` strings up front).
fn declared_count(head: &[u8]) -> Option<u64> {
    let start = head.windows(4).position(|w| w == b"sst ")?;
    let end = head[start..].iter().position(|b| *b == b'>')? + start;
    let tag = std::str::from_utf8(&head[start..end]).ok()?;
    ["count=", "uniqueCount="]
        .iter()
        .filter_map(|attr| {
            let at = tag.find(&format!(" {attr}"))? + attr.len() + 1;
            let rest = tag.get(at..)?;
            let quote = rest.chars().next()?;
            let value = rest.get(1..)?.split(quote).next()?;
            // A number too long for u64 is over any limit.
            Some(value.trim().parse::<u64>().unwrap_or(u64::MAX))
        })
        .max()
}

/// Counts start tags whose local name is `si` (`<si>`, `<si a="..">`, `<x:si>`) in a byte
/// stream fed in pieces; a tag cut between two pieces is still seen.
#[derive(Default)]
struct TagScan {
    /// Inside a tag's name (after `<`), with the name's bytes so far (at most 8 kept).
    in_name: bool,
    name: Vec<u8>,
    si: u64,
}

impl TagScan {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'<' {
                self.in_name = true;
                self.name.clear();
            } else if self.in_name {
                if b.is_ascii_whitespace() || b == b'>' || b == b'/' {
                    self.in_name = false;
                    let local = self.name.rsplit(|c| *c == b':').next().unwrap_or(&[]);
                    // `<si/>` is empty: calamine keeps nothing for it.
                    if local == b"si" && b != b'/' {
                        self.si += 1;
                    }
                } else if self.name.len() < 8 {
                    self.name.push(b);
                } else {
                    self.name.push(b'#');
                    self.in_name = false;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_shared_strings: u64) -> Limits {
        Limits {
            max_cells_per_sheet: 1000,
            max_cells: 1000,
            max_decompressed_bytes: 1 << 30,
            max_shared_strings,
        }
    }

    #[test]
    fn si_tags_are_counted_across_pieces_and_prefixes() {
        let xml = b"<sst count=\"3\"><si><t>a</t></si><x:si><x:t/></x:si><si/><si t=\"1\"><t>&lt;si&gt;</t></si><six/></sst>";
        for cut in 0..xml.len() {
            let mut s = TagScan::default();
            s.feed(&xml[..cut]);
            s.feed(&xml[cut..]);
            assert_eq!(s.si, 3, "cut at {cut}");
        }
    }

    #[test]
    fn declared_counts_over_the_limit_are_refused_before_counting() {
        let xml = b"<?xml version=\"1.0\"?><sst xmlns=\"x\" count=\"9\" uniqueCount=\"4000000000\"><si><t/></si></sst>";
        let e = count_shared_strings(&xml[..], limits(10)).unwrap_err();
        assert!(
            matches!(
                e,
                IngestError::TooManyStrings {
                    count: 4_000_000_000,
                    limit: 10
                }
            ),
            "{e}"
        );
        assert_eq!(count_shared_strings(&xml[..], limits(u64::MAX)).unwrap(), 1);
    }

    #[test]
    fn a_lying_declaration_is_caught_by_counting() {
        let mut xml = b"<sst count=\"1\" uniqueCount=\"1\">".to_vec();
        for _ in 0..200_000 {
            xml.extend_from_slice(b"<si><t/></si>");
        }
        xml.extend_from_slice(b"</sst>");
        let e = count_shared_strings(&xml[..], limits(100_000)).unwrap_err();
        assert!(
            matches!(e, IngestError::TooManyStrings { limit: 100_000, .. }),
            "{e}"
        );
        assert_eq!(
            count_shared_strings(&xml[..], limits(200_000)).unwrap(),
            200_000
        );
    }

    #[test]
    fn the_estimate_grows_with_strings_and_unpacked_bytes() {
        let f = Footprint {
            file_bytes: 700_000,
            unpacked_bytes: 450_000_000,
            shared_strings: 34_600_000,
        };
        assert_eq!(
            f.estimate_bytes(),
            BASE_BYTES + 700_000 + 4 * 450_000_000 + 64 * 34_600_000
        );
    }
}
