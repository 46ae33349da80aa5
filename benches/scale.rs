//! Scale benchmark: mmreport end to end against the calamine read-only floor, per cohort
//! size, with the time of every stage, and a night of many small workbooks.
//!
//! Run (the whole suite, see `benches/README.md` and `benches/run.sh`):
//!
//! ```text
//! cargo build --release --bin mmreport --example calamine_floor
//! cargo bench --bench scale -- [--sizes 32,1000,20000,100000] [--night 500] [--reps 3]
//! ```
//!
//! `--night 0` skips the night. Size 32 is the seed paper's cohort (canonical layout); any
//! other size is a synthetic cohort (`write_synthetic`, seed 1). Workbooks are cached under
//! `<target>/bench-data/` (delete it after changing the generator). Needs `/usr/bin/time`
//! (GNU time) for the peak memory of the child processes.
//!
//! Output: one markdown table on stdout (progress on stderr).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mmreport::config::Config;
use mmreport::demo::{write_paper, write_synthetic, Layout};
use mmreport::pipeline::{process, Context};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Seed of the synthetic cohorts of the size table.
const SEED: u64 = 1;
/// Sizes at or below this are measured `reps` times (minimum kept); larger ones once.
const REPEAT_UP_TO: usize = 20_000;

struct Args {
    sizes: Vec<usize>,
    night: usize,
    reps: usize,
}

// The allocator `mmreport` itself uses, so the in-process stage times match the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn args() -> Args {
    let mut a = Args {
        sizes: vec![32, 1_000, 20_000, 100_000],
        night: 500,
        reps: 3,
    };
    let mut argv = std::env::args().skip(1);
    while let Some(flag) = argv.next() {
        let mut value = || {
            argv.next()
                .unwrap_or_else(|| panic!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--sizes" => {
                a.sizes = value()
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| {
                        s.trim()
                            .replace('_', "")
                            .parse()
                            .expect("--sizes: comma-separated patient counts")
                    })
                    .collect();
            }
            "--night" => a.night = value().parse().expect("--night: number of workbooks"),
            "--reps" => {
                a.reps = value()
                    .parse::<usize>()
                    .expect("--reps: repetitions")
                    .max(1)
            }
            // `cargo bench` passes `--bench`; ignore it and anything else unknown.
            _ => {}
        }
    }
    a
}

/// `<target>` from `<target>/release/deps/scale-<hash>`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the bench executable");
    exe.ancestors()
        .nth(3)
        .expect("bench executable under <target>/<profile>/deps/")
        .to_path_buf()
}

/// The cached workbook of `patients` patients (32: the paper cohort).
fn workbook(data: &Path, patients: usize) -> PathBuf {
    let name = if patients == 32 {
        "paper-32.xlsx".to_string()
    } else {
        format!("synthetic-{patients}-seed{SEED}.xlsx")
    };
    let path = data.join(name);
    if !path.exists() {
        eprintln!("generating {} ...", path.display());
        let tmp = path.with_extension("xlsx.tmp");
        if patients == 32 {
            write_paper(&tmp, Layout::Canonical).expect("write the paper workbook");
        } else {
            write_synthetic(&tmp, patients, SEED).expect("write a synthetic workbook");
        }
        std::fs::rename(&tmp, &path).expect("rename the generated workbook");
    }
    path
}

/// The night folder: `n` synthetic 32-patient workbooks, seeds 1..=n.
fn night_folder(data: &Path, n: usize) -> PathBuf {
    let dir = data.join(format!("night-{n}"));
    std::fs::create_dir_all(&dir).expect("create the night folder");
    for seed in 1..=n as u64 {
        let path = dir.join(format!("ward-{seed:04}.xlsx"));
        if !path.exists() {
            let tmp = dir.join(format!(".ward-{seed:04}.tmp"));
            write_synthetic(&tmp, 32, seed).expect("write a night workbook");
            std::fs::rename(&tmp, &path).expect("rename a night workbook");
        }
    }
    dir
}

/// Wall time (measured here) and peak RSS in KB (from GNU time) of a child process.
fn run_timed(program: &Path, args: &[&std::ffi::OsStr]) -> (Duration, u64, String) {
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("@@peak %M")
        .arg(program)
        .args(args)
        .output()
        .expect("run /usr/bin/time (GNU time is required)");
    let wall = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{} failed: {}\n{stderr}",
        program.display(),
        out.status
    );
    let peak = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("@@peak "))
        .and_then(|v| v.trim().parse().ok())
        .expect("peak RSS in the output of /usr/bin/time");
    (wall, peak, stdout)
}

fn run_mmreport(bin: &Path, input: &Path, out: &Path) -> (Duration, u64) {
    if out.exists() {
        std::fs::remove_dir_all(out).expect("remove the previous output");
    }
    let (wall, peak, _) = run_timed(
        bin,
        &[
            "run".as_ref(),
            "--input".as_ref(),
            input.as_os_str(),
            "--output".as_ref(),
            out.as_os_str(),
            "--settle-seconds".as_ref(),
            "0".as_ref(),
            "--force".as_ref(),
            "--log-format".as_ref(),
            "json".as_ref(),
        ],
    );
    std::fs::remove_dir_all(out).expect("remove the output");
    (wall, peak)
}

#[derive(Default, Clone)]
struct Row {
    patients: usize,
    cells: u64,
    floor: Duration,
    e2e: Duration,
    peak_kb: u64,
    /// ingest, validate, rules, derive, analyse, changes, render HTML, render Excel,
    /// JSON+CSV, write_report (HTML ‖ Excel ‖ JSON/CSV, written to disk).
    stages: [Duration; 10],
}

const STAGES: [&str; 10] = [
    "ingest",
    "validate",
    "rules",
    "derive",
    "analyse",
    "changes",
    "html",
    "xlsx",
    "json+csv",
    "write_report",
];
/// The stages that run one after the other in `mmreport run` (the others are parts of
/// `write_report`).
const SEQUENTIAL: [usize; 7] = [0, 1, 2, 3, 4, 5, 9];

fn min_d(a: Duration, b: Duration) -> Duration {
    if a.is_zero() {
        b
    } else {
        a.min(b)
    }
}

/// The stages in process, as `mmreport run` configures them.
fn stages(path: &Path) -> [Duration; 10] {
    let bytes = std::fs::read(path).expect("read the workbook");
    let ctx = Context::new(
        Config::defaults().expect("default configuration"),
        chrono::Local::now().date_naive(),
    );
    let cfg = &ctx.config.config;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("x");
    let p = process(&bytes, name, &ctx).expect("the pipeline reads the workbook");
    let mut s = [Duration::ZERO; 10];
    for (k, stage) in STAGES[..5].iter().enumerate() {
        s[k] = p
            .timings
            .iter()
            .find(|(n, _)| n == stage)
            .map(|(_, d)| *d)
            .unwrap_or_default();
    }
    let r = &p.results;
    // What `mmreport run` does between the pipeline and the report files: the changes since
    // the previous report (none here, as in the benchmark's fresh output folders).
    let t = Instant::now();
    std::hint::black_box(mmreport::changes::compare(None, r));
    s[5] = t.elapsed();
    let t = Instant::now();
    std::hint::black_box(mmreport::render::html::render_html(r, cfg).expect("render HTML"));
    s[6] = t.elapsed();
    let t = Instant::now();
    std::hint::black_box(mmreport::render::xlsx::render_xlsx(r, cfg).expect("render Excel"));
    s[7] = t.elapsed();
    // What `write_report` does besides rendering: results.json and the ADaM CSVs (to a
    // sink: the encoding alone).
    let t = Instant::now();
    let d = &r.datasets;
    let sink = std::io::sink;
    mmreport::publish::write_results_json(sink(), r, cfg).expect("results.json");
    mmreport::publish::write_csv(sink(), &d.adsl, &["USUBJID"]).expect("adsl");
    mmreport::publish::write_csv(sink(), &d.adtte, &["USUBJID"]).expect("adtte");
    mmreport::publish::write_csv(sink(), &d.adrs, &["USUBJID"]).expect("adrs");
    mmreport::publish::write_csv(sink(), &d.adae, &["USUBJID"]).expect("adae");
    s[8] = t.elapsed();
    // The report directory as the run writes it: HTML ‖ Excel ‖ data, streamed and fsynced.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let t = Instant::now();
    let renderer = mmreport::render::Renderer::new(cfg).expect("renderer");
    mmreport::publish::write_report(dir.path(), r, cfg, &renderer).expect("report files");
    s[9] = t.elapsed();
    s
}

fn measure(bin: &Path, floor_bin: &Path, data: &Path, patients: usize, reps: usize) -> Row {
    let path = workbook(data, patients);
    let reps = if patients <= REPEAT_UP_TO { reps } else { 1 };
    let mut row = Row {
        patients,
        ..Row::default()
    };
    let out = data.join(format!("out-{patients}"));
    for rep in 0..reps {
        eprintln!("size {patients}: run {}/{reps}", rep + 1);
        let (wall, _, stdout) = run_timed(floor_bin, &[path.as_os_str()]);
        row.floor = min_d(row.floor, wall);
        row.cells = stdout
            .split_whitespace()
            .next()
            .and_then(|c| c.parse().ok())
            .expect("cell count in the output of calamine_floor");
        let (wall, peak) = run_mmreport(bin, &path, &out);
        row.e2e = min_d(row.e2e, wall);
        row.peak_kb = row.peak_kb.max(peak);
        let s = stages(&path);
        for (a, b) in row.stages.iter_mut().zip(s) {
            *a = min_d(*a, b);
        }
    }
    row
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.0}")
    }
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn main() {
    let a = args();
    let target = target_dir();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_mmreport"));
    let floor_bin = target.join("release/examples/calamine_floor");
    assert!(
        floor_bin.exists(),
        "{} is missing: run `cargo build --release --example calamine_floor` first",
        floor_bin.display()
    );
    let data = target.join("bench-data");
    std::fs::create_dir_all(&data).expect("create <target>/bench-data");
    print_table_header(&load(), a.reps);
    size_table(&a, &bin, &floor_bin, &data);
    println!("\nLoad average at the end of the size table: {}.", load());
    if a.night > 0 {
        night(&a, &bin, &data);
    }
}

/// The introduction and the header of the size table (markdown).
fn print_table_header(load_before: &str, reps: usize) {
    println!(
        "mmreport {} scale benchmark; load average at the start {load_before}; times are the \
         minimum of {} runs up to {REPEAT_UP_TO} patients, one run above; stages in process, \
         `other` = end to end minus the sequential stages (process start, reading the file, \
         writing the report directory)\n",
        env!("CARGO_PKG_VERSION"),
        reps
    );
    print!("| patients | cells | calamine floor s | end-to-end s | e2e / floor | peak MB |");
    for s in STAGES {
        print!(" {s} ms |");
    }
    println!(" other ms | µs / patient |");
    println!("|{}", "---:|".repeat(8 + STAGES.len()));
}

/// Measures every size, printing its row as soon as it is done and keeping the end-to-end
/// results in `bench-data/e2e.tsv` for `benches/run.sh` (the baseline comparison reuses them).
fn size_table(a: &Args, bin: &Path, floor_bin: &Path, data: &Path) {
    let summary = data.join("e2e.tsv");
    let mut tsv = String::from("patients\te2e_s\tpeak_kb\n");
    for &n in &a.sizes {
        let r = measure(bin, floor_bin, data, n, a.reps);
        tsv.push_str(&format!(
            "{}\t{:.3}\t{}\n",
            r.patients,
            r.e2e.as_secs_f64(),
            r.peak_kb
        ));
        std::fs::write(&summary, &tsv).expect("write bench-data/e2e.tsv");
        print_size_row(&r);
    }
}

/// One row of the size table: sizes, end-to-end against the floor, peak memory, the stage
/// times, the rest of the end-to-end time and the time per patient.
fn print_size_row(r: &Row) {
    print!(
        "| {} | {} | {:.3} | {:.3} | {:.2} | {:.0} |",
        r.patients,
        r.cells,
        r.floor.as_secs_f64(),
        r.e2e.as_secs_f64(),
        r.e2e.as_secs_f64() / r.floor.as_secs_f64(),
        r.peak_kb as f64 / 1024.0
    );
    for s in r.stages {
        print!(" {} |", ms(s));
    }
    let sequential: Duration = SEQUENTIAL.iter().map(|&k| r.stages[k]).sum();
    println!(
        " {} | {:.0} |",
        ms(r.e2e.saturating_sub(sequential)),
        r.e2e.as_secs_f64() * 1e6 / r.patients.max(1) as f64
    );
}

/// The night: `a.night` small workbooks in one folder through `mmreport run`, the best of
/// `a.reps` runs.
fn night(a: &Args, bin: &Path, data: &Path) {
    eprintln!("night: preparing {} workbooks ...", a.night);
    let dir = night_folder(data, a.night);
    let out = data.join("out-night");
    let mut best: Option<(Duration, u64)> = None;
    for rep in 0..a.reps {
        eprintln!("night: run {}/{}", rep + 1, a.reps);
        let (wall, peak) = run_mmreport(bin, &dir, &out);
        best = Some(match best {
            Some((w, p)) => (w.min(wall), p.max(peak)),
            None => (wall, peak),
        });
    }
    if let Some((wall, peak)) = best {
        println!(
            "\nNight: {} workbooks of 32 synthetic patients in one folder, `mmreport run` \
             end to end: {:.2} s (minimum of {} runs; {:.1} ms per workbook), peak {:.0} MB, \
             load average after {}.",
            a.night,
            wall.as_secs_f64(),
            a.reps,
            wall.as_secs_f64() * 1000.0 / a.night as f64,
            peak as f64 / 1024.0,
            load()
        );
    }
}
