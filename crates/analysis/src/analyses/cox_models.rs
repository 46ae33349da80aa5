//! Multivariable Cox models (`[[cox_models]]`): R's `coxph(Surv(time, event) ~ x1 + x2 …)`
//! with Efron ties on the complete cases. A grouping id enters as a factor (treatment
//! contrasts: "no", or a levels grouping's first level in its order, is the reference, whose
//! row is shown); a numeric patient column enters linearly. Patients missing a covariate are
//! excluded and counted per covariate. A covariate that is a linear combination of earlier
//! ones is aliased, as R reports it (coefficient NA), and a coefficient that runs off to
//! infinity (monotone likelihood) is reported without a hazard ratio, as R warns
//! ("Loglik converged before variable …; coefficient may be infinite").

use super::survival::endpoint;
use super::Input;
use crate::config::{CoxModelJob, Grouping};
use crate::derive::Derived;
use crate::model::Patient;
use crate::results::{ChisqTest, Concordance, CoxModel, CoxTerm, MissingCovariate, PhTerm, PhTest};
use crate::stats::{self, CoxControl, CoxFit, Ties};

/// A numeric covariate of one patient (`config::NUMERIC_COVARIATES`).
pub(super) fn numeric(name: &str, p: &Patient, d: &Derived) -> Option<f64> {
    let f = |v: &Option<crate::model::Val<f64>>| v.as_ref().map(|x| x.v);
    match name {
        "age" => d.age,
        "prior_lines" => p.prior_lines.as_ref().map(|v| f64::from(v.v)),
        "cycles_completed" => p.cycles_completed.as_ref().map(|v| f64::from(v.v)),
        "bendamustine_dose" => f(&p.bendamustine_dose),
        "bm_plasma_cell_pct" => f(&p.bm_plasma_cell_pct),
        "calcium" => f(&p.calcium),
        "creatinine" => f(&p.creatinine),
        "crcl" => f(&p.crcl),
        "beta2_microglobulin" => f(&p.beta2_microglobulin),
        "albumin" => f(&p.albumin),
        "ldh" => f(&p.ldh),
        "esr" => f(&p.esr),
        "hemoglobin" => f(&p.hemoglobin),
        "wbc" => f(&p.wbc),
        "platelets" => f(&p.platelets),
        "del17p_fraction" => f(&p.del17p_fraction),
        _ => None,
    }
}

/// One covariate's value for one patient.
#[derive(Clone)]
enum Value {
    Number(f64),
    Level(String),
}

/// The covariate values of a patient, `None` where missing.
fn values(input: &Input<'_>, job: &CoxModelJob, i: usize) -> Vec<Option<Value>> {
    let d = &input.derived[i];
    job.covariates
        .iter()
        .map(|c| match grouping(input, c) {
            Some(g) => d.groups.get(&g.id).cloned().flatten().map(Value::Level),
            None => input
                .patients
                .get(i)
                .and_then(|p| numeric(c, p, d))
                .filter(|x| x.is_finite())
                .map(Value::Number),
        })
        .collect()
}

fn grouping<'a>(input: &Input<'a>, id: &str) -> Option<&'a Grouping> {
    input.cfg.groupings.iter().find(|g| g.id == id)
}

/// A design column and the term row it belongs to.
struct Column {
    row: usize,
    values: Vec<f64>,
}

/// The term rows and design columns of the complete cases `rows`.
fn design(
    input: &Input<'_>,
    job: &CoxModelJob,
    rows: &[Vec<Value>],
) -> (Vec<CoxTerm>, Vec<Column>) {
    let mut terms = Vec::new();
    let mut cols = Vec::new();
    for (k, c) in job.covariates.iter().enumerate() {
        let Some(g) = grouping(input, c) else {
            cols.push(Column {
                row: terms.len(),
                values: rows.iter().map(|r| num(&r[k])).collect(),
            });
            terms.push(CoxTerm {
                term: c.clone(),
                ..CoxTerm::default()
            });
            continue;
        };
        let levels = factor_levels(g, rows, k);
        for (li, level) in levels.iter().enumerate() {
            if li > 0 {
                cols.push(Column {
                    row: terms.len(),
                    values: rows.iter().map(|r| indicator(&r[k], level)).collect(),
                });
            }
            terms.push(CoxTerm {
                term: c.clone(),
                level: Some(level_label(g, level)),
                reference: li == 0,
                note: (levels.len() == 1)
                    .then(|| "a single level among the patients in the model".to_string()),
                ..CoxTerm::default()
            });
        }
    }
    (terms, cols)
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Number(x) => *x,
        Value::Level(_) => f64::NAN,
    }
}

fn indicator(v: &Value, level: &str) -> f64 {
    f64::from(u8::from(matches!(v, Value::Level(l) if l == level)))
}

/// The levels present, reference first: `no` before `yes`; a levels grouping in its order.
fn factor_levels(g: &Grouping, rows: &[Vec<Value>], k: usize) -> Vec<String> {
    let mut levels: Vec<String> = rows
        .iter()
        .filter_map(|r| match &r[k] {
            Value::Level(l) => Some(l.clone()),
            Value::Number(_) => None,
        })
        .collect();
    if g.has_levels() {
        g.ordered(levels)
    } else {
        levels.sort();
        levels.dedup();
        levels.sort_by_key(|l| l != "no");
        levels
    }
}

fn level_label(g: &Grouping, level: &str) -> String {
    g.level_label(level)
}

/// Indices of the columns that are (numerically) linear combinations of earlier ones or of
/// the intercept: modified Gram-Schmidt on the centred columns, relative tolerance 1e-7
/// (R's `qr` default tolerance in `coxph`'s aliasing check).
fn aliased(cols: &[Column]) -> Vec<bool> {
    let mut basis: Vec<Vec<f64>> = Vec::new();
    cols.iter()
        .map(|c| {
            let n = c.values.len().max(1) as f64;
            let mean = c.values.iter().sum::<f64>() / n;
            let mut v: Vec<f64> = c.values.iter().map(|x| x - mean).collect();
            let norm0 = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            for b in &basis {
                let dot: f64 = v.iter().zip(b).map(|(x, y)| x * y).sum();
                v.iter_mut().zip(b).for_each(|(x, y)| *x -= dot * y);
            }
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            let dependent = norm0.is_nan() || norm0 <= 0.0 || norm <= 1e-7 * norm0;
            if !dependent {
                basis.push(v.iter().map(|x| x / norm).collect());
            }
            dependent
        })
        .collect()
}

/// A global test, `None` when not finite.
fn test(chisq: f64, df: usize, p: f64) -> Option<ChisqTest> {
    (chisq.is_finite() && p.is_finite()).then_some(ChisqTest { chisq, df, p })
}

/// Copies the fit's hazard ratios into the term rows of the columns kept.
fn fill_terms(terms: &mut [CoxTerm], cols: &[&Column], fit: &CoxFit) {
    for (j, c) in cols.iter().enumerate() {
        let t = &mut terms[c.row];
        if fit.infinite_coef.get(j).copied().unwrap_or(false) {
            t.note = Some(mmreport_core::notes::MONOTONE_TERM.1.into());
            continue;
        }
        let ok = |x: f64| x.is_finite().then_some(x);
        t.hr = ok(fit.hr[j]);
        t.ci = [ok(fit.hr_lower[j]), ok(fit.hr_upper[j])];
        t.p = ok(fit.p_wald[j]);
    }
}

/// Harrell's concordance of the linear predictor (`summary(coxph)`), when computable.
fn concordance(time: &[f64], event: &[bool], x: &[Vec<f64>], fit: &CoxFit) -> Option<Concordance> {
    let lp = stats::linear_predictor(x, fit).ok()?;
    let c = stats::concordance(time, event, &lp).ok()?;
    (c.concordance.is_finite()).then_some(Concordance {
        estimate: c.concordance,
        std_err: c.std_err,
    })
}

/// `cox.zph(fit)`: one test per covariate (its kept columns together) and the global test.
fn ph_test(
    time: &[f64],
    event: &[bool],
    x: &[Vec<f64>],
    fit: &CoxFit,
    terms: &[CoxTerm],
    kept: &[&Column],
) -> Option<PhTest> {
    let mut names: Vec<&str> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (j, c) in kept.iter().enumerate() {
        let name = terms[c.row].term.as_str();
        match names.iter().position(|n| *n == name) {
            Some(k) => groups[k].push(j),
            None => {
                names.push(name);
                groups.push(vec![j]);
            }
        }
    }
    let z = stats::cox_zph(time, event, x, Ties::Efron, fit, &groups).ok()?;
    let row = |r: &stats::ZphRow| test(r.chisq, r.df, r.p);
    Some(PhTest {
        terms: names
            .iter()
            .zip(&z.terms)
            .filter_map(|(n, r)| {
                let t = row(r)?;
                Some(PhTerm {
                    term: (*n).to_string(),
                    chisq: t.chisq,
                    df: t.df,
                    p: t.p,
                })
            })
            .collect(),
        global: row(&z.global)?,
    })
}

/// The complete cases' rows, with their endpoint, and the missing counts per covariate.
type Cases = (
    Vec<Vec<Value>>,
    Vec<(f64, bool)>,
    Vec<MissingCovariate>,
    usize,
);

fn complete_cases(input: &Input<'_>, job: &CoxModelJob) -> Cases {
    let mut missing = vec![0usize; job.covariates.len()];
    let mut excluded = 0;
    let mut rows = Vec::new();
    let mut obs = Vec::new();
    for (i, d) in input.derived.iter().enumerate() {
        // A patient without the endpoint (PFS from durations without pfs_time) is not a
        // missing covariate: left out before counting.
        let Some(ep) = endpoint(d, job.endpoint) else {
            continue;
        };
        let v = values(input, job, i);
        if v.iter().any(Option::is_none) {
            excluded += 1;
            v.iter()
                .zip(missing.iter_mut())
                .for_each(|(x, m)| *m += usize::from(x.is_none()));
            continue;
        }
        rows.push(v.into_iter().flatten().collect());
        obs.push((ep.time, ep.event));
    }
    let missing = job
        .covariates
        .iter()
        .zip(missing)
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| MissingCovariate {
            covariate: c.clone(),
            n,
        })
        .collect();
    (rows, obs, missing, excluded)
}

/// One configured multivariable Cox model.
pub fn cox_model(input: &Input<'_>, job: &CoxModelJob) -> CoxModel {
    let (rows, obs, missing, excluded) = complete_cases(input, job);
    let mut model = CoxModel {
        id: job.id.clone(),
        endpoint: job.endpoint.code().into(),
        covariates: job.covariates.clone(),
        n: obs.len(),
        events: obs.iter().filter(|o| o.1).count(),
        excluded,
        missing,
        ..CoxModel::default()
    };
    if rows.is_empty() {
        model.not_estimable = Some(mmreport_core::notes::NO_COMPLETE_CASE.1.into());
        return model;
    }
    let (mut terms, cols) = design(input, job, &rows);
    let alias = aliased(&cols);
    let kept: Vec<&Column> = cols
        .iter()
        .zip(&alias)
        .filter(|(_, a)| !**a)
        .map(|(c, _)| c)
        .collect();
    for (c, _) in cols.iter().zip(&alias).filter(|(_, a)| **a) {
        terms[c.row].note =
            Some("collinear with the other covariates: not estimable (R: NA)".into());
    }
    model.terms = terms;
    if kept.is_empty() {
        model.not_estimable = Some(mmreport_core::notes::NO_ESTIMABLE_COVARIATE.1.into());
        return model;
    }
    let x: Vec<Vec<f64>> = (0..rows.len())
        .map(|i| kept.iter().map(|c| c.values[i]).collect())
        .collect();
    let time: Vec<f64> = obs.iter().map(|o| o.0).collect();
    let event: Vec<bool> = obs.iter().map(|o| o.1).collect();
    let control = CoxControl {
        level: input.level,
        ..CoxControl::default()
    };
    match stats::cox_with(&time, &event, &x, Ties::Efron, control) {
        Ok(fit) => {
            fill_terms(&mut model.terms, &kept, &fit);
            model.lrt = test(fit.lrt_chisq, fit.df, fit.lrt_p);
            model.wald = test(fit.wald_chisq, fit.df, fit.wald_p);
            model.score = test(fit.score_chisq, fit.df, fit.score_p);
            model.concordance = concordance(&time, &event, &x, &fit);
            model.ph_test = ph_test(&time, &event, &x, &fit, &model.terms, &kept);
            if fit.monotone_likelihood {
                model.note = Some(mmreport_core::notes::MONOTONE_MODEL.1.into());
            }
        }
        Err(e) => model.not_estimable = Some(e.to_string()),
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliasing_finds_a_sum_of_earlier_columns_and_a_constant() {
        let col = |values: Vec<f64>| Column { row: 0, values };
        let a = col(vec![1.0, 0.0, 1.0, 0.0, 1.0]);
        let b = col(vec![0.0, 1.0, 1.0, 0.0, 2.0]);
        let s = col(vec![1.0, 1.0, 2.0, 0.0, 3.0]);
        let k = col(vec![4.0; 5]);
        assert_eq!(aliased(&[a, b, s, k]), vec![false, false, true, true]);
    }
}
