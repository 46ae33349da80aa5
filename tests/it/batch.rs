//! The nightly run (`mmreport run`), end to end through the real binary: reports and
//! quarantine, skipping unchanged workbooks, crash safety under SIGKILL, the lock, hostile
//! files, sharding, changes, pseudonymisation and the on_complete hook.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::util::*;
use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A valid workbook with the given patient ids (and optionally a death for the first).
fn workbook(ids: &[&str], death_of_first: bool) -> Vec<u8> {
    let mut rows = vec![vec![
        S("patient_id"),
        S("index_date"),
        S("last_followup_date"),
        S("death_date"),
    ]];
    for (i, id) in ids.iter().enumerate() {
        rows.push(vec![
            S(id),
            D("2020-01-01"),
            D("2021-01-01"),
            if i == 0 && death_of_first {
                D("2021-01-01")
            } else {
                E
            },
        ]);
    }
    xlsx(&[("patients", rows)])
}

fn good(id: &str) -> Vec<u8> {
    workbook(&[id, "P2"], false)
}

fn bin() -> Command {
    Command::cargo_bin("mmreport").unwrap()
}

struct Out {
    code: i32,
    stderr: String,
}

fn run(input: &Path, output: &Path, extra: &[&str]) -> Out {
    let o = bin()
        .arg("run")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(["--settle-seconds", "0"])
        .args(extra)
        .env("MMREPORT_LOG", "info")
        .output()
        .unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// The run logs of an output folder, oldest first.
fn run_logs(output: &Path) -> Vec<serde_json::Value> {
    let mut paths: Vec<PathBuf> = fs::read_dir(output.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_slice(&fs::read(p).unwrap()).unwrap())
        .collect()
}

fn statuses(log: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = log["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["file"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

const REPORT_FILES: [&str; 6] = [
    "results.json",
    "adsl.csv",
    "adtte.csv",
    "adrs.csv",
    "adae.csv",
    "changes.json",
];

fn assert_complete_report(dir: &Path) {
    for f in REPORT_FILES {
        assert!(
            dir.join(f).is_file(),
            "{} lacks {f}; it holds {:?}; its folder holds {:?}",
            dir.display(),
            fs::read_dir(dir).map(|r| r.map(|e| e.map(|e| e.file_name())).collect::<Vec<_>>()),
            dir.parent()
                .and_then(|p| fs::read_dir(p).ok())
                .map(|r| r.map(|e| e.map(|e| e.file_name())).collect::<Vec<_>>())
        );
    }
    let r: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("results.json")).unwrap()).unwrap();
    assert!(r["datasets"]["adsl"].is_array());
    let _: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("changes.json")).unwrap()).unwrap();
}

fn error_of(output: &Path, rel: &str) -> String {
    let dir = output.join("_failed").join(rel);
    assert!(dir.join("error.html").is_file(), "no error.html for {rel}");
    let j: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("error.json")).unwrap()).unwrap();
    j["error"].as_str().unwrap().to_string()
}

#[test]
fn three_good_one_corrupt() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(input.join("ward b")).unwrap();
    fs::write(input.join("a.xlsx"), good("A1")).unwrap();
    fs::write(input.join("b.xlsx"), good("B1")).unwrap();
    fs::write(input.join("ward b/c.xlsx"), good("C1")).unwrap();
    fs::write(input.join("broken.xlsx"), b"this is not a spreadsheet").unwrap();
    // Left alone: an Office lock file, a hidden file, a temporary file, a hidden folder.
    fs::write(input.join("~$a.xlsx"), b"lock").unwrap();
    fs::write(input.join(".hidden.xlsx"), b"x").unwrap();
    fs::write(input.join("d.xlsx.tmp"), b"x").unwrap();
    fs::create_dir_all(input.join(".git")).unwrap();
    fs::write(input.join(".git/e.xlsx"), b"x").unwrap();
    let before = fs::read(input.join("broken.xlsx")).unwrap();

    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for d in ["a", "b", "ward b/c"] {
        assert_complete_report(&output.join(d));
    }
    assert!(error_of(&output, "broken.xlsx").contains("not a readable spreadsheet"));
    assert_eq!(fs::read(input.join("broken.xlsx")).unwrap(), before);
    let index = fs::read_to_string(output.join("index.html")).unwrap();
    for f in ["a.xlsx", "b.xlsx", "ward b/c.xlsx", "broken.xlsx"] {
        assert!(index.contains(&format!("<td>{f}</td>")), "index lacks {f}");
    }
    assert!(index.contains("ward%20b/c/report.html"));
    assert!(!index.contains("<script"));
    let logs = run_logs(&output);
    assert_eq!(logs.len(), 1);
    assert_eq!(
        statuses(&logs[0]),
        vec![
            ("a.xlsx".into(), "reported".into()),
            ("b.xlsx".into(), "reported".into()),
            ("broken.xlsx".into(), "failed".into()),
            ("ward b/c.xlsx".into(), "reported".into()),
        ]
    );
    assert_eq!(logs[0]["files_seen"], 4);
}

#[test]
fn unchanged_workbooks_are_skipped_and_a_change_redoes_exactly_one() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    for n in ["a", "b", "c"] {
        fs::write(input.join(format!("{n}.xlsx")), good(n)).unwrap();
    }
    assert_eq!(run(&input, &output, &[]).code, 0);
    let a_before = fs::read(output.join("a/results.json")).unwrap();

    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let logs = run_logs(&output);
    assert!(statuses(&logs[1]).iter().all(|(_, s)| s == "skipped"));
    assert_eq!(fs::read(output.join("a/results.json")).unwrap(), a_before);

    // One workbook's content changes: one more patient, and a death.
    fs::write(input.join("b.xlsx"), workbook(&["b", "P2", "P3"], true)).unwrap();
    assert_eq!(run(&input, &output, &[]).code, 0);
    let logs = run_logs(&output);
    assert_eq!(
        statuses(&logs[2]),
        vec![
            ("a.xlsx".into(), "skipped".into()),
            ("b.xlsx".into(), "reported".into()),
            ("c.xlsx".into(), "skipped".into()),
        ]
    );
    let changes: serde_json::Value =
        serde_json::from_slice(&fs::read(output.join("b/changes.json")).unwrap()).unwrap();
    assert_eq!(changes["patients"]["added"], serde_json::json!(["P3"]));
    assert_eq!(changes["patients"]["removed"], serde_json::json!([]));
    let events: Vec<(String, String)> = changes["new_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["patient_id"].as_str().unwrap().into(),
                e["endpoint"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(events.contains(&("b".into(), "OS".into())), "{events:?}");
    let index = fs::read_to_string(output.join("index.html")).unwrap();
    assert!(index.contains("+1 patient(s)"), "{index}");
    // The previous report of b is kept as a version.
    assert_eq!(fs::read_dir(output.join("_versions/b")).unwrap().count(), 1);

    // --force redoes everything.
    assert_eq!(run(&input, &output, &["--force"]).code, 0);
    let logs = run_logs(&output);
    assert!(statuses(&logs[3]).iter().all(|(_, s)| s == "reported"));
    // keep_versions = 3: the current report and at most 2 earlier ones.
    assert_eq!(fs::read_dir(output.join("_versions/b")).unwrap().count(), 2);
    for _ in 0..2 {
        assert_eq!(run(&input, &output, &["--force"]).code, 0);
    }
    assert_eq!(fs::read_dir(output.join("_versions/b")).unwrap().count(), 2);
}

/// Every visible report directory is complete and the manifest, if any, parses.
fn assert_consistent(output: &Path) {
    if let Ok(b) = fs::read(output.join("manifest.json")) {
        let m: serde_json::Value = serde_json::from_slice(&b)
            .unwrap_or_else(|e| panic!("corrupt manifest: {e}: {}", String::from_utf8_lossy(&b)));
        assert!(m["entries"].is_object());
    }
    let Ok(rd) = fs::read_dir(output) else { return };
    for e in rd {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_dir() && !name.starts_with('.') && !name.starts_with('_') && name != "runs" {
            assert_complete_report(&e.path());
        }
    }
    if let Ok(rd) = fs::read_dir(output.join("_versions")) {
        for w in rd {
            for v in fs::read_dir(w.unwrap().path()).unwrap() {
                let v = v.unwrap();
                if !v.file_name().to_string_lossy().starts_with('.') {
                    assert_complete_report(&v.path());
                }
            }
        }
    }
}

#[test]
fn sigkill_at_any_moment_never_leaves_half_a_report() {
    let started = Instant::now();
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    write_ten_large_workbooks(&input);
    // A private copy: target/debug is shared with other worktrees' builds.
    let exe = t.path().join("mmreport");
    fs::copy(assert_cmd::cargo::cargo_bin("mmreport"), &exe).unwrap();
    let full_run = uninterrupted_run_time(&exe, &input, &t.path().join("measure"));
    let mut killed_running = 0;
    // Kill at 6 %, 12 %, ... 120 % of the measured run; a machine busier while measuring
    // than while killing makes the runs finish early, so each kill that comes too late
    // shortens the next ones, and more rounds follow until ten kills hit a running process.
    let mut scale = 1.0f64;
    let mut round = 0u32;
    while round < 20 || (killed_running < 10 && round < 60) {
        let mut child = spawn_forced_run(&exe, &input, &output);
        std::thread::sleep(full_run.mul_f64(scale * f64::from(round % 20 + 1) * 0.06));
        round += 1;
        if child.try_wait().unwrap().is_none() {
            killed_running += 1;
        } else {
            scale *= 0.8;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        check_no_process_outlives_kill(&exe, child.id());
        assert_consistent(&output);
    }
    let published_before_final = (0..10)
        .filter(|n| output.join(format!("w{n}/results.json")).exists())
        .count();
    check_final_run_completes_every_report(&exe, &input, &output);
    check_no_debris(&output);
    assert!(
        published_before_final > 0,
        "no killed run got as far as publishing"
    );
    assert!(
        killed_running >= 10,
        "only {killed_running} of {round} kills hit a running process"
    );
    eprintln!(
        "sigkill test: {killed_running}/{round} kills mid-run, {published_before_final}/10 reports published by killed runs, total {:?}",
        started.elapsed()
    );
}

/// Ten 400-patient workbooks `w0..w9.xlsx` (the first patient dead in the even ones), so a
/// run lasts long enough to be killed part-way.
fn write_ten_large_workbooks(input: &Path) {
    fs::create_dir_all(input).unwrap();
    let ids: Vec<String> = (0..400).map(|i| format!("P{i:03}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    for n in 0..10 {
        fs::write(input.join(format!("w{n}.xlsx")), workbook(&ids, n % 2 == 0)).unwrap();
    }
}

/// The length of an uninterrupted run measured here, on this machine and under this load.
/// Kill times are spread evenly over 1.2 times it: fixed sleeps were too short when the suite
/// runs on a loaded machine (no killed run got as far as publishing).
fn uninterrupted_run_time(exe: &Path, input: &Path, output: &Path) -> Duration {
    let measure = std::time::Instant::now();
    let full = std::process::Command::new(exe)
        .args(["run", "--settle-seconds", "0", "--input"])
        .arg(input)
        .arg("--output")
        .arg(output)
        .output()
        .unwrap();
    assert_eq!(full.status.code(), Some(0));
    measure.elapsed()
}

/// Starts `run --force --wait` in the background (stderr discarded).
fn spawn_forced_run(exe: &Path, input: &Path, output: &Path) -> std::process::Child {
    let spawn = || {
        std::process::Command::new(exe)
            .arg("run")
            .arg("--input")
            .arg(input)
            .arg("--output")
            .arg(output)
            .args(["--settle-seconds", "0", "--force", "--wait"])
            .stderr(std::process::Stdio::null())
            .spawn()
    };
    // ETXTBSY: a test thread forking elsewhere in this process can briefly hold the
    // copied binary's write descriptor; retry rather than fail on the race.
    spawn()
        .or_else(|_| {
            std::thread::sleep(Duration::from_millis(50));
            spawn()
        })
        .or_else(|_| {
            std::thread::sleep(Duration::from_millis(200));
            spawn()
        })
        .unwrap()
}

/// Linux: no process of this binary may outlive kill + wait.
fn check_no_process_outlives_kill(exe: &Path, child_id: u32) {
    let live: Vec<String> = fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| fs::read_link(e.path().join("exe")).is_ok_and(|x| x == exe))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        live.is_empty(),
        "still running after kill+wait: {live:?} (child {})",
        child_id
    );
}

/// After the killed runs, an ordinary run succeeds and leaves all ten reports complete.
fn check_final_run_completes_every_report(exe: &Path, input: &Path, output: &Path) {
    let out = std::process::Command::new(exe)
        .arg("run")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(["--settle-seconds", "0"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_consistent(output);
    for n in 0..10 {
        assert_complete_report(&output.join(format!("w{n}")));
    }
}

/// No debris (temporary or trash folders) is left once a run has completed.
fn check_no_debris(output: &Path) {
    let debris: Vec<_> = walkdir::WalkDir::new(output)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy();
            n.contains(".tmp-") || n.starts_with(".trash-")
        })
        .map(|e| e.path().display().to_string())
        .collect();
    assert!(debris.is_empty(), "{debris:?}");
}

#[test]
fn a_second_concurrent_run_exits_3_at_once_or_waits() {
    use fs4::FileExt;
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::create_dir_all(&output).unwrap();
    fs::write(input.join("a.xlsx"), good("A")).unwrap();
    // Hold the lock as a running `mmreport run` would.
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(output.join(".mmreport.lock"))
        .unwrap();
    FileExt::lock(&lock).unwrap();
    let start = Instant::now();
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("another mmreport run"),
        "{}",
        out.stderr
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(!output.join("a").exists());

    // --wait waits for the lock, then runs.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mmreport"))
        .arg("run")
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .args(["--settle-seconds", "0", "--wait"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(child.try_wait().unwrap().is_none(), "--wait did not wait");
    FileExt::unlock(&lock).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_complete_report(&output.join("a"));

    // Two real runs at once over a bigger folder: one of them exits 3.
    for n in 0..20 {
        fs::write(input.join(format!("w{n}.xlsx")), good("X")).unwrap();
    }
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("mmreport"))
            .arg("run")
            .arg("--input")
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .args(["--settle-seconds", "0", "--force"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut first = spawn();
    std::thread::sleep(Duration::from_millis(50));
    let second = spawn().wait().unwrap();
    let first = first.wait().unwrap();
    let mut codes = vec![first.code(), second.code()];
    codes.sort();
    assert_eq!(codes, vec![Some(0), Some(3)]);
}

/// A zip whose only oddity is a huge, highly compressible member.
fn zip_bomb(member_bytes: usize) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new_append(std::io::Cursor::new(good("Z"))).unwrap();
    w.start_file(
        "xl/media/bomb.bin",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(member_bytes > u32::MAX as usize),
    )
    .unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..member_bytes / chunk.len() {
        w.write_all(&chunk).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn cfb(extra: &[u8]) -> Vec<u8> {
    let mut b = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    b.extend_from_slice(&[0x42u8; 1024]);
    b.extend_from_slice(extra);
    b.extend_from_slice(&[0u8; 512]);
    b
}

#[test]
fn hostile_and_broken_files_are_quarantined_with_a_clear_reason() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    write_hostile_inputs(t.path(), &input);
    let cfg = t.path().join("cfg.toml");
    fs::write(&cfg, "[batch]\nmax_decompressed_bytes = 16777216\n").unwrap();
    let before = file_contents(&input);

    let start = Instant::now();
    let out = run(&input, &output, &["--config", cfg.to_str().unwrap()]);
    let took = start.elapsed();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_complete_report(&output.join("good"));
    assert!(output.join("runs").read_dir().unwrap().all(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".json")));
    let expect = [
        ("bomb.xlsx", "possible zip bomb"),
        ("far.xlsx", "is too large"),
        ("truncated.xlsx", "not a readable spreadsheet"),
        ("old.xlsx", "not a readable spreadsheet"),
        ("locked.xlsx", "password-protected or encrypted"),
        ("empty.xlsx", "empty (0 bytes)"),
        ("folder.xlsx", "folder named like a workbook"),
        ("dup.xlsx", "dup.ods has the same name"),
        #[cfg(unix)]
        ("gone.xlsx", "disappeared during the run"),
    ];
    for (file, words) in expect {
        let e = error_of(&output, file);
        assert!(e.contains(words), "{file}: {e}");
    }
    assert_eq!(file_contents(&input), before, "input files were modified");
    assert!(input.join("folder.xlsx").is_dir());
    let index = fs::read_to_string(output.join("index.html")).unwrap();
    assert!(index.contains("possible zip bomb"));
}

/// The input folder of the hostile-files test: one good workbook and one of every kind of
/// file the run must quarantine (a zip bomb, a far corner cell, truncated, old binary,
/// encrypted, empty, name clashes, a folder and a dangling link).
fn write_hostile_inputs(tmp: &Path, input: &Path) {
    fs::create_dir_all(input).unwrap();
    fs::write(input.join("good.xlsx"), good("G")).unwrap();
    // 64 MiB of zeros in ~64 KiB; the limit is set to 16 MiB below.
    fs::write(input.join("bomb.xlsx"), zip_bomb(64 << 20)).unwrap();
    fs::write(input.join("far.xlsx"), far_corner_workbook()).unwrap();
    let g = good("T");
    fs::write(input.join("truncated.xlsx"), &g[..g.len() / 2]).unwrap();
    fs::write(input.join("old.xlsx"), cfb(b"")).unwrap();
    let enc: Vec<u8> = "EncryptionInfo"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    fs::write(input.join("locked.xlsx"), cfb(&enc)).unwrap();
    fs::write(input.join("empty.xlsx"), b"").unwrap();
    // Two workbooks that would share one report folder.
    fs::write(input.join("dup.ods"), b"x").unwrap();
    fs::write(input.join("dup.xlsx"), good("D")).unwrap();
    fs::create_dir_all(input.join("folder.xlsx")).unwrap();
    // A file that is gone by the time it is read (a dangling link: listed, then missing).
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.join("moved-away.xlsx"), input.join("gone.xlsx")).unwrap();
}

/// One value in XFD1048576: a 17-billion-cell rectangle if expanded.
fn far_corner_workbook() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("patients").unwrap();
    for (c, h) in ["patient_id", "index_date", "last_followup_date"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "P1").unwrap();
    ws.write_string(1, 1, "2020-01-01").unwrap();
    ws.write_string(1, 2, "2021-01-01").unwrap();
    ws.write_string(1_048_575, 16_383, "stray").unwrap();
    wb.save_to_buffer().unwrap()
}

/// The files directly in `dir` with their bytes, sorted by path (to prove the run left its
/// input untouched).
fn file_contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn files_still_settling_are_left_for_the_next_run() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    // A copy in progress: the zip's directory, written last, is not there yet.
    let bytes = good("F");
    fs::write(input.join("copying.xlsx"), &bytes[..bytes.len() / 2]).unwrap();
    let o = bin()
        .arg("run")
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(!output.join("copying").exists());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("WARN"), "{stderr}");
    assert!(stderr.contains("left for the next run"), "{stderr}");
    let logs = run_logs(&output);
    assert_eq!(logs[0]["unsettled"], serde_json::json!(["copying.xlsx"]));
    let warning = logs[0]["warnings"][0].as_str().unwrap();
    assert!(warning.contains("--settle-seconds 0"), "{warning}");
}

#[test]
fn a_fresh_complete_workbook_is_reported_at_once() {
    // `demo-data` then `run`, or the README's command right after cloning: the workbooks
    // are seconds old but complete, so they need not wait for the settle time.
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("fresh.xlsx"), good("F")).unwrap();
    let o = bin()
        .arg("run")
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(output.join("fresh/results.json").is_file());
    assert!(run_logs(&output)[0]["warnings"].is_null());
}

#[test]
fn a_run_that_finds_no_workbook_says_so() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("notes.txt"), "not a workbook").unwrap();
    let o = bin()
        .arg("run")
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("no workbook found"), "{stderr}");
    let warning = run_logs(&output)[0]["warnings"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(warning.contains("no workbook found"), "{warning}");
}

#[test]
fn shards_cover_every_file_exactly_once() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    fs::create_dir_all(input.join("sub")).unwrap();
    let mut all: Vec<String> = Vec::new();
    let wb = good("S");
    for n in 0..13 {
        let rel = if n % 3 == 0 {
            format!("sub/s{n}.xlsx")
        } else {
            format!("w{n}.xlsx")
        };
        fs::write(input.join(&rel), &wb).unwrap();
        all.push(rel);
    }
    all.sort();
    for count in 1..=4 {
        let output = t.path().join(format!("out{count}"));
        let mut seen: Vec<String> = Vec::new();
        for index in 0..count {
            let out = run(&input, &output, &["--shard", &format!("{index}/{count}")]);
            assert_eq!(out.code, 0, "{}", out.stderr);
        }
        for log in run_logs(&output) {
            seen.extend(statuses(&log).into_iter().map(|(f, _)| f));
        }
        seen.sort();
        assert_eq!(seen, all, "shards of {count}");
        let index = fs::read_to_string(output.join("index.html")).unwrap();
        assert_eq!(index.matches("<tr class=").count(), all.len());
    }
    assert_eq!(
        run(&input, &t.path().join("x"), &["--shard", "4/4"]).code,
        2
    );
}

#[test]
fn pseudonymize_replaces_patient_ids_everywhere() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(
        input.join("a.xlsx"),
        workbook(&["MRN-7731", "MRN-7732"], true),
    )
    .unwrap();
    let key = t.path().join("key");
    fs::write(&key, "a-secret-key-of-enough-length\n").unwrap();
    let cfg = t.path().join("cfg.toml");
    fs::write(
        &cfg,
        format!(
            "[batch]\npseudonymize_key_file = {:?}\n",
            key.to_str().unwrap()
        ),
    )
    .unwrap();
    // Without a key configured, --pseudonymize is a configuration error.
    assert_eq!(run(&input, &output, &["--pseudonymize"]).code, 2);
    let out = run(
        &input,
        &output,
        &["--pseudonymize", "--config", cfg.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut n = 0;
    for e in walkdir::WalkDir::new(&output) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let text = String::from_utf8_lossy(&fs::read(e.path()).unwrap()).into_owned();
            assert!(
                !text.contains("MRN-77"),
                "{} names a patient",
                e.path().display()
            );
            n += 1;
        }
    }
    assert!(n >= 6);
    let adsl = fs::read_to_string(output.join("a/adsl.csv")).unwrap();
    assert_eq!(adsl.matches("PS-").count(), 2, "{adsl}");
    assert!(!out.stderr.contains("MRN-77"));
}

#[test]
fn on_complete_gets_the_run_log_and_its_failure_sets_exit_1() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.xlsx"), good("A")).unwrap();
    let cfg = t.path().join("ok.toml");
    // on_complete gets the run log path as its argument: copy it.
    fs::write(
        &cfg,
        format!("[batch]\non_complete = 'cp -t {} --'\n", t.path().display()),
    )
    .unwrap();
    let out = run(&input, &output, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let logs = run_logs(&output);
    let copied: Vec<_> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(copied.len(), 1, "{copied:?}");
    assert_eq!(logs.len(), 1);

    let bad = t.path().join("bad.toml");
    fs::write(&bad, "[batch]\non_complete = 'exit 7; true'\n").unwrap();
    let out = run(
        &input,
        &output,
        &["--config", bad.to_str().unwrap(), "--force"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("on_complete"), "{}", out.stderr);
    assert_complete_report(&output.join("a"));
}

#[test]
fn json_logs_name_files_never_patients_and_no_progress_bar_off_a_terminal() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.xlsx"), workbook(&["SECRET-ID-1"], true)).unwrap();
    fs::write(input.join("b.xlsx"), b"junk").unwrap();
    let o = bin()
        .args(["--log-format", "json", "run", "--settle-seconds", "0"])
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8(o.stderr).unwrap();
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(lines
        .iter()
        .any(|l| l["fields"]["file"] == "b.xlsx" && l["level"] == "WARN"));
    assert!(lines
        .iter()
        .any(|l| l["fields"]["reported"] == 1 && l["fields"]["failed"] == 1));
    assert!(!stderr.contains("SECRET-ID"));
    assert!(
        !stderr.contains('\r'),
        "a progress bar was drawn off a terminal"
    );
}

#[test]
fn a_corrupt_manifest_is_set_aside_and_everything_redone() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.xlsx"), good("A")).unwrap();
    assert_eq!(run(&input, &output, &[]).code, 0);
    fs::write(
        output.join("manifest.json"),
        b"{\"manifest_version\": 1, \"entr",
    )
    .unwrap();
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let logs = run_logs(&output);
    assert_eq!(
        statuses(&logs[1]),
        vec![("a.xlsx".into(), "reported".into())]
    );
    let aside = fs::read_dir(&output)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("manifest.json.corrupt-")
        })
        .count();
    assert_eq!(aside, 1);
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(output.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["entries"]["a.xlsx"]["status"], "reported");
}

#[test]
fn results_json_is_compact_above_the_configured_size_and_equal_in_content() {
    let r = crate::xlsx::fixture();
    let mut cfg = mmreport::config::Config::defaults().unwrap().config;
    let mut pretty = Vec::new();
    mmreport::publish::write_results_json(&mut pretty, &r, &cfg).unwrap();
    cfg.report.json_pretty_max_patients = r.cohort.patients_read - 1;
    let mut compact = Vec::new();
    mmreport::publish::write_results_json(&mut compact, &r, &cfg).unwrap();
    assert!(pretty.contains(&b'\n'));
    assert!(!compact.contains(&b'\n'));
    assert!(compact.len() < pretty.len());
    let a: serde_json::Value = serde_json::from_slice(&pretty).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&compact).unwrap();
    assert_eq!(a, b);
}

#[test]
fn write_report_leaves_only_the_report_files_in_its_folder() {
    // The Excel listings are streamed through temporary files in this same folder: none
    // may be left behind.
    let r = crate::xlsx::fixture();
    let cfg = mmreport::config::Config::defaults().unwrap().config;
    let t = tempfile::tempdir().unwrap();
    let renderer = mmreport::render::Renderer::new(&cfg).unwrap();
    mmreport::publish::write_report(t.path(), &r, &cfg, &renderer).unwrap();
    let mut names: Vec<String> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "adae.csv",
            "adrs.csv",
            "adsl.csv",
            "adtte.csv",
            "figures",
            "report.html",
            "report.xlsx",
            "results.json"
        ]
    );
    let book = calamine::open_workbook_auto(t.path().join("report.xlsx")).unwrap();
    assert!(calamine::Reader::sheet_names(&book).contains(&"ADSL".to_string()));
}

/// The bundled example reported twice: the second report compares with the first (its
/// results.json reads back, KM curves reaching 0 included) instead of calling itself the first.
#[test]
fn a_rerun_of_the_example_is_compared_with_the_previous_report() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["bendamustine-32.xlsx", "bendamustine-32-zh-messy.xlsx"] {
        fs::copy(root.join("examples").join(name), input.join(name)).unwrap();
    }
    let cfg = root.join("examples/bendamustine.toml");
    let cfg = cfg.to_str().unwrap();
    assert_eq!(run(&input, &output, &["--config", cfg]).code, 0);
    assert_eq!(run(&input, &output, &["--config", cfg, "--force"]).code, 0);
    for dir in ["bendamustine-32", "bendamustine-32-zh-messy"] {
        let changes: serde_json::Value =
            serde_json::from_slice(&fs::read(output.join(dir).join("changes.json")).unwrap())
                .unwrap();
        assert!(changes["previous"].is_object(), "{dir}: {changes}");
        assert!(changes["not_compared"].is_null(), "{dir}: {changes}");
        let html = fs::read_to_string(output.join(dir).join("report.html")).unwrap();
        assert!(
            !html.contains("First report") && !html.contains("首份报告"),
            "{dir}"
        );
    }
}

#[test]
fn an_unreadable_previous_report_is_said_not_compared() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.xlsx"), good("A")).unwrap();
    assert_eq!(run(&input, &output, &[]).code, 0);
    fs::write(output.join("a/results.json"), "{\"truncated\": ").unwrap();
    let out = run(&input, &output, &["--force"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr.contains("previous report unreadable"),
        "{}",
        out.stderr
    );
    let changes: serde_json::Value =
        serde_json::from_slice(&fs::read(output.join("a/changes.json")).unwrap()).unwrap();
    let why = changes["not_compared"].as_str().unwrap();
    assert!(why.contains("cannot be read"), "{why}");
    let html = fs::read_to_string(output.join("a/report.html")).unwrap();
    assert!(html.contains("Not compared with the previous report"));
}

#[test]
fn an_output_folder_inside_the_input_is_never_read_and_the_input_itself_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    let output = input.join("reports");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.xlsx"), good("A")).unwrap();
    for _ in 0..2 {
        let out = run(&input, &output, &["--force"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let log = run_logs(&output).pop().unwrap();
    assert_eq!(
        statuses(&log),
        vec![("a.xlsx".to_string(), "reported".to_string())]
    );
    assert!(!output.join("_failed").exists());
    // The same folder for both, or an output folder holding the input: refused (exit 2).
    for out_dir in [input.clone(), t.path().to_path_buf()] {
        let out = run(&input, &out_dir, &[]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("contains it"), "{}", out.stderr);
    }
}

/// `deploy/cron.txt` runs its line with bash: a failing mmreport's exit status reaches the
/// output cron mails, though the log goes through `logger`.
#[test]
fn the_cron_line_keeps_the_exit_status() {
    let t = tempfile::tempdir().unwrap();
    let cron =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/cron.txt")).unwrap();
    assert!(cron.contains("SHELL=/bin/bash"));
    let line = cron.lines().find(|l| l.starts_with("30 2 ")).unwrap();
    let command = line.splitn(7, ' ').nth(6).unwrap();
    let fake = t.path().join("mmreport");
    fs::write(&fake, "#!/bin/sh\necho 'a log line' >&2\nexit 3\n").unwrap();
    fs::write(t.path().join("logger"), "#!/bin/sh\ncat >/dev/null\n").unwrap();
    for f in ["mmreport", "logger"] {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(t.path().join(f), fs::Permissions::from_mode(0o755)).unwrap();
    }
    let command = command.replace("/usr/local/bin/mmreport", fake.to_str().unwrap());
    let path = format!(
        "{}:{}",
        t.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = std::process::Command::new("bash")
        .args(["-c", &command])
        .env("PATH", path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("exited with status 3"), "{stdout}");
}

/// A grouping over a column the workbook lacks: the workbook is reported, and the analysis
/// says it is not estimable instead of quarantining a good workbook.
#[test]
fn a_grouping_without_data_is_not_estimable_not_a_quarantine() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.xlsx"), good("A")).unwrap();
    // Arrays replace the defaults: the defaults' own arrays, then the new entries.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut site = fs::read_to_string(root.join("config/analysis.toml")).unwrap();
    site.push_str(
        "\n[[groupings]]\nid = \"mprotein\"\ncolumn = \"m_protein_type\"\nlevels = true\n\
         label = \"M-protein type\"\nlabel_yes = \"\"\nlabel_no = \"\"\n\
         \n[[survival]]\nid = \"os_by_mprotein\"\nendpoint = \"os\"\ngrouping = \"mprotein\"\n",
    );
    let cfg = t.path().join("site.toml");
    fs::write(&cfg, site).unwrap();
    let out = run(&input, &output, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r: serde_json::Value =
        serde_json::from_slice(&fs::read(output.join("a/results.json")).unwrap()).unwrap();
    let s = r["analyses"]["survival"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "os_by_mprotein")
        .unwrap();
    assert_eq!(s["not_estimable"], "no patient has m_protein_type");
    let html = fs::read_to_string(output.join("a/report.html")).unwrap();
    // The report names the missing column in words (issue 14).
    assert!(html.contains("M-protein type not recorded for any patient: not estimable"));
}

/// `index.html` and the error page are templates in the configured language, escaped like
/// the report, and a hospital's override of `index.html` is used.
#[test]
fn index_and_error_pages_follow_the_language_and_the_template_dir() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.xlsx"), good("A1")).unwrap();
    fs::write(input.join("<b>.xlsx"), b"not a spreadsheet").unwrap();
    let config = t.path().join("zh.toml");
    fs::write(&config, "[study]\nlanguage = \"zh\"\n").unwrap();
    let out = run(&input, &output, &["--config", config.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let index = fs::read_to_string(output.join("index.html")).unwrap();
    assert!(index.contains("<html lang=\"zh-CN\">"), "{index}");
    assert!(index.contains("已生成1份，失败1份"), "{index}");
    assert!(index.contains("<td>&lt;b&gt;.xlsx</td>"), "{index}");
    assert!(
        index.contains("<a href=\"a/report.html\">打开</a>"),
        "{index}"
    );
    let error = fs::read_to_string(output.join("_failed/<b>.xlsx/error.html")).unwrap();
    assert!(
        error.contains("<h1>&lt;b&gt;.xlsx 未能生成报告</h1>"),
        "{error}"
    );

    let templates = t.path().join("templates");
    fs::create_dir_all(&templates).unwrap();
    fs::write(
        templates.join("index.html"),
        "{{ L.page.index_heading }}: {{ rows | length }}",
    )
    .unwrap();
    fs::write(
        &config,
        format!(
            "[report]\ntemplate_dir = {:?}\n",
            templates.display().to_string()
        ),
    )
    .unwrap();
    run(
        &input,
        &output,
        &["--config", config.to_str().unwrap(), "--force"],
    );
    let index = fs::read_to_string(output.join("index.html")).unwrap();
    assert_eq!(index, "Reports: 2");
}

/// A config (written into `dir`) that merges `extra` over the bundled example's and names a
/// pseudonymisation key.
fn pseudonym_config(dir: &Path, extra: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let key = dir.join("key");
    fs::write(&key, "a-secret-key-of-enough-length\n").unwrap();
    let base = fs::read_to_string(root.join("examples/bendamustine.toml")).unwrap();
    let cfg = dir.join("cfg.toml");
    fs::write(
        &cfg,
        format!(
            "{base}\n[batch]\npseudonymize_key_file = {:?}\n{extra}",
            key.to_str().unwrap()
        ),
    )
    .unwrap();
    cfg
}

/// Every file under `root` as text; the members of a zip (report.xlsx) each as a file of
/// their own, decompressed, so that an id inside the workbook is seen.
fn texts_of_tree(root: &Path) -> Vec<(String, String)> {
    use std::io::Read as _;
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(root) {
        let e = e.unwrap();
        if !e.file_type().is_file() {
            continue;
        }
        let bytes = fs::read(e.path()).unwrap();
        let name = e.path().display().to_string();
        // The PDF and PNG figures are binary (compressed streams, pixels): their text is the
        // SVG's, checked as such.
        if bytes.starts_with(b"%PDF-") || bytes.starts_with(b"\x89PNG") {
            continue;
        }
        if bytes.starts_with(b"PK\x03\x04") {
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            for i in 0..z.len() {
                let mut m = z.by_index(i).unwrap();
                let mut text = Vec::new();
                m.read_to_end(&mut text).unwrap();
                let member = format!("{name}!{:?}", m.name());
                out.push((member, String::from_utf8_lossy(&text).into_owned()));
            }
        } else {
            out.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out
}

/// The bundled examples reported with ids, then with `--pseudonymize` into the same folder
/// (whose previous reports, kept versions included, are identified): nothing is quarantined,
/// the pseudonymised reports are not compared with the identified ones, and no real id is
/// left anywhere in the output tree (every file, every member of every workbook).
#[test]
fn pseudonymising_over_identified_reports_leaks_no_id_and_quarantines_nothing() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["bendamustine-32.xlsx", "bendamustine-32-zh-messy.xlsx"] {
        fs::copy(root.join("examples").join(name), input.join(name)).unwrap();
    }
    let cfg = pseudonym_config(t.path(), "keep_versions = 3\n");
    let cfg = cfg.to_str().unwrap();
    let ids: Vec<String> = (1..=32).map(|i| format!("P{i:03}")).collect();
    for force in [&[][..], &["--force"][..]] {
        let out = run(&input, &output, &[&["--config", cfg], force].concat());
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let html = fs::read_to_string(output.join("bendamustine-32/report.html")).unwrap();
    assert!(
        html.contains("P001"),
        "the identified report names its patients"
    );
    let out = run(&input, &output, &["--config", cfg, "--pseudonymize"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let log = run_logs(&output).pop().unwrap();
    assert_eq!(
        (log["reported"].as_u64(), log["failed"].as_u64()),
        (Some(2), Some(0)),
        "{log}"
    );
    assert!(!output.join("_failed").exists());
    for dir in ["bendamustine-32", "bendamustine-32-zh-messy"] {
        let changes: serde_json::Value =
            serde_json::from_slice(&fs::read(output.join(dir).join("changes.json")).unwrap())
                .unwrap();
        let why = changes["not_compared"].as_str().unwrap();
        assert!(why.contains("new history"), "{dir}: {changes}");
        assert!(changes["previous"].is_null(), "{dir}: {changes}");
        let r: serde_json::Value =
            serde_json::from_slice(&fs::read(output.join(dir).join("results.json")).unwrap())
                .unwrap();
        assert_eq!(r["pseudonymized"], true);
        assert!(r["datasets"]["adsl"][0]["USUBJID"]
            .as_str()
            .unwrap()
            .starts_with("PS-"));
    }
    let files = texts_of_tree(&output);
    assert!(files.len() > 20, "{}", files.len());
    for (name, text) in &files {
        for id in &ids {
            assert!(!text.contains(id.as_str()), "{name} names patient {id}");
        }
    }
    // A second pseudonymised run compares with the first, in pseudonym space.
    let out = run(
        &input,
        &output,
        &["--config", cfg, "--pseudonymize", "--force"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let changes: serde_json::Value =
        serde_json::from_slice(&fs::read(output.join("bendamustine-32/changes.json")).unwrap())
            .unwrap();
    assert!(changes["previous"].is_object(), "{changes}");
    assert!(
        changes["patients"]["added"].as_array().unwrap().is_empty(),
        "{changes}"
    );
}

/// Numeric patient ids 1..8 and cycles completed 1..8: only the ids become pseudonyms; the
/// exposure table's cycle levels "1".."8" stay as they are.
#[test]
fn pseudonymising_changes_only_patient_ids() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    let mut rows = vec![vec![
        S("patient_id"),
        S("index_date"),
        S("last_followup_date"),
        S("cycles_completed"),
    ]];
    for i in 1..=8 {
        rows.push(vec![
            N(f64::from(i)),
            D("2020-01-01"),
            D("2021-01-01"),
            N(f64::from(i)),
        ]);
    }
    fs::write(input.join("a.xlsx"), xlsx(&[("patients", rows)])).unwrap();
    let cfg = pseudonym_config(t.path(), "");
    let out = run(
        &input,
        &output,
        &["--config", cfg.to_str().unwrap(), "--pseudonymize"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r: serde_json::Value =
        serde_json::from_slice(&fs::read(output.join("a/results.json")).unwrap()).unwrap();
    let levels: Vec<&str> = r["analyses"]["exposure"]["cycles_distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["1", "2", "3", "4", "5", "6", "7", "8"], "{r}");
    let ids: Vec<&str> = r["datasets"]["adsl"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["USUBJID"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 8);
    assert!(ids.iter().all(|id| id.starts_with("PS-")), "{ids:?}");
}

/// Workbooks named like the output folder's own files and folders (the manifests, the
/// index, the run logs, the quarantine and versions folders, at the top and as folders) are
/// reported into folders of their own (`<name>.report`), never in place of those files:
/// every night exits 0, the manifest and index stay readable and nothing is redone.
#[test]
fn reserved_names_get_report_folders_that_never_collide() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    let names = [
        "manifest.json.xlsx",
        "manifest-shard-0-of-2.json.xlsx",
        "index.html.xlsx",
        "runs.xlsx",
        "_failed.xlsx",
        "Runs/a.xlsx",
        "_versions/b.xlsx",
        "b.xlsx",
    ];
    for (i, name) in names.iter().enumerate() {
        let path = input.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, good(&format!("R{i}"))).unwrap();
    }
    for night in 0..3 {
        let extra: &[&str] = if night == 1 { &["--force"] } else { &[] };
        let out = run(&input, &output, extra);
        assert_eq!(out.code, 0, "night {night}: {}", out.stderr);
        let log = run_logs(&output).pop().unwrap();
        let want = if night == 2 { "skipped" } else { "reported" };
        assert!(
            statuses(&log).iter().all(|(_, s)| s == want),
            "night {night}: {log}"
        );
        let m: serde_json::Value =
            serde_json::from_slice(&fs::read(output.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(m["entries"].as_object().unwrap().len(), names.len());
        assert!(fs::read_to_string(output.join("index.html"))
            .unwrap()
            .contains("b.xlsx"));
    }
    for dir in [
        "manifest.json.report",
        "manifest-shard-0-of-2.json.report",
        "index.html.report",
        "runs.report",
        "_failed.report",
        "Runs.report/a",
        "_versions.report/b",
        "b",
    ] {
        assert_complete_report(&output.join(dir));
    }
    assert!(!output.join("_failed").exists());
    assert!(output
        .join("runs")
        .read_dir()
        .unwrap()
        .all(|e| e.unwrap().path().is_file()));
}

/// A report damaged after it was written (results.json truncated, report.xlsx deleted, a
/// figure rewritten to the same size) is redone on the next run without `--force`, because
/// the skip check verifies each file's recorded size and SHA-256; an intact one is skipped.
#[test]
fn damaged_reports_are_redone_without_force() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    for name in ["a", "b", "c", "d"] {
        fs::write(input.join(format!("{name}.xlsx")), good(name)).unwrap();
    }
    assert_eq!(run(&input, &output, &[]).code, 0);
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(output.join("manifest.json")).unwrap()).unwrap();
    let files = m["entries"]["a.xlsx"]["files"].as_object().unwrap();
    assert!(
        files.contains_key("results.json") && files.contains_key("report.xlsx"),
        "{m}"
    );
    let results = output.join("a/results.json");
    let full = fs::read(&results).unwrap();
    fs::write(&results, &full[..full.len() / 2]).unwrap();
    fs::remove_file(output.join("b/report.xlsx")).unwrap();
    let html = output.join("c/report.html");
    let mut same_size = fs::read(&html).unwrap();
    let last = same_size.len() - 2;
    same_size[last] ^= 0x20;
    fs::write(&html, &same_size).unwrap();
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let log = run_logs(&output).pop().unwrap();
    assert_eq!(
        statuses(&log),
        [
            ("a.xlsx", "reported"),
            ("b.xlsx", "reported"),
            ("c.xlsx", "reported"),
            ("d.xlsx", "skipped")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    for dir in ["a", "b", "c"] {
        assert_complete_report(&output.join(dir));
    }
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 0);
    let log = run_logs(&output).pop().unwrap();
    assert!(statuses(&log).iter().all(|(_, s)| s == "skipped"), "{log}");
}

/// A NUL (`_x0000_` in the sheet) and an ESC in a patient id and a note: no output file
/// carries a control character (tab and line breaks aside), every SVG figure parses as XML,
/// and the cell is a `cell.control_character` finding.
#[test]
fn control_characters_reach_no_output() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    let mut ids = vec!["P\u{0}1".to_string(), "P\u{1b}2".to_string()];
    ids.extend((3..=12).map(|i| format!("P{i}")));
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    fs::write(input.join("a.xlsx"), workbook(&ids, true)).unwrap();
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r: serde_json::Value =
        serde_json::from_slice(&fs::read(output.join("a/results.json")).unwrap()).unwrap();
    let ids: Vec<&str> = r["datasets"]["adsl"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["USUBJID"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"P\u{FFFD}1") && ids.contains(&"P\u{FFFD}2"),
        "{ids:?}"
    );
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["rule"] == "cell.control_character")
            .count(),
        2,
        "{findings:?}"
    );
    let mut svgs = 0;
    for (name, text) in texts_of_tree(&output) {
        let bad = text
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
        assert_eq!(bad, None, "{name} holds a control character");
        if name.ends_with(".svg") {
            svgs += 1;
            let mut reader = quick_xml::Reader::from_str(&text);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    std::result::Result::Err(e) => panic!("{name} is not well-formed: {e}"),
                }
            }
        }
    }
    assert!(svgs > 0, "no figure written");
}

/// SIGTERM part-way through a night (one worker, thirty large workbooks): no new workbook is
/// started, the one under way is finished, the run log is written (interrupted, with what
/// was not started) and the run exits 143; every report published is complete and the next
/// run reports exactly the rest.
#[cfg(unix)]
#[test]
fn sigterm_finishes_the_workbook_under_way_writes_the_run_log_and_exits_143() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    let ids: Vec<String> = (0..400).map(|i| format!("P{i:03}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let book = workbook(&ids, true);
    for n in 0..30 {
        fs::write(input.join(format!("w{n:02}.xlsx")), &book).unwrap();
    }
    let exe = assert_cmd::cargo::cargo_bin("mmreport");
    let mut child = std::process::Command::new(&exe)
        .arg("run")
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .args(["--settle-seconds", "0"])
        .env("RAYON_NUM_THREADS", "1")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the first workbook to be recorded (a line of the manifest's journal), then
    // stop the run.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !output.join("manifest.json.journal").exists() {
        assert!(Instant::now() < deadline, "no workbook reported in 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "{status:?}");
    let log = run_logs(&output).pop().unwrap();
    assert_eq!(log["interrupted"], true, "{log}");
    let reported = log["reported"].as_u64().unwrap();
    let not_started = log["not_started"].as_array().unwrap().len() as u64;
    assert!(reported >= 1 && not_started >= 1, "{log}");
    assert_eq!(reported + not_started, 30, "{log}");
    assert_consistent(&output);
    check_no_debris(&output);
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let log = run_logs(&output).pop().unwrap();
    assert_eq!(log["skipped"].as_u64(), Some(reported), "{log}");
    assert_eq!(log["reported"].as_u64(), Some(not_started), "{log}");
    for n in 0..30 {
        assert_complete_report(&output.join(format!("w{n:02}")));
    }
}

/// One rule for the permissions of every output: the umask. index.html, the manifest and the
/// run log (written through temporary files) have the mode of the report files.
#[cfg(unix)]
#[test]
fn every_output_file_follows_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("a.xlsx"), good("A")).unwrap();
    assert_eq!(run(&input, &output, &[]).code, 0);
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let want = mode(&output.join("a/results.json"));
    // The test runs under an ordinary umask (022 or 002): the reports are group-readable.
    assert_eq!(want & 0o040, 0o040, "{want:o}");
    let log = fs::read_dir(output.join("runs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    for p in [output.join("index.html"), output.join("manifest.json"), log] {
        assert_eq!(mode(&p), want, "{}", p.display());
    }
}

/// A workbook named with 81 Chinese characters (248 bytes with `.xlsx`, near the 255-byte
/// limit of a file name) is reported, and a broken one of that length is quarantined with
/// its error page: the hidden staging names are shortened, the full name is kept.
#[test]
fn names_near_the_file_system_limit_are_reported_and_quarantined() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    let long = "骨".repeat(80);
    let (good_name, bad_name) = (format!("{long}好.xlsx"), format!("{long}坏.xlsx"));
    assert_eq!(good_name.len(), 248);
    fs::write(input.join(&good_name), good("A")).unwrap();
    fs::write(input.join(&bad_name), b"not a workbook").unwrap();
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_complete_report(&output.join(format!("{long}好")));
    assert!(output
        .join("_failed")
        .join(&bad_name)
        .join("error.html")
        .is_file());
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(output.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["entries"][&good_name]["status"], "reported", "{m}");
    assert_eq!(m["entries"][&bad_name]["status"], "failed", "{m}");
    // A second forced night replaces the reports (old versions kept) with the same names.
    let out = run(&input, &output, &["--force"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_complete_report(&output.join(format!("{long}好")));
    check_no_debris(&output);
}

/// Two names that are not UTF-8 and differ only in their invalid bytes (`a\xff.xlsx`,
/// `a\xfe.xlsx`) are two workbooks with two report folders (`a%FF`, `a%FE`), both reported.
#[cfg(target_os = "linux")]
#[test]
fn non_utf8_names_that_decode_alike_are_both_reported() {
    use std::os::unix::ffi::OsStrExt;
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    for name in [&b"a\xff.xlsx"[..], &b"a\xfe.xlsx"[..]] {
        fs::write(input.join(std::ffi::OsStr::from_bytes(name)), good("A")).unwrap();
    }
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let log = run_logs(&output).pop().unwrap();
    assert_eq!(
        statuses(&log),
        [("a%FE.xlsx", "reported"), ("a%FF.xlsx", "reported")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_complete_report(&output.join("a%FE"));
    assert_complete_report(&output.join("a%FF"));
}

/// The folder lock covers the folder whatever the shard: while a shard runs (it holds
/// `.mmreport.lock` shared) an unsharded run exits 3, and while an unsharded run holds it
/// exclusively a shard exits 3; two shards of one array run side by side.
#[test]
fn sharded_and_unsharded_runs_never_share_the_folder() {
    use fs4::FileExt;
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::create_dir_all(&output).unwrap();
    fs::write(input.join("a.xlsx"), good("A")).unwrap();
    let open = || {
        fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(output.join(".mmreport.lock"))
            .unwrap()
    };
    let shard_running = open();
    FileExt::lock_shared(&shard_running).unwrap();
    assert_eq!(run(&input, &output, &[]).code, 3);
    // Another shard of the same array is not held back.
    assert_eq!(run(&input, &output, &["--shard", "1/2"]).code, 0);
    FileExt::unlock(&shard_running).unwrap();
    let whole_running = open();
    FileExt::lock(&whole_running).unwrap();
    let out = run(&input, &output, &["--shard", "0/2"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    FileExt::unlock(&whole_running).unwrap();
    assert_eq!(run(&input, &output, &[]).code, 0);
}

/// `good(id)` with `extra` more `<si>` elements in its shared strings, and its `<sst>` start
/// tag's `uniqueCount` replaced by `unique` when given (a file may declare anything).
fn with_shared_strings(id: &str, extra: usize, unique: Option<&str>) -> Vec<u8> {
    use std::io::{Read, Write};
    let src = good(id);
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(&src)).unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut body = Vec::new();
        f.read_to_end(&mut body).unwrap();
        if name == "xl/sharedStrings.xml" {
            let mut text = String::from_utf8(body).unwrap();
            let end = text.rfind("</sst>").unwrap();
            text.insert_str(end, &"<si><t/></si>".repeat(extra));
            if let Some(u) = unique {
                let at = text.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
                let len = text[at..].find('"').unwrap();
                text.replace_range(at..at + len, u);
            }
            body = text.into_bytes();
        }
        w.start_file(name, opts).unwrap();
        w.write_all(&body).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Issue 17: a shared-string bomb under the byte limit is refused by its count (declared in
/// `<sst uniqueCount>`, or counted when the declaration lies), before calamine reads it; a
/// workbook estimated over the night's memory budget alone is quarantined with the reason.
#[test]
fn shared_string_bombs_and_workbooks_over_the_memory_budget_are_quarantined() {
    let t = tempfile::tempdir().unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("good.xlsx"), good("G")).unwrap();
    // Within the limit: read as usual.
    fs::write(input.join("some.xlsx"), with_shared_strings("S", 500, None)).unwrap();
    // 5,000 empty strings behind a declaration of a handful.
    fs::write(
        input.join("lying.xlsx"),
        with_shared_strings("L", 5000, None),
    )
    .unwrap();
    // A declaration calamine would reserve room for.
    fs::write(
        input.join("declared.xlsx"),
        with_shared_strings("D", 0, Some("4000000000")),
    )
    .unwrap();
    let cfg = t.path().join("cfg.toml");
    fs::write(&cfg, "[batch]\nmax_shared_strings = 1000\n").unwrap();
    let out = run(&input, &output, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let log = run_logs(&output).pop().unwrap();
    assert_eq!(
        statuses(&log),
        [
            ("declared.xlsx", "failed"),
            ("good.xlsx", "reported"),
            ("lying.xlsx", "failed"),
            ("some.xlsx", "reported"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    for (file, count) in [
        ("lying.xlsx", "limit 1000"),
        ("declared.xlsx", "4000000000"),
    ] {
        let e = error_of(&output, file);
        assert!(
            e.contains("shared strings") && e.contains(count),
            "{file}: {e}"
        );
        assert!(e.contains("batch.max_shared_strings"), "{file}: {e}");
    }
    // A budget below one small workbook's estimate: nothing is admitted, each says why.
    fs::write(&cfg, "[batch]\nmemory_budget_bytes = 1000000\n").unwrap();
    let out = run(
        &input,
        &output,
        &["--config", cfg.to_str().unwrap(), "--force"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let e = error_of(&output, "good.xlsx");
    assert!(
        e.contains("memory budget of 1000000 bytes") && e.contains("batch.memory_budget_bytes"),
        "{e}"
    );
    // The previous report of good.xlsx is kept (a quarantine never removes a report).
    assert_complete_report(&output.join("good"));
}

/// Runs `mmreport run` as the unprivileged user 65534 (`setpriv`) when this process is root,
/// since permission bits do not stop root; `None` (with a note) when that is impossible.
#[cfg(target_os = "linux")]
fn run_unprivileged(input: &Path, output: &Path) -> Option<Out> {
    let exe = assert_cmd::cargo::cargo_bin("mmreport");
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe);
        c
    } else {
        std::process::Command::new(&exe)
    };
    let o = cmd
        .arg("run")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(["--settle-seconds", "0"])
        .env("MMREPORT_LOG", "info")
        .output();
    match o {
        Ok(o) if o.status.code().is_some() => Some(Out {
            code: o.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }),
        _ => {
            eprintln!("note: cannot run mmreport as an unprivileged user (setpriv); test skipped");
            None
        }
    }
}

/// Gives the tree at `path` to user 65534 (the unprivileged runner), readable by all.
#[cfg(target_os = "linux")]
fn give_to_nobody(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for e in walkdir::WalkDir::new(path) {
        let e = e.unwrap();
        let _ = std::os::unix::fs::chown(e.path(), Some(65534), Some(65534));
        let mode = if e.file_type().is_dir() { 0o755 } else { 0o644 };
        fs::set_permissions(e.path(), fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// Issue 17: a subfolder of the input that cannot be listed is an error of the run (exit 1,
/// named in the run log's errors), and the workbooks reported from it before stay in the
/// manifest and the index.
#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_input_folder_is_an_error_and_its_workbooks_stay_listed() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    fs::set_permissions(t.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let (input, output) = (t.path().join("in"), t.path().join("out"));
    fs::create_dir_all(input.join("sub")).unwrap();
    fs::write(input.join("a.xlsx"), good("A")).unwrap();
    fs::write(input.join("sub/b.xlsx"), good("B")).unwrap();
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    give_to_nobody(t.path());
    fs::set_permissions(input.join("sub"), fs::Permissions::from_mode(0o000)).unwrap();
    let Some(out) = run_unprivileged(&input, &output) else {
        return;
    };
    fs::set_permissions(input.join("sub"), fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let log = run_logs(&output).pop().unwrap();
    let errors = log["errors"].to_string();
    assert!(errors.contains("cannot list the input folder sub"), "{log}");
    assert_eq!(
        statuses(&log),
        vec![("a.xlsx".to_string(), "skipped".to_string())]
    );
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(output.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["entries"]["sub/b.xlsx"]["status"], "reported", "{m}");
    let index = fs::read_to_string(output.join("index.html")).unwrap();
    assert!(index.contains("sub/b"), "{index}");
    assert_complete_report(&output.join("sub/b"));
}

/// Issue 17: `batch.follow_symlinks`. By default a link to a workbook inside the input is
/// read; a link to a file outside the input and a link to a folder are skipped, each named
/// in the run log's warnings; with "never" no link is read.
#[cfg(unix)]
#[test]
fn symbolic_links_follow_the_documented_policy_and_every_skip_is_named() {
    use std::os::unix::fs::symlink;
    let t = tempfile::tempdir().unwrap();
    let (input, output, outside) = (
        t.path().join("in"),
        t.path().join("out"),
        t.path().join("x"),
    );
    fs::create_dir_all(&input).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(input.join("a.xlsx"), good("A")).unwrap();
    fs::write(outside.join("secret.xlsx"), good("S")).unwrap();
    symlink(input.join("a.xlsx"), input.join("link-in.xlsx")).unwrap();
    symlink(outside.join("secret.xlsx"), input.join("link-out.xlsx")).unwrap();
    symlink(&outside, input.join("linked-folder")).unwrap();
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let log = run_logs(&output).pop().unwrap();
    assert_eq!(
        statuses(&log),
        [("a.xlsx", "reported"), ("link-in.xlsx", "reported")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let warnings: Vec<String> = log["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("link-out.xlsx:") && w.contains("outside the input folder")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("linked-folder:") && w.contains("link to a folder")),
        "{warnings:?}"
    );
    assert!(out.stderr.contains("link-out.xlsx"), "{}", out.stderr);
    assert!(!output.join("link-out").exists());
    let cfg = t.path().join("cfg.toml");
    fs::write(&cfg, "[batch]\nfollow_symlinks = \"never\"\n").unwrap();
    let out = run(&input, &output, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let log = run_logs(&output).pop().unwrap();
    assert_eq!(
        statuses(&log),
        vec![("a.xlsx".to_string(), "reported".to_string())]
    );
    assert!(
        log["warnings"]
            .to_string()
            .contains("link-in.xlsx: a symbolic link; not followed"),
        "{log}"
    );
}

/// A tmpfs of `size` mounted at `dir` (created), or `None` with a note when this machine
/// does not allow it (not root, no mount): the disk-full tests then skip.
#[cfg(target_os = "linux")]
struct Tmpfs(PathBuf);

#[cfg(target_os = "linux")]
impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        fs::create_dir_all(dir).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("note: cannot mount a tmpfs (needs root); disk-full test skipped");
        }
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }

    /// Fills the file system with `name` until it is full; returns the filler's path.
    fn fill(&self, name: &str) -> PathBuf {
        use std::io::Write;
        let path = self.0.join(name);
        let mut f = fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 4096];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

#[cfg(target_os = "linux")]
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Issue 17: a full disk inside the Excel writer (rust_xlsxwriter panics on a failed write
/// of its temporary files) is a clear write error, not "a bug in mmreport".
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_inside_the_excel_writer_is_a_write_error() {
    let t = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&t.path().join("disk"), "1m") else {
        return;
    };
    let ctx = ctx();
    let path = t.path().join("p.xlsx");
    mmreport::demo::write_paper(&path, mmreport::demo::Layout::Canonical).unwrap();
    let book = fs::read(&path).unwrap();
    let results = mmreport::pipeline::process(&book, "p.xlsx", &ctx)
        .unwrap()
        .results;
    let renderer = mmreport::render::Renderer::new(&ctx.config.config).unwrap();
    disk.fill("filler");
    let e = renderer
        .xlsx
        .write(&results, &ctx.config.config, std::io::sink(), &disk.0)
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("disk is full") || text.contains("No space left"),
        "{text}"
    );
}

/// Issue 17: a full output disk. The report cannot be written (the old one stays whole), the
/// manifest, index and run log neither: the run exits 4 (not 2, the usage code) with a clear
/// message, every stderr line JSON with `--log-format json` (a panic inside a writer too);
/// once there is room again the next night reports and exits 0.
#[cfg(target_os = "linux")]
#[test]
fn a_full_output_disk_has_its_own_outcome_and_the_next_night_recovers() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    fs::create_dir_all(&input).unwrap();
    // Room for one report with its figures (PDF and 300-dpi PNG: about 6 MB).
    let Some(disk) = Tmpfs::mount(&t.path().join("out"), "16m") else {
        return;
    };
    let output = disk.0.clone();
    let book = |seed| mmreport::demo::write_synthetic(&input.join("a.xlsx"), 40, seed).unwrap();
    book(1);
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let before = fs::read(output.join("a/results.json")).unwrap();
    let filler = disk.fill(".filler");
    book(2);
    let out = run(&input, &output, &["--log-format", "json"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    for line in out.stderr.lines().filter(|l| !l.trim().is_empty()) {
        let _: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\n{}", out.stderr));
    }
    assert!(
        out.stderr.contains("could not be written") && out.stderr.contains("No space left"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("a bug in mmreport"), "{}", out.stderr);
    // The Excel writer panicked on the full disk: the hook logged it as one JSON record.
    assert!(
        out.stderr
            .contains("a write failed inside the Excel writer"),
        "{}",
        out.stderr
    );
    assert_eq!(fs::read(output.join("a/results.json")).unwrap(), before);
    assert_complete_report(&output.join("a"));
    fs::remove_file(filler).unwrap();
    let out = run(&input, &output, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_ne!(fs::read(output.join("a/results.json")).unwrap(), before);
    let log = run_logs(&output).pop().unwrap();
    assert_eq!(
        statuses(&log),
        vec![("a.xlsx".to_string(), "reported".to_string())]
    );
}
