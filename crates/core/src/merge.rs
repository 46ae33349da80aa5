//! How a site configuration merges over the built-in one (`config/*.toml`): tables merge key
//! by key; an array of tables whose entries all have an `id` (`[[groupings]]`,
//! `[[survival]]` and every later one) merges by `id` — the same id replaces that entry, a new
//! id is appended, `remove = true` drops the entry; any other value (plain arrays included)
//! replaces the default. A site therefore writes only what differs from the defaults.

use toml::{Table, Value};

/// A site entry that cannot be merged (removing an id the defaults do not have).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct MergeError {
    pub key: String,
    pub message: String,
}

/// Merges `over` into `base` (see the module documentation).
pub fn merge(base: &mut Table, over: Table) -> Result<(), MergeError> {
    merge_at(base, over, "")
}

fn merge_at(base: &mut Table, over: Table, path: &str) -> Result<(), MergeError> {
    for (k, v) in over {
        let key = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge_at(b, o, &key)?,
            (Some(Value::Array(b)), Value::Array(o)) if has_ids(&o) && has_ids(b) => {
                merge_by_id(b, o, &key)?
            }
            (_, Value::Array(o)) if has_ids(&o) => {
                let mut entries = Vec::new();
                merge_by_id(&mut entries, o, &key)?;
                base.insert(k, Value::Array(entries));
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
    Ok(())
}

/// The entry's `id`, when it is a table with a string id.
fn id_of(v: &Value) -> Option<&str> {
    v.as_table()?.get("id")?.as_str()
}

/// A non-empty array of tables that all have an `id`.
fn has_ids(entries: &[Value]) -> bool {
    !entries.is_empty() && entries.iter().all(|e| id_of(e).is_some())
}

/// Site entries `over` into the default entries `base`, by id.
fn merge_by_id(base: &mut Vec<Value>, over: Vec<Value>, key: &str) -> Result<(), MergeError> {
    for (i, mut entry) in over.into_iter().enumerate() {
        let id = id_of(&entry).unwrap_or_default().to_string();
        let at = base.iter().position(|b| id_of(b) == Some(id.as_str()));
        let remove = entry.as_table_mut().and_then(|t| t.remove("remove"));
        match (remove, at) {
            (Some(Value::Boolean(true)), Some(at)) => {
                base.remove(at);
            }
            (Some(Value::Boolean(true)), None) => {
                return Err(MergeError {
                    key: format!("{key}[{i}].remove"),
                    message: format!("no default entry with id {id:?} to remove"),
                })
            }
            (Some(Value::Boolean(false)) | None, Some(at)) => base[at] = entry,
            (Some(Value::Boolean(false)) | None, None) => base.push(entry),
            (Some(_), _) => {
                return Err(MergeError {
                    key: format!("{key}[{i}].remove"),
                    message: "must be true or false".into(),
                })
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Table {
        s.parse().unwrap()
    }

    fn ids(t: &Table, key: &str) -> Vec<String> {
        t[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| id_of(e).unwrap().to_string())
            .collect()
    }

    const DEFAULTS: &str = "list = [1, 2]\n[a]\nx = 1\ny = 2\n\
        [[g]]\nid = \"one\"\nv = 1\n[[g]]\nid = \"two\"\nv = 2\n";

    #[test]
    fn entries_with_ids_merge_by_id() {
        let mut base = doc(DEFAULTS);
        let site = "list = [3]\n[a]\ny = 5\n[[g]]\nid = \"two\"\nv = 20\n\
                    [[g]]\nid = \"three\"\nv = 3\n[[g]]\nid = \"one\"\nremove = true\n";
        merge(&mut base, doc(site)).unwrap();
        assert_eq!(ids(&base, "g"), ["two", "three"]);
        assert_eq!(base["g"][0]["v"].as_integer(), Some(20));
        assert!(base["g"][1].get("remove").is_none());
        assert_eq!(
            base["list"].as_array().unwrap().len(),
            1,
            "plain arrays replace"
        );
        assert_eq!(base["a"]["x"].as_integer(), Some(1), "tables merge by key");
        assert_eq!(base["a"]["y"].as_integer(), Some(5));
    }

    #[test]
    fn removing_an_unknown_id_is_an_error_naming_it() {
        let mut base = doc(DEFAULTS);
        let e = merge(&mut base, doc("[[g]]\nid = \"tw0\"\nremove = true\n")).unwrap_err();
        assert_eq!(e.key, "g[0].remove");
        assert!(e.message.contains("tw0"), "{e}");
        let e = merge(&mut base, doc("[[g]]\nid = \"two\"\nremove = 1\n")).unwrap_err();
        assert!(e.message.contains("true or false"), "{e}");
    }
}
