//! The `mmreport` command line: `run` (the nightly job), `check` (findings for a person),
//! `demo-data` (the bundled example workbooks). Raw arguments and the config file are
//! resolved once into an immutable [`pipeline::Context`].
//!
//! Exit codes: 0 every workbook reported (or `check` found no errors); 1 some workbook
//! failed (or `check` found errors); 2 usage or configuration error; 3 the output folder is
//! locked by another run; 4 the output could not be written (a full or read-only disk: the
//! manifest, index or run log); 143 stopped by SIGTERM (the run log says what was not
//! started).

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use mmreport::batch;
use mmreport::config::Config;
use mmreport::model::Severity;
use mmreport::pipeline::{self, Context};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc reuses freed memory instead of returning it to the kernel and faulting it back in:
/// a registry-sized workbook allocates and frees large buffers at every stage.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "mmreport",
    version,
    about = "Validated, publication-ready reports from multiple myeloma case-record workbooks"
)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Human, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// The report language of `--language` (`study.language` in the configuration).
#[derive(Clone, Copy, ValueEnum)]
enum Lang {
    /// English.
    En,
    /// Chinese (简体中文).
    Zh,
}

impl From<Lang> for mmreport::config::Language {
    fn from(l: Lang) -> Self {
        match l {
            Lang::En => mmreport::config::Language::En,
            Lang::Zh => mmreport::config::Language::Zh,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Report every workbook under INPUT into OUTPUT (the nightly job). Only workbooks
    /// changed since their last report are redone. Exit codes: 0 every workbook reported
    /// (or unchanged), 1 some workbook failed (see OUTPUT/_failed) or the on_complete
    /// command failed, or a folder of INPUT cannot be listed, 2 usage or configuration error,
    /// 3 another run holds OUTPUT's lock, 4 OUTPUT could not be written (disk full: manifest,
    /// index or run log), 143 stopped by SIGTERM (workbooks under way finish, the run log is
    /// written).
    Run(RunArgs),
    /// Print the findings of one workbook, grouped by sheet; exit 1 when there are errors.
    Check {
        file: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
        /// Language of the output: en or zh (overrides the config's study.language).
        #[arg(long, value_enum)]
        language: Option<Lang>,
    },
    /// Write a commented starter site config for an export to stdout: the header row found,
    /// each header with the dictionary column proposed and why, the headers not placed and
    /// what is still required. Check the lines marked CHECK, then `run --config` with it.
    Map {
        file: PathBuf,
        /// A site config to start from (its aliases and units are already applied).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write the example workbooks (the seed paper's 32 patients, canonical and messy
    /// Chinese layouts) or a synthetic cohort of any size.
    DemoData {
        /// Output folder.
        #[arg(long)]
        output: PathBuf,
        /// Write a synthetic cohort of this many patients instead of the paper cohort.
        #[arg(long)]
        patients: Option<usize>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MMREPORT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match format {
        LogFormat::Human => {
            use std::io::IsTerminal;
            b.with_target(false)
                .with_ansi(std::io::stderr().is_terminal())
                .init()
        }
        LogFormat::Json => b.json().init(),
    }
    std::panic::set_hook(Box::new(|info| log_panic(info.payload(), info.location())));
}

/// The panic hook: one log record in the chosen format (with `--log-format json`, one JSON
/// line, never the default hook's free text). A write error inside the Excel writer (which
/// panics on a full disk, and is caught and reported as a write error) is logged as such.
fn log_panic(payload: &(dyn std::any::Any + Send), location: Option<&std::panic::Location<'_>>) {
    let message = mmreport::render::xlsx::panic_message(payload);
    let location = location
        .map(|l| format!("{}:{}", l.file(), l.line()))
        .unwrap_or_default();
    if message.contains(mmreport::render::xlsx::XLSXWRITER_WRITE_PANIC) {
        tracing::warn!(%location, "a write failed inside the Excel writer (disk full or not writable)");
    } else {
        tracing::error!(panic = %message, %location, "internal error (a bug in mmreport, please report it)");
    }
}

/// The configuration resolved once, with the `[batch]` limits every command applies (`run`
/// and `check` read a workbook under the same limits).
fn context(config: Option<&std::path::Path>, language: Option<Lang>) -> anyhow::Result<Context> {
    let config = Config::load_in(config, language.map(Into::into))?;
    // The run date is the day in `dates.time_zone`, never the process's local date.
    let today = config.config.dates.today();
    Ok(Context::new(config, today))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let result = match cli.command {
        Command::Run(args) => cmd_run(&args),
        Command::Check {
            file,
            config,
            language,
        } => cmd_check(&file, config.as_deref(), language),
        Command::Map { file, config } => cmd_map(&file, config.as_deref()),
        Command::DemoData {
            output,
            patients,
            seed,
        } => cmd_demo(&output, patients, seed),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The flags of `run`.
#[derive(clap::Args)]
struct RunArgs {
    /// A workbook, or a folder searched recursively.
    #[arg(long)]
    input: PathBuf,
    /// The output folder (one report directory per workbook).
    #[arg(long)]
    output: PathBuf,
    /// A TOML file merged over the built-in configuration.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Language of the reports, index.html and error pages: en or zh (overrides the config's
    /// study.language; a changed language redoes the reports).
    #[arg(long, value_enum)]
    language: Option<Lang>,
    /// Redo every workbook, changed or not.
    #[arg(long)]
    force: bool,
    /// Wait for a concurrent run to finish instead of exiting with code 3.
    #[arg(long)]
    wait: bool,
    /// Process only the files whose path hashes to shard I of N (0-based), e.g.
    /// `--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`.
    #[arg(long, value_name = "I/N", env = "MMREPORT_SHARD")]
    shard: Option<batch::Shard>,
    /// Leave files modified less than this many seconds ago (overrides
    /// batch.settle_seconds).
    #[arg(long, value_name = "SECONDS")]
    settle_seconds: Option<u64>,
    /// Replace patient ids in every output by a keyed hash (key file:
    /// batch.pseudonymize_key_file).
    #[arg(long)]
    pseudonymize: bool,
}

/// Exit code of a run another process holds the lock of.
const EXIT_LOCKED: u8 = 3;

/// Exit code of a run that could not write its output folder's own files (the manifest, its
/// journal, the index or the run log: a full or read-only disk), after trying to write the
/// run log. Not 2: nothing was wrong with how it was called (issue 17).
const EXIT_OUTPUT: u8 = 4;

/// Exit code of a run stopped by SIGTERM (128 + 15, the shell's convention), after the
/// workbooks under way finished and the run log was written; `on_complete` is not run.
const EXIT_TERMINATED: u8 = 143;

fn cmd_run(a: &RunArgs) -> anyhow::Result<ExitCode> {
    let (input, output) = (a.input.as_path(), a.output.as_path());
    let ctx = context(a.config.as_deref(), a.language)?;
    let b = &ctx.config.config.batch;
    let shard = a.shard.unwrap_or(batch::Shard { index: 0, count: 1 });
    let pseudonym_key = if a.pseudonymize {
        Some(pseudonym_key(b)?)
    } else {
        None
    };
    if !input.exists() {
        anyhow::bail!("input {} does not exist", input.display());
    }
    std::fs::create_dir_all(output)
        .with_context(|| format!("cannot create {}", output.display()))?;
    refuse_overlap(input, output)?;
    let Some(lock) = lock_output(output, shard, a.wait)? else {
        return Ok(ExitCode::from(EXIT_LOCKED));
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    #[cfg(unix)]
    signal_hook::flag::register(signal_hook::consts::SIGTERM, std::sync::Arc::clone(&stop))
        .context("cannot install the SIGTERM handler")?;
    let opts = batch::Options {
        stop: std::sync::Arc::clone(&stop),
        settle: std::time::Duration::from_secs(a.settle_seconds.unwrap_or(b.settle_seconds)),
        keep_versions: b.keep_versions,
        force: a.force,
        shard,
        pseudonym_key,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let discovery = batch::discover(input, opts.settle, shard, b.follow_symlinks)?;
    log_discovery(&discovery);
    let summary = batch::run(input, output, &ctx, &opts, discovery)?;
    log_summary(&summary);
    if !summary.log.output_errors.is_empty() {
        // Logged, not printed: one JSON line with `--log-format json`.
        tracing::error!(
            output = %output.display(),
            errors = %summary.log.output_errors.join("; "),
            "the output folder could not be written (disk full or not writable); reports published before stay valid"
        );
        drop(lock);
        return Ok(ExitCode::from(EXIT_OUTPUT));
    }
    if summary.log.interrupted {
        // What systemd and Kubernetes send: the run log is written; 128 + SIGTERM.
        drop(lock);
        return Ok(ExitCode::from(EXIT_TERMINATED));
    }
    let mut ok = summary.log.failed == 0 && summary.log.errors.is_empty();
    if let (Some(command), Some(log_path)) = (&b.on_complete, &summary.log_path) {
        ok &= on_complete(command, log_path);
    }
    drop(lock);
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The key of `--pseudonymize`: the trimmed contents of `batch.pseudonymize_key_file`, at
/// least 16 bytes (a shorter key would make the keyed hashes guessable).
fn pseudonym_key(b: &mmreport::config::Batch) -> anyhow::Result<Vec<u8>> {
    let Some(file) = &b.pseudonymize_key_file else {
        anyhow::bail!("--pseudonymize needs a key: set batch.pseudonymize_key_file in the config");
    };
    let key = std::fs::read(file).with_context(|| format!("cannot read the key file {file}"))?;
    let key = key.trim_ascii().to_vec();
    if key.len() < 16 {
        anyhow::bail!(
            "the key file {file} holds {} bytes; use at least 16 random bytes",
            key.len()
        );
    }
    Ok(key)
}

/// Takes the output folder's locks for `shard`: the folder's own lock (`.mmreport.lock`),
/// exclusive for an unsharded run and shared for a shard (the shards of an array run
/// together; an unsharded run never runs beside any of them), then a shard's own lock,
/// exclusive. `None` when another run holds one and `wait` is off (the caller exits with
/// [`EXIT_LOCKED`]); with `wait`, blocks until they are free.
fn lock_output(
    output: &std::path::Path,
    shard: batch::Shard,
    wait: bool,
) -> anyhow::Result<Option<Vec<std::fs::File>>> {
    let whole = batch::Shard { index: 0, count: 1 };
    let mut locks = Vec::new();
    let sharded = shard.count > 1;
    let Some(folder) = take_lock(output, &batch::lock_path(output, whole), sharded, wait)? else {
        return Ok(None);
    };
    locks.push(folder);
    if sharded {
        let Some(own) = take_lock(output, &batch::lock_path(output, shard), false, wait)? else {
            return Ok(None);
        };
        locks.push(own);
    }
    Ok(Some(locks))
}

/// Takes one lock file, shared or exclusive (see [`lock_output`]).
fn take_lock(
    output: &std::path::Path,
    lock_path: &std::path::Path,
    shared: bool,
    wait: bool,
) -> anyhow::Result<Option<std::fs::File>> {
    use fs4::FileExt;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)
        .with_context(|| format!("cannot open the lock file {}", lock_path.display()))?;
    let attempt = if shared {
        FileExt::try_lock_shared(&lock)
    } else {
        FileExt::try_lock(&lock)
    };
    match attempt {
        Ok(()) => Ok(Some(lock)),
        Err(fs4::TryLockError::WouldBlock) if wait => {
            tracing::info!(lock = %lock_path.display(), "another run holds the lock; waiting");
            let taken = if shared {
                FileExt::lock_shared(&lock)
            } else {
                FileExt::lock(&lock)
            };
            taken.with_context(|| format!("cannot lock {}", lock_path.display()))?;
            Ok(Some(lock))
        }
        Err(fs4::TryLockError::WouldBlock) => {
            eprintln!(
                "error: another mmreport run is writing to {} (lock {}); exiting. Use --wait to wait for it instead.",
                output.display(),
                lock_path.display()
            );
            Ok(None)
        }
        Err(fs4::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", lock_path.display()))
        }
    }
}

/// Logs what discovery found (file names only, never contents).
fn log_discovery(d: &batch::Discovery) {
    tracing::info!(
        files = d.files.len(),
        unsettled = d.unsettled.len(),
        other_shards = d.other_shards,
        "workbooks found"
    );
    for f in &d.unsettled {
        tracing::info!(file = %f, "modified less than the settle time ago; left for the next run");
    }
}

/// Logs the run's totals and where its run log is.
fn log_summary(summary: &batch::Summary) {
    let log = &summary.log;
    tracing::info!(
        seen = log.files_seen,
        reported = log.reported,
        unchanged = log.skipped,
        failed = log.failed,
        left_to_settle = log.unsettled.len(),
        run_log = %summary.log_path.as_deref().map(|p| p.display().to_string()).unwrap_or_default(),
        "run finished: {} reported, {} unchanged, {} failed",
        log.reported,
        log.skipped,
        log.failed
    );
}

/// Runs `batch.on_complete` with the run log's path as `$1`; whether it succeeded (a failure
/// keeps the reports and makes the run exit 1).
fn on_complete(command: &str, log_path: &std::path::Path) -> bool {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{command} \"$1\""))
        .arg("mmreport-on-complete")
        .arg(log_path)
        .status();
    match status {
        Ok(s) if s.success() => {
            tracing::info!("on_complete command succeeded");
            true
        }
        Ok(s) => {
            tracing::error!(status = %s, "on_complete command failed; reports are kept");
            false
        }
        Err(e) => {
            tracing::error!(error = %e, "on_complete command could not start; reports are kept");
            false
        }
    }
}

/// An output folder that is the input folder, or holds it, would read its own reports as
/// input. (An output folder inside the input is fine: discovery skips it.)
fn refuse_overlap(input: &std::path::Path, output: &std::path::Path) -> anyhow::Result<()> {
    let canonical = |p: &std::path::Path| {
        std::fs::canonicalize(p).with_context(|| format!("cannot resolve {}", p.display()))
    };
    let (i, o) = (canonical(input)?, canonical(output)?);
    if i.starts_with(&o) {
        anyhow::bail!(
            "the output folder {} is the input folder or contains it; choose an output folder outside {}",
            output.display(),
            input.display()
        );
    }
    Ok(())
}

fn cmd_map(file: &std::path::Path, config: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let ctx = context(config, None)?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match mmreport::map::starter_config(&bytes, &name, &ctx.config.config) {
        Ok(text) => {
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("{name}: error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn cmd_check(
    file: &std::path::Path,
    config: Option<&std::path::Path>,
    language: Option<Lang>,
) -> anyhow::Result<ExitCode> {
    let ctx = context(config, language)?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let processed = match pipeline::process(&bytes, &name, &ctx) {
        Ok(p) => p,
        Err(e) => {
            println!("{name}: error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let catalog = mmreport::render::context::Catalog::load(&ctx.config.config)
        .context("cannot load the label catalogs")?;
    print!(
        "{}",
        mmreport::render::text::check_report_in(&processed.results, &catalog.labels)
    );
    // Recorded against IMWG-derived disease state and response, for the person checking
    // (in Chinese, the words of the report's summary table).
    match mmreport::render::text::rules_summary_in(&processed.results, &catalog.labels) {
        Some(summary) => println!("\n{summary}"),
        None => println!("\n{}", processed.rules_summary),
    }
    let errors = processed
        .results
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error);
    Ok(if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn cmd_demo(
    output: &std::path::Path,
    patients: Option<usize>,
    seed: u64,
) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(output)
        .with_context(|| format!("cannot create {}", output.display()))?;
    use mmreport::demo;
    match patients {
        Some(n) => {
            let path = output.join(format!("synthetic-{n}.xlsx"));
            demo::write_synthetic(&path, n, seed)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => {
            for (name, layout) in [
                ("bendamustine-32.xlsx", demo::Layout::Canonical),
                ("bendamustine-32-zh-messy.xlsx", demo::Layout::MessyChinese),
            ] {
                let path = output.join(name);
                demo::write_paper(&path, layout)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
