//! `--pseudonymize`: patient ids replaced, in every output, by a keyed hash
//! (HMAC-SHA256, RFC 2104, built on the `sha2` crate) so that reports can leave the treating
//! team. The same key gives the same pseudonym every night (changes stay comparable); without
//! the key the ids cannot be recovered or confirmed by guessing.

use crate::results::Results;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

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
    format!("PS-{}", hex::encode(&mac[..8]))
}

/// Keys whose string values are patient ids wherever they occur.
const ID_KEYS: [&str; 5] = ["patient_id", "usubjid", "USUBJID", "patient", "subject_id"];

/// Replaces every patient id in `results`, whatever field holds it, so that fields added to
/// `Results` later are covered without change here: the known ids (datasets' USUBJID,
/// exclusions', findings' `patient_id`) are collected, then the whole document is walked
/// as JSON: a string under an id key ([`ID_KEYS`]) or equal to a known id is replaced by its
/// pseudonym, and a known id of 4 characters or more quoted inside any other string (a
/// finding's message, a label) is replaced there too. Fails closed: an error means the
/// report must not be published.
pub fn apply(results: &mut Results, key: &[u8]) -> Result<(), String> {
    let mut ids: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let d = &results.datasets;
    ids.extend(d.adsl.iter().map(|r| r.usubjid.clone()));
    ids.extend(d.adtte.iter().map(|r| r.usubjid.clone()));
    ids.extend(d.adrs.iter().map(|r| r.usubjid.clone()));
    ids.extend(d.adae.iter().map(|r| r.usubjid.clone()));
    ids.extend(results.cohort.excluded.iter().map(|e| e.patient_id.clone()));
    ids.extend(results.findings.iter().filter_map(|f| f.patient_id.clone()));
    ids.remove("");
    let map: BTreeMap<String, String> = ids
        .into_iter()
        .map(|id| {
            let p = pseudonym(key, &id);
            (id, p)
        })
        .collect();
    let mut quoted: Vec<(&String, &String)> = map
        .iter()
        .filter(|(id, _)| id.chars().count() >= 4)
        .collect();
    quoted.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
    let mut doc =
        serde_json::to_value(&*results).map_err(|e| format!("cannot pseudonymise: {e}"))?;
    walk(&mut doc, false, key, &map, &quoted);
    // The column a finding is about is kept as it is; its value was handled above.
    *results = serde_json::from_value(doc).map_err(|e| format!("cannot pseudonymise: {e}"))?;
    Ok(())
}

fn walk(
    v: &mut serde_json::Value,
    id_key: bool,
    key: &[u8],
    map: &BTreeMap<String, String>,
    quoted: &[(&String, &String)],
) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if let Some(p) = map.get(s.as_str()) {
                *s = p.clone();
            } else if id_key && !s.is_empty() && !s.starts_with("PS-") {
                *s = pseudonym(key, s);
            } else {
                for (id, p) in quoted {
                    if s.contains(id.as_str()) {
                        *s = s.replace(id.as_str(), p);
                    }
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|x| walk(x, id_key, key, map, quoted)),
        Value::Object(fields) => {
            for (k, x) in fields.iter_mut() {
                walk(x, ID_KEYS.contains(&k.as_str()), key, map, quoted);
            }
        }
        _ => {}
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
