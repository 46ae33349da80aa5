//! The night's memory budget (`batch.memory_budget_bytes`): a workbook is admitted into the
//! parallel pool only while the sum of the estimates of the workbooks under way
//! ([`mmreport_ingest::footprint::Footprint::estimate_bytes`]) plus its own stays under the
//! budget; otherwise it waits for one to finish. A workbook estimated over the budget on its
//! own is never admitted (the caller quarantines it). Two shared-string bombs in one night
//! took 8.2 GB because each was bounded alone and both ran at once (issue 17).
//!
//! The waiting happens on the batch's own worker threads, never on rayon's: a rayon worker
//! blocked here could be the one that must run the admitted workbook's parallel work.

use std::sync::{Condvar, Mutex};

/// Memory admitted so far against a fixed budget.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// A workbook's admission: its estimate is given back when this is dropped.
#[derive(Debug)]
pub struct Admitted<'a> {
    budget: &'a Budget,
    bytes: u64,
}

/// Why a workbook cannot be admitted at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the workbook is estimated to need {estimate} bytes of memory, more than the night's memory budget of {limit} bytes (batch.memory_budget_bytes)")]
pub struct OverBudget {
    pub estimate: u64,
    pub limit: u64,
}

impl Budget {
    pub fn new(limit: u64) -> Budget {
        Budget {
            limit,
            used: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Admits `bytes`, waiting while the workbooks under way leave too little room; an
    /// estimate over the whole budget is refused at once (it would wait forever).
    pub fn admit(&self, bytes: u64) -> Result<Admitted<'_>, OverBudget> {
        if bytes > self.limit {
            return Err(OverBudget {
                estimate: bytes,
                limit: self.limit,
            });
        }
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        // `bytes <= limit`, so the wait ends once every workbook under way has finished.
        while used.saturating_add(bytes) > self.limit {
            used = self.freed.wait(used).unwrap_or_else(|p| p.into_inner());
        }
        *used += bytes;
        Ok(Admitted {
            budget: self,
            bytes,
        })
    }

    /// Bytes admitted now.
    pub fn in_use(&self) -> u64 {
        *self.used.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|p| p.into_inner());
        *used = used.saturating_sub(self.bytes);
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_workbook_over_the_whole_budget_is_refused() {
        let b = Budget::new(100);
        assert_eq!(
            b.admit(101).unwrap_err(),
            OverBudget {
                estimate: 101,
                limit: 100
            }
        );
        assert_eq!(b.in_use(), 0);
    }

    #[test]
    fn a_second_workbook_waits_until_the_first_frees_its_share() {
        let b = Budget::new(100);
        let first = b.admit(60).unwrap();
        let admitted = AtomicBool::new(false);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                let second = b.admit(50).unwrap();
                admitted.store(true, Ordering::SeqCst);
                drop(second);
            });
            std::thread::sleep(std::time::Duration::from_millis(200));
            assert!(
                !admitted.load(Ordering::SeqCst),
                "admitted while 60 of 100 were in use"
            );
            assert_eq!(b.in_use(), 60);
            drop(first);
            waiter.join().unwrap();
        });
        assert!(admitted.load(Ordering::SeqCst));
        assert_eq!(b.in_use(), 0);
        // Two that fit together run together.
        let (x, y) = (b.admit(50).unwrap(), b.admit(50).unwrap());
        assert_eq!(b.in_use(), 100);
        drop((x, y));
    }
}
