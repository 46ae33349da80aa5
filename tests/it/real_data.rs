//! R's public myeloma data run as a user would (issue 13): each data set written to a
//! workbook as a statistician has it (original columns, durations, US units, 0/1 events, no
//! dates), read with a short site config and no edit to the workbook, and its KM medians
//! with CIs, log-rank and Cox checked against R (`tests/golden/make_real_data.R` wrote both
//! the data and the expected values; CI needs no R).

use super::golden_dir;
use super::rgolden::{check_job, check_levels};
use super::util::*;
use mmreport::config::Config;
use mmreport::pipeline;
use mmreport::results::Results;
use serde_json::Value;

/// The committed CSV of a data set as one sheet: numbers as numbers, text as text, `NA`
/// (written empty) as empty cells.
pub(crate) fn workbook(name: &str, sheet: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(golden_dir().join(format!("real/{name}.csv"))).unwrap();
    let cells: Vec<Vec<String>> = text
        .lines()
        .map(|l| {
            l.split(',')
                .map(|c| c.trim_matches('"').to_string())
                .collect()
        })
        .collect();
    let rows: Vec<Vec<C<'_>>> = cells
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| match c.parse::<f64>() {
                    _ if c.is_empty() => E,
                    Ok(x) => N(x),
                    std::result::Result::Err(_) => S(c),
                })
                .collect()
        })
        .collect();
    xlsx(&[(sheet, rows)])
}

pub(crate) fn run(bytes: &[u8], site: &str) -> Results {
    let mut c = ctx();
    c.config = Config::with_override(site, "site.toml").unwrap();
    pipeline::process(bytes, "export.xlsx", &c).unwrap().results
}

fn expected(name: &str) -> Value {
    let all: Value = serde_json::from_str(
        &std::fs::read_to_string(golden_dir().join("real/expected.json")).unwrap(),
    )
    .unwrap();
    all[name].clone()
}

fn check_all(name: &str, r: &Results) {
    let want = expected(name);
    let jobs = want.as_object().unwrap();
    for (id, w) in jobs {
        let s = r
            .analyses
            .survival
            .iter()
            .find(|s| &s.id == id)
            .unwrap_or_else(|| panic!("{name}: no survival job {id}"));
        assert_eq!(s.not_estimable, None, "{name} {id}");
        if w.get("cox_levels").is_some() {
            check_levels(&format!("{name} {id}"), s, w);
        } else {
            check_job(&format!("{name} {id}"), s, w);
        }
    }
}

/// mgus2 (1384 patients): `futime`/`ptime` in months, `death`/`pstat` 0/1, `hgb` in g/dL and
/// `creat` in mg/dL without units in the headers, sex F/M, an `id` column, `dxyr` unknown.
pub(crate) const MGUS2_SITE: &str = r#"
[dictionary.units]
os_time = "months"
pfs_time = "months"
hemoglobin = "g/dL"
creatinine = "mg/dL"

[dictionary.extra_aliases]
creatinine = ["creat"]

[[groupings]]
id = "sex"
column = "sex"
label = "Sex"
label_yes = "Male"
label_no = "Female"

[[survival]]
id = "os_by_sex"
endpoint = "os"
grouping = "sex"

[[survival]]
id = "pfs_by_sex"
endpoint = "pfs"
grouping = "sex"

[[groupings]]
id = "age_band"
column = "age"
cuts = [65, 75]
label = "Age"

[[survival]]
id = "os_by_age_band"
endpoint = "os"
grouping = "age_band"
"#;

#[test]
fn mgus2_as_exported_matches_r() {
    let r = run(&workbook("mgus2", "Sheet1"), MGUS2_SITE);
    assert_eq!(r.cohort.patients_analysed, 1384);
    check_all("mgus2", &r);
    // Nothing from the data became a finding it should not: no unit, header or value error.
    let errors: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity == mmreport::model::Severity::Error)
        .map(|f| (&f.rule, &f.column))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The sheet was guessed, and dxyr / mspike are shown as not analysed.
    let rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    assert!(rules.contains(&"sheet.only_sheet_as_patients"));
    assert!(rules.contains(&"sheet.unknown_column"));
}

#[test]
fn myeloma_registry_in_days_matches_r() {
    let site = "[dictionary.units]\nos_time = \"days\"\n";
    let r = run(&workbook("myeloma_registry", "myeloma"), site);
    assert_eq!(r.cohort.patients_analysed, 3882);
    check_all("myeloma_registry", &r);
    // No progression data: PFS says so instead of repeating OS.
    let pfs = r
        .analyses
        .survival
        .iter()
        .find(|s| s.id == "pfs_all")
        .unwrap();
    assert!(pfs
        .not_estimable
        .as_deref()
        .unwrap()
        .contains("progression"));
}

/// survminer::myeloma (Total Therapy 2, 256 patients): no id column, `time` in months,
/// `event` 0/1, `molecular_group` (7 levels) and `chr1q21_status` (3 levels, 70 empty) as
/// the workbook writes them, six gene-expression columns (one named `TP53`).
pub(crate) const TT2_SITE: &str = r#"
[dictionary]
ids_from_rows = true

[dictionary.units]
os_time = "months"

[dictionary.extra_aliases]
os_time = ["time"]
os_event = ["event"]

[[groupings]]
id = "molecular_group"
column = "molecular_group"
levels = true
label = "Molecular group"

[[groupings]]
id = "chr1q21"
column = "chr1q21_status"
levels = true
label = "1q21 copies"

[[survival]]
id = "os_by_molecular_group"
endpoint = "os"
grouping = "molecular_group"

[[survival]]
id = "os_by_chr1q21"
endpoint = "os"
grouping = "chr1q21"
"#;

#[test]
fn survminer_myeloma_grouped_by_its_own_columns_matches_r() {
    let r = run(&workbook("myeloma_tt2", "myeloma"), TT2_SITE);
    assert_eq!(r.cohort.patients_analysed, 256, "{:?}", r.cohort.excluded);
    check_all("myeloma_tt2", &r);
    let by = |id: &str| r.analyses.survival.iter().find(|s| s.id == id).unwrap();
    let mg = by("os_by_molecular_group");
    let labels: Vec<&str> = mg.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(labels[0], "Cyclin D-1", "levels as the workbook wrote them");
    assert_eq!(mg.logrank.as_ref().unwrap().df, 6);
    assert_eq!(by("os_by_chr1q21").not_grouped, 70);
    // The k-level comparison reads back from results.json.
    let back: Results = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(back.analyses.survival, r.analyses.survival);
}

#[test]
fn age_bands_from_cuts_match_r_cut() {
    let r = run(&workbook("mgus2", "Sheet1"), MGUS2_SITE);
    let s = r
        .analyses
        .survival
        .iter()
        .find(|s| s.id == "os_by_age_band")
        .unwrap();
    let labels: Vec<&str> = s.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(labels, ["< 65", "65–74", "≥ 75"]);
    assert_eq!(s.cox.as_ref().unwrap().reference, "< 65");
}

#[test]
fn a_grouping_on_a_visit_column_is_refused_at_load() {
    let site = "[[groupings]]\nid = \"x\"\ncolumn = \"response\"\nlevels = true\nlabel = \"X\"\n";
    let e = Config::with_override(site, "site.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("groupings[") && e.contains("one value per patient"),
        "{e}"
    );
    let bad = "[[groupings]]\nid = \"x\"\ncolumn = \"age\"\ncuts = [75, 65]\nlabel = \"X\"\n";
    let e = Config::with_override(bad, "site.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("increasing order"), "{e}");
}

#[test]
fn a_duration_without_a_unit_is_a_finding_and_not_used() {
    let r = run(&workbook("myeloma_registry", "myeloma"), "");
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "sheet.missing_unit")
        .expect("a missing-unit finding");
    assert_eq!(f.column.as_deref(), Some("os_time"));
    assert!(f.message.contains("[dictionary.units]"), "{}", f.message);
    assert_eq!(r.cohort.patients_analysed, 0);
}

#[test]
fn dates_win_over_durations_and_a_disagreement_is_a_finding() {
    let header = [
        "patient_id",
        "index_date",
        "last_followup_date",
        "OS (days)",
        "os_event",
    ];
    let wb = xlsx(&[(
        "patients",
        vec![
            header.iter().map(|h| S(h)).collect(),
            // The dates give 366 days; the duration says 100.
            vec![S("P1"), D("2020-01-01"), D("2021-01-01"), N(100.0), N(0.0)],
            // Agrees within a day.
            vec![S("P2"), D("2020-01-01"), D("2021-01-01"), N(366.4), N(0.0)],
            // Durations only: analysed from them.
            vec![S("P3"), E, E, N(200.0), N(1.0)],
        ],
    )]);
    let r = run(&wb, "");
    assert_eq!(r.cohort.patients_analysed, 3, "{:?}", r.cohort.excluded);
    let mismatch: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == "cohort.duration_mismatch")
        .collect();
    assert_eq!(mismatch.len(), 1, "{mismatch:?}");
    assert_eq!(mismatch[0].patient_id.as_deref(), Some("P1"));
    assert_eq!(mismatch[0].column.as_deref(), Some("os_time"));
    let os = r
        .analyses
        .survival
        .iter()
        .find(|s| s.id == "os_all")
        .unwrap();
    assert_eq!((os.groups[0].n, os.groups[0].events), (3, 1));
    // The durations-only patient has no dates to draw a swimmer lane from.
    let lanes: Vec<&str> = r
        .analyses
        .swimmer
        .iter()
        .map(|s| s.patient_id.as_str())
        .collect();
    assert_eq!(lanes, vec!["P1", "P2"]);
}

/// `mmreport map`'s starter config, unedited, runs the export it was made from.
fn mapped(name: &str, sheet: &str) -> (String, Results) {
    let bytes = workbook(name, sheet);
    let cfg = Config::defaults().unwrap().config;
    let site = mmreport::map::starter_config(&bytes, &format!("{name}.xlsx"), &cfg).unwrap();
    let r = run(&bytes, &site);
    (site, r)
}

#[test]
fn map_writes_a_starter_config_that_runs_mgus2() {
    let (site, r) = mapped("mgus2", "Sheet1");
    for line in [
        "os_time = \"months\"",
        "pfs_time = \"months\"",
        "hemoglobin = \"g/dL\"",
        "creatinine = \"mg/dL\"",
        "creatinine = [\"creat\"]",
        "\"dxyr\" -> not placed",
        "Required columns: all found.",
    ] {
        assert!(site.contains(line), "{line:?} not in:\n{site}");
    }
    assert_eq!(r.cohort.patients_analysed, 1384);
    let want = expected("mgus2");
    for id in ["os_all", "pfs_all"] {
        let s = r.analyses.survival.iter().find(|s| s.id == id).unwrap();
        check_job(&format!("mapped mgus2 {id}"), s, &want[id]);
    }
}

#[test]
fn map_writes_a_starter_config_that_runs_the_registry() {
    let (site, r) = mapped("myeloma_registry", "myeloma");
    assert!(site.contains("os_time = \"days\""), "{site}");
    assert_eq!(r.cohort.patients_analysed, 3882);
    let s = r
        .analyses
        .survival
        .iter()
        .find(|s| s.id == "os_all")
        .unwrap();
    check_job(
        "mapped registry os_all",
        s,
        &expected("myeloma_registry")["os_all"],
    );
}

#[test]
fn map_says_what_is_still_required() {
    let wb = xlsx(&[(
        "export",
        vec![
            vec![S("code"), S("score"), S("arm")],
            vec![S("A1"), N(3.0), S("x")],
        ],
    )]);
    let cfg = Config::defaults().unwrap().config;
    let site = mmreport::map::starter_config(&wb, "export.xlsx", &cfg).unwrap();
    // No id column on a lone sheet: its rows name the patients, marked for checking.
    assert!(
        site.contains("ids_from_rows = true  # no id column"),
        "{site}"
    );
    assert!(site.contains("os_time with os_event"), "{site}");
    // Whatever it wrote is a valid site config.
    Config::with_override(&site, "map.toml").unwrap();
}

#[test]
fn map_writes_a_starter_config_that_runs_survminer_myeloma() {
    let (site, r) = mapped("myeloma_tt2", "myeloma");
    for line in [
        "ids_from_rows = true",
        "os_time = \"months\"",
        "# column = \"molecular_group\"",
        "Required columns: all found.",
    ] {
        assert!(site.contains(line), "{line:?} not in:\n{site}");
    }
    // Gene-expression columns are not taken for dictionary columns they are spelled near.
    assert!(
        !site.contains("[\"TP53\"]") && !site.contains("[\"CRIM1\"]"),
        "{site}"
    );
    assert_eq!(r.cohort.patients_analysed, 256);
    let want = expected("myeloma_tt2");
    let os = r
        .analyses
        .survival
        .iter()
        .find(|s| s.id == "os_all")
        .unwrap();
    check_job("mapped tt2 os_all", os, &want["os_all"]);
    // The suggested grouping, uncommented as the comment says, runs and matches R.
    let grouping_keys = [
        "[[",
        "id =",
        "column =",
        "levels =",
        "label =",
        "endpoint =",
        "grouping =",
    ];
    let uncommented: String = site
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if grouping_keys.iter().any(|k| rest.starts_with(k)) => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let r = run(&workbook("myeloma_tt2", "myeloma"), &uncommented);
    let s = r
        .analyses
        .survival
        .iter()
        .find(|s| s.id == "os_by_molecular_group")
        .unwrap();
    check_levels(
        "mapped tt2 by molecular group",
        s,
        &want["os_by_molecular_group"],
    );
}
