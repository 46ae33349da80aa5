//! The data dictionary as a page for clinicians, in English and Chinese, generated from the
//! configuration (`config/columns.toml`, `config/values.toml`) so that the page and the
//! reader can never disagree. `config/data-dictionary.md` is this output; a test keeps it
//! current.

use crate::config::{ColumnDef, ColumnType, Config};
use std::fmt::Write;

fn kind(k: ColumnType) -> (&'static str, &'static str) {
    match k {
        ColumnType::Text => ("text", "文本"),
        ColumnType::Number => ("number", "数值"),
        ColumnType::Integer => ("whole number", "整数"),
        ColumnType::Date => ("date", "日期"),
        ColumnType::Boolean => ("yes/no", "是/否"),
        ColumnType::Sex => ("sex", "性别"),
        ColumnType::Response => ("response (IMWG)", "疗效（IMWG）"),
        ColumnType::Category => ("category", "分类"),
        ColumnType::List => ("list", "列表"),
        ColumnType::Stage => ("stage", "分期"),
    }
}

fn table(out: &mut String, title: &str, cols: &[ColumnDef]) {
    let _ = writeln!(out, "\n### {title}\n");
    let _ = writeln!(
        out,
        "| column 列名 | type 类型 | unit 单位 | also accepted 可用别名 |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for c in cols {
        let (en, zh) = kind(c.kind);
        let mut unit = c.unit.clone().unwrap_or_default();
        if !c.alt_units.is_empty() {
            let alts: Vec<String> = c.alt_units.keys().cloned().collect();
            unit = format!("{unit} (or 或 {})", alts.join(", "));
        }
        let aliases: Vec<String> = c.aliases.iter().map(|a| format!("`{a}`")).collect();
        let _ = writeln!(
            out,
            "| `{}` | {en} {zh} | {unit} | {} |",
            c.name,
            aliases.join(", ")
        );
    }
}

/// The whole page.
pub fn markdown(cfg: &Config) -> String {
    let mut s = String::new();
    s.push_str(
        "# Case-record workbook: data dictionary / 病例登记表数据字典\n\n\
<!-- Generated from config/columns.toml and config/values.toml by `src/dictionary.rs`; do not edit by hand. -->\n\n\
**English.** mmreport reads Excel (`.xlsx`, `.xlsm`, `.xls`) and OpenDocument (`.ods`) workbooks. \
Put one patient per row in a `patients` sheet (required); treatment columns may sit in the same sheet or in a \
`treatment` sheet; response assessments, adverse events and lab draws go in long sheets (one row per \
assessment, event or draw) joined on `patient_id`. Sheet and column names may be written in English or \
Chinese, in any case, with or without spaces, full-width or half-width, and with the unit in brackets \
(`血钙(mmol/L)`, `Calcium [mg/dL]`). Title rows above the header are skipped; a row starting with `注`, \
`备注`, `Note` or `*` ends the table. Every problem is reported with its sheet, row, column and value, and \
nothing is guessed: an unknown unit, an ambiguous date such as `05/01/2020` or an unknown spelling is a \
finding, never a silent number.\n\n\
**中文。** mmreport 读取 Excel（`.xlsx`、`.xlsm`、`.xls`）及 OpenDocument（`.ods`）工作簿。`患者`/`基线资料` 工作表\
（必需）每行一位患者；治疗信息可放在同一工作表或 `治疗方案` 工作表；疗效评估、不良反应、实验室检查为长表\
（每次评估/事件/检查一行），以 `患者编号` 关联。工作表名和列名可用中文或英文，不区分大小写、空格及全角/半角，\
单位可写在括号内（如 `血钙(mmol/L)`）。表头上方的标题行会被跳过；以 `注`、`备注`、`Note` 或 `*` 开头的行表示表格结束。\
所有问题都会注明工作表、行、列和数值；系统不做猜测：未知单位、含义不明的日期（如 `05/01/2020`）或无法识别的写法\
均报告为问题，而不会被悄悄当作数值。\n",
    );
    sheets(&mut s, cfg);
    values(&mut s, &cfg.values);
    columns(&mut s, &cfg.dictionary);
    s
}

/// `` `a`, `b` `` for a list of spellings.
fn quoted(xs: &[String]) -> String {
    xs.iter()
        .map(|x| format!("`{x}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sheets and the names each may have.
fn sheets(s: &mut String, cfg: &Config) {
    let _ = writeln!(s, "\n## Sheets / 工作表\n");
    let _ = writeln!(s, "| sheet 工作表 | also accepted 可用名称 |\n|---|---|");
    for (name, aliases) in &cfg.dictionary.sheets {
        let _ = writeln!(s, "| `{name}` | {} |", quoted(aliases));
    }
}

/// The spellings of missing, yes/no, sex, responses, dates, numbers and categories.
fn values(s: &mut String, v: &crate::config::Values) {
    let q = quoted;
    let _ = writeln!(s, "\n## Values / 取值写法\n");
    let _ = writeln!(s, "| kind 类型 | accepted 可用写法 |\n|---|---|");
    let _ = writeln!(
        s,
        "| missing 缺失 | {} (and an empty cell 及空单元格) |",
        q(&v.missing)
    );
    let _ = writeln!(s, "| yes 是 | {} |", q(&v.boolean.yes));
    let _ = writeln!(s, "| no 否 | {} |", q(&v.boolean.no));
    let _ = writeln!(s, "| male 男 | {} |", q(&v.sex.male));
    let _ = writeln!(s, "| female 女 | {} |", q(&v.sex.female));
    for (code, sp) in &v.response {
        let _ = writeln!(s, "| response {code} | {} |", q(sp));
    }
    let _ = writeln!(
        s,
        "| date 日期 | date cells, serial numbers, `2020-01-05`, `2020/1/5`, `2020.1.5`, `2020年1月5日`; `05/01/2020` only when `dates.slash_order` is set 仅在配置指定日/月顺序时 |"
    );
    let _ = writeln!(
        s,
        "| number 数值 | numbers, text numbers, `1,234.5`, full-width digits 全角数字, `<0.5` / `>100` (the limit is used, with a finding 取界值并报告) |"
    );
    for (map, table) in &v.categories {
        for (canon, sp) in table {
            let _ = writeln!(s, "| {map}: `{canon}` | {} |", q(sp));
        }
    }
}

/// The columns of every sheet kind.
fn columns(s: &mut String, d: &crate::config::Dictionary) {
    let _ = writeln!(s, "\n## Columns / 列\n");
    let _ = writeln!(
        s,
        "Per-cycle responses may also be columns of the patient sheet / 各疗程疗效也可作为患者表的列: {} (`{{n}}` = cycle 疗程).",
        quoted(&d.wide_responses.patterns)
    );
    table(
        s,
        "Patient and treatment (one row per patient) / 患者及治疗（每位患者一行）",
        &d.patient,
    );
    table(s, "Assessments / 疗效评估", &d.assessment);
    table(s, "Adverse events / 不良反应", &d.adverse_event);
    table(s, "Labs / 实验室检查", &d.lab);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed page is the generated one (set `UPDATE_DICTIONARY=1` to rewrite it).
    #[test]
    fn committed_page_is_current() {
        let cfg = Config::defaults().unwrap().config;
        let page = markdown(&cfg);
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../config/data-dictionary.md"
        );
        if std::env::var_os("UPDATE_DICTIONARY").is_some() {
            std::fs::write(path, &page).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(committed == page, "config/data-dictionary.md is stale: run UPDATE_DICTIONARY=1 cargo test -p mmreport-core dictionary");
        for c in &cfg.dictionary.patient {
            assert!(page.contains(&format!("`{}`", c.name)));
        }
    }
}
