//! Issue 14, the reader's language: the zh report wholly Chinese (the clinician's own
//! entries as written, dictionary words from the bilingual catalogs, finding messages in
//! Chinese, columns named as the workbook's headers wrote them), `--language`, `check` in
//! Chinese, and results.json level codes that do not depend on the workbook's language.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The bundled examples: the canonical (English) workbook and the messy Chinese one.
pub(crate) const CANONICAL: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bendamustine-32.xlsx");
pub(crate) const MESSY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/bendamustine-32-zh-messy.xlsx"
);

/// Words a Chinese journal prints in Latin letters, each for a reason:
/// - response categories and endpoints as IMWG/journals abbreviate them (sCR ... NE, ORR,
///   DCR, PFS, OS, HR, CI, P, MRD, EMD is worded);
/// - staging systems and lab/unit abbreviations (ISS, R-ISS, ECOG, Ig isotypes, LDH, FISH,
///   mmol, µmol, g, L, dL, mg, mm, h, U, kg, m);
/// - cytogenetic notation (del, t, amp, gain, TP53, IgH, 1q, 17p);
/// - regimen codes of the seed study (BRD, BPD, BDd, Bd, BKd, BEVD) and drug codes;
/// - statistics notation (n, NA for "not available", vs is worded, SD, Q1, Q3, Q25, Q75, df, W, and
///   the x̄ ± s of Chinese journals);
/// - the criteria's names (IMWG 2016) and method eponyms (Kaplan-Meier, Cox, Fisher,
///   Shapiro-Wilk, log-rank);
/// - the rule-set versions and rule ids, shown as codes (imwg2016, ctcae5, a rule id is a
///   dotted snake_case code);
/// - Roman stage numerals (I, II, III with A/B) and patient ids (P01 ...).
const ALLOWED: &[&str] = &[
    "sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE", "ORR", "DCR", "PFS", "OS", "HR", "CI", "P",
    "MRD", "ISS", "R", "ECOG", "IgG", "IgA", "IgM", "IgD", "IgE", "LDH", "FISH", "mmol", "µmol",
    "g", "L", "dL", "mg", "mm", "h", "U", "kg", "m", "del", "t", "amp", "gain", "TP53", "IgH", "q",
    "p", "BRD", "BPD", "BDd", "Bd", "BKd", "BEVD", "n", "NA", "Q1", "Q3", "Q25", "Q75", "df", "W",
    "I", "II", "III", "IIIA", "IIIB", "IIA", "IIB", "IA", "IB", "A", "B", "imwg2016", "ctcae5",
    "ctcae6", "x", "SPD", "cm", "PET", "CT", "Kaplan", "Meier", "Cox", "Fisher", "Shapiro", "Wilk",
    "Log", "rank", "log", "IMWG", "s",
];

/// Runs `mmreport run` on `workbook` with the example's cut-off, `site` TOML and `args`.
pub(crate) fn run(dir: &Path, workbook: &str, site: &str, args: &[&str]) -> PathBuf {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(workbook, input.join("w.xlsx")).unwrap();
    let cfg = dir.join("site.toml");
    let cutoff = "data_cutoff = \"2022-12-09\"";
    let site = if site.contains("[dates]") {
        site.replace("[dates]", &format!("[dates]\n{cutoff}"))
    } else {
        format!("{site}\n[dates]\n{cutoff}\n")
    };
    std::fs::write(&cfg, site).unwrap();
    let out = dir.join("out");
    crate::util::run_command(&input, &out, &cfg)
        .args(args)
        .assert()
        .success();
    out
}

pub(crate) fn results(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("w/results.json")).unwrap()).unwrap()
}

fn html(out: &Path) -> String {
    std::fs::read_to_string(out.join("w/report.html")).unwrap()
}

/// `text` without the elements named `tag` (inline SVG figures, styles).
pub(crate) fn without(text: &str, tag: &str) -> String {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(&open) {
        out.push_str(&rest[..i]);
        match rest[i..].find(&close) {
            Some(j) => rest = &rest[i + j + close.len()..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// The visible text of every `<td>` and `<th>` of an HTML page, tags stripped and entities
/// decoded.
fn cells(page: &str) -> Vec<String> {
    let page = without(&without(page, "svg"), "style");
    let mut out = Vec::new();
    let mut rest = page.as_str();
    while let Some(i) = rest.find("<t") {
        rest = &rest[i + 2..];
        let kind = match rest.chars().next() {
            Some('d') => "td",
            Some('h') => "th",
            _ => continue,
        };
        if !matches!(rest[1..].chars().next(), Some('>') | Some(' ')) {
            continue;
        }
        let Some(start) = rest.find('>') else { break };
        let close = format!("</{kind}>");
        let Some(end) = rest.find(&close) else { break };
        if end < start {
            continue;
        }
        out.push(text_of(&rest[start + 1..end]));
        rest = &rest[end..];
    }
    out
}

/// Markup stripped, entities decoded, whitespace trimmed.
pub(crate) fn text_of(html: &str) -> String {
    let mut t = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => t.push(c),
            _ => {}
        }
    }
    t.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// A Chinese character, or Chinese (full-width) punctuation.
pub(crate) fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
        || ('\u{3000}'..='\u{303f}').contains(&c)
        || ('\u{ff00}'..='\u{ffef}').contains(&c)
}

/// A code rather than words: a rule id (`cell.suspicious_text`, `imwg2016.response.pd`) or
/// cytogenetic notation (`17p`, `13q`, `1q21`).
pub(crate) fn is_code(w: &str) -> bool {
    let rule_id = w.contains('.')
        && w.chars().any(|c| c.is_ascii_lowercase())
        && w.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
    let band = w.starts_with(|c: char| c.is_ascii_digit())
        && w.trim_start_matches(|c: char| c.is_ascii_digit())
            .starts_with(['p', 'q'])
        && w.trim_start_matches(|c: char| c.is_ascii_digit())[1..]
            .chars()
            .all(|c| c.is_ascii_digit());
    rule_id || band
}

/// The English words of a cell that holds no Chinese: its Latin-letter words outside the
/// allow-list, and not part of a rule id (a dotted code such as `imwg2016.response.pd`).
pub(crate) fn english_words(cell: &str) -> Vec<String> {
    if cell.chars().any(is_cjk) {
        return Vec::new();
    }
    cell.split(|c: char| c.is_whitespace() || ",;:()[]/=<>≥≤±+-–—%'\"".contains(c))
        .filter(|w| !is_code(w))
        .map(|w| {
            w.trim_matches('.')
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        .filter(|w| !ALLOWED.contains(&w.as_str()))
        .filter(|w| !is_patient_id(w))
        .collect()
}

/// `P01`, `P32`: the examples' patient ids.
fn is_patient_id(w: &str) -> bool {
    w.len() >= 2 && w.starts_with('P') && w[1..].chars().all(|c| c.is_ascii_digit())
}

/// The cells of the zh report of `workbook` that hold only English words, other than
/// `entered` (the workbook's own free text, shown as written).
pub(crate) fn english_only_cells(page: &str, entered: &[&str]) -> Vec<String> {
    cells(page)
        .into_iter()
        .filter(|c| !entered.contains(&c.as_str()))
        .filter(|c| !english_words(c).is_empty())
        .collect()
}

/// The free text of the canonical (English) workbook, shown as written in its zh report:
/// first symptoms, EMD sites and causes of death the clinician wrote in English.
pub(crate) const CANONICAL_ENTRIES: &[&str] = &[
    "lumbosacral pain",
    "chest and back pain",
    "fatigue with lower-limb edema",
    "fever",
    "head",
    "chest wall",
    "thoracic spine",
    "lumbar spine",
    "pelvis",
    "spinal canal",
    "heart failure",
    "lung cancer",
];

/// Text cells that are the workbook's own suspicious entries (the examples' markup and
/// formula probes), shown escaped as written.
pub(crate) const PROBES: &[&str] = &[
    "<script>alert(1)</script>",
    "=HYPERLINK(\"http://x\",\"y\")",
];

/// No visible table cell of the zh report of either bundled example holds only English,
/// other than the allow-listed codes and abbreviations and the workbook's own free text.
#[test]
fn zh_reports_have_no_english_only_cell() {
    for (workbook, entered) in [(MESSY, &[][..]), (CANONICAL, CANONICAL_ENTRIES)] {
        let d = tempfile::tempdir().unwrap();
        let out = run(d.path(), workbook, "[study]\nlanguage = \"zh\"", &[]);
        // The workbook's own sheet names and headers name a finding's place as written.
        let r = results(&out);
        let places: Vec<String> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| [&f["sheet"], &f["header"], &f["column"]])
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        let entered: Vec<&str> = entered
            .iter()
            .chain(PROBES)
            .copied()
            .chain(places.iter().map(String::as_str))
            .collect();
        let page = html(&out);
        let english = english_only_cells(&page, &entered);
        assert!(
            english.is_empty(),
            "{workbook}: {} English-only cells: {english:#?}",
            english.len()
        );
        assert!(cells(&page).len() > 1000, "the report's tables were read");
    }
}

/// The detector finds what it must: an English cell, not a Chinese, coded or numeric one.
#[test]
fn english_cell_detector() {
    assert_eq!(
        english_words("White blood cell decreased"),
        ["White", "blood", "cell", "decreased"]
    );
    assert!(english_words("白细胞减少").is_empty());
    assert!(english_words("imwg2016.response.disagrees").is_empty());
    assert!(english_words("0.96 (0.89, 1.04)").is_empty());
    assert!(english_words("VGPR").is_empty());
    assert_eq!(english_words(">= 3 prior lines"), ["prior", "lines"]);
    let page =
        "<table><tr><th>a</th><td class=\"num\">Fever</td></tr><svg><text>x</text></svg></table>";
    assert_eq!(cells(page), ["a", "Fever"]);
}

/// The clinician's Chinese entries appear as written in the zh report (Table 1, causes of
/// death), never translated to English; results.json keeps the code with the spelling beside.
#[test]
fn clinician_entries_appear_as_written() {
    let d = tempfile::tempdir().unwrap();
    let out = run(d.path(), MESSY, "[study]\nlanguage = \"zh\"", &[]);
    let page = html(&out);
    let shown = cells(&page);
    for entry in [
        "腰骶部疼痛",
        "胸背部疼痛",
        "乏力伴双下肢水肿",
        "发热",
        "心力衰竭",
        "肺癌",
        "胸椎",
    ] {
        assert!(
            shown.iter().any(|c| c == entry),
            "{entry} not shown as a cell"
        );
    }
    for english in ["lumbosacral pain", "chest and back pain", "heart failure"] {
        assert!(!page.contains(english), "{english} shown in the zh report");
    }
    let r = results(&out);
    let symptom = r["analyses"]["baseline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["variable"] == "first_symptom")
        .unwrap();
    let level = symptom["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["level"] == "lumbosacral pain")
        .unwrap();
    assert_eq!(level["label"], "腰骶部疼痛");
}

/// `--language en` on the Chinese workbook: dictionary words in English, the clinician's
/// free text as written, finding columns as the headers wrote them.
#[test]
fn language_flag_en_on_a_chinese_workbook() {
    let d = tempfile::tempdir().unwrap();
    let out = run(
        d.path(),
        MESSY,
        "[study]\nlanguage = \"zh\"",
        &["--language", "en"],
    );
    let page = html(&out);
    let shown = cells(&page);
    assert!(page.contains("<html lang=\"en\""));
    for english in [
        "Male",
        "Female",
        "White blood cell decreased",
        "Disease progression",
    ] {
        assert!(shown.iter().any(|c| c == english), "{english} missing");
    }
    for entry in ["腰骶部疼痛", "心力衰竭", "疾病状态"] {
        assert!(
            shown.iter().any(|c| c == entry),
            "{entry} not shown as written"
        );
    }
    assert!(
        !shown.iter().any(|c| c == "男性"),
        "zh vocabulary in the en report"
    );
    assert_eq!(results(&out)["language"], "en");
}

/// The results.json codes of every level are the same for the canonical (English) and the
/// messy Chinese workbook of the same patients; only the labels differ.
#[test]
fn level_codes_do_not_depend_on_the_workbook_language() {
    let codes = |workbook: &str| {
        let d = tempfile::tempdir().unwrap();
        let r = results(&run(d.path(), workbook, "", &[]));
        let mut out = Vec::new();
        for b in r["analyses"]["baseline"].as_array().unwrap() {
            for l in b["levels"].as_array().unwrap() {
                out.push(format!("{}={}:{}", b["variable"], l["level"], l["count"]));
            }
        }
        for l in r["analyses"]["deaths"]["causes"].as_array().unwrap() {
            out.push(format!("death_cause={}:{}", l["level"], l["count"]));
        }
        out
    };
    let (en, zh) = (codes(CANONICAL), codes(MESSY));
    assert!(en.iter().any(|c| c.contains("\"chest and back pain\"")));
    assert!(zh.iter().any(|c| c.contains("\"heart failure\"")));
    assert_eq!(en, zh);
}

/// `check --language zh`: severities, messages and the column headers in Chinese.
#[test]
fn check_speaks_chinese() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("site.toml");
    std::fs::write(&cfg, "[dates]\ndata_cutoff = \"2022-12-09\"\n").unwrap();
    let o = Command::cargo_bin("mmreport")
        .unwrap()
        .args(["check", MESSY, "--language", "zh", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("读取32例患者"), "{text}");
    assert!(text.contains("警告"), "{text}");
    assert!(text.contains(" 疾病状态 "), "{text}");
    assert!(
        text.contains("记录的疾病状态为“复发”，但按IMWG定义应为“复发难治”"),
        "{text}"
    );
    assert!(!text.contains("Recorded disease status"), "{text}");
    assert!(text.contains("规则核查汇总"), "{text}");
    assert!(!text.contains("Clinical rules ("), "{text}");
    let english: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !english_words(l).is_empty())
        .filter(|l| {
            !l.trim_start().starts_with('[') && !l.contains("bendamustine-32-zh-messy.xlsx")
        })
        .collect();
    assert!(english.is_empty(), "English lines: {english:#?}");
    let en = Command::cargo_bin("mmreport")
        .unwrap()
        .args(["check", MESSY, "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(String::from_utf8(en.stdout)
        .unwrap()
        .contains("Recorded disease status 'Relapsed'"));
}

/// index.html: in the configured language, styled by the reports' CSS, times on the site's
/// clock.
#[test]
fn index_in_the_configured_language_and_zone() {
    let d = tempfile::tempdir().unwrap();
    let out = run(
        d.path(),
        MESSY,
        "[study]\nlanguage = \"zh\"\n[dates]\ntime_zone = \"Asia/Shanghai\"",
        &[],
    );
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("<html lang=\"zh-CN\"") || index.contains("<html lang=\"zh\""));
    assert!(index.contains("table.three-line"), "report.css included");
    assert!(index.contains("(Asia/Shanghai)"), "{index}");
    assert!(index.contains("报告"), "{index}");
    // The time zone is named by its IANA code, the one English a time cell may hold.
    let english: Vec<String> = english_only_cells(&index, &["w.xlsx"])
        .into_iter()
        .filter(|c| !c.ends_with("(Asia/Shanghai)"))
        .collect();
    assert!(english.is_empty(), "{english:?}");
}

/// Reading findings in Chinese, worded from the catalog with the cell's value, the column
/// named as its header wrote it: an unknown column, a text that is not a date, an unknown
/// sex spelling.
#[test]
fn reading_findings_in_chinese() {
    use crate::util::{xlsx, D, S};
    let book = xlsx(&[(
        "患者",
        vec![
            vec![
                S("患者编号"),
                S("性别"),
                S("开始治疗日期"),
                S("末次随访日期"),
                S("血型"),
            ],
            vec![S("P1"), S("男"), D("2020-01-01"), D("2021-01-01"), S("A")],
            vec![
                S("P2"),
                S("未说明的性别"),
                S("2020-13-45"),
                D("2021-01-01"),
                S("B"),
            ],
        ],
    )]);
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("w.xlsx");
    std::fs::write(&path, book).unwrap();
    let o = Command::cargo_bin("mmreport")
        .unwrap()
        .args(["check", "--language", "zh"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("列“血型”与任何已知列名都不匹配，不纳入分析"),
        "{text}"
    );
    assert!(
        text.contains(" 开始治疗日期 患者 P2: “2020-13-45”不是有效日期"),
        "{text}"
    );
    assert!(
        text.contains(" 性别 患者 P2: “未说明的性别”不是性别的写法"),
        "{text}"
    );
    assert!(
        text.contains("入组日期（研究治疗开始日期）缺失：该患者不纳入分析"),
        "{text}"
    );
}

/// A study has a title per language: `title_zh` heads the Chinese report, `title` the English
/// one; without either the report is "Multiple myeloma case-record report" in its language.
#[test]
fn study_title_in_the_reports_language() {
    let site = "[study]\ntitle = \"Trial X\"\ntitle_zh = \"某项研究\"\nlanguage = \"zh\"";
    for (args, title) in [
        (&[][..], "<h1>某项研究"),
        (&["--language", "en"][..], "<h1>Trial X"),
    ] {
        let d = tempfile::tempdir().unwrap();
        let page = html(&run(d.path(), CANONICAL, site, args));
        assert!(page.contains(title), "{title}");
    }
    let d = tempfile::tempdir().unwrap();
    let page = html(&run(d.path(), CANONICAL, "[study]\nlanguage = \"zh\"", &[]));
    assert!(page.contains("<h1>多发性骨髓瘤病例报告"));
}
