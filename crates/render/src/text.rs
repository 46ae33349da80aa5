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
    let ctx = crate::context::Ctx::plain(labels, labels, &r.time_unit);
    let _ = writeln!(
        s,
        "{}",
        labels
            .get("check.summary")
            .replace("{file}", &r.input.file)
            .replace("{read}", &r.cohort.patients_read.to_string())
            .replace("{analysed}", &r.cohort.patients_analysed.to_string())
            .replace("{excluded}", &r.cohort.excluded.len().to_string())
            .replace("{errors}", &c.error.to_string())
            .replace("{warnings}", &c.warning.to_string())
            .replace("{info}", &c.info.to_string())
    );
    let mut by_sheet: BTreeMap<String, Vec<&crate::model::Finding>> = BTreeMap::new();
    for f in &r.findings {
        by_sheet
            .entry(
                f.sheet
                    .clone()
                    .unwrap_or_else(|| labels.get("check.workbook").to_string()),
            )
            .or_default()
            .push(f);
    }
    for (sheet, fs) in by_sheet {
        let _ = writeln!(s, "\n[{sheet}]");
        for f in fs {
            finding_line(&mut s, &ctx, &sheet, f);
        }
    }
    classifications(&mut s, r, &ctx);
    mrd_categories(&mut s, r, labels);
    if !r.cohort.excluded.is_empty() {
        let _ = writeln!(s, "\n{}", labels.get("check.excluded"));
        let sep = if labels.lang == "zh" { "；" } else { "; " };
        for e in &r.cohort.excluded {
            // The reasons are English phrases; the catalog's `[basis]` words them.
            let reasons: Vec<String> = e.reasons.iter().map(|x| ctx.basis(x)).collect();
            let _ = writeln!(s, "  {}: {}", e.patient_id, reasons.join(sep));
        }
    }
    s
}

/// The rule sets' summary (`Results.validation.summary`) for `check`, one item a line, in
/// the language of `labels` (the words of the report's summary table). `None` in English,
/// where `check` prints the rule sets' own detailed summary.
pub fn rules_summary_in(r: &Results, labels: &crate::labels::Labels) -> Option<String> {
    if labels.lang == "en" {
        return None;
    }
    let serde_json::Value::Object(m) = &r.validation.summary else {
        return None;
    };
    let ctx = crate::context::Ctx::plain(labels, labels, &r.time_unit);
    let mut s = format!("{}\n", labels.get("html.summary_heading"));
    for (k, v) in m {
        let name = ctx.label_or(
            &[format!("summary.{k}"), format!("summary_lang.{k}")],
            &k.replace('_', " "),
        );
        let value = match v {
            serde_json::Value::String(x) => ctx.value_label(x),
            other => other.to_string(),
        };
        let _ = writeln!(s, "  {name}：{value}");
    }
    Some(s)
}

/// One finding: severity, `sheet!cell`, the column as the workbook's header wrote it, the
/// patient, the message in the catalog's language and the rule id.
fn finding_line(
    s: &mut String,
    ctx: &crate::context::Ctx<'_>,
    sheet: &str,
    f: &crate::model::Finding,
) {
    let labels = ctx.labels;
    let loc = match &f.cell {
        Some(cell) => format!("{sheet}!{cell}"),
        None => sheet.to_string(),
    };
    let pid = f
        .patient_id
        .as_deref()
        .map(|p| labels.get("check.patient").replace("{id}", p))
        .unwrap_or_default();
    let col = Some(ctx.finding_column(f))
        .filter(|c| !c.is_empty())
        .map(|c| format!(" {c}"))
        .unwrap_or_default();
    let severity = labels
        .get(&format!("check.sev_{}", f.severity.as_str()))
        .to_string();
    let _ = writeln!(
        s,
        "  {:<7} {loc}{col}{pid}: {} [{}]",
        severity,
        ctx.finding_message(f),
        f.rule
    );
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
fn classifications(s: &mut String, r: &Results, ctx: &crate::context::Ctx<'_>) {
    let labels = ctx.labels;
    if r.validation.high_risk.is_empty() && r.validation.refractoriness.is_empty() {
        return;
    }
    let yn = |b: Option<bool>| match b {
        Some(true) => labels.get("check.yes"),
        Some(false) => labels.get("check.no"),
        None => labels.get("check.not_derivable"),
    };
    let _ = writeln!(s, "\n{}", labels.get("check.classification"));
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
            "  {}",
            labels
                .get("check.high_risk_line")
                .replace("{id}", &h.patient_id)
                .replace("{definition}", &h.definition)
                .replace("{status}", yn(h.high_risk))
                .replace("{basis}", &ctx.basis(&h.basis))
        );
        if let Some(x) = refr.get(h.patient_id.as_str()) {
            let _ = writeln!(
                s,
                "  {}",
                labels
                    .get("check.refractoriness_line")
                    .replace("{id}", &h.patient_id)
                    .replace(
                        "{class}",
                        x.class
                            .as_deref()
                            .unwrap_or_else(|| labels.get("check.not_derivable"))
                    )
                    .replace("{basis}", &ctx.basis(&x.basis))
            );
        }
    }
}
