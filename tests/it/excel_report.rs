//! The adverse-event table (one row per CTCAE term, the worst treatment-emergent grade per
//! patient across recorded and lab-derived events) and the Excel report's page setup (issue
//! 14): orientation from the printed width, one page wide, print titles, hidden chart data,
//! forest categories from string cells. Workbooks are built in code; the Excel report is
//! read back from its zip parts and with calamine.

use super::util::*;
use calamine::{DataType, Reader};
use mmreport::pipeline;
use mmreport::render::xlsx::render_xlsx;
use mmreport::results::{AeRow, Results};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Four men starting treatment on 2020-01-10 (platelet LLN 100: 60 and 55 are grade 2, 40 is
/// grade 3). P1: platelets grade 2 at baseline and grade 2 after (not worse), a recorded
/// grade 1 after the start. P2: grade 2 at baseline, grade 3 after, a recorded grade 2. P3:
/// no baseline draw, grade 2 after. P4: a recorded grade 4 before the start of treatment,
/// normal platelets throughout, and an undated recorded fatigue.
fn te_workbook() -> Vec<u8> {
    let patient = |id: &'static str| {
        vec![
            S(id),
            S("M"),
            N(60.0),
            D("2020-01-10"),
            N(4.0),
            D("2021-01-10"),
        ]
    };
    let patients = vec![
        vec![
            S("patient_id"),
            S("sex"),
            S("age"),
            S("index_date"),
            S("cycles_completed"),
            S("last_followup_date"),
        ],
        patient("P1"),
        patient("P2"),
        patient("P3"),
        patient("P4"),
    ];
    let ae = |id: &'static str, term: &'static str, g: f64, onset: Option<&'static str>| {
        vec![S(id), S(term), N(g), onset.map_or(E, D)]
    };
    let plt = "Platelet count decreased";
    let aes = vec![
        vec![S("patient_id"), S("term"), S("grade"), S("onset_date")],
        ae("P1", plt, 1.0, Some("2020-03-01")),
        ae("P2", plt, 2.0, Some("2020-02-15")),
        ae("P4", plt, 4.0, Some("2019-12-01")),
        ae("P4", "Fatigue", 2.0, None),
    ];
    let lab = |id: &'static str, date: &'static str, x: f64| vec![S(id), D(date), N(x)];
    let labs = vec![
        vec![S("patient_id"), S("draw_date"), S("platelets")],
        lab("P1", "2020-01-05", 60.0),
        lab("P1", "2020-02-01", 55.0),
        lab("P2", "2020-01-05", 60.0),
        lab("P2", "2020-02-01", 40.0),
        lab("P3", "2020-02-01", 55.0),
        lab("P4", "2020-01-05", 120.0),
        lab("P4", "2020-02-01", 120.0),
    ];
    xlsx(&[
        ("patients", patients),
        ("adverse_events", aes),
        ("labs", labs),
    ])
}

fn results_of(bytes: &[u8]) -> Results {
    pipeline::process(bytes, "w.xlsx", &ctx()).unwrap().results
}

fn row<'a>(r: &'a Results, term: &str) -> &'a AeRow {
    r.analyses
        .adverse_events
        .iter()
        .find(|a| a.term == term)
        .unwrap_or_else(|| panic!("no row {term}"))
}

fn grades(grade: &BTreeMap<String, usize>) -> [usize; 5] {
    [1, 2, 3, 4, 5].map(|g| grade.get(&g.to_string()).copied().unwrap_or(0))
}

#[test]
fn ae_rows_are_unique_per_term_at_the_worst_treatment_emergent_grade() {
    let r = results_of(&te_workbook());
    let terms: Vec<&str> = r
        .analyses
        .adverse_events
        .iter()
        .map(|a| a.term.as_str())
        .collect();
    let mut unique = terms.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(terms.len(), unique.len(), "one row per term: {terms:?}");
    let plt = row(&r, "Platelet count decreased");
    // P1 grade 1 (recorded; its lab grade 2 was already grade 2 at baseline), P2 grade 3 (lab
    // 3 beats recorded 2), P3 grade 2 (lab, no baseline); P4's grade 4 began before treatment.
    assert_eq!((plt.n, plt.any, plt.grade3plus), (4, 3, 1));
    assert_eq!(grades(&plt.grade), [1, 1, 1, 0, 0]);
    assert_eq!(plt.sources, vec!["recorded", "labs"]);
    assert_eq!(plt.category, "hematologic");
    let rec = &plt.by_source["recorded"];
    assert_eq!((rec.n, rec.any, rec.not_treatment_emergent), (4, 2, 1));
    assert_eq!(grades(&rec.grade), [1, 1, 0, 0, 0]);
    let labs = &plt.by_source["labs"];
    assert_eq!((labs.n, labs.any, labs.not_treatment_emergent), (4, 2, 1));
    assert_eq!(grades(&labs.grade), [0, 1, 1, 0, 0]);
    assert_eq!(
        labs.baseline_abnormal,
        Some(1),
        "P2: abnormal at baseline, worsened"
    );
    // An undated recorded event cannot be shown to precede treatment: counted.
    let fatigue = row(&r, "Fatigue");
    assert_eq!((fatigue.any, grades(&fatigue.grade)), (1, [0, 1, 0, 0, 0]));
    assert_eq!(fatigue.sources, vec!["recorded"]);
    assert!(!fatigue.by_source.contains_key("labs"));
}

/// The same rows in the Excel AE sheet: one per term, with the rule in the note.
#[test]
fn excel_ae_sheet_has_one_row_per_term_and_states_the_rule() {
    let r = results_of(&te_workbook());
    let bytes = render_xlsx(&r, &ctx().config.config).unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("Adverse events").unwrap();
    let first: Vec<String> = range
        .rows()
        .filter_map(|r| r.first().and_then(|c| c.get_string()).map(str::to_string))
        .collect();
    let plt = first
        .iter()
        .filter(|s| s.trim() == "Platelet count decreased")
        .count();
    assert_eq!(plt, 1, "{first:?}");
    let plt_row = range
        .rows()
        .find(|r| {
            r.first().and_then(|c| c.get_string()).map(str::trim)
                == Some("Platelet count decreased")
        })
        .unwrap();
    assert_eq!(plt_row[1].get_string(), Some("Recorded + Lab-derived"));
    // any grade 3 of 4 patients
    assert_eq!(plt_row[2].get_float(), Some(4.0));
    assert_eq!(plt_row[3].get_float(), Some(3.0));
    assert!(first
        .iter()
        .any(|s| s.contains("a lab abnormality counts when its grade after the start of treatment is higher than at baseline")));
}

/// Every part of an .xlsx as text.
fn zip_entries(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        let mut s = String::new();
        if f.read_to_string(&mut s).is_ok() {
            out.insert(name, s);
        }
    }
    out
}

/// The bundled example's Excel report, its parts and its sheet names (layout order).
fn bundled_report() -> (Vec<u8>, BTreeMap<String, String>, Vec<String>) {
    let r = results_of(&bundled_example());
    let bytes = render_xlsx(&r, &ctx().config.config).unwrap();
    let parts = zip_entries(&bytes);
    let book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    let names = book.sheet_names();
    (bytes, parts, names)
}

/// The worksheet XML of the sheet named `name`.
fn sheet_xml<'a>(parts: &'a BTreeMap<String, String>, names: &[String], name: &str) -> &'a str {
    let i = names.iter().position(|n| n == name).unwrap();
    &parts[&format!("xl/worksheets/sheet{}.xml", i + 1)]
}

#[test]
fn every_sheet_prints_one_page_wide_with_print_titles_and_fitting_orientation() {
    let (_, parts, names) = bundled_report();
    let workbook = &parts["xl/workbook.xml"];
    for (i, name) in names.iter().enumerate() {
        let xml = sheet_xml(&parts, &names, name);
        assert!(xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{name}");
        assert!(xml.contains("paperSize=\"9\""), "{name}: A4");
        assert!(
            xml.contains("fitToHeight=\"0\""),
            "{name}: one page wide, any height"
        );
        if name != "Methods" {
            // Print titles: the table header (or the title row) on every page.
            let defined = format!("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{i}\">");
            assert!(workbook.contains(&defined), "{name}: no print titles");
        }
    }
    let landscape = |n: &str| sheet_xml(&parts, &names, n).contains("orientation=\"landscape\"");
    // Wide listings landscape, narrow tables portrait (from the printed width).
    for wide in ["ADSL", "Findings", "Validation"] {
        assert!(landscape(wide), "{wide} should print landscape");
    }
    for narrow in ["Overview", "Cohort flow", "Methods"] {
        assert!(!landscape(narrow), "{narrow} should print portrait");
    }
    // The only table's header row of a listing is repeated: ADSL's header is on row 4
    // (under the title and the note naming its CDISC columns as codes).
    let adsl = names.iter().position(|n| n == "ADSL").unwrap();
    assert!(workbook.contains(&format!(
        "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{adsl}\">ADSL!$4:$4</definedName>"
    )));
}

#[test]
fn forest_chart_data_is_hidden_and_its_categories_are_text_cells() {
    let (bytes, parts, names) = bundled_report();
    // Forest: helper columns hidden; the chart plots hidden data.
    let forest = sheet_xml(&parts, &names, "Forest (PFS HR)");
    assert!(
        forest.contains("hidden=\"1\""),
        "forest helper columns hidden"
    );
    let chart = parts
        .iter()
        .filter(|(n, _)| n.starts_with("xl/charts/chart"))
        .map(|(_, x)| x)
        .find(|x| x.contains("<c:errBars>"))
        .expect("forest chart");
    // rust_xlsxwriter leaves out plotVisOnly (default: hidden cells plotted).
    assert!(!chart.contains("<c:plotVisOnly val=\"1\"/>"));
    assert!(
        !chart.contains("<c:dLbls>"),
        "no custom data labels from cells"
    );
    // Categories: a string reference to the subgroup column of the forest table.
    let cat = chart
        .split("<c:cat>")
        .nth(1)
        .and_then(|s| s.split("</c:cat>").next())
        .unwrap();
    assert!(cat.contains("<c:strRef>"), "{cat}");
    let f = cat
        .split("<c:f>")
        .nth(1)
        .and_then(|s| s.split("</c:f>").next())
        .unwrap();
    // e.g. 'Forest (PFS HR)'!$M$4:$M$8: every cell of the range holds text.
    let (_, cells) = f.split_once('!').unwrap();
    let (a, b) = cells.split_once(':').unwrap();
    let col_row = |s: &str| {
        let mut p = s.trim_start_matches('$').split('$');
        let col = p
            .next()
            .unwrap()
            .bytes()
            .fold(0u32, |n, c| n * 26 + u32::from(c - b'A' + 1));
        (col - 1, p.next().unwrap().parse::<u32>().unwrap() - 1)
    };
    let ((ca, ra), (cb, rb)) = (col_row(a), col_row(b));
    assert_eq!(ca, cb, "{f}");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("Forest (PFS HR)").unwrap();
    let start = range.start().unwrap();
    let labels: Vec<String> = (ra..=rb)
        .map(|r| {
            let v = range
                .get_value((r, ca))
                .unwrap_or_else(|| panic!("no cell {r},{ca} from {start:?}"));
            v.get_string()
                .unwrap_or_else(|| panic!("row {r}: {v:?}"))
                .to_string()
        })
        .collect();
    assert_eq!(labels.len(), rb as usize - ra as usize + 1);
    assert!(labels.iter().all(|l| !l.trim().is_empty()));
    // Labels are unique: a subgroup with several rows names its comparison.
    let mut unique = labels.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), labels.len(), "{labels:?}");
    // The helper column is hidden.
    let attr = |c: &str, k: &str| -> u32 {
        c.split(&format!("{k}=\""))
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(
        forest
            .split("<col ")
            .skip(1)
            .any(|c| attr(c, "min") <= ca + 1
                && ca < attr(c, "max")
                && c.split("/>").next().unwrap().contains("hidden=\"1\"")),
        "label column {ca} not hidden"
    );
}

#[test]
fn km_chart_data_rows_are_hidden_and_plotted() {
    let (_, parts, names) = bundled_report();
    // Survival: the KM chart data rows are hidden, the charts plot them.
    let surv = sheet_xml(&parts, &names, "Survival");
    assert!(surv.matches("hidden=\"1\"").count() > 20);
    let km = parts
        .iter()
        .filter(|(n, x)| n.starts_with("xl/charts/chart") && x.contains("<c:scatterChart>"))
        .count();
    let km_hidden = parts
        .iter()
        .filter(|(n, x)| {
            n.starts_with("xl/charts/chart")
                && x.contains("<c:scatterChart>")
                && !x.contains("<c:plotVisOnly val=\"1\"/>")
        })
        .count();
    assert!(km > 0);
    assert_eq!(km, km_hidden);
}

/// The survival-only registry (R's survival::myeloma, 3,882 patients, 23 years): its Excel
/// report prints every sheet one page wide, the KM chart data hidden, the AE sheet empty.
fn registry_report() -> Vec<u8> {
    let site = "[dictionary.units]\nos_time = \"days\"\n";
    let r = super::real_data::run(
        &super::real_data::workbook("myeloma_registry", "myeloma"),
        site,
    );
    assert!(r.analyses.adverse_events.is_empty());
    render_xlsx(&r, &ctx().config.config).unwrap()
}

#[test]
fn registry_report_hides_its_chart_data_and_prints_one_page_wide() {
    let bytes = registry_report();
    let parts = zip_entries(&bytes);
    let book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    let surv = sheet_xml(&parts, &names, "Survival");
    assert!(surv.contains("orientation=\"landscape\""));
    // thousands of KM steps, none printed
    assert!(surv.matches("hidden=\"1\"").count() > 1000);
    for name in &names {
        assert!(
            sheet_xml(&parts, &names, name).contains("fitToHeight=\"0\""),
            "{name}"
        );
    }
    // 23 years of risk times: the number at risk runs down the page (a row per time), so
    // the sheet stays a few dozen columns wide rather than one per risk time.
    let mut book = book;
    let range = book.worksheet_range("Survival").unwrap();
    assert!(range.width() <= 25, "{} columns", range.width());
}

/// Writes the registry's report.xlsx to /tmp/xlsx_visual/registry.xlsx for a look in
/// LibreOffice (`soffice --headless --convert-to pdf`).
#[test]
#[ignore = "writes /tmp/xlsx_visual/registry.xlsx for a look in LibreOffice"]
fn write_registry_visual_check_file() {
    let dir = std::path::Path::new("/tmp/xlsx_visual");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("registry.xlsx"), registry_report()).unwrap();
}
