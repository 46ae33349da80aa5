//! Issue 14, the reader's language in the Excel report: the zh report.xlsx of both bundled
//! examples holds no English-only cell outside its code columns (the same allow-list as the
//! HTML test in `language.rs`: codes, units, drug names, abbreviations, the clinician's own
//! entries), no workbook shows a raw key (`prior_lines >= 3`, `cycles_completed`), and the
//! cells show the words the HTML report shows.

use super::language::{
    english_words, is_code, results, run, CANONICAL, CANONICAL_ENTRIES, MESSY, PROBES,
};
use calamine::{Data, Reader};
use std::path::Path;

/// One text cell of report.xlsx with the header of its column when the cell is in a
/// listing or in the IMWG table (blank elsewhere).
#[derive(Debug)]
struct XCell {
    sheet: String,
    header: String,
    text: String,
}

/// The headers that say their column holds codes: the IMWG table's rule code column, and in
/// a listing (a header row holding `USUBJID`) the ADaM variables (`SEX`, `AEDECOD`: CDISC
/// names in capitals, which the sheet's note names as codes).
const RULE_CODE: [&str; 2] = ["规则（代码）", "Rule (code)"];

fn is_code_header(h: &str) -> bool {
    let cdisc = h.len() >= 3 && h.chars().all(|c| c.is_ascii_uppercase());
    cdisc || RULE_CODE.contains(&h)
}

/// A row of headers that name code columns: a listing's or the IMWG table's.
fn is_code_header_row(texts: &[String]) -> bool {
    texts
        .iter()
        .any(|t| t == "USUBJID" || RULE_CODE.contains(&t.as_str()))
}

/// Every text cell of `out`'s report.xlsx. Rows of a table whose header row holds a code
/// header (a listing's `USUBJID` row, the IMWG table's) carry their column's header until
/// the next row that has fewer than two cells (a caption, a note, a gap).
fn xlsx_cells(out: &Path) -> Vec<XCell> {
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(out.join("w/report.xlsx")).unwrap();
    let mut cells = Vec::new();
    for sheet in book.sheet_names() {
        let range = book.worksheet_range(&sheet).unwrap();
        let mut headers: Vec<String> = Vec::new();
        for row in range.rows() {
            let texts: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Data::String(s) => s.trim().to_string(),
                    _ => String::new(),
                })
                .collect();
            let filled = row.iter().filter(|c| !matches!(c, Data::Empty)).count();
            if filled < 2 {
                headers.clear();
            }
            if is_code_header_row(&texts) {
                headers = texts.clone();
                continue;
            }
            for (i, t) in texts.into_iter().enumerate().filter(|(_, t)| !t.is_empty()) {
                cells.push(XCell {
                    sheet: sheet.clone(),
                    header: headers.get(i).cloned().unwrap_or_default(),
                    text: t,
                });
            }
        }
    }
    cells
}

/// Raw keys in a cell: snake_case identifiers outside a dotted rule id, and `>=`/`<=`
/// where a report prints `≥`/`≤`.
fn raw_keys(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| c.is_whitespace() || ",;:()[]/=<>≥≤±+%'\"，；：（）".contains(c))
        .filter(|w| !is_code(w))
        .filter(|w| {
            w.contains('_')
                && w.chars().any(|c| c.is_ascii_lowercase())
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_string)
        .collect();
    if text.contains(">=") || text.contains("<=") {
        out.push(text.to_string());
    }
    out
}

/// The workbook's own text (sheet names, headers as written, cells and values in findings), the
/// provenance and the configured title, and the messages of findings and exclusions
/// (worded by the findings catalog, not here), from results.json.
fn own_text(out: &Path) -> Vec<String> {
    let r = results(out);
    let mut own: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            [
                &f["sheet"],
                &f["header"],
                &f["column"],
                &f["cell"],
                &f["value"],
                &f["message"],
            ]
        })
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect();
    // The provenance (file name, hashes, program) and the configured study title (the
    // site's own words, as the HTML heading shows it).
    for x in [
        &r["analyses"]["study_title"],
        &r["input"]["file"],
        &r["input"]["sha256"],
        &r["config_sha256"],
    ] {
        own.extend(x.as_str().map(str::to_string));
    }
    own.push(format!(
        "{} {}",
        r["generator"]["name"].as_str().unwrap(),
        r["generator"]["version"].as_str().unwrap()
    ));
    for e in r["cohort"]["excluded"].as_array().unwrap() {
        let reasons: Vec<&str> = e["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|x| x.as_str())
            .collect();
        own.push(reasons.join("; "));
    }
    own
}

/// Cells that are neither in a code column nor the workbook's own text.
fn shown_cells<'a>(cells: &'a [XCell], own: &[String], entered: &[&str]) -> Vec<&'a XCell> {
    cells
        .iter()
        .filter(|c| !is_code_header(&c.header))
        .filter(|c| !own.iter().any(|o| o.trim() == c.text))
        .filter(|c| !entered.contains(&c.text.as_str()))
        .collect()
}

/// The zh report.xlsx of the messy Chinese and of the canonical (English) example: no cell
/// outside the code columns holds only English, and none shows a raw key.
#[test]
fn zh_workbooks_have_no_english_only_cell_and_no_raw_key() {
    for (workbook, entered) in [(MESSY, &[][..]), (CANONICAL, CANONICAL_ENTRIES)] {
        let d = tempfile::tempdir().unwrap();
        let out = run(d.path(), workbook, "[study]\nlanguage = \"zh\"", &[]);
        let cells = xlsx_cells(&out);
        assert!(cells.len() > 1000, "{workbook}: {} cells read", cells.len());
        let own = own_text(&out);
        let entered: Vec<&str> = entered.iter().chain(PROBES).copied().collect();
        let shown = shown_cells(&cells, &own, &entered);
        let english: Vec<String> = shown
            .iter()
            .filter(|c| !english_words(&c.text).is_empty())
            .map(|c| format!("{}: {}", c.sheet, c.text))
            .collect();
        assert!(
            english.is_empty(),
            "{workbook}: {} English-only cells: {english:#?}",
            english.len()
        );
        let keys: Vec<String> = shown
            .iter()
            .filter(|c| !raw_keys(&c.text).is_empty())
            .map(|c| format!("{}: {}", c.sheet, c.text))
            .collect();
        assert!(keys.is_empty(), "{workbook}: raw keys: {keys:#?}");
    }
}

/// The en report.xlsx shows worded labels, never the configuration's keys.
#[test]
fn en_workbook_has_no_raw_key() {
    let d = tempfile::tempdir().unwrap();
    let out = run(d.path(), CANONICAL, "", &[]);
    let cells = xlsx_cells(&out);
    let own = own_text(&out);
    let entered: Vec<&str> = CANONICAL_ENTRIES.iter().chain(PROBES).copied().collect();
    let keys: Vec<String> = shown_cells(&cells, &own, &entered)
        .iter()
        .filter(|c| !raw_keys(&c.text).is_empty())
        .map(|c| format!("{}: {}", c.sheet, c.text))
        .collect();
    assert!(keys.is_empty(), "raw keys: {keys:#?}");
    let text = |sheet: &str, t: &str| cells.iter().any(|c| c.sheet == sheet && c.text == t);
    assert!(text("Survival", "≥ 3 prior lines"), "group label");
    assert!(
        text("Multivariable Cox", "Prior lines of therapy"),
        "covariate"
    );
}

/// The raw-key detector finds what it must, and passes rule ids and words.
#[test]
fn raw_key_detector() {
    assert_eq!(raw_keys("无进展生存期：prior_lines"), ["prior_lines"]);
    assert!(!raw_keys("cycles_completed >= 3").is_empty());
    assert!(raw_keys("imwg2016.relapsed.after_60_days").is_empty());
    assert!(raw_keys("既往≥3线").is_empty());
    assert!(raw_keys("≥ 3 prior lines").is_empty());
}

/// Exact cells of the zh workbook: a group label, a CTCAE term, a Cox covariate, the rule a
/// disease state was derived by, an ADaM label column beside its code.
#[test]
fn zh_workbook_cells_are_worded_as_the_html() {
    let d = tempfile::tempdir().unwrap();
    let out = run(d.path(), MESSY, "[study]\nlanguage = \"zh\"", &[]);
    let cells = xlsx_cells(&out);
    let has = |sheet: &str, t: &str| cells.iter().any(|c| c.sheet == sheet && c.text == t);
    let names: Vec<&str> = {
        let mut n: Vec<&str> = cells.iter().map(|c| c.sheet.as_str()).collect();
        n.dedup();
        n
    };
    assert!(has("生存分析", "≥3个疗程"), "group label; sheets {names:?}");
    assert!(has("生存分析", "既往≥3线"), "group label");
    assert!(has("不良事件", "白细胞减少"), "CTCAE term");
    assert!(has("多因素Cox", "既往治疗线数"), "Cox covariate");
    // The rule a disease state was derived by, in words, its code beside.
    let rules: Vec<&str> = cells
        .iter()
        .filter(|c| c.sheet == "数据核查" && c.header == "规则")
        .map(|c| c.text.as_str())
        .collect();
    assert!(
        rules.contains(&"达到MR或更好疗效后，末次给药后60天内进展"),
        "rule worded: {rules:?}"
    );
    assert!(cells.iter().any(|c| c.header == "规则（代码）"
        && c.text == "imwg2016.relapsed_and_refractory.within_60_days_after_mr"));
    assert!(
        cells.iter().any(|c| c.header == "SEX" && c.text == "male"),
        "code kept"
    );
    assert!(has("ADSL", "男性"), "sex label beside the code");
}
