//! The `mmreport` command line: `run` (the nightly job), `check` (findings for a person),
//! `demo-data` (the bundled example workbooks). Raw arguments and the config file are
//! resolved once into an immutable [`pipeline::Context`].
//!
//! Exit codes: 0 every workbook reported (or `check` found no errors); 1 some workbook
//! failed (or `check` found errors); 2 usage or configuration error; 3 the output folder is
//! locked by another run.

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use mmreport::batch;
use mmreport::config::Config;
use mmreport::ingest::Limits;
use mmreport::model::Severity;
use mmreport::pipeline::{self, Context};
use std::path::PathBuf;
use std::process::ExitCode;

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

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Report every workbook under INPUT into OUTPUT (the nightly job).
    Run {
        /// A workbook, or a folder searched recursively.
        #[arg(long)]
        input: PathBuf,
        /// The output folder (one report directory per workbook).
        #[arg(long)]
        output: PathBuf,
        /// A TOML file merged over the built-in configuration.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Print the findings of one workbook, grouped by sheet; exit 1 when there are errors.
    Check {
        file: PathBuf,
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
}

fn context(config: Option<&std::path::Path>) -> anyhow::Result<Context> {
    let loaded = Config::load(config)?;
    Ok(Context {
        config: loaded,
        run_date: chrono::Local::now().date_naive(),
        limits: Limits::default(),
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let result = match cli.command {
        Command::Run {
            input,
            output,
            config,
        } => cmd_run(&input, &output, config.as_deref()),
        Command::Check { file, config } => cmd_check(&file, config.as_deref()),
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

fn cmd_run(
    input: &std::path::Path,
    output: &std::path::Path,
    config: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let ctx = context(config)?;
    if !input.exists() {
        anyhow::bail!("input {} does not exist", input.display());
    }
    let files =
        batch::discover(input).with_context(|| format!("cannot list {}", input.display()))?;
    std::fs::create_dir_all(output)
        .with_context(|| format!("cannot create {}", output.display()))?;
    tracing::info!(files = files.len(), "workbooks found");
    let outcomes = batch::run(&files, output, &ctx);
    let failed = outcomes
        .iter()
        .filter(|o| o.status == batch::Status::Failed)
        .count();
    eprintln!(
        "{} workbook(s): {} reported, {} failed",
        outcomes.len(),
        outcomes.len() - failed,
        failed
    );
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn cmd_check(file: &std::path::Path, config: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let ctx = context(config)?;
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
    print!(
        "{}",
        mmreport::render::text::check_report(&processed.results)
    );
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
