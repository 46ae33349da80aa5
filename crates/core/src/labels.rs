//! Label catalogs: every heading, label and footnote in English and Chinese, from TOML files
//! under `crates/core/labels/` (embedded; a hospital may override a file through
//! `report.template_dir`). Renderers look labels up by `section.key`; a missing label falls
//! back to the key itself, so a new category still shows (and a test can catch it).

use crate::config::Language;
use std::collections::HashMap;
use std::path::Path;

/// The embedded catalogs, by file name.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("common.toml", include_str!("../labels/common.toml")),
    ("html.toml", include_str!("../labels/html.toml")),
    ("xlsx.toml", include_str!("../labels/xlsx.toml")),
    ("findings.toml", include_str!("../labels/findings.toml")),
    ("failures.toml", include_str!("../labels/failures.toml")),
];

#[derive(Debug, thiserror::Error)]
#[error("label catalog {file}: {message}")]
pub struct LabelError {
    pub file: String,
    pub message: String,
}

/// Labels of one language, flattened to `section.key` → text.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    map: HashMap<String, String>,
    pub lang: String,
}

impl Labels {
    /// The embedded English catalogs, parsed once per process and shared: the analyses
    /// label their machine-readable rows in English for every workbook of a run.
    pub fn english() -> &'static Labels {
        static EN: std::sync::OnceLock<Labels> = std::sync::OnceLock::new();
        EN.get_or_init(|| Labels::load(Language::En, None).unwrap_or_default())
    }

    /// Loads the catalogs for `lang`; files in `override_dir/labels/` replace embedded ones.
    pub fn load(lang: Language, override_dir: Option<&Path>) -> Result<Labels, LabelError> {
        let code = match lang {
            Language::En => "en",
            Language::Zh => "zh",
        };
        let mut map = HashMap::new();
        for (file, text) in EMBEDDED {
            let owned;
            let text = match override_dir.map(|d| d.join("labels").join(file)) {
                Some(p) if p.is_file() => {
                    owned = std::fs::read_to_string(&p).map_err(|e| LabelError {
                        file: p.display().to_string(),
                        message: e.to_string(),
                    })?;
                    owned.as_str()
                }
                _ => text,
            };
            let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| LabelError {
                file: file.to_string(),
                message: e.to_string(),
            })?;
            for (section, entries) in doc {
                let toml::Value::Table(entries) = entries else {
                    continue;
                };
                for (key, v) in entries {
                    let text = v.get(code).or_else(|| v.get("en")).and_then(|x| x.as_str());
                    if let Some(t) = text {
                        map.insert(format!("{section}.{key}"), t.to_string());
                    }
                }
            }
        }
        Ok(Labels {
            map,
            lang: code.to_string(),
        })
    }

    /// The label for `section.key`, or the key when the catalog lacks it.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map(String::as_str).unwrap_or(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// All labels (for templates).
    pub fn all(&self) -> &HashMap<String, String> {
        &self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key() {
        let en = Labels::load(Language::En, None).unwrap();
        let zh = Labels::load(Language::Zh, None).unwrap();
        for (file, text) in EMBEDDED {
            let doc: toml::Table = text.parse().unwrap();
            for (section, entries) in doc {
                for (key, v) in entries.as_table().unwrap() {
                    assert!(v.get("en").is_some(), "{file}: {section}.{key} lacks en");
                    assert!(v.get("zh").is_some(), "{file}: {section}.{key} lacks zh");
                }
            }
        }
        assert_eq!(en.get("response.PR"), "PR");
        assert_eq!(zh.get("response.PR"), "部分缓解");
        assert_eq!(zh.get("no.such"), "no.such");
    }
}
