//! CTCAE v6.0 end to end: the bundled example reported under `ctcae_version = "ctcae6"` (one
//! line of site configuration) through the real binary. The HTML, the Excel workbook and
//! results.json name the version, "Platelet count decreased" becomes Thrombocytopenia, and
//! the neutrophil grades move as v6's fixed cut-offs (1.5/1.0/0.5/0.1 × 10^9/L, no LLN) say.

use crate::util::*;

/// (any, grade 1, grade 2, grade 3, grade >= 3, baseline abnormal) of a lab-derived term: the
/// lab source of its (merged) row, treatment-emergent events only.
fn lab_row(r: &Report, term: &str) -> (u64, u64, u64, u64, u64, u64) {
    let rows = r.json["analyses"]["adverse_events"].as_array().unwrap();
    let a = rows
        .iter()
        .find(|a| a["term"] == term)
        .map(|a| &a["by_source"]["labs"])
        .filter(|a| a.is_object())
        .unwrap_or_else(|| panic!("no lab row {term}"));
    let g = |k: &str| a["grade"][k].as_u64().unwrap();
    (
        a["any"].as_u64().unwrap(),
        g("1"),
        g("2"),
        g("3"),
        a["grade3plus"].as_u64().unwrap(),
        a["baseline_abnormal"].as_u64().unwrap(),
    )
}

#[test]
fn bundled_example_under_ctcae6_with_one_config_line() {
    let t = tempfile::tempdir().unwrap();
    let v5 = run_report(&t.path().join("v5"), &bundled_example(), "");
    let v6 = run_report(
        &t.path().join("v6"),
        &bundled_example(),
        "[rules]\nctcae_version = \"ctcae6\"",
    );
    // the report names the version it used
    assert_eq!(v5.json["validation"]["summary"]["ctcae_version"], "ctcae5");
    assert_eq!(v6.json["validation"]["summary"]["ctcae_version"], "ctcae6");
    assert!(v5.html.contains("hematologic adverse events (CTCAE v5)"));
    assert!(v6.html.contains("hematologic adverse events (CTCAE v6)"));
    assert!(!v6.html.contains("(CTCAE v5)"));
    assert!(v5.html.contains("graded by CTCAE version 5.0"));
    assert!(v6.html.contains("graded by CTCAE version 6.0"));
    // The one lab term without a verified v6.0 source says so under its table.
    let unverified = "its CTCAE v6.0 grades could not be verified";
    assert!(v6.html.contains(unverified));
    assert!(!v5.html.contains(unverified));
    // The Excel AE sheet carries the same note.
    assert!(xlsx_text(&v6.xlsx).iter().any(|x| x.contains(unverified)));
    assert!(!xlsx_text(&v5.xlsx).iter().any(|x| x.contains(unverified)));
    assert!(xlsx_text(&v6.xlsx)
        .iter()
        .any(|x| x.contains("Adverse events (CTCAE v6)")));
    // the v6 term
    assert!(v5.html.contains("Platelet count decreased"));
    assert!(!v6.html.contains("Platelet count decreased"));
    assert!(v6.html.contains("Thrombocytopenia"));
    // platelets: no count below 25 in the example, so the lower v6 grade-4 cut-off (< 10)
    // changes nothing but the name
    assert_eq!(lab_row(&v5, "Platelet count decreased"), (8, 2, 1, 5, 5, 3));
    assert_eq!(lab_row(&v6, "Thrombocytopenia"), (8, 2, 1, 5, 5, 3));
    // neutrophils: v5 grades from the LLN (2.0) with 1.5/1.0/0.5; v6 fixed 1.5/1.0/0.5/0.1;
    // treatment-emergent only (a grade present at baseline counts when it worsens)
    assert_eq!(
        lab_row(&v5, "Neutrophil count decreased"),
        (5, 1, 3, 1, 1, 3)
    );
    assert_eq!(
        lab_row(&v6, "Neutrophil count decreased"),
        (4, 3, 1, 0, 0, 0)
    );
    // anemia and WBC are the same under both
    assert_eq!(lab_row(&v5, "Anemia"), lab_row(&v6, "Anemia"));
    assert_eq!(
        lab_row(&v5, "White blood cell decreased"),
        lab_row(&v6, "White blood cell decreased")
    );
}

#[test]
fn chinese_report_names_ctcae6() {
    let t = tempfile::tempdir().unwrap();
    let zh = run_report(
        t.path(),
        &bundled_example(),
        "[study]\nlanguage = \"zh\"\n[rules]\nctcae_version = \"ctcae6\"",
    );
    assert!(zh.html.contains("血液学不良反应（CTCAE 第6版）"));
    assert!(zh.html.contains("CTCAE 6.0版"));
    assert!(zh.html.contains("其CTCAE 6.0版分级未能核实"));
    assert!(xlsx_text(&zh.xlsx)
        .iter()
        .any(|x| x.contains("不良事件（CTCAE v6）")));
}
