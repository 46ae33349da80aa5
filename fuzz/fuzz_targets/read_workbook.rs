//! Arbitrary bytes into `mmreport::ingest::read_workbook`: it must return `Ok` or an
//! `IngestError`, never crash, hang or exhaust memory (run with `-rss_limit_mb`). Limits are
//! small so that a hostile input is refused quickly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mmreport::config::Config;
use mmreport::ingest::{read_workbook, Limits};
use mmreport::ingest::IngestError;
use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};

static CONFIG: OnceLock<Option<Config>> = OnceLock::new();
static SEEN_PANICS: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fuzz_target!(|data: &[u8]| {
    let Some(cfg) = CONFIG.get_or_init(|| {
        // read_workbook turns a reader panic into IngestError::Panicked (production keeps
        // going); silence libfuzzer's abort-on-panic hook for those and list each distinct
        // one on stderr instead. A panic that escapes read_workbook still aborts: a crash.
        std::panic::set_hook(Box::new(|_| {}));
        Config::defaults().ok().map(|l| l.config)
    }) else {
        return;
    };
    let limits = Limits {
        max_cells_per_sheet: 1_000_000,
        max_cells: 2_000_000,
        max_decompressed_bytes: 64 * 1024 * 1024,
    };
    if let Err(IngestError::Panicked(msg)) = read_workbook(data, cfg, limits) {
        if let Ok(mut seen) = SEEN_PANICS.lock() {
            if seen.insert(msg.clone()) {
                eprintln!("caught reader panic #{}: {msg}", seen.len());
            }
        }
    }
});
