//! Issue 14, every finding message and every quarantine reason in both languages: each rule
//! id of every crate has `finding.<rule>[#case]` in en and zh with the same placeholders;
//! the findings of the bundled examples, the real-data workbooks and a deliberately defective
//! workbook read in Chinese hold no English word and no unfilled placeholder; a Chinese
//! site's error pages and index word a quarantine in Chinese.

use super::language::{english_words, is_cjk, text_of, without, CANONICAL, MESSY};
use super::real_data::{workbook, MGUS2_SITE, TT2_SITE};
use super::util::*;
use assert_cmd::Command;
use mmreport::config::{Config, Language};
use mmreport::model::Finding;
use mmreport::render::context::Catalog;
use mmreport::render::labels::Labels;
use std::collections::{BTreeMap, BTreeSet};

/// Latin-letter words a Chinese finding message may print besides those of the reports
/// (`language.rs`): the criteria and staging systems by their names (CTCAE, Durie-Salmon,
/// β2-MG, M protein), drug classes (PI, IMiD, anti-CD38), units (mL/min, mg/24h, µmol), sex codes (M/F), the file types a
/// workbook may be, the program's own command (`mmreport check`) and configuration values
/// (`day_first`).
const ALSO_ALLOWED: &[&str] = &[
    "CTCAE",
    "Durie",
    "Salmon",
    "MG",
    "M",
    "F",
    "mL",
    "min",
    "24h",
    "mol",
    "xlsx",
    "xlsm",
    "xls",
    "xlsb",
    "ods",
    "mmreport",
    "check",
    "OS",
    "U",
    "FFFD",
    "dayfirst",
    "monthfirst",
    "Excel",
    "PI",
    "IMiD",
    "CD38",
];

/// The `{name}` placeholders of a catalog text.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.insert(rest[i + 1..i + j].to_string());
        rest = &rest[i + j + 1..];
    }
    out
}

/// The English words of a Chinese text: its Latin-letter words (Chinese characters read as
/// spaces) outside the reports' allow-list and [`ALSO_ALLOWED`].
fn english_in(text: &str) -> Vec<String> {
    let spaced: String = text
        .chars()
        .map(|c| if is_cjk(c) { ' ' } else { c })
        .collect();
    english_words(&spaced)
        .into_iter()
        .filter(|w| !ALSO_ALLOWED.contains(&w.as_str()))
        .collect()
}

/// Every rule id of every crate has its message in en and zh (all its `#case`s), the two
/// with the same placeholders, the zh text Chinese; and every `finding.*` entry belongs to a
/// rule id (no stale text).
#[test]
fn every_finding_rule_is_worded_in_both_languages() {
    let en = Labels::load(Language::En, None).unwrap();
    let zh = Labels::load(Language::Zh, None).unwrap();
    let rules = mmreport::finding_rules();
    assert!(rules.len() >= 60, "{} rule ids", rules.len());
    let mut missing = Vec::new();
    let mut bad = Vec::new();
    for rule in &rules {
        let plain = format!("finding.{rule}");
        let keys: Vec<&String> = zh
            .all()
            .keys()
            .filter(|k| **k == plain || k.starts_with(&format!("{plain}#")))
            .collect();
        if keys.is_empty() {
            missing.push(rule.to_string());
        }
        for k in keys {
            let mut text = zh.get(k).to_string();
            for p in placeholders(&text) {
                text = text.replace(&format!("{{{p}}}"), " ");
            }
            let ok = en.has(k)
                && placeholders(en.get(k)) == placeholders(zh.get(k))
                && text.chars().any(is_cjk)
                && english_in(&text).is_empty();
            if !ok {
                bad.push(format!("{k}: {} | {}", en.get(k), zh.get(k)));
            }
        }
    }
    assert!(missing.is_empty(), "rules without a message: {missing:?}");
    assert!(
        bad.is_empty(),
        "en/zh texts that differ or are not Chinese:\n{}",
        bad.join("\n")
    );
    let known: BTreeSet<&str> = rules.iter().copied().collect();
    for k in zh.all().keys().filter_map(|k| k.strip_prefix("finding.")) {
        let rule = k.split('#').next().unwrap_or(k);
        assert!(known.contains(rule), "finding.{k} belongs to no rule id");
    }
}

/// A workbook that breaks as many rules as it can: unreadable cells (dates, numbers, whole
/// numbers, yes/no, sex, responses, stages, categories, formula errors, detection limits,
/// markup), columns (unknown, twice), rows (no id, an id twice, an id only in another sheet,
/// a value that conflicts between sheets), dates out of order or after the cut-off,
/// implausible labs, CTCAE grades and terms, staging, disease state, responses and the
/// progression date contradicting the data, refractoriness lists that disagree.
fn defective_workbook() -> Vec<u8> {
    let sheets: Vec<(&str, Vec<Vec<C<'static>>>)> = [
        ("patients", DEFECTIVE_PATIENTS),
        ("treatment", DEFECTIVE_TREATMENT),
        ("assessments", DEFECTIVE_ASSESSMENTS),
        ("adverse_events", DEFECTIVE_AES),
        ("labs", DEFECTIVE_LABS),
        ("misc", &[&["anything"]]),
    ]
    .into_iter()
    .map(|(name, rows)| {
        let rows = rows.iter().map(|r| r.iter().map(|c| cell(c)).collect());
        (name, rows.collect())
    })
    .collect();
    xlsx(&sheets)
}

/// A cell of the defective workbook from its spelling: `d:` a date cell, `n:` a number,
/// `e:` a formula error, empty nothing, anything else text.
fn cell(spec: &'static str) -> C<'static> {
    if spec.is_empty() {
        E
    } else if let Some(d) = spec.strip_prefix("d:") {
        D(d)
    } else if let Some(n) = spec.strip_prefix("n:") {
        N(n.parse().unwrap())
    } else if let Some(e) = spec.strip_prefix("e:") {
        Err(e)
    } else {
        S(spec)
    }
}

/// The defective `patients` sheet: P01 contradicts its staging, disease state, progression
/// date, vital status and refractoriness lists; P02 has dates out of order and unreadable
/// cells; P03 has data after the cut-off and an ambiguous date; P04 is there twice; a row
/// has no id; P05 to P07 lack the dates an analysis needs. Two columns are unknown or twice.
const DEFECTIVE_PATIENTS: &[&[&str]] = &[
    &[
        "patient_id",
        "sex",
        "birth_date",
        "diagnosis_date",
        "index_date",
        "last_followup_date",
        "death_date",
        "vital_status",
        "progression_date",
        "cycles_completed",
        "iss_stage",
        "ds_stage",
        "beta2_microglobulin",
        "albumin",
        "creatinine",
        "calcium",
        "hemoglobin",
        "refractory_to",
        "refractory_bortezomib",
        "disease_status",
        "relapse_date",
        "last_prior_regimen_end",
        "prior_best_response",
        "m_protein_type",
        "prior_asct",
        "notes",
        "OS (days)",
        "os_event",
        "Favourite colour",
        "calcium",
    ],
    &[
        "P01",
        "X",
        "2020-13-45",
        "d:2019-01-01",
        "d:2019-06-01",
        "d:2021-06-01",
        "",
        "dead",
        "d:2019-07-01",
        "n:4",
        "I",
        "IIA",
        "n:8",
        "n:30",
        "n:300",
        "n:9.5",
        "n:500",
        "bortezomib, foodrug",
        "no",
        "relapsed",
        "d:2019-05-01",
        "d:2019-04-20",
        "PR",
        "IgG",
        "yes",
        "",
        "n:100",
        "n:0",
        "blue",
        "n:2.5",
    ],
    &[
        "P02",
        "M",
        "d:1950-01-01",
        "d:2020-01-01",
        "d:2019-01-01",
        "d:2018-06-01",
        "",
        "alive",
        "d:2018-12-01",
        "2.5",
        "V",
        "",
        "",
        "<5",
        "",
        "abc",
        "e:#DIV/0!",
        "",
        "",
        "",
        "",
        "",
        "",
        "IgX",
        "maybe",
    ],
    &[
        "P03",
        "F",
        "d:1960-01-01",
        "03/04/2020",
        "d:2022-01-01",
        "d:2023-06-01",
        "d:2023-01-01",
        "alive",
        "",
        "n:4",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "=HYPERLINK(\"http://x\")",
    ],
    &["P04", "F", "", "", "d:2020-01-01", "d:2021-01-01"],
    &["P04", "F", "", "", "d:2020-01-01", "d:2021-01-01"],
    &["", "M", "", "", "d:2020-01-01", "d:2021-01-01"],
    &["P05", "M", "", "", "", "d:2021-01-01"],
    &["P06", "M", "", "", "d:2020-01-01"],
    &[
        "P07", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
        "", "", "", "", "n:300",
    ],
];

/// A second one-row-per-patient sheet: P01's index date conflicts, P98 is in no other sheet.
const DEFECTIVE_TREATMENT: &[&[&str]] = &[
    &["patient_id", "index_date"],
    &["P01", "d:2019-06-02"],
    &["P98", "d:2019-06-02"],
];

/// Responses the M-protein does not support, an assessment after more cycles than given, an
/// unknown response, an undated one, PD without a progression date, a patient not in
/// `patients`.
const DEFECTIVE_ASSESSMENTS: &[&[&str]] = &[
    &[
        "patient_id",
        "assessment_date",
        "after_cycle",
        "response",
        "serum_m_protein",
    ],
    &["P01", "d:2019-05-25", "n:0", "", "n:30"],
    &["P01", "d:2019-07-01", "n:2", "CR", "n:28"],
    &["P01", "d:2019-08-01", "n:8", "XYZ", "n:29"],
    &["P01", "d:2019-08-15", "", "VGPR", "n:29"],
    &["P01", "", "", "PR", "n:29"],
    &["P03", "d:2022-01-01", "n:0", "", "n:20"],
    &["P03", "d:2022-03-01", "n:2", "PD", "n:40"],
    &["P03", "d:2023-03-01", "n:4", "PD", "n:45"],
    &["P99", "d:2022-03-01", "n:2", "PD", "n:40"],
];

/// An unknown CTCAE term with a grade outside 1-5.
const DEFECTIVE_AES: &[&[&str]] = &[
    &["patient_id", "term", "grade", "onset_date"],
    &["P01", "zzz unknown term", "n:7", "d:2019-07-01"],
];

/// An undated lab row and an implausible neutrophil count.
const DEFECTIVE_LABS: &[&[&str]] = &[
    &["patient_id", "draw_date", "neutrophils"],
    &["P01", "", "n:1"],
    &["P01", "d:2019-07-01", "n:900"],
];

/// The findings of `bytes` read with `site` merged over the defaults.
fn findings(bytes: &[u8], site: &str) -> Vec<Finding> {
    let mut c = ctx();
    c.config = Config::with_override(site, "site.toml").unwrap();
    mmreport::pipeline::process(bytes, "w.xlsx", &c)
        .unwrap()
        .results
        .findings
}

/// The English words of the zh message of `f` other than the workbook's own (the words of
/// its value, header, sheet, patient and the parameters that quote the workbook).
fn english_of(zh: &str, f: &Finding) -> Vec<String> {
    let mut entered: Vec<&str> = [&f.value, &f.header, &f.sheet, &f.patient_id, &f.column]
        .into_iter()
        .filter_map(|v| v.as_deref())
        .collect();
    for p in ["seen", "first", "first_sheet", "in_sheet", "error", "unit"] {
        if let Some(v) = f.params.get(p) {
            entered.push(v);
        }
    }
    let own: BTreeSet<String> = entered.into_iter().flat_map(english_in).collect();
    english_in(zh)
        .into_iter()
        .filter(|w| !own.contains(w))
        .collect()
}

/// Every finding of the bundled examples, the real-data workbooks and the defective
/// workbook, worded in Chinese: Chinese, without English words (the workbook's own text
/// aside) and without an unfilled `{placeholder}`; the defective workbook reaches most rules.
#[test]
fn every_finding_reads_in_chinese() {
    let mut cfg = Config::defaults().unwrap().config;
    cfg.study.language = Language::Zh;
    let catalog = Catalog::load(&cfg).unwrap();
    let c = catalog.ctx(&cfg, "months");
    let registry_site = "[dictionary.units]\nos_time = \"days\"\n";
    let books: Vec<(&str, Vec<u8>, &str)> = vec![
        ("canonical", std::fs::read(CANONICAL).unwrap(), ""),
        ("messy", std::fs::read(MESSY).unwrap(), ""),
        ("mgus2", workbook("mgus2", "Sheet1"), MGUS2_SITE),
        (
            "registry",
            workbook("myeloma_registry", "myeloma"),
            registry_site,
        ),
        (
            "registry-no-unit",
            workbook("myeloma_registry", "myeloma"),
            "",
        ),
        ("tt2", workbook("myeloma_tt2", "myeloma"), TT2_SITE),
        ("defective", defective_workbook(), ""),
    ];
    let mut bad = Vec::new();
    let mut per_book: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (name, bytes, site) in &books {
        for f in findings(bytes, site) {
            let zh = c.finding_message(&f);
            let english = english_of(&zh, &f);
            if !zh.chars().any(is_cjk) || !english.is_empty() || !placeholders(&zh).is_empty() {
                bad.push(format!("{name} {} {english:?}: {zh}", f.rule));
            }
            per_book.entry(name).or_default().insert(f.rule.clone());
        }
    }
    assert!(
        bad.is_empty(),
        "{} findings not Chinese:\n{}",
        bad.len(),
        bad.join("\n")
    );
    let defective = &per_book["defective"];
    let all: BTreeSet<&String> = per_book.values().flatten().collect();
    eprintln!(
        "defective workbook: {} rules {defective:?}",
        defective.len()
    );
    eprintln!("all workbooks: {} rules", all.len());
    assert!(defective.len() >= 40, "{defective:?}");
}

/// An input folder of workbooks that cannot be reported: not a spreadsheet, an OLE file
/// with no workbook in it (as an encrypted one is), an empty file, a workbook without a
/// patients sheet.
fn quarantine_inputs(dir: &std::path::Path) -> std::path::PathBuf {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("garbage.xlsx"), b"this is not a workbook at all").unwrap();
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(1032, 0);
    std::fs::write(input.join("locked.xlsx"), ole).unwrap();
    std::fs::write(input.join("empty.xlsx"), b"").unwrap();
    let two = xlsx(&[
        ("foo", vec![vec![S("a"), S("b")], vec![N(1.0), N(2.0)]]),
        ("bar", vec![vec![S("c")]]),
    ]);
    std::fs::write(input.join("nopatients.xlsx"), two).unwrap();
    input
}

/// A Chinese site's quarantines: the error page and the index row say why in Chinese (the
/// manifest keeps the English reason); an English site's say it in English.
#[test]
fn quarantine_reasons_in_the_sites_language() {
    let d = tempfile::tempdir().unwrap();
    let input = quarantine_inputs(d.path());
    let expect = [
        (
            "garbage",
            "不是可读取的电子表格文件",
            "not a readable spreadsheet",
        ),
        ("empty", "文件为空", "the file is empty"),
        ("nopatients", "没有患者表", "no `patients` sheet"),
        ("locked", "", ""),
    ];
    for (lang, out) in [("zh", "out-zh"), ("en", "out-en")] {
        let out = d.path().join(out);
        let cfg = d.path().join(format!("{lang}.toml"));
        let site =
            format!("[study]\nlanguage = \"{lang}\"\n[dates]\ntime_zone = \"Asia/Shanghai\"\n");
        std::fs::write(&cfg, site).unwrap();
        crate::util::run_command(&input, &out, &cfg)
            .output()
            .unwrap();
        let index = std::fs::read_to_string(out.join("index.html")).unwrap();
        let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
        for (file, words, english_words) in expect {
            let page = std::fs::read_to_string(out.join(format!("_failed/{file}.xlsx/error.html")))
                .unwrap();
            let text = text_of(&without(&page, "style")).replace(&format!("{file}.xlsx"), " ");
            if lang == "zh" {
                assert!(text.contains(words), "{file}: {text}");
                assert!(text.chars().any(is_cjk), "{file}: {text}");
                // The sheet names looked for are shown as the configuration spells them.
                let english: Vec<String> = english_in(&text)
                    .into_iter()
                    .filter(|w| !["patients", "patient", "baseline"].contains(&w.as_str()))
                    .collect();
                assert!(english.is_empty(), "{file}: {text}");
            } else {
                assert!(text.contains(english_words), "{file}: {text}");
                assert!(!text.contains(words) || words.is_empty(), "{file}: {text}");
            }
        }
        let rows: Vec<String> = index
            .split("<tr")
            .skip(2)
            .map(|r| text_of(&format!("<tr{r}")))
            .collect();
        assert_eq!(rows.len(), 4, "{index}");
        for row in &rows {
            let mut rest = row.replace("(Asia/Shanghai)", " ");
            for (file, _, _) in expect {
                rest = rest.replace(&format!("{file}.xlsx"), " ");
            }
            if lang == "zh" {
                let english: Vec<String> = english_in(&rest)
                    .into_iter()
                    .filter(|w| !["patients", "patient", "baseline"].contains(&w.as_str()))
                    .collect();
                assert!(english.is_empty(), "{row}");
            } else {
                assert!(!rest.contains("文件为空"), "{row}");
            }
        }
        // The manifest keeps the English reason, with the code beside it.
        assert!(
            manifest.contains("the file is empty (0 bytes)"),
            "{manifest}"
        );
        assert!(manifest.contains("\"code\": \"empty_file\""), "{manifest}");
    }
}

/// `mmreport check --language zh` on the defective workbook: every line Chinese but for the
/// workbook's own text (values, headers, sheet names, patient ids), cell references and rule
/// ids.
#[test]
fn check_of_the_defective_workbook_speaks_chinese() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("defective.xlsx");
    let book = defective_workbook();
    std::fs::write(&path, &book).unwrap();
    let o = Command::cargo_bin("mmreport")
        .unwrap()
        .args(["check", "--language", "zh"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    let found = findings(&book, "");
    assert!(found.len() >= 50, "{} findings", found.len());
    let mut own: BTreeSet<String> = BTreeSet::new();
    for f in &found {
        let fields = [&f.value, &f.header, &f.sheet, &f.patient_id, &f.column];
        let quoted = ["seen", "first", "first_sheet", "in_sheet", "error"];
        let texts = fields.into_iter().filter_map(|x| x.as_deref()).chain(
            quoted
                .iter()
                .filter_map(|p| f.params.get(*p).map(String::as_str)),
        );
        own.extend(texts.flat_map(english_in));
    }
    own.extend(english_in(&path.display().to_string()));
    let sheets = [
        "patients",
        "treatment",
        "assessments",
        "adverse_events",
        "labs",
        "misc",
    ];
    own.extend(sheets.iter().flat_map(|s| english_in(s)));
    // Every text the workbook holds (a drug list, a header) may be quoted as written.
    let all = [
        DEFECTIVE_PATIENTS,
        DEFECTIVE_TREATMENT,
        DEFECTIVE_ASSESSMENTS,
        DEFECTIVE_AES,
        DEFECTIVE_LABS,
    ];
    let cells = all
        .iter()
        .flat_map(|rows| rows.iter())
        .flat_map(|r| r.iter());
    own.extend(cells.flat_map(|c| english_in(c)));
    // The finding lines (`  警告  sheet!B2 column 患者 P01: message [rule]`), the
    // classification lines and the excluded patients' reasons (`  P05: 缺少入组日期`, the
    // part after the id).
    let findings_lines = text.lines().filter(|l| l.trim_end().ends_with(']'));
    assert!(findings_lines.count() >= 50, "{text}");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(|l| match l.split_once(": ") {
            Some((id, rest)) if !id.trim().contains(' ') || id.contains("!row") => rest,
            _ => l,
        })
        .collect();
    let english: Vec<(&str, Vec<String>)> = lines
        .into_iter()
        .map(|l| {
            let words: Vec<String> = english_in(&l.replace('!', " "))
                .into_iter()
                .filter(|w| !own.contains(w) && !is_cell_ref(w))
                .collect();
            (l, words)
        })
        .filter(|(_, w)| !w.is_empty())
        .collect();
    assert!(text.contains("不是有效日期"), "{text}");
    assert!(english.is_empty(), "English in check:\n{english:#?}");
}

/// An Excel cell reference (`B3`, `AA12`).
fn is_cell_ref(w: &str) -> bool {
    let letters = w.chars().take_while(char::is_ascii_uppercase).count();
    (1..=3).contains(&letters)
        && w.len() > letters
        && w[letters..].chars().all(|c| c.is_ascii_digit())
}
