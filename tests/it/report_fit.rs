//! A report that fits its data and its journal (issue 14), read as its reader reads it: the
//! visible text of the bundled example's report (English and Chinese) and of a survival-only
//! registry (R's survival::myeloma, 3,882 patients with only follow-up and death) holds no
//! raw key, no `>=`, no `10^9`; every section shows a table, a figure or the one line saying
//! what is missing; no table is all NA or 0; the registry's report has no response or
//! adverse-event table, says that PFS has no progression data, and its Methods claim no IMWG
//! response assessment and no CTCAE grading.

use super::util::*;
use mmreport::config::{Config, Language};
use mmreport::pipeline;
use mmreport::render::html::render_html;
use mmreport::results::Results;

/// The analysed results and the configuration of `bytes` under the site config `site`.
fn analyse(bytes: &[u8], site: &str) -> (Results, Config) {
    let mut c = ctx();
    c.config = Config::with_override(site, "site.toml").unwrap();
    let r = pipeline::process(bytes, "w.xlsx", &c).unwrap().results;
    (r, c.config.config)
}

/// The report's HTML in `lang`.
fn html(r: &Results, cfg: &Config, lang: Language) -> String {
    let mut cfg = cfg.clone();
    cfg.study.language = lang;
    render_html(r, &cfg).unwrap().html
}

fn example() -> (Results, Config) {
    let site = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/bendamustine.toml"
    ))
    .unwrap();
    analyse(&bundled_example(), &site)
}

/// R's survival::myeloma as a registry exports it: one sheet, durations in days, 0/1 deaths.
fn registry() -> (Results, Config) {
    let wb = super::real_data::workbook("myeloma_registry", "myeloma");
    analyse(&wb, "[dictionary.units]\nos_time = \"days\"\n")
}

/// `html` without the part from `start` to the next `end` (inclusive), every time.
fn cut(html: &str, start: &str, end: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find(start) {
        out.push_str(&rest[..i]);
        match rest[i..].find(end) {
            Some(j) => rest = &rest[i + j + end.len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text a reader sees (tags dropped, entities decoded), without the stylesheet and the
/// appendix (the validation listing shows rule codes and the workbook's own values).
fn visible(html: &str) -> String {
    let html = cut(html, "<style>", "</style>");
    let html = cut(&html, r#"<section id="validation""#, "</section>");
    let mut text = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Snake-case identifiers in `text` (`prior_lines`, `lab_ae_any_grade`), figure file names
/// (`pfs_all.svg`) excepted.
fn snake_case(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .map(|t| t.trim_matches('.'))
        .filter(|t| {
            let b = t.as_bytes();
            b.windows(3)
                .any(|w| w[0].is_ascii_lowercase() && w[1] == b'_' && w[2].is_ascii_lowercase())
                && ![".svg", ".png", ".pdf", ".xlsx", ".json", ".csv"]
                    .iter()
                    .any(|ext| t.ends_with(ext))
        })
        .map(str::to_string)
        .collect()
}

/// No raw key, no ASCII comparison, no caret exponent in what the reader sees.
fn assert_no_raw_keys(name: &str, html: &str) {
    let text = visible(html);
    let snakes = snake_case(&text);
    assert!(snakes.is_empty(), "{name}: raw keys {snakes:?}");
    for bad in [">=", "<=", "^9", "^12"] {
        let at = text
            .find(bad)
            .map(|i| &text[i.saturating_sub(60)..(i + 20).min(text.len())]);
        assert!(at.is_none(), "{name}: {bad:?} in {at:?}");
    }
}

/// The HTML of each `<section id=...>` of the report body, by id.
fn sections(html: &str) -> Vec<(String, String)> {
    html.split(r#"<section id=""#)
        .skip(1)
        .map(|s| {
            let id = s.split('"').next().unwrap_or_default().to_string();
            let body = s.split("</section>").next().unwrap_or_default().to_string();
            (id, body)
        })
        .collect()
}

/// A data cell that says nothing: only zeros, NA, dashes, brackets and separators.
fn says_nothing(cell: &str) -> bool {
    let t = cell.replace("NA", "");
    !t.chars().any(|c| c.is_alphanumeric() && c != '0')
}

/// Every section shows a table, a figure, a paragraph or its one line; no table outside the
/// appendix has only empty data cells (the first column is the row's label).
fn assert_no_empty_section(name: &str, html: &str) {
    for (id, body) in sections(html) {
        assert!(
            body.contains("<table") || body.contains("<figure") || body.contains("<p"),
            "{name}: section {id} is empty"
        );
        if id == "validation" {
            continue;
        }
        for table in body.split("<tbody>").skip(1) {
            let tbody = table.split("</tbody>").next().unwrap_or_default();
            let data: Vec<String> = tbody
                .split("<tr")
                .skip(1)
                .flat_map(|row| {
                    row.split("<td")
                        .skip(2)
                        .map(|c| visible(&format!("<td{c}")).trim().to_string())
                        .collect::<Vec<_>>()
                })
                .collect();
            assert!(
                data.is_empty() || !data.iter().all(|c| says_nothing(c)),
                "{name}: a table of section {id} holds nothing: {data:?}"
            );
        }
    }
}

fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!(r#"<section id="{id}""#))
        .unwrap_or_else(|| panic!("section {id}"));
    let len = html[start..].find("</section>").unwrap();
    &html[start..start + len]
}

#[test]
fn the_bundled_example_reads_as_a_journal_report_in_both_languages() {
    let (r, cfg) = example();
    for lang in [Language::En, Language::Zh] {
        let h = html(&r, &cfg, lang);
        let name = format!("example {lang:?}");
        assert_no_raw_keys(&name, &h);
        assert_no_empty_section(&name, &h);
        // The summary first, the validation listing last (before the provenance footer).
        let pos = |s: &str| h.find(s).unwrap_or_else(|| panic!("{name}: {s}"));
        assert!(pos(r#"id="summary""#) < pos(r#"id="flow""#));
        assert!(pos(r#"id="methods""#) < pos(r#"id="validation""#));
        assert!(pos(r#"id="validation""#) < pos(r#"id="provenance""#));
    }
    let en = html(&r, &cfg, Language::En);
    // Numbered tables and figures, in order, each number once.
    for n in 1..=5 {
        assert_eq!(en.matches(&format!(">Table {n}. ")).count(), 1, "Table {n}");
        assert_eq!(
            en.matches(&format!(">Figure {n}. ")).count(),
            1,
            "Figure {n}"
        );
    }
    assert!(!en.contains("Table: ") && !en.contains("Figure: "));
    assert!(en.contains(">Table 1. Baseline characteristics (n = 32)"));
    assert!(en.contains(">Figure 1. Cohort flow"));
    // Table 1: no Shapiro-Wilk column, its P values in a footnote; one heading per group.
    let t1 = &en[en.find(r#"id="tab-baseline""#).unwrap()..];
    let t1 = &t1[..t1.find("</div>").unwrap()];
    let head = &t1[t1.find("<thead>").unwrap()..t1.find("</thead>").unwrap()];
    assert!(!head.contains("Shapiro"), "{head}");
    assert!(
        t1.contains("Shapiro-Wilk test of normality, P: "),
        "footnote"
    );
    let groups: Vec<&str> = t1
        .split(r#"<tr class="group"><th colspan="4">"#)
        .skip(1)
        .map(|g| g.split('<').next().unwrap())
        .collect();
    let mut unique = groups.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        groups.len(),
        unique.len(),
        "repeated group heading: {groups:?}"
    );
    // Journal numbers: no value with more decimals than its magnitude asks for (`64.00`).
    assert!(!t1.contains(".00 ("), "two decimals everywhere");
    assert!(!en.contains("sCR: sCR"));
    // A finding's codes are worded in English too ('Relapsed and refractory').
    assert!(!en.contains("&#39;relapsed_and_refractory&#39;"));
    assert!(en.contains("&#39;Relapsed and refractory&#39;"));
}

#[test]
fn the_column_of_normality_p_comes_back_with_its_switch() {
    let site = "[report]\nnormality_p_column = true\n";
    let (r, cfg) = analyse(&bundled_example(), site);
    let en = html(&r, &cfg, Language::En);
    let t1 = &en[en.find(r#"id="tab-baseline""#).unwrap()..];
    let head = &t1[t1.find("<thead>").unwrap()..t1.find("</thead>").unwrap()];
    assert!(head.contains("Shapiro-Wilk P"), "{head}");
    assert!(!t1[..t1.find("</div>").unwrap()].contains("Shapiro-Wilk test of normality, P: "));
}

#[test]
fn a_survival_only_registry_shows_only_what_it_holds() {
    let (r, cfg) = registry();
    assert_eq!(r.cohort.patients_analysed, 3882);
    assert!(!r.analyses.data.responses && !r.analyses.data.progression);
    assert!(!r.analyses.data.adverse_events);
    // No relapse-evidence column: one warning for the workbook, not 3,882.
    let relapse: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "imwg2016.relapse.none_documented")
        .collect();
    assert_eq!(relapse.len(), 1);
    assert_eq!(relapse[0].params["patients"], "3882");
    assert!(relapse[0].patient_id.is_none());
    for lang in [Language::En, Language::Zh] {
        let h = html(&r, &cfg, lang);
        let name = format!("registry {lang:?}");
        assert_no_raw_keys(&name, &h);
        assert_no_empty_section(&name, &h);
        assert!(
            !h.contains("tab-response") && !h.contains("tab-ae-"),
            "{name}"
        );
        assert!(!h.contains("NA (NA, NA)") && !h.contains("0/0 ["), "{name}");
    }
    let en = html(&r, &cfg, Language::En);
    let text = |id: &str| visible(section(&en, id));
    assert!(
        text("response").contains("No response assessments"),
        "{}",
        text("response")
    );
    assert!(text("adverse_events").contains("No adverse events recorded"));
    assert!(
        text("survival").contains("No progression dates: progression-free survival not estimable")
    );
    assert!(
        !en.contains("fig-pfs_all"),
        "a PFS figure without progression data"
    );
    assert!(
        !section(&en, "survival").contains("n = 0"),
        "an empty KM group"
    );
    let methods = text("methods");
    assert!(!methods.contains("IMWG 2016"), "{methods}");
    assert!(!methods.contains("CTCAE"), "{methods}");
    assert!(!methods.contains("Progression-free"), "{methods}");
    assert!(
        methods.contains("Overall survival (OS) was measured"),
        "{methods}"
    );
    // No baseline column: Table 1 is the first result (the flow figure holds the counts); no
    // table of dashes for the IMWG disease state
    // of patients the workbook says nothing about, one line instead.
    let t1 = en
        .split(">Table 1. ")
        .nth(1)
        .map(|t| t.split('<').next().unwrap_or(""));
    assert_eq!(t1, Some("Overall survival: All patients"));
    let validation = section(&en, "validation");
    assert!(!validation.contains("tab-imwg"), "a disease-state table");
    assert!(validation.contains("the disease-state check did not run"));
    let zh = html(&r, &cfg, Language::Zh);
    assert!(section(&zh, "validation").contains("未进行疾病状态核查"));
    assert!(visible(section(&zh, "methods")).contains("总生存期"));
    assert!(!visible(section(&zh, "methods")).contains("CTCAE"));
}

#[test]
fn the_raw_key_detector_finds_raw_keys() {
    assert_eq!(snake_case("by prior_lines ≥ 3"), vec!["prior_lines"]);
    assert!(snake_case("(pfs_all.svg) Prior lines").is_empty());
    assert!(says_nothing("0 (NA, NA)") && says_nothing("0/0 [NA, NA]"));
    assert!(!says_nothing("3 (12)") && !says_nothing("not reached"));
}
