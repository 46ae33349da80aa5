//! Test workbooks built in code (rust_xlsxwriter), so every fixture is made by committed code.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::io::{Read, Write};

/// One cell of a test sheet.
#[derive(Clone, Copy)]
pub enum C<'a> {
    /// Text.
    S(&'a str),
    /// Number.
    N(f64),
    /// A real date cell (date number format), `YYYY-MM-DD`.
    D(&'a str),
    /// Nothing.
    E,
    /// A formula with a cached error result such as `#DIV/0!`.
    Err(&'a str),
}

pub use C::{Err, D, E, N, S};

/// Builds an .xlsx from sheets of rows; `merge_title` merges A1:D1 on sheets whose first
/// cell is text starting with `#` (the `#` is dropped), as clinicians' title rows are.
pub fn xlsx(sheets: &[(&str, Vec<Vec<C<'_>>>)]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    C::S(s) if r == 0 && c == 0 && s.starts_with('#') => {
                        ws.merge_range(0, 0, 0, 3, &s[1..], &Format::new()).unwrap();
                    }
                    C::S(s) => {
                        ws.write_string(r, c, *s).unwrap();
                    }
                    C::N(x) => {
                        ws.write_number(r, c, *x).unwrap();
                    }
                    C::D(d) => {
                        let dt = ExcelDateTime::parse_from_str(d).unwrap();
                        ws.write_datetime_with_format(r, c, &dt, &date_fmt).unwrap();
                    }
                    C::Err(e) => {
                        let f = rust_xlsxwriter::Formula::new("=1/0").set_result(*e);
                        ws.write_formula(r, c, f).unwrap();
                    }
                    C::E => {}
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

/// Rewrites an .xlsx to the 1904 date system (rust_xlsxwriter has no switch for it): only
/// the workbook flag changes, so every stored serial now means a date 1,462 days later.
pub fn to_1904(xlsx: &[u8]) -> Vec<u8> {
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "xl/workbook.xml" {
            let s = String::from_utf8(data)
                .unwrap()
                .replace("<workbookPr", "<workbookPr date1904=\"1\"");
            data = s.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Reads a workbook with the default configuration and a fixed run date.
pub fn read(bytes: &[u8]) -> Result<mmreport::model::Cohort, mmreport::ingest::IngestError> {
    let cfg = mmreport::config::Config::defaults().unwrap().config;
    let limits = mmreport::ingest::Limits::from(&cfg.batch);
    mmreport::ingest::read_workbook(bytes, &cfg, limits)
}

/// Reads a workbook with a site configuration merged over the defaults.
pub fn read_with(
    bytes: &[u8],
    site: &str,
) -> Result<mmreport::model::Cohort, mmreport::ingest::IngestError> {
    let cfg = mmreport::config::Config::with_override(site, "site.toml")
        .unwrap()
        .config;
    let limits = mmreport::ingest::Limits::from(&cfg.batch);
    mmreport::ingest::read_workbook(bytes, &cfg, limits)
}

/// A pipeline context with the default configuration and cut-off 2022-12-09.
pub fn ctx() -> mmreport::pipeline::Context {
    let mut loaded = mmreport::config::Config::defaults().unwrap();
    loaded.config.dates.data_cutoff = "2022-12-09".to_string().try_into().unwrap();
    mmreport::pipeline::Context::new(loaded, "2022-12-09".parse().unwrap())
}

/// Headless Chromium as root on a closed network: no sandbox, no GPU, no background traffic,
/// a fresh profile (the flags this workplace's browser needs; see the README of `env`).
pub fn chromium_args(profile: &std::path::Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// Property-test configuration for CI: a fixed seed (the same cases on every run, so a
/// failure reproduces and a pass means the same as yesterday's pass) and no failure file
/// written into the tree (a regression found is pinned as an ordinary test instead).
/// `PROPTEST_RNG_SEED` in the environment still explores other cases locally.
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_207);
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    }
}

/// One workbook's finished report through the real binary (`mmreport run`) under a site
/// configuration: the report folder's `report.html`, `results.json` (parsed) and the path
/// of `report.xlsx`.
pub struct Report {
    pub html: String,
    pub json: serde_json::Value,
    pub xlsx: std::path::PathBuf,
}

/// Runs `mmreport run` on `workbook` (as `w.xlsx`) with `site` (TOML, the data cut-off
/// 2022-12-09 added) in a fresh folder under `dir`.
pub fn run_report(dir: &std::path::Path, workbook: &[u8], site: &str) -> Report {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("w.xlsx"), workbook).unwrap();
    let cfg = dir.join("site.toml");
    std::fs::write(
        &cfg,
        format!("{site}\n[dates]\ndata_cutoff = \"2022-12-09\"\n"),
    )
    .unwrap();
    let out = dir.join("out");
    run_command(&input, &out, &cfg).assert().success();
    let r = out.join("w");
    Report {
        html: std::fs::read_to_string(r.join("report.html")).unwrap(),
        json: serde_json::from_str(&std::fs::read_to_string(r.join("results.json")).unwrap())
            .unwrap(),
        xlsx: r.join("report.xlsx"),
    }
}

/// The bundled paper example workbook.
pub fn bundled_example() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/bendamustine-32.xlsx"
    ))
    .unwrap()
}

/// Every text cell of every sheet of an .xlsx.
pub fn xlsx_text(path: &std::path::Path) -> Vec<String> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for c in row {
                if let calamine::Data::String(s) = c {
                    out.push(s.clone());
                }
            }
        }
    }
    out
}

/// `mmreport run` on `input` into `output` with the site config `config`, files settled at
/// once: the command every end-to-end test starts from (add arguments, then run it).
pub fn run_command(
    input: impl AsRef<std::ffi::OsStr>,
    output: impl AsRef<std::ffi::OsStr>,
    config: impl AsRef<std::ffi::OsStr>,
) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("mmreport").unwrap();
    c.args(["run", "--settle-seconds", "0", "--input"])
        .arg(input)
        .arg("--output")
        .arg(output)
        .arg("--config")
        .arg(config);
    c
}
