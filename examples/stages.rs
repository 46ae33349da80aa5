//! Prints the wall time of each pipeline stage for one workbook (a development aid; the
//! benchmark suite in `benches/` is the measured record).
use std::time::Instant;

// The allocator `mmreport` itself uses, so stage times match the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: stages <workbook>"))?;
    let t0 = Instant::now();
    let bytes = std::fs::read(&path)?;
    let ctx = mmreport::pipeline::Context::new(
        mmreport::config::Config::defaults()?,
        chrono::Local::now().date_naive(),
    );
    let p = mmreport::pipeline::process(&bytes, &path, &ctx)?;
    for (name, d) in &p.timings {
        println!("{name:>10}: {:8.1} ms", d.as_secs_f64() * 1000.0);
    }
    println!("{:>10}: {} MB peak after the pipeline", "memory", peak_mb());
    let cfg = &ctx.config.config;
    let t = Instant::now();
    let html = mmreport::render::html::render_html(&p.results, cfg)?;
    println!(
        "{:>10}: {:8.1} ms ({} KB, {} figures)",
        "html",
        t.elapsed().as_secs_f64() * 1000.0,
        html.html.len() / 1024,
        html.figures.len()
    );
    let t = Instant::now();
    let xlsx = mmreport::render::xlsx::render_xlsx(&p.results, cfg)?;
    println!(
        "{:>10}: {:8.1} ms ({} KB)",
        "xlsx",
        t.elapsed().as_secs_f64() * 1000.0,
        xlsx.len() / 1024
    );
    let t = Instant::now();
    let mut json = Vec::new();
    mmreport::publish::write_results_json(&mut json, &p.results, cfg)?;
    println!(
        "{:>10}: {:8.1} ms ({} KB)",
        "json",
        t.elapsed().as_secs_f64() * 1000.0,
        json.len() / 1024
    );
    drop(json);
    let dir = tempfile::tempdir()?;
    let t = Instant::now();
    let renderer = mmreport::render::Renderer::new(cfg)?;
    mmreport::publish::write_report(dir.path(), &p.results, cfg, &renderer)?;
    println!(
        "{:>10}: {:8.1} ms ({} MB peak)",
        "report",
        t.elapsed().as_secs_f64() * 1000.0,
        peak_mb()
    );
    println!(
        "{:>10}: {:8.1} ms",
        "total",
        t0.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Peak resident memory of this process so far (Linux; 0 elsewhere).
fn peak_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}
