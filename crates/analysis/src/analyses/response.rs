//! Response tables: each checkpoint over the patients assessed there; final (last assessment,
//! as the paper reports it) and best response over the response-evaluable patients; ORR and
//! DCR with exact Clopper-Pearson CIs (`binom.test`); final response by subgroup with
//! Fisher's exact test of ORR between levels; time to response and duration of response (KM)
//! among responders. Categories counted in ORR/DCR are config (docs/clinical-rules.md section 3).

use super::survival::km_median;
use super::Input;
use crate::config::Grouping;
use crate::derive::Derived;
use crate::model::{Assessment, Response};
use crate::results::*;
use crate::stats;
use std::collections::BTreeMap;

fn rate(k: usize, n: usize, level: f64) -> Rate {
    if n == 0 {
        return Rate {
            k,
            n,
            fraction: None,
            ci: [None, None],
        };
    }
    let ci = stats::clopper_pearson(k as u64, n as u64, level).ok();
    Rate {
        k,
        n,
        fraction: Some(k as f64 / n as f64),
        ci: [ci.map(|c| c.0), ci.map(|c| c.1)],
    }
}

/// Counts of responses (`None` = not assessed, counted as NE) over their number.
pub fn counts(responses: &[Option<Response>], input: &Input<'_>) -> ResponseCounts {
    let mut counts: BTreeMap<String, usize> = Response::ALL
        .iter()
        .map(|r| (r.code().to_string(), 0))
        .collect();
    for r in responses {
        let code = r.unwrap_or(Response::NE).code();
        *counts.entry(code.to_string()).or_default() += 1;
    }
    let in_set =
        |set: &[String], r: &Option<Response>| r.is_some_and(|r| set.iter().any(|c| c == r.code()));
    let orr = responses
        .iter()
        .filter(|r| in_set(&input.cfg.response.orr, r))
        .count();
    let dcr = responses
        .iter()
        .filter(|r| in_set(&input.cfg.response.dcr, r))
        .count();
    let n = responses.len();
    ResponseCounts {
        n,
        counts,
        orr: rate(orr, n, input.level),
        dcr: rate(dcr, n, input.level),
    }
}

fn evaluable<'a>(input: &'a Input<'_>) -> Vec<&'a Derived> {
    input
        .derived
        .iter()
        .filter(|d| d.response_evaluable)
        .collect()
}

/// Fisher's exact test of a levels x (responder, non-responder) table; a table larger than
/// 2 x 2 with more than `exact_test_max_n` patients uses Pearson's chi-square instead (an
/// exact r x c enumeration is neither needed nor affordable at registry scale).
fn test_table(id: &str, table: &[Vec<u64>], input: &Input<'_>) -> SubgroupTest {
    let n: u64 = table.iter().flatten().sum();
    let mk = |test: &str, r: Result<f64, stats::StatsError>| match r {
        Ok(p) => SubgroupTest {
            id: id.into(),
            test: test.into(),
            p: Some(p),
            note: None,
        },
        Err(e) => SubgroupTest {
            id: id.into(),
            test: test.into(),
            p: None,
            note: Some(e.to_string()),
        },
    };
    if table.len() < 2 {
        return SubgroupTest {
            id: id.into(),
            test: "fisher".into(),
            p: None,
            note: Some(mmreport_core::notes::FEWER_THAN_TWO_LEVELS.1.into()),
        };
    }
    if table.len() == 2 || n <= input.cfg.analysis.exact_test_max_n {
        mk("fisher", stats::fisher_exact(table).map(|f| f.p))
    } else {
        mk("chisq", stats::chisq_test(table, false).map(|c| c.p))
    }
}

/// Counts at each configured checkpoint, over the patients assessed there.
fn checkpoints(input: &Input<'_>) -> Vec<Checkpoint> {
    input
        .cfg
        .response
        .checkpoints
        .iter()
        .map(|&c| {
            let rs: Vec<Option<Response>> = input
                .derived
                .iter()
                .filter_map(|d| d.checkpoints.get(&c).copied().flatten())
                .map(Some)
                .collect();
            Checkpoint {
                after_cycle: c,
                counts: counts(&rs, input),
            }
        })
        .collect()
}

/// Levels of a grouping among the evaluable patients, in the grouping's order.
fn subgroup_levels(ev: &[&Derived], g: &Grouping) -> Vec<String> {
    let levels: Vec<String> = ev
        .iter()
        .filter_map(|d| d.groups.get(&g.id).cloned().flatten())
        .collect();
    g.ordered(levels)
}

/// Final response by the levels of one grouping, and the test of ORR between the levels.
fn subgroup(input: &Input<'_>, ev: &[&Derived], g: &Grouping) -> (Vec<Subgroup>, SubgroupTest) {
    let id = &g.id;
    let mut subgroups = Vec::new();
    let mut table: Vec<Vec<u64>> = Vec::new();
    for level in subgroup_levels(ev, g) {
        let rs: Vec<Option<Response>> = ev
            .iter()
            .filter(|d| d.groups.get(id).cloned().flatten().as_deref() == Some(level.as_str()))
            .map(|d| d.final_response)
            .collect();
        let c = counts(&rs, input);
        table.push(vec![c.orr.k as u64, (c.n - c.orr.k) as u64]);
        let label = g.level_label(&level);
        subgroups.push(Subgroup {
            id: id.clone(),
            label,
            level,
            final_: c,
        });
    }
    (subgroups, test_table(id, &table, input))
}

/// Time to response and duration of response (KM medians) among responders.
fn response_times(input: &Input<'_>) -> (KmMedian, KmMedian) {
    let responders: Vec<&Derived> = input
        .derived
        .iter()
        .filter(|d| d.time_to_response.is_some())
        .collect();
    let ttr: Vec<f64> = responders
        .iter()
        .filter_map(|d| d.time_to_response)
        .collect();
    let time_to_response = km_median(&ttr, &vec![true; ttr.len()], input.level);
    let dor: Vec<(f64, bool)> = responders
        .iter()
        .filter_map(|d| d.dor.as_ref().map(|e| (e.time, e.event)))
        .collect();
    let duration_of_response = km_median(
        &dor.iter().map(|x| x.0).collect::<Vec<_>>(),
        &dor.iter().map(|x| x.1).collect::<Vec<_>>(),
        input.level,
    );
    (time_to_response, duration_of_response)
}

/// The response section: checkpoints, final and best response over the evaluable patients,
/// the configured subgroups with their tests, time to and duration of response.
pub fn section(input: &Input<'_>) -> ResponseSection {
    let ev = evaluable(input);
    let final_ = counts(
        &ev.iter().map(|d| d.final_response).collect::<Vec<_>>(),
        input,
    );
    let best = counts(
        &ev.iter().map(|d| d.best_response).collect::<Vec<_>>(),
        input,
    );
    let mut subgroups = Vec::new();
    let mut subgroup_tests = Vec::new();
    for id in &input.cfg.analysis.response_subgroups {
        let Some(g) = input.cfg.groupings.iter().find(|g| &g.id == id) else {
            continue;
        };
        let (rows, test) = subgroup(input, &ev, g);
        subgroups.extend(rows);
        subgroup_tests.push(test);
    }
    let (time_to_response, duration_of_response) = response_times(input);
    ResponseSection {
        checkpoints: checkpoints(input),
        final_,
        best,
        subgroups,
        subgroup_tests,
        time_to_response,
        duration_of_response,
        mrd: mrd(input, &ev),
    }
}

/// One patient's MRD results in date order: (date, negative); undated results are left out of
/// the sustained check (they cannot be placed) but count for "negative at any assessment".
fn mrd_results<'a>(
    asm: &[&'a Assessment],
) -> Vec<(Option<crate::model::Date>, bool, &'a Assessment)> {
    let mut v: Vec<_> = asm
        .iter()
        .filter_map(|a| {
            let r = a.mrd.as_ref()?;
            let neg = match r.v.as_str() {
                "negative" => true,
                "positive" => false,
                _ => return None,
            };
            Some((a.assessment_date.as_ref().map(|d| d.v), neg, *a))
        })
        .collect();
    v.sort_by_key(|x| x.0);
    v
}

/// Sustained negativity: a run of consecutive dated negative results (a positive breaks the
/// run) whose first and last are at least `days` apart (`[mrd] sustained_days`, IMWG 2016: one
/// year).
fn sustained(results: &[(Option<crate::model::Date>, bool, &Assessment)], days: i64) -> bool {
    let mut start: Option<crate::model::Date> = None;
    for (date, neg, _) in results {
        let Some(d) = date else { continue };
        if !neg {
            start = None;
            continue;
        }
        let s = *start.get_or_insert(*d);
        if (*d - s).num_days() >= days {
            return true;
        }
    }
    false
}

/// The MRD section (IMWG 2016): MRD-negative rate over every response-evaluable patient
/// (intention to treat, as the MRD reporting harmonisation asks), among >= CR, sustained; exact
/// Clopper-Pearson CIs. `None` when no assessment has an MRD result.
fn mrd(input: &Input<'_>, ev: &[&Derived]) -> Option<MrdSection> {
    if !input.cohort.assessments.iter().any(|a| a.mrd.is_some()) {
        return None;
    }
    let mut by_patient: BTreeMap<&str, Vec<&Assessment>> = BTreeMap::new();
    for a in &input.cohort.assessments {
        by_patient.entry(a.patient_id.as_str()).or_default().push(a);
    }
    let mut out = MrdSection::default();
    let (mut neg, mut cr, mut neg_cr, mut sus) = (0, 0, 0, 0);
    for d in ev {
        let results = mrd_results(by_patient.get(d.patient_id.as_str()).map_or(&[], |v| v));
        let is_cr = matches!(d.best_response, Some(Response::CR | Response::SCr));
        cr += usize::from(is_cr);
        out.tested += usize::from(!results.is_empty());
        let negatives: Vec<&Assessment> = results.iter().filter(|r| r.1).map(|r| r.2).collect();
        if let Some(first) = negatives.first() {
            neg += 1;
            neg_cr += usize::from(is_cr);
            let key = |v: &Option<crate::model::Val<String>>| {
                v.as_ref().map_or("unknown".to_string(), |x| x.v.clone())
            };
            *out.negative_by_method
                .entry(key(&first.mrd_method))
                .or_default() += 1;
            *out.negative_by_sensitivity
                .entry(key(&first.mrd_sensitivity))
                .or_default() += 1;
        }
        sus += usize::from(sustained(&results, input.cfg.rules.mrd.sustained_days));
    }
    out.negative = rate(neg, ev.len(), input.level);
    out.negative_among_cr = rate(neg_cr, cr, input.level);
    out.sustained = rate(sus, ev.len(), input.level);
    mrd_categories(input, ev, &by_patient, &mut out);
    Some(out)
}

/// The IMWG MRD categories (Kumar 2016, `rules::mrd`): each evaluable patient's deepest
/// category, and the counts of patients per category over all evaluable patients.
fn mrd_categories(
    input: &Input<'_>,
    ev: &[&Derived],
    by_patient: &BTreeMap<&str, Vec<&Assessment>>,
    out: &mut MrdSection,
) {
    use crate::rules::mrd::{classify, Category};
    let mut counts: BTreeMap<Category, usize> = BTreeMap::new();
    for d in ev {
        let asm = by_patient.get(d.patient_id.as_str()).map_or(&[][..], |v| v);
        let in_cr = matches!(d.best_response, Some(Response::CR | Response::SCr));
        let p = classify(&d.patient_id, asm, in_cr, &input.cfg.rules.mrd);
        if let Some(c) = p.category {
            *counts.entry(c).or_default() += 1;
        }
        out.not_derivable += usize::from(!p.derivable);
        out.patients.push(MrdPatientRow {
            basis: p.basis,
            category: match (p.category, p.derivable) {
                (Some(c), _) => Some(c.code().to_string()),
                (None, true) => Some("none".to_string()),
                (None, false) => None,
            },
            met: p.met.iter().map(|c| c.code().to_string()).collect(),
            patient_id: d.patient_id.clone(),
            reason: p.reason.code().to_string(),
            rules: p.met.iter().map(|c| c.rule().to_string()).collect(),
        });
    }
    out.categories = Category::DEEPEST_FIRST
        .iter()
        .map(|c| MrdCategoryCount {
            category: c.code().to_string(),
            rule: c.rule().to_string(),
            rate: rate(counts.get(c).copied().unwrap_or(0), ev.len(), input.level),
        })
        .collect();
}
