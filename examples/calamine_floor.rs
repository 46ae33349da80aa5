//! The floor for reading a workbook: calamine opens every sheet and touches every cell, and
//! nothing else. `benches/scale.rs` compares mmreport's end-to-end time against this.
use calamine::{Data, Reader};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: calamine_floor <workbook>"))?;
    let t = Instant::now();
    let mut wb = calamine::open_workbook_auto(&path)?;
    let mut cells = 0usize;
    let mut checksum = 0usize;
    for name in wb.sheet_names().to_vec() {
        let range = wb.worksheet_range(&name)?;
        for row in range.rows() {
            for c in row {
                cells += 1;
                checksum += match c {
                    Data::String(s) => s.len(),
                    Data::Float(f) => *f as usize & 1,
                    Data::Int(i) => *i as usize & 1,
                    Data::Empty => 0,
                    _ => 1,
                };
            }
        }
    }
    println!(
        "{cells} cells (checksum {checksum}) in {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}
