//! The binary end to end: `run` writes results.json and the ADaM CSVs; `check` prints
//! findings with cell references and exits 1 on errors; bad config exits 2.

use super::util::*;
use assert_cmd::Command;
use std::fs;

fn cohort_book(note: &str) -> Vec<u8> {
    xlsx(&[
        (
            "patients",
            vec![
                vec![
                    S("patient_id"),
                    S("sex"),
                    S("index_date"),
                    S("last_followup_date"),
                    S("death_date"),
                    S("progression_date"),
                    S("cycles_completed"),
                    S("notes"),
                ],
                vec![
                    S("P1"),
                    S("M"),
                    D("2020-01-01"),
                    D("2021-01-01"),
                    E,
                    D("2020-07-01"),
                    N(4.0),
                    S(note),
                ],
                vec![
                    S("P2"),
                    S("F"),
                    D("2020-02-01"),
                    D("2020-12-01"),
                    D("2020-12-01"),
                    E,
                    N(2.0),
                    E,
                ],
                vec![S("P3"), S("F"), E, D("2020-12-01"), E, E, N(1.0), E],
            ],
        ),
        (
            "assessments",
            vec![
                vec![
                    S("patient_id"),
                    S("after_cycle"),
                    S("assessment_date"),
                    S("response"),
                ],
                vec![S("P1"), N(2.0), D("2020-03-01"), S("PR")],
                vec![S("P1"), N(4.0), D("2020-05-01"), S("PD")],
                vec![S("P2"), N(2.0), D("2020-04-01"), S("SD")],
            ],
        ),
    ])
}

fn cfg_file(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("site.toml");
    fs::write(&p, "[dates]\ndata_cutoff = \"2022-12-09\"\n").unwrap();
    p
}

#[test]
fn run_writes_results_and_datasets() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    fs::create_dir_all(input.join("ward a")).unwrap();
    fs::write(
        input.join("ward a/cohort.xlsx"),
        cohort_book("=HYPERLINK(\"http://x\",\"y\")"),
    )
    .unwrap();
    fs::write(input.join("~$cohort.xlsx"), b"lock").unwrap();
    let out = t.path().join("out");
    crate::util::run_command(&input, &out, cfg_file(t.path()))
        .assert()
        .success();
    let dir = out.join("ward a/cohort");
    let r: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["input"]["file"], "cohort.xlsx");
    assert_eq!(r["input"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(r["data_cutoff"], "2022-12-09");
    assert_eq!(r["cohort"]["patients_read"], 3);
    assert_eq!(r["cohort"]["patients_analysed"], 2);
    assert_eq!(r["cohort"]["excluded"][0]["patient_id"], "P3");
    assert_eq!(
        r["cohort"]["excluded"][0]["reasons"][0],
        "index_date missing"
    );
    let f = r["findings"].as_array().unwrap();
    assert!(f
        .iter()
        .any(|x| x["rule"] == "cohort.required_field" && x["patient_id"] == "P3"));
    assert!(f
        .iter()
        .any(|x| x["rule"] == "cell.suspicious_text" && x["cell"] == "H2"));
    let adtte = fs::read_to_string(dir.join("adtte.csv")).unwrap();
    assert!(
        adtte.starts_with("USUBJID,PARAMCD,AVAL,AVALU,ADY,CNSR"),
        "{adtte}"
    );
    assert!(
        adtte.contains("P1,PFS,5.979466119096509,months,182,0,2020-01-01,2020-07-01,,progression"),
        "{adtte}"
    );
    assert!(adtte.contains("P2,OS,"), "{adtte}");
    let adsl = fs::read_to_string(dir.join("adsl.csv")).unwrap();
    assert_eq!(adsl.lines().count(), 3, "header + 2 analysed patients");
    let adrs = fs::read_to_string(dir.join("adrs.csv")).unwrap();
    assert_eq!(adrs.lines().count(), 4);
    assert!(!out.join("~$cohort").exists(), "lock files are ignored");
}

#[test]
fn csv_outputs_defuse_formulas() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("c.xlsx");
    let wb = xlsx(&[(
        "patients",
        vec![
            vec![S("patient_id"), S("index_date"), S("last_followup_date")],
            vec![S("=cmd|' /C calc'!A0"), D("2020-01-01"), D("2021-01-01")],
        ],
    )]);
    fs::write(&input, wb).unwrap();
    let out = t.path().join("out");
    crate::util::run_command(&input, &out, cfg_file(t.path()))
        .assert()
        .success();
    let adsl = fs::read_to_string(out.join("c/adsl.csv")).unwrap();
    assert!(
        adsl.contains("\"'=cmd|' /C calc'!A0\"") || adsl.contains("'=cmd|' /C calc'!A0"),
        "{adsl}"
    );
    let json = fs::read_to_string(out.join("c/results.json")).unwrap();
    assert!(
        json.contains("\"=cmd|' /C calc'!A0\""),
        "results.json keeps the raw text"
    );
}

#[test]
fn check_prints_cells_and_exits_1_on_errors() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("c.xlsx");
    fs::write(&input, cohort_book("ok")).unwrap();
    let a = Command::cargo_bin("mmreport")
        .unwrap()
        .arg("check")
        .arg(&input)
        .arg("--config")
        .arg(cfg_file(t.path()))
        .assert()
        .code(1);
    let out = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert!(
        out.contains("3 patients read, 2 analysed, 1 excluded"),
        "{out}"
    );
    assert!(out.contains("[patients]"), "{out}");
    assert!(out.contains("patients!A4 index_date patient P3"), "{out}");
    assert!(out.contains("P3: index_date missing"), "{out}");
}

#[test]
fn bad_config_exits_2_naming_the_key() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("bad.toml");
    fs::write(&p, "[endpoints]\npfs_events = \"sometimes\"\n").unwrap();
    let a = Command::cargo_bin("mmreport")
        .unwrap()
        .args(["check", "x.xlsx", "--config"])
        .arg(&p)
        .assert()
        .code(2);
    let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert!(err.contains("endpoints.pfs_events"), "{err}");
}

#[test]
fn a_bad_file_is_quarantined_and_the_others_go_on() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("good.xlsx"), cohort_book("x")).unwrap();
    fs::write(input.join("bad.xlsx"), b"not a workbook").unwrap();
    let out = t.path().join("out");
    crate::util::run_command(&input, &out, cfg_file(t.path()))
        .assert()
        .code(1);
    assert!(out.join("good/results.json").exists());
    let e: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("_failed/bad.xlsx/error.json")).unwrap())
            .unwrap();
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("not a readable spreadsheet"),
        "{e}"
    );
    assert!(out.join("_failed/bad.xlsx/error.html").exists());
}

/// `check` on the bundled example prints the agreement of recorded and derived disease state
/// and response, matching what the generator planted (3 and 3 disagreements).
#[test]
fn check_summarises_imwg_agreement_on_the_example() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bendamustine-32.xlsx");
    let cfg = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bendamustine.toml");
    let a = Command::cargo_bin("mmreport")
        .unwrap()
        .args(["check", example, "--config", cfg])
        .assert()
        .success();
    let out = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert!(
        out.contains(
            "Disease state at entry: 32 of 32 patients derivable; recorded agrees 29, disagrees 3"
        ),
        "{out}"
    );
    assert!(out.contains("recorded agrees 56, disagrees 3"), "{out}");
    assert!(out.contains("none documented for 1 patients"), "{out}");
}

/// `check` prints one count of findings: its first line and the rules summary's last line
/// agree on the messy Chinese example (whose suspicious-text warnings once went uncounted).
#[test]
fn check_counts_findings_once() {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/bendamustine-32-zh-messy.xlsx"
    );
    let cfg = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bendamustine.toml");
    let o = Command::cargo_bin("mmreport")
        .unwrap()
        .args(["check", example, "--config", cfg])
        .output()
        .unwrap();
    let out = String::from_utf8(o.stdout).unwrap();
    let first = out.lines().next().unwrap();
    let counts = |s: &str, words: [&str; 3]| -> Vec<String> {
        words
            .iter()
            .map(|w| {
                let end = s.find(w).unwrap_or_else(|| panic!("{w} in {s}"));
                s[..end].trim_end().rsplit(' ').next().unwrap().to_string()
            })
            .collect()
    };
    let last = out.lines().rfind(|l| l.contains("Findings:")).unwrap();
    assert_eq!(
        counts(first, ["errors", "warnings", "notes"]),
        counts(last, ["errors", "warnings", "info"]),
        "{first}\n{last}"
    );
}

/// `check` reads a workbook under the configured `[batch]` limits, as `run` does.
#[test]
fn check_applies_the_configured_limits() {
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("small.toml");
    fs::write(&cfg, "[batch]\nmax_cells = 50\n").unwrap();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bendamustine-32.xlsx");
    let o = Command::cargo_bin("mmreport")
        .unwrap()
        .args(["check", example, "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("cells"), "{out}");
}

/// The run date is the day in `dates.time_zone`, never the process's `TZ`: the same data
/// run under TZ=Asia/Shanghai and TZ=America/New_York (a day apart for half of every day)
/// give identical results. An unknown zone is a configuration error naming the key.
#[test]
fn the_run_date_follows_the_configured_time_zone_not_tz() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("a.xlsx"), cohort_book("x")).unwrap();
    let cfg = t.path().join("tz.toml");
    std::fs::write(&cfg, "[dates]\ntime_zone = \"Pacific/Kiritimati\"\n").unwrap();
    let results = |tz: &str, out: &str| -> String {
        let output = t.path().join(out);
        let o = Command::cargo_bin("mmreport")
            .unwrap()
            .args(["run", "--settle-seconds", "0", "--config"])
            .arg(&cfg)
            .arg("--input")
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .env("TZ", tz)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        std::fs::read_to_string(output.join("a/results.json")).unwrap()
    };
    let kiritimati = || (chrono::Utc::now() + chrono::Duration::hours(14)).date_naive();
    let before = kiritimati().to_string();
    let (sh, ny) = (
        results("Asia/Shanghai", "sh"),
        results("America/New_York", "ny"),
    );
    assert_eq!(sh, ny);
    // POSIX zones 26 hours apart (UTC+14, UTC-12): always different local days.
    let (east, west) = (results("EAST-14", "east"), results("WEST+12", "west"));
    assert_eq!(east, west);
    assert_eq!(sh, east);
    let after = kiritimati().to_string();
    let r: serde_json::Value = serde_json::from_str(&sh).unwrap();
    // Either day, should the test straddle midnight in Kiritimati (UTC+14).
    assert!(
        r["run_date"] == before || r["run_date"] == after,
        "{}",
        r["run_date"]
    );
    std::fs::write(&cfg, "[dates]\ntime_zone = \"Mars/Olympus\"\n").unwrap();
    let o = Command::cargo_bin("mmreport")
        .unwrap()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg(input.join("a.xlsx"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("time_zone") && err.contains("IANA"), "{err}");
}
