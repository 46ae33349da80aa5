//! Refractoriness classes (Gandhi, Leukemia 2019) in the finished report: Table 1 shows
//! triple-class refractory, penta-refractory and triple-class exposed in the HTML and the
//! Excel workbook, in English and Chinese, with the counts of the workbook; a workbook
//! without refractoriness inputs shows none of these rows.

use crate::util::*;

/// A1 penta-refractory (two PIs, two IMiDs, an anti-CD38); A2 triple-class, not penta; A3
/// double-class; A4 refractory to nothing listed (class none, exposure unknown).
fn workbook() -> Vec<u8> {
    let header = [
        "patient_id",
        "index_date",
        "cycles_completed",
        "last_followup_date",
        "难治药物",
    ];
    let rows = [
        ("A1", "硼替佐米、卡非佐米、来那度胺、泊马度胺、达雷木单抗"),
        ("A2", "bortezomib; lenalidomide; daratumumab"),
        ("A3", "Velcade/Revlimid"),
        ("A4", "无"),
    ];
    let mut sheet: Vec<Vec<C<'_>>> = vec![header.iter().map(|h| S(h)).collect()];
    for (id, drugs) in rows {
        sheet.push(vec![
            S(id),
            D("2020-01-01"),
            N(4.0),
            D("2021-01-01"),
            S(drugs),
        ]);
    }
    xlsx(&[("patients", sheet)])
}

/// (n, missing, yes) of a Table 1 row.
fn row(r: &Report, variable: &str) -> (u64, u64, u64) {
    let rows = r.json["analyses"]["baseline"].as_array().unwrap();
    let b = rows
        .iter()
        .find(|b| b["variable"] == variable)
        .unwrap_or_else(|| panic!("no row {variable}"));
    let yes = b["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["level"] == "yes")
        .map_or(0, |l| l["count"].as_u64().unwrap());
    (
        b["n"].as_u64().unwrap(),
        b["missing"].as_u64().unwrap(),
        yes,
    )
}

#[test]
fn table1_shows_the_classes_in_both_languages() {
    let t = tempfile::tempdir().unwrap();
    let en = run_report(&t.path().join("en"), &workbook(), "");
    assert_eq!(row(&en, "triple_class_refractory"), (4, 0, 2));
    assert_eq!(row(&en, "penta_refractory"), (4, 0, 1));
    assert!(en
        .html
        .contains("Triple-class refractory (PI, IMiD, anti-CD38)"));
    assert!(en.html.contains("Penta-refractory"));
    let cells = xlsx_text(&en.xlsx);
    assert!(cells
        .iter()
        .any(|x| x.trim() == "Triple-class refractory (PI, IMiD, anti-CD38)"));
    assert!(cells.iter().any(|x| x.trim() == "Penta-refractory"));
    let zh = run_report(
        &t.path().join("zh"),
        &workbook(),
        "[study]\nlanguage = \"zh\"",
    );
    assert!(zh.html.contains("三类药物难治（PI、IMiD、抗CD38单抗）"));
    assert!(zh.html.contains("五药难治"));
    let cells = xlsx_text(&zh.xlsx);
    assert!(cells
        .iter()
        .any(|x| x.trim() == "三类药物难治（PI、IMiD、抗CD38单抗）"));
    assert!(cells.iter().any(|x| x.trim() == "五药难治"));
    // without refractoriness inputs: no such rows
    let b = run_report(&t.path().join("b"), &bundled_example(), "");
    assert!(!b.html.contains("Penta-refractory"));
}
