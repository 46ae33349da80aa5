//! Real exports read as they are (issue 13): units and codes from a site config, site
//! aliases before built-in ones (with the unit an alias carries), header rows among many
//! unknown columns or named by the site, a lone sheet read as the patients sheet, and a
//! "no header" finding that says what it saw and what it looked for.

use super::util::*;
use mmreport::config::Config;
use mmreport::ingest::IngestError;
use mmreport::model::*;

/// One patients sheet: `headers` over `rows`.
fn sheet(headers: &[&'static str], rows: Vec<Vec<C<'static>>>) -> Vec<u8> {
    let mut all = vec![headers.iter().map(|h| S(h)).collect::<Vec<_>>()];
    all.extend(rows);
    xlsx(&[("patients", all)])
}

fn base_row(id: &'static str) -> Vec<C<'static>> {
    vec![S(id), D("2020-01-05"), D("2021-02-01")]
}

const BASE: [&str; 3] = ["patient_id", "index_date", "last_followup_date"];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    BASE.iter().chain(extra).copied().collect()
}

#[test]
fn site_units_convert_unitless_headers() {
    let mut row = base_row("P1");
    row.extend([N(10.5), N(1.2)]);
    let wb = sheet(&with(&["hgb", "Cr"]), vec![row]);
    let site = "[dictionary.units]\nhemoglobin = \"g/dL\"\ncreatinine = \"mg/dL\"\n";
    let c = read_with(&wb, site).unwrap();
    let p = &c.patients[0];
    assert_eq!(p.hemoglobin.as_ref().unwrap().v, 105.0);
    assert!((p.creatinine.as_ref().unwrap().v - 106.08).abs() < 1e-9);
    // Without the site unit the same cells are implausible in g/L: a finding suggesting
    // g/dL, and no value.
    let c = read(&wb).unwrap();
    assert!(c.patients[0].hemoglobin.is_none());
    assert!(c.findings.iter().any(|f| f.rule == "sheet.suspect_unit"));
}

#[test]
fn a_header_unit_wins_over_the_site_unit() {
    let mut row = base_row("P1");
    row.push(N(105.0));
    let wb = sheet(&with(&["Hb (g/L)"]), vec![row]);
    let c = read_with(&wb, "[dictionary.units]\nhemoglobin = \"g/dL\"\n").unwrap();
    assert_eq!(c.patients[0].hemoglobin.as_ref().unwrap().v, 105.0);
}

#[test]
fn an_alias_with_a_unit_matches_the_bare_header_in_that_unit() {
    let mut row = base_row("P1");
    row.push(N(1.0));
    let wb = sheet(&with(&["creat"]), vec![row.clone()]);
    let site = "[dictionary.extra_aliases]\ncreatinine = [\"creat (mg/dL)\"]\n";
    let c = read_with(&wb, site).unwrap();
    assert_eq!(c.patients[0].creatinine.as_ref().unwrap().v, 88.4);
    // The header may still say its own unit.
    let wb = sheet(&with(&["creat (umol/L)"]), vec![row]);
    let c = read_with(&wb, site).unwrap();
    assert_eq!(c.patients[0].creatinine.as_ref().unwrap().v, 1.0);
}

#[test]
fn site_codes_map_cell_values_to_dictionary_spellings() {
    let rows = vec![
        {
            let mut r = base_row("P1");
            r.push(N(1.0));
            r
        },
        {
            let mut r = base_row("P2");
            r.push(S("2"));
            r
        },
        {
            let mut r = base_row("P3");
            r.push(N(3.0));
            r
        },
    ];
    let wb = sheet(&with(&["sex"]), rows);
    let site = "[dictionary.codes.sex]\n\"1\" = \"male\"\n\"2\" = \"female\"\n";
    let c = read_with(&wb, site).unwrap();
    let sex: Vec<Option<Sex>> = c
        .patients
        .iter()
        .map(|p| p.sex.as_ref().map(|s| s.v))
        .collect();
    assert_eq!(sex, vec![Some(Sex::Male), Some(Sex::Female), None]);
    // An unmapped code stays a finding with its cell (never silently a value).
    let bad: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.rule == "cell.invalid_sex")
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].row, Some(4));
}

#[test]
fn yes_no_columns_accept_one_and_zero() {
    let rows = vec![
        {
            let mut r = base_row("P1");
            r.push(N(1.0));
            r
        },
        {
            let mut r = base_row("P2");
            r.push(S("0"));
            r
        },
    ];
    let wb = sheet(&with(&["pathological_fracture"]), rows);
    let c = read(&wb).unwrap();
    let v: Vec<Option<bool>> = c
        .patients
        .iter()
        .map(|p| p.pathological_fracture.as_ref().map(|b| b.v))
        .collect();
    assert_eq!(v, vec![Some(true), Some(false)]);
}

#[test]
fn site_aliases_win_over_built_in_ones() {
    // `status` is a built-in alias of vital_status; a site names it death_cause's.
    let mut row = base_row("P1");
    row.push(S("infection"));
    let wb = sheet(&with(&["Status"]), vec![row]);
    let c = read(&wb).unwrap();
    assert!(c.patients[0].death_cause.is_none());
    let c = read_with(
        &wb,
        "[dictionary.extra_aliases]\ndeath_cause = [\"Status\"]\n",
    )
    .unwrap();
    assert_eq!(c.patients[0].death_cause.as_ref().unwrap().v, "infection");
    assert!(c.patients[0].vital_status.is_none());
}

#[test]
fn header_found_among_many_unknown_columns() {
    let genes = ["CCND1", "MAF", "WHSC1", "FGFR3", "MYC", "CD20"];
    let mut h: Vec<&'static str> = vec!["patient_id", "age", "sex"];
    h.extend(genes);
    h.extend(["index_date", "last_followup_date"]);
    let mut row = vec![S("P1"), N(61.0), S("M")];
    row.extend(genes.iter().map(|_| N(1.5)));
    row.extend([D("2020-01-05"), D("2021-02-01")]);
    let title = vec![S("Registry export 2024")];
    let wb = xlsx(&[(
        "patients",
        vec![title, h.iter().map(|x| S(x)).collect(), row],
    )]);
    let c = read(&wb).unwrap();
    assert_eq!(c.patients.len(), 1);
    assert_eq!(c.patients[0].age.as_ref().unwrap().v, 61.0);
    let unknown = c
        .findings
        .iter()
        .filter(|f| f.rule == "sheet.unknown_column")
        .count();
    assert_eq!(unknown, genes.len());
}

#[test]
fn a_site_names_the_header_row() {
    // Row 1 looks like a header (two known names) but the real one is row 3.
    let wb = xlsx(&[(
        "patients",
        vec![
            vec![S("age"), S("sex"), S("note")],
            vec![S("exported 2024-03-01")],
            BASE.iter().map(|h| S(h)).collect(),
            base_row("P1"),
        ],
    )]);
    let c = read_with(&wb, "[dictionary.header_rows]\npatients = 3\n").unwrap();
    assert_eq!(c.patients.len(), 1);
    assert_eq!(c.patients[0].patient_id, "P1");
    // By the sheet's name as written, too; a row past the sheet is a clear error.
    let c = read_with(&wb, "[dictionary.header_rows]\nPATIENTS = 3\n").unwrap();
    assert_eq!(c.patients.len(), 1);
    let e = read_with(&wb, "[dictionary.header_rows]\npatients = 40\n").unwrap_err();
    assert!(matches!(e, IngestError::NoPatientsHeader(_)), "{e}");
}

#[test]
fn the_only_sheet_is_the_patients_sheet() {
    let wb = xlsx(&[(
        "Sheet1",
        vec![BASE.iter().map(|h| S(h)).collect(), base_row("P1")],
    )]);
    let c = read(&wb).unwrap();
    assert_eq!(c.patients.len(), 1);
    assert!(c
        .findings
        .iter()
        .any(|f| f.rule == "sheet.only_sheet_as_patients" && f.severity == Severity::Info));
    // Two unknown sheets: neither is guessed.
    let wb = xlsx(&[
        (
            "Sheet1",
            vec![BASE.iter().map(|h| S(h)).collect(), base_row("P1")],
        ),
        ("Sheet2", vec![vec![S("x")]]),
    ]);
    assert!(matches!(
        read(&wb).unwrap_err(),
        IngestError::NoPatientsSheet(_)
    ));
}

#[test]
fn no_header_says_what_it_saw_and_what_it_wants() {
    let wb = xlsx(&[
        (
            "patients",
            vec![
                vec![S("ptid"), S("fu"), S("status2")],
                vec![S("A1"), N(12.0), N(1.0)],
            ],
        ),
        (
            "labs",
            vec![vec![S("who"), S("what")], vec![S("A1"), N(2.0)]],
        ),
    ]);
    let e = read(&wb).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, IngestError::NoPatientsHeader(_)), "{msg}");
    assert!(
        msg.contains("patient_id") && msg.contains("Exports as they are"),
        "{msg}"
    );
    // The labs sheet's finding (a workbook that is read) names the rows it saw.
    let mut wb2 = vec![(
        "patients",
        vec![BASE.iter().map(|h| S(h)).collect(), base_row("P1")],
    )];
    wb2.push((
        "labs",
        vec![vec![S("who"), S("what")], vec![S("A1"), N(2.0)]],
    ));
    let c = read(&xlsx(&wb2)).unwrap();
    let f = c
        .findings
        .iter()
        .find(|f| f.rule == "sheet.no_header")
        .expect("a no-header finding for labs");
    assert_eq!(f.sheet.as_deref(), Some("labs"));
    for part in [
        "row 1: who | what",
        "row 2: A1 | (a number)",
        "patient_id",
        "Exports as they are",
    ] {
        assert!(f.message.contains(part), "{part:?} not in {:?}", f.message);
    }
}

#[test]
fn site_config_errors_name_the_key() {
    for (site, key, says) in [
        (
            "[dictionary.units]\nhemoglobn = \"g/dL\"\n",
            "dictionary.units.hemoglobn",
            "not a column",
        ),
        (
            "[dictionary.units]\nhemoglobin = \"mmol/L\"\n",
            "dictionary.units.hemoglobin",
            "g/dL",
        ),
        (
            "[dictionary.codes.sexx]\n\"1\" = \"male\"\n",
            "dictionary.codes.sexx",
            "not a column",
        ),
        (
            "[dictionary.extra_aliases]\nage_y = [\"Alter\"]\n",
            "dictionary.extra_aliases.age_y",
            "not a column",
        ),
    ] {
        let e = Config::with_override(site, "site.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(key) && e.contains(says), "{site}: {e}");
    }
}

/// A grouping on a header as the workbook writes it (Chinese, not in the dictionary): its
/// values are kept, spellings differing in case or spacing are one level (the first
/// spelling), a patient without a value is in no group and counted, and the whole
/// analysis (KM per level, log-rank, Cox against the first level) runs.
#[test]
fn a_grouping_on_a_workbook_header_keeps_its_values_as_written() {
    let header = with(&["death_date", "分子分型"]);
    let rows = vec![
        vec![S("P1"), D("2020-01-05"), E, D("2020-06-01"), S("MMSET")],
        vec![S("P2"), D("2020-01-05"), D("2021-02-01"), E, S("mmset ")],
        vec![S("P3"), D("2020-01-05"), E, D("2020-09-01"), S("高二倍体")],
        vec![S("P4"), D("2020-01-05"), D("2021-02-01"), E, S("高二倍体")],
        vec![S("P5"), D("2020-01-05"), E, D("2020-03-01"), S("MMSET")],
        vec![S("P6"), D("2020-01-05"), D("2021-02-01"), E, E],
    ];
    let wb = sheet(&header, rows);
    let site = r#"
[[groupings]]
id = "mg"
column = "分子分型"
levels = true
order = ["高二倍体"]
label = "分子分型"

[[survival]]
id = "os_by_mg"
endpoint = "os"
grouping = "mg"
"#;
    let c = read_with(&wb, site).unwrap();
    assert!(
        !c.findings.iter().any(|f| f.rule == "sheet.unknown_column"),
        "the grouping's header is read"
    );
    let mut ctx = ctx();
    ctx.config = Config::with_override(site, "site.toml").unwrap();
    let r = mmreport::pipeline::process(&wb, "x.xlsx", &ctx)
        .unwrap()
        .results;
    let s = r
        .analyses
        .survival
        .iter()
        .find(|s| s.id == "os_by_mg")
        .unwrap();
    let groups: Vec<(&str, usize)> = s.groups.iter().map(|g| (g.label.as_str(), g.n)).collect();
    assert_eq!(groups, [("高二倍体", 2), ("MMSET", 3)]);
    assert_eq!(s.not_grouped, 1);
    let cox = s.cox.as_ref().unwrap();
    assert_eq!(cox.reference, "高二倍体");
    assert_eq!(cox.levels.len(), 1);
    assert_eq!(cox.levels[0].level, "MMSET");
    assert_eq!(s.logrank.as_ref().unwrap().df, 1);
}

/// `ids_from_rows`: an export without an id column is read, each row one patient named by
/// its Excel row; without the switch every row lacks its id.
#[test]
fn ids_from_rows_names_patients_by_their_row() {
    let wb = sheet(
        &["index_date", "last_followup_date"],
        vec![
            vec![D("2020-01-05"), D("2021-02-01")],
            vec![D("2020-02-05"), D("2021-03-01")],
        ],
    );
    let c = read_with(&wb, "[dictionary]\nids_from_rows = true\n").unwrap();
    let ids: Vec<&str> = c.patients.iter().map(|p| p.patient_id.as_str()).collect();
    assert_eq!(ids, ["row 2", "row 3"]);
    let c = read(&wb).unwrap();
    assert!(c.patients.is_empty());
}
