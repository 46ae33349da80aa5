//! Benchmarks of the survival engine: Kaplan-Meier, log-rank and Cox on 1,000,
//! 100,000 and 1,000,000 subjects. Target: KM + log-rank on 1e6 under 0.5 s.
//! The analyses of issue 15 (RMST, Aalen-Johansen, Gray's test, concordance,
//! cox.zph) on 20,000 and 200,000 subjects: a tenfold cohort should cost about
//! tenfold (they are O(n log n) at most).
//!
//! Run: `cargo bench --bench stats -- --quick`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use mmreport::stats::{
    concordance, cox, cox_zph, cumulative_incidence, gray_test, kaplan_meier, linear_predictor,
    logrank, rmst, ConfType, CrStatus, Ties,
};

struct Data {
    time: Vec<f64>,
    event: Vec<bool>,
    group: Vec<usize>,
    x: Vec<Vec<f64>>,
}

/// Deterministic synthetic cohort: exponential event and censoring times in
/// months rounded to days (so there are ties), 3 groups, 2 covariates.
fn data(n: usize) -> Data {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15 ^ n as u64;
    let mut unif = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut d = Data {
        time: Vec::with_capacity(n),
        event: Vec::with_capacity(n),
        group: Vec::with_capacity(n),
        x: Vec::with_capacity(n),
    };
    for _ in 0..n {
        let g = (unif() * 3.0) as usize;
        let age = 50.0 + 30.0 * unif();
        let rate = 0.02 * (1.0 + 0.3 * g as f64) * (0.02 * (age - 65.0)).exp();
        let et = -unif().ln() / rate;
        let ct = -unif().ln() / 0.015;
        let t = et.min(ct);
        d.time.push((t * 30.4375).round() / 30.4375);
        d.event.push(et <= ct);
        d.group.push(g);
        d.x.push(vec![g as f64, age]);
    }
    d
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("survival");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for n in [1_000usize, 100_000, 1_000_000] {
        let d = data(n);
        group.bench_with_input(BenchmarkId::new("km", n), &d, |b, d| {
            b.iter(|| kaplan_meier(black_box(&d.time), &d.event, ConfType::Log, 0.95).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("logrank", n), &d, |b, d| {
            b.iter(|| logrank(black_box(&d.time), &d.event, &d.group, 0.0).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("km+logrank+median", n), &d, |b, d| {
            b.iter(|| {
                let km = kaplan_meier(black_box(&d.time), &d.event, ConfType::Log, 0.95).unwrap();
                let lr = logrank(&d.time, &d.event, &d.group, 0.0).unwrap();
                (km.median(), lr.p)
            })
        });
        group.bench_with_input(BenchmarkId::new("cox_efron_2cov", n), &d, |b, d| {
            b.iter(|| cox(black_box(&d.time), &d.event, &d.x, Ties::Efron).unwrap())
        });
    }
    // Worst case for the table size: 1e6 distinct (continuous) times.
    let mut d = data(1_000_000);
    for (i, t) in d.time.iter_mut().enumerate() {
        *t += i as f64 * 1e-9;
    }
    group.bench_with_input(
        BenchmarkId::new("km+logrank+median_distinct_times", 1_000_000),
        &d,
        |b, d| {
            b.iter(|| {
                let km = kaplan_meier(black_box(&d.time), &d.event, ConfType::Log, 0.95).unwrap();
                let lr = logrank(&d.time, &d.event, &d.group, 0.0).unwrap();
                (km.median(), lr.p)
            })
        },
    );
    group.finish();
}

/// Competing status of the synthetic cohort: events of group 2 count as the
/// competing event.
fn competing(d: &Data) -> Vec<CrStatus> {
    d.event
        .iter()
        .zip(&d.group)
        .map(|(&e, &g)| match (e, g) {
            (false, _) => CrStatus::Censored,
            (true, 2) => CrStatus::Competing,
            (true, _) => CrStatus::Event,
        })
        .collect()
}

fn bench_issue15(c: &mut Criterion) {
    let mut group = c.benchmark_group("issue15");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for n in [20_000usize, 200_000] {
        let d = data(n);
        let status = competing(&d);
        group.bench_with_input(BenchmarkId::new("km+rmst", n), &d, |b, d| {
            b.iter(|| {
                let km = kaplan_meier(black_box(&d.time), &d.event, ConfType::Log, 0.95).unwrap();
                rmst(&km, 24.0).unwrap()
            })
        });
        group.bench_with_input(BenchmarkId::new("aalen_johansen", n), &d, |b, d| {
            b.iter(|| cumulative_incidence(black_box(&d.time), &status, 0.95).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("gray", n), &d, |b, d| {
            b.iter(|| gray_test(black_box(&d.time), &status, &d.group).unwrap())
        });
        let fit = cox(&d.time, &d.event, &d.x, Ties::Efron).unwrap();
        let lp = linear_predictor(&d.x, &fit).unwrap();
        group.bench_with_input(BenchmarkId::new("concordance", n), &d, |b, d| {
            b.iter(|| concordance(black_box(&d.time), &d.event, &lp).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("cox_zph", n), &d, |b, d| {
            let terms = [vec![0], vec![1]];
            b.iter(|| {
                cox_zph(
                    black_box(&d.time),
                    &d.event,
                    &d.x,
                    Ties::Efron,
                    &fit,
                    &terms,
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench, bench_issue15);
criterion_main!(benches);
