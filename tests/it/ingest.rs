//! Ingest: every header, unit and alias form, both date systems, the cohort rules, and
//! broken files, each asserting the exact finding (rule, sheet, row, column).

use super::util::*;
use mmreport::ingest::IngestError;
use mmreport::model::*;

fn find<'a>(c: &'a Cohort, rule: &str) -> Vec<&'a Finding> {
    c.findings.iter().filter(|f| f.rule == rule).collect()
}

fn header() -> Vec<C<'static>> {
    vec![
        S("patient_id"),
        S("sex"),
        S("age"),
        S("index_date"),
        S("last_followup_date"),
        S("creatinine"),
    ]
}

#[test]
fn canonical_sheet_values_and_provenance() {
    let wb = xlsx(&[(
        "patients",
        vec![
            header(),
            vec![
                S("P01"),
                S("M"),
                N(61.0),
                D("2020-01-05"),
                D("2021-02-01"),
                N(80.5),
            ],
            vec![
                N(2.0),
                S("女"),
                S("５５"),
                S("2020/3/7"),
                N(44197.0),
                S("1,100"),
            ],
        ],
    )]);
    let c = read(&wb).unwrap();
    assert_eq!(c.patients.len(), 2);
    let p = &c.patients[0];
    assert_eq!(p.patient_id, "P01");
    assert_eq!(p.sex.as_ref().unwrap().v, Sex::Male);
    assert_eq!(p.index_date.as_ref().unwrap().v.to_string(), "2020-01-05");
    let cr = p.creatinine.as_ref().unwrap();
    assert_eq!(cr.v, 80.5);
    assert_eq!(
        cr.at,
        CellRef {
            sheet: 0,
            row: 2,
            col: 5
        }
    );
    let q = &c.patients[1];
    assert_eq!(q.patient_id, "2", "numeric ids keep their digits");
    assert_eq!(q.sex.as_ref().unwrap().v, Sex::Female);
    assert_eq!(q.age.as_ref().unwrap().v, 55.0, "full-width digits");
    assert_eq!(
        q.index_date.as_ref().unwrap().v.to_string(),
        "2020-03-07",
        "text date"
    );
    assert_eq!(
        q.last_followup_date.as_ref().unwrap().v.to_string(),
        "2021-01-01",
        "unformatted serial in a date column"
    );
    assert_eq!(
        q.creatinine.as_ref().unwrap().v,
        1100.0,
        "thousands separator"
    );
    assert!(c.findings.is_empty(), "{:?}", c.findings);
}

#[test]
fn title_rows_chinese_headers_units_and_note_rows() {
    let wb = xlsx(&[(
        "基线资料",
        vec![
            vec![S("#苯达莫司汀治疗RRMM病例登记表")],
            vec![],
            vec![
                S("患者编号"),
                S("性别"),
                S("血肌酐（mg/dL）"),
                S("血钙(mmol/L)"),
                S("Hb [g/dL]"),
                S("开始治疗日期"),
                S("末次随访日期"),
            ],
            vec![
                S("P1"),
                S("男"),
                N(2.0),
                N(2.5),
                N(9.5),
                S("2020年1月5日"),
                S("2020.6.1"),
            ],
            vec![
                S("P2"),
                S("女"),
                N(0.9),
                N(2.2),
                N(11.0),
                S("2020-02-01"),
                S("2020-07-01"),
            ],
            vec![S("注：数据截至2022年12月"), E, E],
            vec![
                S("P3"),
                S("男"),
                N(1.0),
                N(2.0),
                N(10.0),
                S("2020-02-01"),
                S("2020-07-01"),
            ],
        ],
    )]);
    let c = read(&wb).unwrap();
    assert_eq!(c.patients.len(), 2, "the note row ends the table");
    let p = &c.patients[0];
    assert_eq!(
        p.creatinine.as_ref().unwrap().v,
        176.8,
        "2 mg/dL = 176.8 µmol/L"
    );
    assert_eq!(p.hemoglobin.as_ref().unwrap().v, 95.0, "g/dL -> g/L");
    assert_eq!(p.calcium.as_ref().unwrap().v, 2.5);
    assert_eq!(p.index_date.as_ref().unwrap().v.to_string(), "2020-01-05");
    assert_eq!(
        p.creatinine.as_ref().unwrap().at.row,
        4,
        "Excel row below two title rows"
    );
    assert!(c.findings.is_empty(), "{:?}", c.findings);
}

#[test]
fn unknown_unit_and_unknown_column_are_findings() {
    let wb = xlsx(&[(
        "patients",
        vec![
            vec![
                S("patient_id"),
                S("calcium (mEq/L)"),
                S("favourite colour"),
                S("index_date"),
            ],
            vec![S("P1"), N(5.0), S("blue"), D("2020-01-01")],
        ],
    )]);
    let c = read(&wb).unwrap();
    let u = find(&c, "sheet.unknown_unit");
    assert_eq!(u.len(), 1);
    assert_eq!(
        (
            u[0].sheet.as_deref(),
            u[0].cell.as_deref(),
            u[0].column.as_deref()
        ),
        (Some("patients"), Some("B1"), Some("calcium"))
    );
    assert_eq!(u[0].severity, Severity::Error);
    assert!(
        c.patients[0].calcium.is_none(),
        "an unknown unit is not guessed"
    );
    let k = find(&c, "sheet.unknown_column");
    assert_eq!(
        (k[0].severity, k[0].cell.as_deref()),
        (Severity::Info, Some("C1"))
    );
}

#[test]
fn implausible_unitless_column_suggests_the_unit() {
    let wb = xlsx(&[(
        "patients",
        vec![
            vec![S("patient_id"), S("creatinine")],
            vec![S("P1"), N(0.9)],
            vec![S("P2"), N(1.2)],
            vec![S("P3"), N(2.4)],
        ],
    )]);
    let c = read(&wb).unwrap();
    let f = find(&c, "sheet.suspect_unit");
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("mg/dL"), "{}", f[0].message);
    assert_eq!(f[0].column.as_deref(), Some("creatinine"));
    assert!(c.patients[0].creatinine.is_none());
}

#[test]
fn both_date_systems() {
    let rows = vec![
        vec![S("patient_id"), S("index_date"), S("last_followup_date")],
        vec![S("P1"), D("2020-01-05"), N(43835.0)],
    ];
    let wb = xlsx(&[("patients", rows)]);
    let c1900 = read(&wb).unwrap();
    assert_eq!(
        c1900.patients[0].index_date.as_ref().unwrap().v.to_string(),
        "2020-01-05"
    );
    assert_eq!(
        c1900.patients[0]
            .last_followup_date
            .as_ref()
            .unwrap()
            .v
            .to_string(),
        "2020-01-05"
    );
    let c1904 = read(&to_1904(&wb)).unwrap();
    // Same stored serials, 1904 epoch: 1,462 days later.
    assert_eq!(
        c1904.patients[0].index_date.as_ref().unwrap().v.to_string(),
        "2024-01-06"
    );
    assert_eq!(
        c1904.patients[0]
            .last_followup_date
            .as_ref()
            .unwrap()
            .v
            .to_string(),
        "2024-01-06"
    );
}

#[test]
fn phantom_leap_day_is_a_finding() {
    let wb = xlsx(&[(
        "patients",
        vec![
            vec![S("patient_id"), S("birth_date")],
            vec![S("P1"), N(60.0)],
        ],
    )]);
    let c = read(&wb).unwrap();
    let f = find(&c, "cell.phantom_1900_02_29");
    assert_eq!((f.len(), f[0].cell.as_deref()), (1, Some("B2")));
}

#[test]
fn columns_spread_over_patient_sheets_join_on_id() {
    let wb = xlsx(&[
        (
            "patients",
            vec![
                vec![S("patient_id"), S("sex")],
                vec![S("P1"), S("M")],
                vec![S("P2"), S("F")],
            ],
        ),
        (
            "治疗方案",
            vec![
                vec![S("患者编号"), S("方案"), S("苯达莫司汀开始日期"), S("性别")],
                vec![S("P2"), S("BPD"), D("2020-02-01"), S("M")],
                vec![S("P1"), S("BRD"), D("2020-01-01"), E],
                vec![S("P9"), S("BRD"), D("2020-01-01"), E],
            ],
        ),
    ]);
    let c = read(&wb).unwrap();
    assert_eq!(c.patients[0].regimen.as_ref().unwrap().v, "BRD");
    assert_eq!(
        c.patients[1].index_date.as_ref().unwrap().v.to_string(),
        "2020-02-01"
    );
    let conflict = find(&c, "cohort.conflicting_value");
    assert_eq!(
        (
            conflict.len(),
            conflict[0].sheet.as_deref(),
            conflict[0].cell.as_deref()
        ),
        (1, Some("治疗方案"), Some("D2"))
    );
    assert_eq!(
        c.patients[1].sex.as_ref().unwrap().v,
        Sex::Female,
        "the first value is kept"
    );
    let orphan = find(&c, "cohort.orphan_row");
    assert_eq!(
        (orphan.len(), orphan[0].patient_id.as_deref()),
        (1, Some("P9"))
    );
}

#[test]
fn duplicate_ids_flag_both_rows_and_exclude() {
    let wb = xlsx(&[(
        "patients",
        vec![
            vec![S("patient_id"), S("sex")],
            vec![S("P1"), S("M")],
            vec![S("P2"), S("F")],
            vec![S("P1"), S("F")],
        ],
    )]);
    let c = read(&wb).unwrap();
    let d = find(&c, "cohort.duplicate_patient_id");
    let cells: Vec<_> = d.iter().map(|f| f.cell.clone().unwrap()).collect();
    assert_eq!(cells, vec!["A2", "A4"]);
    assert_eq!(c.patients.len(), 1);
    assert_eq!(c.patients_read, 2);
    assert_eq!(c.excluded[0].0, "P1");
    assert!(c.excluded[0].1[0].contains("duplicate"));
}

#[test]
fn wide_responses_equal_long_rows() {
    let long = xlsx(&[
        ("patients", vec![vec![S("patient_id")], vec![S("P1")]]),
        (
            "assessments",
            vec![
                vec![
                    S("patient_id"),
                    S("after_cycle"),
                    S("assessment_date"),
                    S("response"),
                    S("serum_m_protein"),
                ],
                vec![S("P1"), N(2.0), D("2020-03-01"), S("PR"), N(12.0)],
                vec![S("P1"), N(4.0), D("2020-05-01"), S("SD"), N(11.0)],
            ],
        ),
    ]);
    let wide = xlsx(&[
        (
            "患者",
            vec![
                vec![S("患者编号"), S("第2疗程疗效"), S("response_c4")],
                vec![S("P1"), S("部分缓解"), S("疾病稳定")],
            ],
        ),
        (
            "疗效评估",
            vec![
                vec![S("患者编号"), S("疗程"), S("评估日期"), S("血清M蛋白")],
                vec![S("P1"), N(2.0), D("2020-03-01"), N(12.0)],
                vec![S("P1"), N(4.0), D("2020-05-01"), N(11.0)],
            ],
        ),
    ]);
    let a = read(&long).unwrap();
    let b = read(&wide).unwrap();
    let strip = |c: &Cohort| -> Vec<(Option<u32>, Option<Response>, Option<f64>)> {
        c.assessments
            .iter()
            .map(|x| {
                (
                    x.after_cycle.as_ref().map(|v| v.v),
                    x.response.as_ref().map(|v| v.v),
                    x.serum_m_protein.as_ref().map(|v| v.v),
                )
            })
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
    assert_eq!(strip(&a)[0], (Some(2), Some(Response::PR), Some(12.0)));
}

#[test]
fn orphan_long_rows_are_left_out() {
    let wb = xlsx(&[
        ("patients", vec![vec![S("patient_id")], vec![S("P1")]]),
        (
            "AE",
            vec![
                vec![S("patient_id"), S("term"), S("grade")],
                vec![S("P1"), S("乏力"), N(1.0)],
                vec![S("P7"), S("腹泻"), N(2.0)],
            ],
        ),
    ]);
    let c = read(&wb).unwrap();
    assert_eq!(c.adverse_events.len(), 1);
    let f = find(&c, "cohort.orphan_row");
    assert_eq!(
        (f[0].sheet.as_deref(), f[0].row, f[0].column.as_deref()),
        (Some("AE"), Some(3), Some("patient_id"))
    );
}

#[test]
fn bad_cells_are_findings_with_location() {
    let wb = xlsx(&[(
        "patients",
        vec![
            vec![
                S("patient_id"),
                S("sex"),
                S("calcium"),
                S("index_date"),
                S("notes"),
            ],
            vec![
                S("P1"),
                S("X"),
                S("<1.5"),
                S("05/01/2020"),
                S("<script>alert(1)</script>"),
            ],
        ],
    )]);
    let c = read(&wb).unwrap();
    let rules: Vec<(&str, &str)> = c
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.cell.as_deref().unwrap()))
        .collect();
    assert!(rules.contains(&("cell.invalid_sex", "B2")), "{rules:?}");
    assert!(rules.contains(&("cell.detection_limit", "C2")));
    assert!(rules.contains(&("cell.ambiguous_date", "D2")));
    assert!(rules.contains(&("cell.suspicious_text", "E2")));
    assert_eq!(c.patients[0].calcium.as_ref().unwrap().v, 1.5);
    assert_eq!(
        c.patients[0].notes.as_ref().unwrap().v,
        "<script>alert(1)</script>"
    );
    let v = c
        .findings
        .iter()
        .find(|f| f.rule == "cell.invalid_sex")
        .unwrap();
    assert_eq!(v.value.as_deref(), Some("X"));
}

#[test]
fn broken_files_are_one_clear_error_each() {
    let corrupt = {
        let mut b = xlsx(&[("patients", vec![vec![S("patient_id")], vec![S("P1")]])]);
        b.truncate(b.len() / 2);
        b
    };
    let not_a_sheet = b"hello, this is a text file renamed .xlsx".to_vec();
    let empty_book = xlsx(&[("Sheet1", vec![])]);
    let no_patients = xlsx(&[(
        "labs",
        vec![vec![S("patient_id"), S("wbc")], vec![S("P1"), N(3.0)]],
    )]);
    for (name, bytes) in [
        ("corrupt", corrupt),
        ("text", not_a_sheet),
        ("empty", empty_book),
        ("no patients", no_patients),
        ("zero bytes", vec![]),
    ] {
        let e = read(&bytes).unwrap_err();
        let msg = e.to_string();
        assert!(!msg.is_empty(), "{name}");
        match name {
            // The only sheet is read as the patients sheet: it has no header.
            "empty" => {
                assert!(matches!(e, IngestError::NoPatientsHeader(_)), "{name}: {e}")
            }
            "no patients" => {
                assert!(matches!(e, IngestError::NoPatientsSheet(_)), "{name}: {e}")
            }
            _ => assert!(matches!(e, IngestError::Unreadable(_)), "{name}: {e}"),
        }
    }
}

#[test]
fn header_not_found_is_a_finding() {
    let wb = xlsx(&[("patients", vec![vec![S("a"), S("b")], vec![S("1"), S("2")]])]);
    let e = read(&wb).unwrap_err();
    assert!(
        matches!(&e, IngestError::NoPatientsHeader(s) if s == "patients"),
        "{e}"
    );
    // A long sheet without a header is a finding; the rest is still read.
    let wb = xlsx(&[
        ("patients", vec![vec![S("patient_id")], vec![S("P1")]]),
        ("labs", vec![vec![S("x"), S("y")], vec![S("1"), S("2")]]),
    ]);
    let c = read(&wb).unwrap();
    assert_eq!(
        find(&c, "sheet.no_header")[0].sheet.as_deref(),
        Some("labs")
    );
}

#[test]
fn formula_error_values_are_findings_and_missing() {
    let wb = xlsx(&[(
        "patients",
        vec![
            vec![S("patient_id"), S("calcium"), S("creatinine")],
            vec![S("P1"), Err("#DIV/0!"), Err("#N/A")],
        ],
    )]);
    let c = read(&wb).unwrap();
    let f = find(&c, "cell.formula_error");
    let cells: Vec<_> = f
        .iter()
        .map(|x| (x.cell.clone().unwrap(), x.value.clone().unwrap()))
        .collect();
    assert_eq!(
        cells,
        vec![
            ("B2".to_string(), "#DIV/0!".to_string()),
            ("C2".to_string(), "#N/A".to_string())
        ]
    );
    assert_eq!(f[0].patient_id.as_deref(), Some("P1"));
    assert!(c.patients[0].calcium.is_none() && c.patients[0].creatinine.is_none());
}

#[test]
fn every_alias_form_of_a_header() {
    for h in [
        "calcium",
        "Calcium",
        " CALCIUM ",
        "血钙",
        "血钙(mmol/L)",
        "血钙（mmol/L）",
        "Ca [mmol/L]",
        "ｃａｌｃｉｕｍ",
    ] {
        let wb = xlsx(&[(
            "patients",
            vec![vec![S("patient_id"), S(h)], vec![S("P1"), N(2.2)]],
        )]);
        let c = read(&wb).unwrap();
        assert_eq!(
            c.patients[0].calcium.as_ref().map(|v| v.v),
            Some(2.2),
            "{h}"
        );
        assert!(c.findings.is_empty(), "{h}: {:?}", c.findings);
    }
    for (h, v, want) in [
        ("Calcium [mg/dL]", 10.0, 2.495),
        ("albumin (g/dL)", 3.5, 35.0),
        ("肌酐（μmol/L）", 80.0, 80.0),
        ("肌酐(umol/L)", 80.0, 80.0),
    ] {
        let wb = xlsx(&[(
            "patients",
            vec![vec![S("patient_id"), S(h)], vec![S("P1"), N(v)]],
        )]);
        let c = read(&wb).unwrap();
        let p = &c.patients[0];
        let got = p
            .calcium
            .as_ref()
            .or(p.albumin.as_ref())
            .or(p.creatinine.as_ref())
            .map(|x| x.v);
        assert_eq!(got, Some(want), "{h}");
    }
    for sheet in ["Patients", "病例", "BASELINE", "患者 ", "基线_资料"] {
        let wb = xlsx(&[(sheet, vec![vec![S("patient_id")], vec![S("P1")]])]);
        assert_eq!(read(&wb).unwrap().patients.len(), 1, "{sheet}");
    }
}
