//! Why a workbook has no report, as data (issue 14): a code and its parameters beside the
//! English reason. The manifest, the run log and the logs keep the English text; the error
//! page and the index word the reason from the catalog (`failure.<code>` of
//! `labels/failures.toml`) in the site's language, so a Chinese site's pages are wholly
//! Chinese.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A quarantine reason as a catalog code (`unreadable`, `no_patients_sheet`, …) with the
/// numbers and names its text needs (`{limit}`, `{sheet}`). Parameters hold no patient
/// values: sizes, limits, sheet and file names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub code: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

impl Failure {
    /// A reason without parameters.
    pub fn new(code: &str) -> Self {
        Failure {
            code: code.to_string(),
            params: BTreeMap::new(),
        }
    }

    /// Adds the parameter `name` (a `{name}` of the catalog text).
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params.insert(name.to_string(), value.to_string());
        self
    }

    /// The catalog text `template` (`failure.<code>`) filled with the parameters; `None`
    /// when a placeholder has no value, so the caller shows the English reason instead of a
    /// sentence with a hole.
    pub fn fill(&self, template: &str) -> Option<String> {
        let mut text = template.to_string();
        for (name, v) in &self.params {
            text = text.replace(&format!("{{{name}}}"), v);
        }
        let open = text.find('{');
        match open {
            Some(i) if text[i..].contains('}') => None,
            _ => Some(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_parameters_and_refuses_holes() {
        let f = Failure::new("file_too_large")
            .with("size", 12)
            .with("limit", 10);
        assert_eq!(f.fill("{size} > {limit}").as_deref(), Some("12 > 10"));
        assert_eq!(f.fill("{size} > {max}"), None);
        assert_eq!(
            Failure::new("empty_file").fill("空文件").as_deref(),
            Some("空文件")
        );
    }
}
