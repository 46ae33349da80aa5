//! The one render context of the HTML report, the Excel report and the figures: the label
//! catalogs of the report's language, the configured number style and the few switches every
//! renderer reads. Words are looked up and p-values formatted here and nowhere else, so the
//! three outputs of a workbook print the same words and the same numbers.

use crate::config::{Config, KmTable, PValueStyle};
use crate::format;
use crate::labels::{LabelError, Labels};
use std::path::PathBuf;

/// The catalog sections a category value (`male`, `IgG`, `PR`, `yes`) may be labelled in, in
/// lookup order. The embedded catalogs never use a key in two of them (tested), so the order
/// only matters for a hospital's override that does. `category_lang`, `ctcae` and
/// `grouping_text` are the dictionary words issue 14 put in both languages (disease states,
/// CTCAE terms, the default groupings' labels).
const VALUE_SECTIONS: [&str; 6] = [
    "response",
    "category",
    "variable",
    "category_lang",
    "ctcae",
    "grouping_text",
];

/// The label catalogs of one run: the configured language with its overrides
/// (`report.template_dir/labels/*.toml`) and the embedded catalogs of the same language,
/// which supply any label a partial override lacks. Loaded once per run.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub labels: Labels,
    pub base: Labels,
}

impl Catalog {
    /// Loads the catalogs of `cfg.study.language`, with `cfg.report.template_dir`.
    pub fn load(cfg: &Config) -> Result<Catalog, LabelError> {
        let dir = template_dir(cfg);
        Ok(Catalog {
            labels: Labels::load(cfg.study.language, dir.as_deref())?,
            base: Labels::load(cfg.study.language, None)?,
        })
    }

    /// The label of `key`: the language's catalogs (with overrides) over the embedded ones.
    pub fn l(&self, key: &str) -> String {
        lookup(&self.labels, &self.base, key)
    }

    /// A quarantine reason in the run's language (issue 14): `failure.<code>` filled with
    /// its parameters; `english` (the program's own reason, with its detail) for an English
    /// site, or when the catalog has no text for the code or lacks a parameter.
    pub fn failure_text(&self, f: &mmreport_core::failure::Failure, english: &str) -> String {
        let key = format!("failure.{}", f.code);
        let known = self.labels.has(&key) || self.base.has(&key);
        if self.labels.lang == "en" || !known {
            return english.to_string();
        }
        f.fill(&self.l(&key)).unwrap_or_else(|| english.to_string())
    }

    /// The context of one workbook's report.
    pub fn ctx<'a>(&'a self, cfg: &Config, time_unit: &'a str) -> Ctx<'a> {
        Ctx {
            labels: &self.labels,
            base: &self.base,
            p_style: cfg.report.p_value_style,
            p_digits: cfg.report.p_digits,
            km_ci_band: cfg.report.km_ci_band,
            time_unit,
            censor_marks_max: cfg.figures.censor_marks_max,
            km_table: cfg.figures.km_table,
            digits: cfg.report.significant_digits,
        }
    }
}

/// `key` in `labels`, else in `base`, else the key itself.
fn lookup(labels: &Labels, base: &Labels, key: &str) -> String {
    if labels.has(key) {
        labels.get(key).to_string()
    } else {
        base.get(key).to_string()
    }
}

/// The folder of template and label overrides, when configured (`report.template_dir`).
pub fn template_dir(cfg: &Config) -> Option<PathBuf> {
    cfg.report.template_dir.as_deref().map(PathBuf::from)
}

/// What every renderer needs besides `Results`: labels and the number style.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub labels: &'a Labels,
    /// The embedded catalogs of the same language: labels missing from a partial override
    /// come from here.
    pub base: &'a Labels,
    pub p_style: PValueStyle,
    pub p_digits: u8,
    /// Draw the pointwise CI band of Kaplan-Meier curves.
    pub km_ci_band: bool,
    /// `Results.time_unit` (`months`, `days`): the time axes' title is `endpoint.<unit>`.
    pub time_unit: &'a str,
    /// KM figures with more censored patients than this draw no censoring marks
    /// (`[figures] censor_marks_max`).
    pub censor_marks_max: usize,
    /// The table under KM figures (`[figures] km_table`).
    pub km_table: KmTable,
    /// Significant figures of estimates by their magnitude (`[report] significant_digits`).
    pub digits: u8,
}

impl<'a> Ctx<'a> {
    /// A context with the default number style, for text that is not a report (`check`,
    /// tests): journal P values to 2 significant figures, 2 significant figures of estimates.
    pub fn plain(labels: &'a Labels, base: &'a Labels, time_unit: &'a str) -> Ctx<'a> {
        Ctx {
            labels,
            base,
            p_style: PValueStyle::Journal,
            p_digits: 2,
            km_ci_band: false,
            time_unit,
            censor_marks_max: 500,
            km_table: KmTable::AtRisk,
            digits: 2,
        }
    }
}

impl Ctx<'_> {
    /// The label of `key` (`section.key`); the key itself when no catalog has it.
    pub fn l(&self, key: &str) -> String {
        lookup(self.labels, self.base, key)
    }

    /// Whether either catalog has `key`.
    pub fn has(&self, key: &str) -> bool {
        self.labels.has(key) || self.base.has(key)
    }

    /// The first of `keys` a catalog has, else `fallback` as written.
    pub fn label_or(&self, keys: &[String], fallback: &str) -> String {
        keys.iter()
            .find(|k| self.has(k))
            .map(|k| self.l(k))
            .unwrap_or_else(|| fallback.to_string())
    }

    /// The catalog's text for a category value (`male`, `IgG`, `PR`), or the value itself.
    pub fn value_label(&self, v: &str) -> String {
        let keys = VALUE_SECTIONS.map(|sec| format!("{sec}.{v}"));
        self.label_or(&keys, v)
    }

    /// The text of a table level (issue 14): dictionary vocabulary (a catalog has the code)
    /// in the report's language; a free-text level as the workbook first spelled it
    /// (`Level::label`), so the clinician's own words show in either language; else the code.
    pub fn level(&self, l: &crate::results::Level) -> String {
        let keys = VALUE_SECTIONS.map(|sec| format!("{sec}.{}", l.level));
        match keys.iter().find(|k| self.has(k)) {
            Some(k) => self.l(k),
            None => l.label.clone().unwrap_or_else(|| l.level.clone()),
        }
    }

    /// A Table 1 row's label with its unit once (issue 14): the catalog's label
    /// (`variable.<id>`), which carries the unit in the report's language (`年龄/岁`,
    /// `Age, years`), else `fallback` with `, <unit>` when it lacks it.
    pub fn variable_label(&self, variable: &str, fallback: &str, unit: Option<&str>) -> String {
        let key = format!("variable.{variable}");
        if self.has(&key) {
            return self.l(&key);
        }
        match unit {
            Some(u) if !fallback.contains(u) => format!("{fallback}, {u}"),
            _ => fallback.to_string(),
        }
    }

    /// A comparison `"<level> vs <level>"` (forest rows) with each level in the report's
    /// language.
    pub fn comparison(&self, text: &str) -> String {
        text.split(" vs ")
            .map(|part| self.value_label(part))
            .collect::<Vec<_>>()
            .join(&self.l("lang.vs"))
    }

    /// A median survival time with its CI (`11 (7, 15)`), at `[report] significant_digits`
    /// by the median's magnitude; "not reached" for a median or bound the curve never reaches.
    pub fn median_ci(&self, m: Option<f64>, c: [Option<f64>; 2]) -> String {
        let nr = self.l("endpoint.not_reached");
        match m {
            Some(_) => crate::format::estimate_ci(m, c[0], c[1], self.digits, &nr),
            None => nr,
        }
    }

    /// A hazard ratio with its CI as gtsummary's `style_ratio` prints them (`0.21 (0.053, 0.86)`).
    pub fn hr_ci(&self, hr: f64, c: [Option<f64>; 2]) -> String {
        crate::format::ratio_ci(hr, c[0], c[1], "NA")
    }

    /// A finding's message in the report's language (issue 14): the catalog's
    /// `finding.<rule>` (or `finding.<rule>#<case>`) filled with the finding's parameters,
    /// codes among them worded from the catalogs; the English `message` when the catalog has
    /// no text for the rule or a placeholder has no value.
    pub fn finding_message(&self, f: &crate::model::Finding) -> String {
        let key = match f.params.get("case") {
            Some(case) => format!("finding.{}#{case}", f.rule),
            None => format!("finding.{}", f.rule),
        };
        // English is the rule's own `message` (the catalog's en text is the same words),
        // unless a parameter is a code (`relapsed_and_refractory`): the report words it.
        let coded = f
            .params
            .values()
            .any(|v| v.contains('_') && v.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        if !self.has(&key) || (self.labels.lang == "en" && !coded) {
            return f.message.clone();
        }
        let column = self.finding_column(f);
        let standard = [
            ("value", f.value.as_deref()),
            ("column", Some(column.as_str()).filter(|c| !c.is_empty())),
            ("patient", f.patient_id.as_deref()),
            ("sheet", f.sheet.as_deref()),
        ];
        let mut text = self.l(&key);
        for (name, v) in standard.into_iter().filter_map(|(n, v)| v.map(|v| (n, v))) {
            text = text.replace(&format!("{{{name}}}"), v);
        }
        // An empty parameter leaves its placeholder, so the English message is used.
        for (name, v) in f.params.iter().filter(|(_, v)| !v.is_empty()) {
            let word = self.param_word(name, v);
            text = text.replace(&format!("{{{name}}}"), &word);
        }
        if text.contains('{') && text.contains('}') {
            return f.message.clone();
        }
        text
    }

    /// A parameter of a finding message in the report's language: a word of the catalog
    /// (`finding_param.<name>_<value>`, `finding_rule.<rule id>`, a category), else as given.
    fn param_word(&self, name: &str, v: &str) -> String {
        let own = format!("finding_param.{name}_{v}");
        if self.has(&own) {
            return self.l(&own);
        }
        if name == "rule" {
            return self.label_or(&[format!("finding_rule.{v}")], v);
        }
        if name == "basis" {
            return self.basis(v);
        }
        if name.ends_with("column") {
            return self.label_or(&[format!("finding_column.{v}")], v);
        }
        if name.ends_with("_items") {
            return self.finding_items(v);
        }
        let item = format!("finding_item.{v}");
        let coded = VALUE_SECTIONS
            .iter()
            .any(|sec| self.has(&format!("{sec}.{v}")));
        if !coded && self.has(&item) {
            // A unit or a drug (`months`, `bortezomib`): the catalog's word.
            return self.l(&item).replace("{n}", "").trim().to_string();
        }
        self.value_label(v)
    }

    /// A note or reason the analyses wrote in English (`CoxResult.note`, a model's
    /// `not_estimable`) in the report's language: its code ([`mmreport_core::notes`]) worded
    /// by the catalogs (`analysis_note.<code>`); any other text (a solver's own error) as
    /// written.
    pub fn analysis_note(&self, text: &str) -> String {
        match mmreport_core::notes::code_of(text) {
            Some(code) => self.label_or(&[format!("analysis_note.{code}")], text),
            None => text.to_string(),
        }
    }

    /// A list parameter (`death_date, assessments:2`) in the report's language: each item
    /// `<code>` or `<code>:<n>` worded by `finding_item.<code>` with `{n}`, joined by the
    /// language's list separator; an item the catalog lacks stays as written.
    fn finding_items(&self, v: &str) -> String {
        v.split(", ")
            .map(|item| {
                let (code, n) = item.split_once(':').unwrap_or((item, ""));
                let key = format!("finding_item.{code}");
                if self.has(&key) {
                    self.l(&key).replace("{n}", n)
                } else {
                    self.label_or(&[format!("finding_column.{code}")], item)
                }
            })
            .collect::<Vec<_>>()
            .join(&self.l("finding_item.separator"))
    }

    /// A rule set's English IMWG basis in the report's language ([`crate::basis`]).
    pub fn basis(&self, text: &str) -> String {
        if self.labels.lang == "en" {
            return text.to_string();
        }
        crate::basis::translate(text, self.base)
    }

    /// The column of a finding as the workbook's header wrote it; a column the workbook has
    /// no header for (`relapse_evidence`, a group of columns) in the report's language; else
    /// its dictionary name.
    pub fn finding_column(&self, f: &crate::model::Finding) -> String {
        match (&f.header, &f.column) {
            (Some(h), _) => h.clone(),
            (None, Some(c)) => self.label_or(&[format!("finding_column.{c}")], c),
            (None, None) => String::new(),
        }
    }

    /// The title of time axes and time columns (`Months`).
    pub fn time_axis(&self) -> String {
        self.label_or(&[format!("endpoint.{}", self.time_unit)], self.time_unit)
    }

    /// A p-value in the configured style, without the `P` (`< 0.001`, `0.02`).
    pub fn p_value(&self, p: f64) -> String {
        format::p_value(p, self.p_style, self.p_digits)
    }

    /// `P = 0.02` / `P < 0.001` in the configured style.
    pub fn p(&self, p: f64) -> String {
        format::p_label(p, self.p_style, self.p_digits)
    }
}

/// The label suffix of the adverse-event captions for the CTCAE version the rules used:
/// `""` for v5 (the labels' unsuffixed text), `_ctcae6` for v6.
pub fn ctcae_suffix(r: &crate::results::Results) -> &'static str {
    match r
        .validation
        .summary
        .get("ctcae_version")
        .and_then(|v| v.as_str())
    {
        Some("ctcae6") => "_ctcae6",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;

    /// The lookup order of [`VALUE_SECTIONS`] cannot change a word of the embedded catalogs.
    #[test]
    fn no_value_key_in_two_sections() {
        for lang in [Language::En, Language::Zh] {
            let l = Labels::load(lang, None).unwrap();
            for key in l.all().keys() {
                let Some((sec, name)) = key.split_once('.') else {
                    continue;
                };
                if !VALUE_SECTIONS.contains(&sec) {
                    continue;
                }
                let elsewhere: Vec<_> = VALUE_SECTIONS
                    .iter()
                    .filter(|s| **s != sec && l.has(&format!("{s}.{name}")))
                    .collect();
                assert!(elsewhere.is_empty(), "{key} also in {elsewhere:?}");
            }
        }
    }

    /// A note the analyses write is worded by its code in the report's language (the same
    /// words in the HTML and the Excel report); a solver's own message is shown as given.
    #[test]
    fn analysis_notes_are_worded_by_their_code() {
        fn ctx(labels: &Labels) -> Ctx<'_> {
            Ctx::plain(labels, labels, "months")
        }
        let zh = Labels::load(Language::Zh, None).unwrap();
        let en = Labels::load(Language::En, None).unwrap();
        let note = mmreport_core::notes::MONOTONE_GROUP.1;
        assert_eq!(
            ctx(&zh).analysis_note(note),
            "似然函数单调（一组无事件）：HR无法估计"
        );
        assert_eq!(ctx(&en).analysis_note(note), note);
        assert_eq!(ctx(&zh).analysis_note("singular matrix"), "singular matrix");
    }

    #[test]
    fn override_falls_back_to_base_and_values_to_themselves() {
        let en = Labels::load(Language::En, None).unwrap();
        let empty = Labels::default();
        let c = Ctx::plain(&empty, &en, "weeks");
        assert_eq!(c.value_label("PR"), "PR");
        assert_eq!(c.value_label("male"), "Male");
        assert_eq!(c.value_label("腰骶部疼痛"), "腰骶部疼痛");
        assert_eq!(c.l("endpoint.os"), "Overall survival");
        assert_eq!(c.time_axis(), "weeks");
        assert_eq!(c.p(0.0001), "P < 0.001");
        assert_eq!(c.p_value(0.0213), "0.021");
    }
}
