//! A report that fits its data and its journal (issue 14): the one-page summary, Table 1 in
//! journal style (significant figures by magnitude, the normality test in a footnote, one
//! heading per group, rows only for what was recorded), the one line that stands for a table
//! whose data the workbook lacks, and the last pass that numbers every table and figure in
//! report order and typesets `>=` as `≥`. Everything shown is read from `Results`.

use super::{group, n_pct, row, sub, Block, Row, Table, V};
use crate::context::Ctx;
use crate::format::{fixed, sig_decimals};
use crate::results::{BaselineRow, Survival};
use mmreport_core::display::typographic;
use std::collections::BTreeMap;

/// The one line that stands for a table or figure whose data the workbook lacks.
pub(super) fn gap(v: &V, key: &str) -> Block {
    Block::Note { text: v.l(key) }
}

/// The line of a survival analysis that could not be estimated, naming what is missing in
/// the report's language (`Survival.missing`), else the analyses' reason.
pub(super) fn survival_gap(v: &V, s: &Survival) -> Block {
    let text = match s.missing.as_deref() {
        Some("progression") => v.l("layout.no_progression"),
        Some(col) => v
            .l("layout.no_column")
            .replace("{column}", &column_name(v, col)),
        None => reason(v, s.not_estimable.as_deref().unwrap_or_default()),
    };
    Block::Note { text }
}

/// A column's name as the catalog writes it, else the column as words (`Cycles completed`).
pub(super) fn column_name(v: &V, col: &str) -> String {
    let words = col.replace('_', " ");
    let mut chars = words.chars();
    let words = match chars.next() {
        Some(f) => f.to_uppercase().collect::<String>() + chars.as_str(),
        None => words,
    };
    v.label_or(&[format!("variable.{col}")], &words)
}

/// The line of an analysis the analyses could not estimate, from their reason: a column no
/// patient has is named in the report's language; any other reason is shown as given.
pub(super) fn reason(v: &V, why: &str) -> String {
    match why.strip_prefix("no patient has ") {
        Some(col) if !col.is_empty() && col.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
            v.l("layout.no_column")
                .replace("{column}", &column_name(v, col))
        }
        _ => format!("{}: {}", v.l("html.not_estimable"), v.c.analysis_note(why)),
    }
}

/// `median (lo, hi)` of the PFS or OS of all patients, or why there is none.
fn median_of(v: &V, endpoint: &str) -> Option<String> {
    let s =
        v.r.analyses
            .survival
            .iter()
            .find(|s| s.endpoint == endpoint && (s.grouping == "all" || s.grouping.is_empty()))?;
    if s.not_estimable.is_some() {
        return Some(match s.missing.as_deref() {
            Some("progression") => v.l("layout.sum_no_progression"),
            _ => v.l("html.not_estimable"),
        });
    }
    let g = s.groups.first()?;
    Some(format!(
        "{} {}",
        v.median_ci(g.median, g.median_ci),
        v.c.time_axis().to_lowercase()
    ))
}

/// The one-page summary at the top: cohort, key results, findings.
pub(super) fn summary(v: &V) -> Vec<Block> {
    let r = v.r;
    let a = &r.analyses;
    let co = &r.cohort;
    let mut rows = vec![row(vec![
        v.l("layout.sum_patients"),
        v.l("layout.sum_patients_value")
            .replace("{analysed}", &co.patients_analysed.to_string())
            .replace("{read}", &co.patients_read.to_string())
            .replace("{excluded}", &co.excluded.len().to_string()),
    ])];
    let f = &a.followup.reverse_km;
    if f.n > 0 {
        rows.push(row(vec![
            v.l("layout.sum_followup"),
            format!(
                "{} {}",
                v.median_ci(f.median, f.ci),
                v.c.time_axis().to_lowercase()
            ),
        ]));
    }
    if a.response.final_.n > 0 {
        let (main, ci) = v.rate(&a.response.final_.orr);
        rows.push(row(vec![v.l("layout.sum_orr"), format!("{main} [{ci}]")]));
    }
    for (ep, key) in [("pfs", "layout.sum_pfs"), ("os", "layout.sum_os")] {
        if let Some(m) = median_of(v, ep) {
            rows.push(row(vec![v.l(key), m]));
        }
    }
    if a.deaths.of > 0 {
        rows.push(row(vec![
            v.l("html.deaths"),
            format!(
                "{}/{} ({})",
                a.deaths.n,
                a.deaths.of,
                super::pct(a.deaths.fraction)
            ),
        ]));
    }
    let c = &r.finding_counts;
    rows.push(row(vec![
        v.l("layout.sum_findings"),
        v.l("layout.sum_findings_value")
            .replace("{error}", &c.error.to_string())
            .replace("{warning}", &c.warning.to_string())
            .replace("{info}", &c.info.to_string()),
    ]));
    vec![Block::Table(Table {
        id: "tab-summary".into(),
        caption: v.l("layout.sum_caption"),
        head: vec![v.l("html.item"), v.l("html.value")],
        rows,
        notes: vec![],
    })]
}

/// The value cell of a continuous Table 1 row: every number with the decimals that give the
/// central value (mean or median) `digits` significant figures.
fn continuous_value(b: &BaselineRow, digits: u8) -> String {
    let central = if b.summary == "mean_sd" {
        b.mean
    } else {
        b.median
    };
    let d = sig_decimals(central.unwrap_or(0.0), digits);
    if b.summary == "mean_sd" {
        format!("{} ± {}", fixed(b.mean, d, "NA"), fixed(b.sd, d, "NA"))
    } else {
        format!(
            "{} ({}, {})",
            fixed(b.median, d, "NA"),
            fixed(b.q1, d, "NA"),
            fixed(b.q3, d, "NA")
        )
    }
}

/// A Table 1 label with its unit once: the catalog's label (which carries the unit in the
/// reader's language), else the workbook's label with its unit.
fn baseline_label(v: &V, b: &BaselineRow) -> String {
    typographic(&v.c.variable_label(&b.variable, &b.label, b.unit.as_deref()))
}

/// The rows of one Table 1 variable; `p_column` adds the Shapiro-Wilk P cell.
fn baseline_rows(v: &V, b: &BaselineRow, p_column: bool, out: &mut Vec<Row>) {
    let label = baseline_label(v, b);
    let n = if b.missing > 0 {
        v.l("html.n_missing")
            .replace("{n}", &b.n.to_string())
            .replace("{missing}", &b.missing.to_string())
    } else {
        b.n.to_string()
    };
    let stat = v.label_or(&[format!("variable.{}", b.summary)], &b.summary);
    let mut cells = match b.summary.as_str() {
        "mean_sd" | "median_iqr" => vec![
            label,
            stat,
            n,
            continuous_value(b, v.cfg.report.significant_digits),
            v.pv(b.shapiro_p),
        ],
        _ => vec![label, stat, n, String::new(), String::new()],
    };
    cells.truncate(if p_column { 5 } else { 4 });
    out.push(row(cells));
    for l in &b.levels {
        let mut cells = vec![
            v.c.level(l),
            String::new(),
            String::new(),
            n_pct(l.count, l.fraction),
            String::new(),
        ];
        cells.truncate(if p_column { 5 } else { 4 });
        out.push(sub(cells));
    }
}

/// The footnotes of Table 1: the summary rule, the Shapiro-Wilk P of each continuous variable
/// (when not in a column), the n convention and the variables no patient has.
fn baseline_notes(v: &V, shown: &[&BaselineRow], absent: &[&BaselineRow]) -> Vec<String> {
    let alpha = v.cfg.descriptive.normality_alpha;
    let mut notes = vec![v
        .l("html.note_shapiro")
        .replace("{alpha}", &format!("{alpha}"))];
    if !v.cfg.report.normality_p_column {
        let ps: Vec<String> = shown
            .iter()
            .filter_map(|b| {
                Some(format!(
                    "{} {}",
                    baseline_label(v, b),
                    v.c.p_value(b.shapiro_p?)
                ))
            })
            .collect();
        if !ps.is_empty() {
            notes.push(
                v.l("layout.note_shapiro_p")
                    .replace("{list}", &ps.join("; ")),
            );
        }
    }
    notes.push(v.l("html.note_n_missing"));
    if !absent.is_empty() {
        let names: Vec<String> = absent.iter().map(|b| baseline_label(v, b)).collect();
        notes.push(
            v.l("layout.not_recorded")
                .replace("{list}", &names.join("; ")),
        );
    }
    notes
}

/// Table 1: the variables some patient has, one heading per group (in the order the groups
/// first appear), and a footnote naming the variables no patient has.
pub(super) fn baseline(v: &V) -> Vec<Block> {
    let all = &v.r.analyses.baseline;
    let (shown, absent): (Vec<&BaselineRow>, Vec<&BaselineRow>) = all.iter().partition(|b| b.n > 0);
    if shown.is_empty() {
        return vec![gap(v, "layout.no_baseline")];
    }
    let p_column = v.cfg.report.normality_p_column;
    let width = if p_column { 5 } else { 4 };
    let mut order: Vec<&str> = Vec::new();
    for b in &shown {
        if !order.contains(&b.section.as_str()) {
            order.push(&b.section);
        }
    }
    let mut rows = Vec::new();
    for sec in order {
        let t = v.label_or(&[format!("html.bsec_{sec}")], sec);
        rows.push(group(t, width));
        for b in shown.iter().filter(|b| b.section == sec) {
            baseline_rows(v, b, p_column, &mut rows);
        }
    }
    let mut head = vec![
        v.l("html.characteristic"),
        v.l("html.statistic"),
        "n".into(),
        v.l("html.value"),
        v.l("html.shapiro_p"),
    ];
    head.truncate(width);
    vec![Block::Table(Table {
        id: "tab-baseline".into(),
        caption: v
            .l("layout.tab_baseline")
            .replace("{n}", &v.r.cohort.patients_analysed.to_string()),
        head,
        rows,
        notes: baseline_notes(v, &shown, &absent),
    })]
}

/// Section ids in the order the report shows them (`super::super::SECTIONS`).
fn display_order() -> &'static [&'static str] {
    super::super::SECTIONS
}

/// Tables about the run rather than the cohort, shown without a number.
const UNNUMBERED: [&str; 2] = ["tab-summary", "tab-changes"];

/// Listings that show the workbook's own values as entered: their cells are not typeset.
const AS_ENTERED: [&str; 1] = ["tab-findings"];

/// `Table 3. Cohort flow` from `Table: cohort flow` (the catalogs' unnumbered captions).
fn numbered(caption: &str, prefix: &str, numbered_prefix: &str) -> String {
    let rest = caption.strip_prefix(prefix).unwrap_or(caption).trim_start();
    let mut chars = rest.chars();
    let rest = match chars.next() {
        Some(f) => f.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    };
    format!("{numbered_prefix}{rest}")
}

/// Numbers every table and figure in report order (`Table 1`, `Figure 1`, the summary and
/// changes tables excepted) and typesets visible text (`≥` for `>=`, `10⁹` for `10^9`).
pub(super) fn number_and_typeset(sections: &mut BTreeMap<&'static str, Vec<Block>>, c: &Ctx) {
    let (mut tables, mut figures) = (0usize, 0usize);
    let (tp, fp) = (c.l("html.table_prefix"), c.l("html.figure_prefix"));
    for id in display_order() {
        let Some(blocks) = sections.get_mut(id) else {
            continue;
        };
        for b in blocks.iter_mut() {
            match b {
                Block::Table(t) => {
                    // The summary and the changes since the last run are about this run,
                    // not tables of the paper: Table 1 stays the patients' characteristics.
                    if !UNNUMBERED.contains(&t.id.as_str()) {
                        tables += 1;
                        let n = c.l("layout.table_n").replace("{n}", &tables.to_string());
                        t.caption = numbered(&t.caption, &tp, &n);
                    } else if t.caption.starts_with(&tp) {
                        t.caption = numbered(&t.caption, &tp, "");
                    }
                    t.caption = typographic(&t.caption);
                    t.head = t.head.iter().map(|h| typographic(h)).collect();
                    t.notes = t.notes.iter().map(|h| typographic(h)).collect();
                    if !AS_ENTERED.contains(&t.id.as_str()) {
                        for r in &mut t.rows {
                            r.cells = r.cells.iter().map(|x| typographic(x)).collect();
                        }
                    }
                }
                Block::Figure(f) => {
                    figures += 1;
                    let n = c.l("layout.figure_n").replace("{n}", &figures.to_string());
                    let caption = typographic(&numbered(&f.caption, &fp, &n));
                    let aria = |t: &str| format!(r#"aria-label="{}""#, crate::figures::esc(t));
                    f.svg = f.svg.replacen(&aria(&f.caption), &aria(&caption), 1);
                    f.caption = caption;
                }
                Block::H3 { text } | Block::Para { text } | Block::Note { text } => {
                    *text = typographic(text);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_are_numbered() {
        assert_eq!(
            numbered("Table: cohort flow", "Table: ", "Table 2. "),
            "Table 2. Cohort flow"
        );
        assert_eq!(numbered("表：患者流程", "表：", "表2 "), "表2 患者流程");
        assert_eq!(
            numbered("Survival", "Table: ", "Table 1. "),
            "Table 1. Survival"
        );
    }
}
