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

/// Replaces every patient id in `results`: the datasets' USUBJID, findings' and exclusions'
/// `patient_id`, the IMWG entries' `patient_id`, the `value` of findings about the
/// `patient_id` column, and any occurrence of a known id (3 characters or more) inside a
/// finding's message or value.
pub fn apply(results: &mut Results, key: &[u8]) {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    let mut ps = |id: &mut String| {
        let p = map
            .entry(id.clone())
            .or_insert_with(|| pseudonym(key, id))
            .clone();
        *id = p;
    };
    let d = &mut results.datasets;
    d.adsl.iter_mut().for_each(|r| ps(&mut r.usubjid));
    d.adtte.iter_mut().for_each(|r| ps(&mut r.usubjid));
    d.adrs.iter_mut().for_each(|r| ps(&mut r.usubjid));
    d.adae.iter_mut().for_each(|r| ps(&mut r.usubjid));
    for e in &mut results.cohort.excluded {
        ps(&mut e.patient_id);
    }
    for f in &mut results.findings {
        if let Some(id) = f.patient_id.as_mut() {
            ps(id);
        }
        if f.column.as_deref() == Some("patient_id") {
            if let Some(v) = f.value.as_mut() {
                ps(v);
            }
        }
    }
    for v in &mut results.imwg {
        if let Some(serde_json::Value::String(id)) = v.get_mut("patient_id") {
            ps(id);
        }
    }
    let mut ids: Vec<(String, String)> = map
        .into_iter()
        .filter(|(id, _)| id.chars().count() >= 3)
        .collect();
    ids.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
    for f in &mut results.findings {
        for (id, p) in &ids {
            if f.message.contains(id.as_str()) {
                f.message = f.message.replace(id.as_str(), p);
            }
            if let Some(v) = f.value.as_mut() {
                if v.contains(id.as_str()) {
                    *v = v.replace(id.as_str(), p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
