//! Plain-text rendering for a person at a terminal (`mmreport check`): findings grouped by
//! sheet with Excel cell references such as `patients!F12`.

use crate::results::Results;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The `check` report with the English catalogs: see [`check_report_in`].
pub fn check_report(r: &Results) -> String {
    check_report_in(r, crate::labels::Labels::english())
}

/// The `check` report: a summary line, then every finding grouped by sheet, then each
/// patient's classifications; the MRD explanations in the language of `labels` (the
/// configured one).
pub fn check_report_in(r: &Results, labels: &crate::labels::Labels) -> String {
    let mut s = String::new();
    let c = &r.finding_counts;
    let _ = writeln!(
        s,
        "{}: {} patients read, {} analysed, {} excluded; {} errors, {} warnings, {} notes",
        r.input.file,
        r.cohort.patients_read,
        r.cohort.patients_analysed,
        r.cohort.excluded.len(),
        c.error,
        c.warning,
        c.info
    );
    let mut by_sheet: BTreeMap<String, Vec<&crate::model::Finding>> = BTreeMap::new();
    for f in &r.findings {
        by_sheet
            .entry(f.sheet.clone().unwrap_or_else(|| "(workbook)".into()))
            .or_default()
            .push(f);
    }
    for (sheet, fs) in by_sheet {
        let _ = writeln!(s, "\n[{sheet}]");
        for f in fs {
            let loc = match &f.cell {
                Some(cell) => format!("{sheet}!{cell}"),
                None => sheet.clone(),
            };
            let pid = f
                .patient_id
                .as_deref()
                .map(|p| format!(" patient {p}"))
                .unwrap_or_default();
            let col = f
                .column
                .as_deref()
                .map(|c| format!(" {c}"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {:<7} {loc}{col}{pid}: {} [{}]",
                f.severity.as_str(),
                f.message,
                f.rule
            );
        }
    }
    classifications(&mut s, r);
    mrd_categories(&mut s, r, labels);
    if !r.cohort.excluded.is_empty() {
        let _ = writeln!(s, "\nExcluded from the analysis:");
        for e in &r.cohort.excluded {
            let _ = writeln!(s, "  {}: {}", e.patient_id, e.reasons.join("; "));
        }
    }
    s
}

/// Each response-evaluable patient's IMWG MRD category (Kumar 2016) and why, from the
/// structured row (category, categories reached, reason code) in the language of `labels`.
fn mrd_categories(s: &mut String, r: &Results, labels: &crate::labels::Labels) {
    let Some(m) = &r.analyses.response.mrd else {
        return;
    };
    let _ = writeln!(s, "\n{}:", labels.get("mrd.categories"));
    let sep = if labels.lang == "zh" { "、" } else { ", " };
    for p in &m.patients {
        let category = match p.category.as_deref() {
            Some(c) => labels.get(&format!("mrd.{c}")).to_string(),
            None => labels.get("mrd.not_derivable").to_string(),
        };
        let met: Vec<String> = p
            .met
            .iter()
            .map(|c| labels.get(&format!("mrd.{c}")).to_string())
            .collect();
        let reason = labels
            .get(&format!("mrd.reason_{}", p.reason))
            .replace("{met}", &met.join(sep));
        let line = labels
            .get("mrd.check_line")
            .replace("{id}", &p.patient_id)
            .replace("{category}", &category)
            .replace("{reason}", &reason);
        let _ = writeln!(s, "  {line}");
    }
}

/// Each patient's high-risk status (configured definition) and, when the workbook has
/// refractoriness inputs, refractoriness class, with the basis: why, or what is missing.
fn classifications(s: &mut String, r: &Results) {
    if r.validation.high_risk.is_empty() && r.validation.refractoriness.is_empty() {
        return;
    }
    let yn = |b: Option<bool>| match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not derivable",
    };
    let _ = writeln!(s, "\nClassification by patient:");
    let refr: BTreeMap<&str, &crate::results::RefractorinessRow> = r
        .validation
        .refractoriness
        .iter()
        .filter(|x| x.class.is_some() || x.penta.is_some() || !x.refractory_classes.is_empty())
        .map(|x| (x.patient_id.as_str(), x))
        .collect();
    for h in &r.validation.high_risk {
        let _ = writeln!(
            s,
            "  {} high risk ({}): {} - {}",
            h.patient_id,
            h.definition,
            yn(h.high_risk),
            h.basis
        );
        if let Some(x) = refr.get(h.patient_id.as_str()) {
            let _ = writeln!(
                s,
                "  {} refractoriness: {} - {}",
                h.patient_id,
                x.class.as_deref().unwrap_or("not derivable"),
                x.basis
            );
        }
    }
}
