//! The IMS/IMWG 2025 high-risk definition end to end: the bundled example reported under
//! `high_risk_definition = "ims_imwg2025"` (one line of site configuration) through the real
//! binary. Table 1 (HTML, Excel) and the Methods name the definition used, in English and
//! Chinese, under the default too, and the counts change as the definitions differ.

use crate::util::*;

/// (variable, label, n, missing, yes) of the Table 1 high-risk row.
fn high_risk_row(r: &Report) -> (String, String, u64, u64, u64) {
    let rows = r.json["analyses"]["baseline"].as_array().unwrap();
    let b = rows
        .iter()
        .find(|b| b["variable"].as_str().unwrap().starts_with("high_risk"))
        .unwrap();
    let yes = b["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["level"] == "yes")
        .map_or(0, |l| l["count"].as_u64().unwrap());
    (
        b["variable"].as_str().unwrap().to_string(),
        b["label"].as_str().unwrap().to_string(),
        b["n"].as_u64().unwrap(),
        b["missing"].as_u64().unwrap(),
        yes,
    )
}

#[test]
fn bundled_example_under_the_2025_definition_with_one_config_line() {
    let t = tempfile::tempdir().unwrap();
    let d16 = run_report(&t.path().join("a"), &bundled_example(), "");
    let d25 = run_report(
        &t.path().join("b"),
        &bundled_example(),
        "[rules]\nhigh_risk_definition = \"ims_imwg2025\"",
    );
    // the default names its definition too
    assert_eq!(
        high_risk_row(&d16),
        (
            "high_risk".into(),
            "High-risk cytogenetics (IMWG 2016)".into(),
            23,
            0,
            13
        )
    );
    assert!(d16.html.contains("High-risk cytogenetics (IMWG 2016)"));
    assert!(d16
        .html
        .contains("IMWG 2016 list (Sonneveld et al., Blood 2016)"));
    assert!(!d16.html.contains("IMS/IMWG 2025"));
    // 2025: high risk where a criterion is met (t(4;14)/t(14;16)/t(14;20) with 1q+, or
    // beta2-microglobulin >= 5.5 with normal creatinine); the example has no del(17p) clone
    // fraction, TP53 mutation or del(1p32) column, so the rest are not derivable (missing)
    assert_eq!(
        high_risk_row(&d25),
        (
            "high_risk_ims_imwg2025".into(),
            "High risk (IMS/IMWG 2025)".into(),
            15,
            17,
            15
        )
    );
    assert!(d25.html.contains("High risk (IMS/IMWG 2025)"));
    assert!(d25.html.contains("IMS/IMWG 2025 consensus"));
    assert!(!d25.html.contains("High-risk cytogenetics (IMWG 2016)"));
    // the subgroup table and the forest plot name the 2025 definition too
    assert!(d25
        .html
        .contains("<tr class=\"group\"><th colspan=\"5\">High risk (IMS/IMWG 2025)</th></tr>"));
    assert!(!d25.html.contains(">High-risk cytogenetics<"));
    let forest: Vec<&str> = d25.json["analyses"]["forest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect();
    assert!(
        forest.contains(&"High-risk cytogenetics (IMS/IMWG 2025)"),
        "{forest:?}"
    );
    let forest16: Vec<&str> = d16.json["analyses"]["forest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect();
    assert!(forest16.contains(&"High-risk cytogenetics"), "{forest16:?}");
    let rows = d25.json["validation"]["high_risk"].as_array().unwrap();
    assert_eq!(rows.len(), 32);
    assert!(rows.iter().all(|h| h["definition"] == "ims_imwg2025"));
    assert!(xlsx_text(&d25.xlsx)
        .iter()
        .any(|x| x.trim() == "High risk (IMS/IMWG 2025)"));
    assert!(xlsx_text(&d16.xlsx)
        .iter()
        .any(|x| x.trim() == "High-risk cytogenetics (IMWG 2016)"));
}

#[test]
fn chinese_report_names_the_definition() {
    let t = tempfile::tempdir().unwrap();
    let zh = run_report(
        &t.path().join("a"),
        &bundled_example(),
        "[study]\nlanguage = \"zh\"\n[rules]\nhigh_risk_definition = \"ims_imwg2025\"",
    );
    assert!(zh.html.contains("高危（IMS/IMWG 2025定义）"));
    assert!(zh.html.contains("高危定义参照IMS/IMWG 2025共识"));
    assert!(xlsx_text(&zh.xlsx)
        .iter()
        .any(|x| x.trim() == "高危（IMS/IMWG 2025定义）"));
    let zh16 = run_report(
        &t.path().join("b"),
        &bundled_example(),
        "[study]\nlanguage = \"zh\"",
    );
    assert!(zh16.html.contains("细胞遗传学高危（IMWG 2016定义）"));
    assert!(zh16.html.contains("细胞遗传学高危定义参照IMWG 2016"));
}
