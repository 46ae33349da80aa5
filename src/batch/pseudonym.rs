//! `--pseudonymize`: patient ids replaced, in every output, by a keyed hash
//! (HMAC-SHA256, RFC 2104, built on the `sha2` crate) so that reports can leave the treating
//! team. The same key gives the same pseudonym every night (changes stay comparable); without
//! the key the ids cannot be recovered or confirmed by guessing.

use crate::results::Results;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// HMAC-SHA256 of `msg` under `key` (RFC 2104).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for i in 0..64 {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// The pseudonym of one patient id: `PS-` and 16 hex digits (64 bits) of its HMAC.
pub fn pseudonym(key: &[u8], id: &str) -> String {
    let mac = hmac_sha256(key, id.as_bytes());
    format!("{PREFIX}{}", hex::encode(&mac[..8]))
}

/// Keys whose string values are patient ids wherever they occur in `results.json`: after
/// [`apply`], every such value must be a pseudonym ([`audit`] fails closed otherwise, so a
/// field added to `Results` later without being pseudonymised stops the report instead of
/// leaking an id).
const ID_KEYS: [&str; 5] = ["patient_id", "usubjid", "USUBJID", "patient", "subject_id"];

/// The prefix of every pseudonym.
const PREFIX: &str = "PS-";

/// Replaces the patient ids of `results` in the places `Results` keeps them, on the typed
/// value (no round trip through JSON, so non-finite numbers and every other value stay
/// exactly as they were): the datasets' USUBJID, the exclusions', findings', rule rows',
/// swimmer and waterfall rows' `patient_id`, and the changes' patient lists. Only
/// identifiers change: a cycle level "3" stays "3" when a patient is called "3". Free text
/// (a finding's message, an exclusion reason) has its own patient's id replaced where it
/// stands as a word, and any known id of 4 characters or more replaced wherever it is
/// quoted. Marks the results as pseudonymised. Fails closed: an error means the report
/// must not be published.
pub fn apply(results: &mut Results, key: &[u8]) -> Result<(), String> {
    let p = Pseudonymizer::new(key, known_ids(results));
    p.datasets(&mut results.datasets);
    for e in &mut results.cohort.excluded {
        for reason in &mut e.reasons {
            p.text(reason, Some(&e.patient_id));
        }
        p.id(&mut e.patient_id);
    }
    results.findings.iter_mut().for_each(|f| p.finding(f));
    p.rule_rows(results);
    for r in &mut results.analyses.swimmer {
        p.id(&mut r.patient_id);
    }
    for r in &mut results.analyses.waterfall {
        p.id(&mut r.patient_id);
    }
    if let Some(c) = &mut results.changes {
        let pats = &mut c.patients;
        pats.added
            .iter_mut()
            .chain(&mut pats.removed)
            .for_each(|s| p.id(s));
        c.new_events
            .iter_mut()
            .for_each(|e| p.id(&mut e.patient_id));
    }
    results.pseudonymized = true;
    audit(results)
}

/// Every patient id `results` knows of (datasets, exclusions, findings).
fn known_ids(results: &Results) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let d = &results.datasets;
    ids.extend(d.adsl.iter().map(|r| r.usubjid.clone()));
    ids.extend(d.adtte.iter().map(|r| r.usubjid.clone()));
    ids.extend(d.adrs.iter().map(|r| r.usubjid.clone()));
    ids.extend(d.adae.iter().map(|r| r.usubjid.clone()));
    ids.extend(results.cohort.excluded.iter().map(|e| e.patient_id.clone()));
    ids.extend(results.findings.iter().filter_map(|f| f.patient_id.clone()));
    ids.remove("");
    ids
}

/// The key and the pseudonyms of the known ids.
struct Pseudonymizer<'a> {
    key: &'a [u8],
    map: BTreeMap<String, String>,
    /// Known ids of 4 characters or more, longest first: replaced wherever they are quoted
    /// in free text (a shorter id, such as `7`, would hit ordinary numbers).
    quoted: Vec<(String, String)>,
}

impl<'a> Pseudonymizer<'a> {
    fn new(key: &'a [u8], ids: BTreeSet<String>) -> Self {
        let map: BTreeMap<String, String> = ids
            .into_iter()
            .map(|id| {
                let p = pseudonym(key, &id);
                (id, p)
            })
            .collect();
        let mut quoted: Vec<(String, String)> = map
            .iter()
            .filter(|(id, _)| id.chars().count() >= 4)
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect();
        quoted.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
        Pseudonymizer { key, map, quoted }
    }

    /// A field that holds a patient id: replaced by its pseudonym (an id not seen elsewhere
    /// too: what sits in an id field is an id).
    fn id(&self, s: &mut String) {
        if s.is_empty() {
            return;
        }
        *s = match self.map.get(s.as_str()) {
            Some(p) => p.clone(),
            None => pseudonym(self.key, s),
        };
    }

    /// Free text: `own` (the id of the patient the text is about) where it stands as a
    /// word, then every long known id wherever it appears.
    fn text(&self, s: &mut String, own: Option<&str>) {
        if let Some(own) = own.filter(|o| !o.is_empty()) {
            let p = self
                .map
                .get(own)
                .cloned()
                .unwrap_or_else(|| pseudonym(self.key, own));
            *s = replace_word(s, own, &p);
        }
        for (id, p) in &self.quoted {
            if s.contains(id.as_str()) {
                *s = s.replace(id.as_str(), p);
            }
        }
    }

    fn datasets(&self, d: &mut crate::adam::Datasets) {
        d.adsl.iter_mut().for_each(|r| self.id(&mut r.usubjid));
        d.adtte.iter_mut().for_each(|r| self.id(&mut r.usubjid));
        d.adrs.iter_mut().for_each(|r| self.id(&mut r.usubjid));
        d.adae.iter_mut().for_each(|r| self.id(&mut r.usubjid));
    }

    /// A finding: its patient, its message, and its value when the value is an id (the
    /// finding is about the `patient_id` column); any other value is the cell's content.
    fn finding(&self, f: &mut crate::model::Finding) {
        let own = f.patient_id.clone();
        self.text(&mut f.message, own.as_deref());
        // The parameters word the message in the report's language: the same text.
        for v in f.params.values_mut() {
            self.text(v, own.as_deref());
        }
        if let Some(v) = &mut f.value {
            if f.column.as_deref() == Some("patient_id") {
                self.id(v);
            } else {
                self.text(v, None);
            }
        }
        if let Some(id) = &mut f.patient_id {
            self.id(id);
        }
    }

    /// The rule sets' per-patient rows.
    fn rule_rows(&self, r: &mut Results) {
        r.imwg.iter_mut().for_each(|x| self.id(&mut x.patient_id));
        let v = &mut r.validation;
        for x in &mut v.derived_responses {
            self.id(&mut x.patient_id);
        }
        v.staging
            .iter_mut()
            .for_each(|x| self.id(&mut x.patient_id));
        v.diagnosis
            .iter_mut()
            .for_each(|x| self.id(&mut x.patient_id));
        v.high_risk
            .iter_mut()
            .for_each(|x| self.id(&mut x.patient_id));
        v.refractoriness
            .iter_mut()
            .for_each(|x| self.id(&mut x.patient_id));
        if let Some(m) = &mut r.analyses.response.mrd {
            m.patients
                .iter_mut()
                .for_each(|x| self.id(&mut x.patient_id));
        }
    }
}

/// `s` with every occurrence of `word` that is not part of a longer word (letters and
/// digits on neither side) replaced by `by`.
fn replace_word(s: &str, word: &str, by: &str) -> String {
    let edge = |c: Option<char>| !matches!(c, Some(c) if c.is_alphanumeric());
    let mut out = String::with_capacity(s.len());
    let mut done = 0;
    for (at, _) in s.match_indices(word) {
        if at < done {
            continue;
        }
        let end = at + word.len();
        if edge(s[..at].chars().next_back()) && edge(s[end..].chars().next()) {
            out.push_str(&s[done..at]);
            out.push_str(by);
            done = end;
        }
    }
    out.push_str(&s[done..]);
    out
}

/// Fails when a value under an id key ([`ID_KEYS`]) anywhere in `results` is not a
/// pseudonym: the check that no field holding ids was missed. Serialises to a JSON tree
/// only to read it (never back), so non-finite numbers are no obstacle.
fn audit(results: &Results) -> Result<(), String> {
    fn walk(v: &serde_json::Value, id_key: bool) -> bool {
        use serde_json::Value;
        match v {
            Value::String(s) => !id_key || s.is_empty() || s.starts_with(PREFIX),
            Value::Array(items) => items.iter().all(|x| walk(x, id_key)),
            Value::Object(fields) => fields
                .iter()
                .all(|(k, x)| walk(x, ID_KEYS.contains(&k.as_str()))),
            _ => true,
        }
    }
    let doc = serde_json::to_value(results).map_err(|e| format!("cannot pseudonymise: {e}"))?;
    if walk(&doc, false) {
        Ok(())
    } else {
        Err("cannot pseudonymise: a patient id field was left unreplaced (a bug in mmreport, please report it)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_replaced_in_any_field() {
        let mut r: Results = serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "generator": {"name": "mmreport", "version": "0"},
            "input": {"file": "a.xlsx", "sha256": ""},
            "config_sha256": "", "time_unit": "months", "data_cutoff": "2022-01-01",
            "language": "en",
            "cohort": {"patients_read": 1, "patients_analysed": 0,
                       "excluded": [{"patient_id": "MRN-1", "reasons": ["no index date"]}]},
            "finding_counts": {"error": 1, "warning": 0, "info": 0},
            "findings": [{"severity": "error", "rule": "x", "patient_id": "MRN-1",
                          "message": "patient MRN-1 has no index date"}],
            "imwg": [{"patient_id": "MRN-1", "state": "x"}, {"patient": "OTHER-9"}],
            "datasets": {"adsl": [], "adtte": [], "adrs": [], "adae": []}
        }))
        .unwrap();
        apply(&mut r, b"0123456789abcdef").unwrap();
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("MRN-1"), "{text}");
        assert!(!text.contains("OTHER-9"), "{text}");
        assert_eq!(
            r.cohort.excluded[0].patient_id,
            pseudonym(b"0123456789abcdef", "MRN-1")
        );
    }

    #[test]
    fn words_are_replaced_only_where_they_stand_alone() {
        assert_eq!(
            replace_word("7 has cycle 17 and 7b; 7", "7", "X"),
            "X has cycle 17 and 7b; X"
        );
        assert_eq!(replace_word("77", "7", "X"), "77");
        assert_eq!(replace_word("", "7", "X"), "");
    }

    #[test]
    fn rfc4231_case_2() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn long_keys_are_hashed_first() {
        // RFC 4231 test case 6: a 131-byte key.
        let key = [0xaau8; 131];
        assert_eq!(
            hex::encode(hmac_sha256(
                &key,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
