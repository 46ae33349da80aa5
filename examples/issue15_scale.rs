//! Issue 15 scaling check: the `analyse` stage of the pipeline with the default
//! configuration (multivariable Cox, competing risks, RMST, landmark included) and with the
//! four removed, per workbook (minimum of 3 runs). The difference is what the four cost.
//! Usage: `cargo run --release --example issue15_scale -- a.xlsx b.xlsx`
use std::time::Duration;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Removes every default entry of the issue-15 arrays.
const OFF: &str = "[[cox_models]]\nid = \"pfs_multivariable\"\nremove = true\n\
[[cox_models]]\nid = \"os_multivariable\"\nremove = true\n\
[[competing_risks]]\nid = \"progression_vs_death\"\nremove = true\n\
[[rmst]]\nid = \"os_rmst_by_cycles\"\nremove = true\n\
[[landmark_analyses]]\nid = \"pfs_by_cycles_landmark\"\nremove = true\n\
[[landmark_analyses]]\nid = \"os_by_cycles_landmark\"\nremove = true\n";

/// The fastest of three `analyse` stages of `bytes` under `cfg`.
fn analyse(bytes: &[u8], cfg: &mmreport::config::Loaded) -> anyhow::Result<Duration> {
    let ctx = mmreport::pipeline::Context::new(cfg.clone(), chrono::Local::now().date_naive());
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let p = mmreport::pipeline::process(bytes, "x.xlsx", &ctx)?;
        let d = p
            .timings
            .iter()
            .find(|(n, _)| *n == "analyse")
            .map(|(_, d)| *d)
            .unwrap_or_default();
        best = best.min(d);
    }
    Ok(best)
}

fn main() -> anyhow::Result<()> {
    let on = mmreport::config::Config::defaults()?;
    let off = mmreport::config::Config::with_override(OFF, "off.toml")?;
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        let (a, b) = (analyse(&bytes, &on)?, analyse(&bytes, &off)?);
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{path}: analyse {:.1} ms with the four, {:.1} ms without: the four {:.1} ms",
            ms(a),
            ms(b),
            ms(a) - ms(b)
        );
    }
    Ok(())
}
