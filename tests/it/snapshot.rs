//! Snapshot of results.json for a small cohort: any change to the numbers or the shape shows
//! up in review (`tests/it/snapshots/`). Run-specific values are blanked first.

use super::util::*;
use mmreport::pipeline;

/// The small cohort's workbook: five patients with assessments and adverse events (also
/// R's golden "small" case in `rgolden`).
pub fn small_cohort() -> Vec<u8> {
    xlsx(&[
        ("patients", sheet(&PATIENT_COLUMNS, &PATIENTS)),
        ("assessments", sheet(&ASSESSMENT_COLUMNS, &ASSESSMENTS)),
        ("adverse_events", sheet(&AE_COLUMNS, &ADVERSE_EVENTS)),
    ])
}

/// A sheet's rows: the header (column names as text) and then the data rows.
fn sheet<const N: usize>(
    columns: &[&'static str; N],
    rows: &[[C<'static>; N]],
) -> Vec<Vec<C<'static>>> {
    std::iter::once(columns.iter().map(|c| S(c)).collect())
        .chain(rows.iter().map(|r| r.to_vec()))
        .collect()
}

const PATIENT_COLUMNS: [&str; 14] = [
    "patient_id",
    "sex",
    "age",
    "emd",
    "prior_lines",
    "regimen",
    "index_date",
    "cycles_completed",
    "progression_date",
    "death_date",
    "death_cause",
    "last_followup_date",
    "calcium",
    "notes",
];

/// One row per patient: a progression, deaths with and without one, Chinese causes of
/// death and a script in the notes.
const PATIENTS: [[C<'static>; 14]; 5] = [
    [
        S("P1"),
        S("M"),
        N(61.0),
        S("yes"),
        N(4.0),
        S("BRD"),
        D("2020-01-01"),
        N(4.0),
        D("2020-09-01"),
        E,
        E,
        D("2021-06-01"),
        N(2.3),
        S("<script>alert(1)</script>"),
    ],
    [
        S("P2"),
        S("F"),
        N(55.0),
        S("no"),
        N(2.0),
        S("BPD"),
        D("2020-02-01"),
        N(2.0),
        D("2020-04-01"),
        D("2020-08-01"),
        S("疾病进展"),
        D("2020-08-01"),
        N(2.1),
        E,
    ],
    [
        S("P3"),
        S("M"),
        N(70.0),
        S("yes"),
        N(3.0),
        S("BRD"),
        D("2020-03-01"),
        N(6.0),
        E,
        E,
        E,
        D("2021-09-01"),
        N(2.6),
        E,
    ],
    [
        S("P4"),
        S("F"),
        N(48.0),
        S("no"),
        N(1.0),
        S("BPD"),
        D("2020-04-01"),
        N(3.0),
        D("2020-12-01"),
        D("2021-03-01"),
        S("肺癌"),
        D("2021-03-01"),
        N(2.2),
        E,
    ],
    [
        S("P5"),
        S("M"),
        N(66.0),
        S("no"),
        N(5.0),
        S("BRD"),
        D("2020-05-01"),
        N(1.0),
        E,
        D("2020-06-15"),
        S("感染"),
        D("2020-06-15"),
        N(2.9),
        E,
    ],
];

const ASSESSMENT_COLUMNS: [&str; 5] = [
    "patient_id",
    "after_cycle",
    "assessment_date",
    "response",
    "serum_m_protein",
];

/// Baselines (cycle 0) and responses; P4 has a response without an M-protein.
const ASSESSMENTS: [[C<'static>; 5]; 9] = [
    [S("P1"), N(0.0), D("2019-12-28"), E, N(30.0)],
    [S("P1"), N(2.0), D("2020-03-01"), S("PR"), N(14.0)],
    [S("P1"), N(4.0), D("2020-05-01"), S("VGPR"), N(2.5)],
    [S("P2"), N(0.0), D("2020-01-30"), E, N(20.0)],
    [S("P2"), N(2.0), D("2020-04-01"), S("PD"), N(28.0)],
    [S("P3"), N(0.0), D("2020-02-28"), E, N(25.0)],
    [S("P3"), N(2.0), D("2020-05-01"), S("SD"), N(22.0)],
    [S("P3"), N(6.0), D("2020-09-01"), S("PR"), N(11.0)],
    [S("P4"), N(2.0), D("2020-06-01"), S("MR"), E],
];

const AE_COLUMNS: [&str; 4] = ["patient_id", "term", "grade", "cycle"];

/// Chinese verbatim terms: one repeated in two cycles at different grades, one made up.
const ADVERSE_EVENTS: [[C<'static>; 4]; 4] = [
    [S("P1"), S("白细胞减少"), N(2.0), N(1.0)],
    [S("P1"), S("白细胞减少"), N(3.0), N(2.0)],
    [S("P2"), S("乏力"), N(1.0), N(1.0)],
    [S("P3"), S("外星综合征"), N(1.0), N(1.0)],
];

#[test]
fn results_json_of_a_small_cohort() {
    let processed = pipeline::process(&small_cohort(), "small.xlsx", &ctx()).unwrap();
    let mut v = serde_json::to_value(&processed.results).unwrap();
    // Run-specific: the workbook's bytes (creation time) and the configuration's hash.
    v["input"]["sha256"] = "<sha256>".into();
    v["config_sha256"] = "<sha256>".into();
    v["generator"]["version"] = "<version>".into();
    v["analyses"]["methods"] = "<methods: tested in analysis::methods>".into();
    insta::assert_json_snapshot!(v);
}
