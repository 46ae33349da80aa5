//! Writing cohorts as `.xlsx` in the canonical or the messy Chinese layout.
//!
//! Both layouts are produced from the same per-column functions, so they cannot drift
//! apart: each column knows its canonical name, its Chinese alias (from
//! `docs/input-format.md`) and how to render a value in either layout. The messy layout
//! then adds what real clinical spreadsheets do: a merged title row, text dates in every
//! allowed format, serial-number dates, Chinese booleans, units in headers with converted
//! values, text and full-width numbers, `未查`/`不详` for missing values, per-cycle
//! responses spread wide over the patient sheet, and a `注：` note row under each table.
//!
//! Rows are written strictly in order, sheet by sheet, so the same code serves the
//! streaming synthetic writer.

use super::{zh_term, DemoAe, DemoAssessment, DemoCohort, DemoError, DemoLab, DemoPatient, Layout};
use crate::model::{DiseaseStatus, EmdOnset, EmdType, Response, Sex, VitalStatus};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};
use std::path::Path;

/// A value as it will be written.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    Empty,
    Str(String),
    Num(f64),
    /// A real Excel date cell (serial number with a date format).
    Date(NaiveDate),
}

/// Excel serial day number (1900 system) of a date.
pub(super) fn serial(d: NaiveDate) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or(NaiveDate::MIN);
    (d - epoch).num_days() as f64
}

/// Rendering context: the layout and the data row, which drives the deterministic variety
/// of the messy layout.
#[derive(Clone, Copy)]
pub(super) struct Fmt {
    pub layout: Layout,
    pub row: usize,
}

/// Boolean spellings the messy layout rotates through.
#[derive(Clone, Copy)]
enum B {
    ShiFou,
    YouWu,
    YangYin,
}

impl Fmt {
    fn messy(&self) -> bool {
        self.layout == Layout::MessyChinese
    }

    fn date(&self, d: NaiveDate, salt: usize) -> Cell {
        if !self.messy() {
            return Cell::Date(d);
        }
        match (self.row + salt) % 6 {
            0 => Cell::Str(d.format("%Y-%m-%d").to_string()),
            1 => Cell::Str(format!("{}/{}/{}", d.year(), d.month(), d.day())),
            2 => Cell::Str(format!("{}.{}.{}", d.year(), d.month(), d.day())),
            3 => Cell::Str(format!("{}年{}月{}日", d.year(), d.month(), d.day())),
            4 => Cell::Num(serial(d)),
            _ => Cell::Date(d),
        }
    }

    fn opt_date(&self, d: Option<NaiveDate>, salt: usize) -> Cell {
        d.map_or(Cell::Empty, |d| self.date(d, salt))
    }

    fn boolean(&self, v: bool, style: B) -> Cell {
        let s = match (self.messy(), style, v) {
            (false, _, true) => "yes",
            (false, _, false) => "no",
            (true, B::ShiFou, true) => "是",
            (true, B::ShiFou, false) => "否",
            (true, B::YouWu, true) => "有",
            (true, B::YouWu, false) => "无",
            (true, B::YangYin, true) => "阳性",
            (true, B::YangYin, false) => "阴性",
        };
        Cell::Str(s.to_string())
    }

    fn opt_bool(&self, v: Option<bool>, style: B) -> Cell {
        v.map_or(Cell::Empty, |v| self.boolean(v, style))
    }

    fn num(&self, x: f64) -> Cell {
        Cell::Num(x)
    }

    /// Missing numbers: empty in the canonical layout; `未查`, `不详` or empty in the messy one.
    fn opt_num(&self, x: Option<f64>) -> Cell {
        match x {
            Some(v) => Cell::Num(v),
            None if self.messy() => match self.row % 3 {
                0 => Cell::Str("未查".to_string()),
                1 => Cell::Str("不详".to_string()),
                _ => Cell::Empty,
            },
            None => Cell::Empty,
        }
    }

    /// A number the messy layout sometimes types as text.
    fn num_text(&self, x: f64, every: usize, salt: usize) -> Cell {
        if self.messy() && (self.row + salt) % every == 0 {
            Cell::Str(format!("{x}"))
        } else {
            Cell::Num(x)
        }
    }

    fn text(&self, en: &str, zh: &str) -> Cell {
        Cell::Str(if self.messy() { zh } else { en }.to_string())
    }

    fn response(&self, r: Response) -> Cell {
        self.text(r.code(), response_zh(r))
    }
}

/// Chinese response names from the data dictionary.
pub fn response_zh(r: Response) -> &'static str {
    match r {
        Response::SCr => "严格意义的完全缓解",
        Response::CR => "完全缓解",
        Response::VGPR => "非常好的部分缓解",
        Response::PR => "部分缓解",
        Response::MR => "微小缓解",
        Response::SD => "疾病稳定",
        Response::PD => "疾病进展",
        Response::NE => "不可评估",
    }
}

fn status_zh(s: DiseaseStatus) -> &'static str {
    match s {
        DiseaseStatus::Relapsed => "复发",
        DiseaseStatus::Refractory => "难治",
        DiseaseStatus::RelapsedAndRefractory => "复发难治",
        // No Chinese spelling in the data dictionary: written as the code.
        DiseaseStatus::PrimaryRefractory => "primary_refractory",
    }
}

/// Full-width digits, as typed with a Chinese input method.
fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c),
            '.' => '．',
            _ => c,
        })
        .collect()
}

type ColFn<T> = fn(&T, &Fmt) -> Cell;

/// One column: canonical name, Chinese header (with unit where it carries one), renderer.
pub(super) struct Col<T> {
    pub canon: &'static str,
    pub zh: &'static str,
    pub f: ColFn<T>,
}

fn col<T>(canon: &'static str, zh: &'static str, f: ColFn<T>) -> Col<T> {
    Col { canon, zh, f }
}

/// The patients sheet's columns, in sheet order (section by section).
pub(super) fn patient_cols() -> Vec<Col<DemoPatient>> {
    let mut cols = identity_cols();
    cols.extend(baseline_lab_cols());
    cols.extend(fish_cols());
    cols.extend(prior_therapy_cols());
    cols.extend(emd_cols());
    cols.extend(relapse_cols());
    cols.push(col("notes", "备注", |p, _| {
        p.notes
            .as_ref()
            .map_or(Cell::Empty, |n| Cell::Str(n.clone()))
    }));
    cols
}

/// Patient columns: identity, demographics, M-protein type, staging and presentation.
fn identity_cols() -> Vec<Col<DemoPatient>> {
    vec![
        col("patient_id", "患者编号", |p, _| {
            Cell::Str(p.patient_id.clone())
        }),
        col("sex", "性别", |p, f| match p.sex {
            Sex::Male => f.text("M", "男"),
            Sex::Female => f.text("F", "女"),
        }),
        col("age", "年龄", |p, f| f.num_text(f64::from(p.age), 9, 2)),
        col("birth_date", "出生日期", |p, f| f.date(p.birth_date, 0)),
        col("diagnosis_date", "确诊日期", |p, f| {
            f.date(p.diagnosis_date, 1)
        }),
        col("m_protein_type", "M蛋白类型", |p, f| {
            f.text(p.m_protein_type.canonical(), p.m_protein_type.zh())
        }),
        col("ds_stage", "DS分期", |p, _| Cell::Str(p.ds_stage.clone())),
        col("iss_stage", "ISS分期", |p, _| {
            Cell::Str(["I", "II", "III"][usize::from(p.iss_stage.clamp(1, 3) - 1)].to_string())
        }),
        col("first_symptom", "首发症状", |p, f| {
            f.text(&p.first_symptom, zh_term(&p.first_symptom))
        }),
        col("pathological_fracture", "病理性骨折", |p, f| {
            f.boolean(p.pathological_fracture, B::YouWu)
        }),
        col("amyloidosis", "淀粉样变", |p, f| {
            f.boolean(p.amyloidosis, B::YouWu)
        }),
    ]
}

/// Patient columns: baseline marrow and labs (the messy layout writes creatinine, albumin
/// and Hb in the alternative unit its header names).
fn baseline_lab_cols() -> Vec<Col<DemoPatient>> {
    vec![
        col("bm_plasma_cell_pct", "骨髓浆细胞比例", |p, f| {
            f.num(p.bm_plasma_cell_pct)
        }),
        col("calcium", "血钙(mmol/L)", |p, f| {
            f.num_text(p.calcium, 5, 0)
        }),
        col("creatinine", "血肌酐（mg/dL）", |p, f| {
            if f.messy() {
                Cell::Num(p.creatinine / 88.4)
            } else {
                Cell::Num(p.creatinine)
            }
        }),
        col("beta2_microglobulin", "β2微球蛋白", |p, f| {
            f.num(p.beta2_microglobulin)
        }),
        col("albumin", "白蛋白(g/dL)", |p, f| {
            if f.messy() {
                Cell::Num(p.albumin / 10.0)
            } else {
                Cell::Num(p.albumin)
            }
        }),
        col("ldh", "乳酸脱氢酶", |p, f| f.num_text(p.ldh, 7, 3)),
        col("esr", "血沉", |p, f| {
            if f.messy() && f.row == 4 {
                Cell::Str(full_width(&format!("{}", p.esr)))
            } else {
                f.num(p.esr)
            }
        }),
        col("hemoglobin", "血红蛋白(g/dL)", |p, f| {
            if f.messy() {
                Cell::Num(p.hemoglobin / 10.0)
            } else {
                Cell::Num(p.hemoglobin)
            }
        }),
        col("wbc", "白细胞计数", |p, f| f.num(p.wbc)),
        col("platelets", "血小板计数", |p, f| f.num(p.platelets)),
    ]
}

/// Patient columns: FISH (whether tested, each abnormality, other findings).
fn fish_cols() -> Vec<Col<DemoPatient>> {
    vec![
        col("fish_tested", "FISH检测", |p, f| {
            f.boolean(p.fish.is_some(), B::ShiFou)
        }),
        col("fish_del17p", "TP53缺失", |p, f| fish(p, f, |x| x.del17p)),
        col("fish_t4_14", "t(4;14)", |p, f| fish(p, f, |x| x.t4_14)),
        col("fish_t14_16", "t(14;16)", |p, f| fish(p, f, |x| x.t14_16)),
        col("fish_t14_20", "t(14;20)", |p, f| fish(p, f, |x| x.t14_20)),
        col("fish_1q_gain", "1q21", |p, f| fish(p, f, |x| x.gain_1q)),
        col("fish_del13q", "13q缺失", |p, f| fish(p, f, |x| x.del13q)),
        col("fish_t11_14", "t(11;14)", |p, f| fish(p, f, |x| x.t11_14)),
        col("fish_igh", "IgH", |p, f| fish(p, f, |x| x.igh)),
        col("fish_other", "FISH其他", |p, _| {
            p.fish
                .as_ref()
                .filter(|x| !x.other.is_empty())
                .map_or(Cell::Empty, |x| Cell::Str(x.other.join(";")))
        }),
    ]
}

/// Patient columns: prior lines and prior exposures.
fn prior_therapy_cols() -> Vec<Col<DemoPatient>> {
    vec![
        col("prior_lines", "既往治疗线数", |p, f| {
            f.num_text(f64::from(p.prior_lines), 8, 5)
        }),
        col("prior_bortezomib", "既往硼替佐米", |p, f| {
            f.boolean(p.prior_bortezomib, B::ShiFou)
        }),
        col("prior_lenalidomide", "既往来那度胺", |p, f| {
            f.boolean(p.prior_lenalidomide, B::ShiFou)
        }),
        // The dictionary gives no Chinese alias for these ("…"): canonical names are kept.
        col("prior_pomalidomide", "prior_pomalidomide", |p, f| {
            f.boolean(p.prior_pomalidomide, B::ShiFou)
        }),
        col("prior_carfilzomib", "prior_carfilzomib", |p, f| {
            f.boolean(p.prior_carfilzomib, B::ShiFou)
        }),
        col("prior_daratumumab", "prior_daratumumab", |p, f| {
            f.boolean(p.prior_daratumumab, B::ShiFou)
        }),
        col("prior_asct", "prior_asct", |p, f| {
            f.boolean(p.prior_asct, B::ShiFou)
        }),
    ]
}

/// Patient columns: extramedullary disease.
fn emd_cols() -> Vec<Col<DemoPatient>> {
    vec![
        col("emd", "髓外病变", |p, f| {
            f.boolean(p.emd.is_some(), B::YouWu)
        }),
        col("emd_onset", "髓外病变出现时间", |p, f| {
            p.emd.as_ref().map_or(Cell::Empty, |e| match e.onset {
                EmdOnset::AtDiagnosis => f.text("at_diagnosis", "初诊时"),
                EmdOnset::AtRelapse => f.text("at_relapse", "复发时"),
            })
        }),
        col("emd_type", "髓外病变类型", |p, f| {
            p.emd.as_ref().map_or(Cell::Empty, |e| match e.kind {
                EmdType::Paraskeletal => f.text("paraskeletal", "骨旁"),
                EmdType::SoftTissue => f.text("soft_tissue", "软组织"),
            })
        }),
        col("emd_sites", "髓外病变部位", |p, f| {
            p.emd.as_ref().map_or(Cell::Empty, |e| {
                if f.messy() {
                    let zh: Vec<&str> = e.sites.iter().map(|s| zh_term(s)).collect();
                    Cell::Str(zh.join("、"))
                } else {
                    Cell::Str(e.sites.join("; "))
                }
            })
        }),
    ]
}

/// Patient columns: disease status, its IMWG relapse inputs and the documented relapse
/// evidence.
fn relapse_cols() -> Vec<Col<DemoPatient>> {
    vec![
        col("disease_status", "疾病状态", |p, f| {
            f.text(p.disease_status.code(), status_zh(p.disease_status))
        }),
        col(
            "last_prior_regimen_end",
            "末次既往治疗结束日期",
            |p, f| f.date(p.last_prior_regimen_end, 2),
        ),
        col("relapse_date", "复发日期", |p, f| {
            f.date(p.relapse_date, 3)
        }),
        col("prior_best_response", "既往最佳疗效", |p, f| {
            f.response(p.prior_best_response)
        }),
        col("new_bone_lesion", "新发骨病变", |p, f| {
            f.boolean(p.new_bone_lesion, B::YouWu)
        }),
        col("new_plasmacytoma", "新发浆细胞瘤", |p, f| {
            f.boolean(p.new_plasmacytoma, B::YouWu)
        }),
        col("plasmacytoma_growth", "浆细胞瘤增大", |p, f| {
            f.boolean(p.plasmacytoma_growth, B::ShiFou)
        }),
        col("hyperviscosity", "高黏血症", |p, f| {
            f.boolean(p.hyperviscosity, B::ShiFou)
        }),
        col("hb_drop", "血红蛋白下降", |p, f| f.num(p.hb_drop)),
        col("creatinine_rise", "肌酐升高", |p, f| {
            f.num(p.creatinine_rise)
        }),
        col("m_protein_nadir", "M蛋白最低值", |p, f| {
            f.opt_num(p.m_protein_nadir)
        }),
        col("m_protein_at_relapse", "复发时M蛋白", |p, f| {
            f.opt_num(p.m_protein_at_relapse)
        }),
    ]
}

fn fish(p: &DemoPatient, f: &Fmt, get: fn(&super::Fish) -> bool) -> Cell {
    match &p.fish {
        Some(x) => f.boolean(get(x), B::YangYin),
        None if f.messy() => Cell::Str("未查".to_string()),
        None => Cell::Empty,
    }
}

pub(super) fn treatment_cols() -> Vec<Col<DemoPatient>> {
    vec![
        col("patient_id", "病例号", |p, _| {
            Cell::Str(p.patient_id.clone())
        }),
        col("regimen", "方案", |p, _| Cell::Str(p.regimen.clone())),
        col("index_date", "苯达莫司汀开始日期", |p, f| {
            f.date(p.index_date, 4)
        }),
        col("bendamustine_dose", "苯达莫司汀剂量", |p, f| {
            f.num(p.bendamustine_dose)
        }),
        col("cycles_completed", "疗程数", |p, f| {
            f.num_text(f64::from(p.cycles_completed), 6, 1)
        }),
        col("last_dose_date", "末次用药日期", |p, f| {
            f.date(p.last_dose_date, 5)
        }),
        col("progression_date", "进展日期", |p, f| {
            f.opt_date(p.progression_date, 0)
        }),
        col("death_date", "死亡日期", |p, f| {
            f.opt_date(p.death_date, 1)
        }),
        col("death_cause", "死亡原因", |p, f| {
            p.death_cause
                .as_ref()
                .map_or(Cell::Empty, |c| f.text(c, zh_term(c)))
        }),
        col("last_followup_date", "末次随访日期", |p, f| {
            f.date(p.last_followup_date, 2)
        }),
        col("vital_status", "生存状态", |p, f| {
            match p.vital_status {
                VitalStatus::Alive => f.text("alive", "存活"),
                VitalStatus::Dead => f.text("dead", "死亡"),
            }
        }),
    ]
}

/// Assessment columns; the messy layout leaves out `response` (it goes wide).
pub(super) fn assessment_cols(layout: Layout) -> Vec<Col<DemoAssessment>> {
    let mut v = vec![
        col(
            "patient_id",
            "患者编号",
            |a: &DemoAssessment, _: &Fmt| Cell::Str(a.patient_id.clone()),
        ),
        col("assessment_date", "评估日期", |a, f| {
            f.date(a.assessment_date, 0)
        }),
        col("after_cycle", "疗程", |a, f| {
            f.num(f64::from(a.after_cycle))
        }),
    ];
    if layout == Layout::Canonical {
        v.push(col("response", "疗效", |a, f| {
            a.response.map_or(Cell::Empty, |r| f.response(r))
        }));
    }
    v.extend([
        col(
            "serum_m_protein",
            "血清M蛋白",
            |a: &DemoAssessment, f: &Fmt| f.opt_num(a.serum_m_protein),
        ),
        col("urine_m_protein", "24h尿M蛋白", |a, f| {
            f.opt_num(a.urine_m_protein)
        }),
        col("involved_flc", "受累游离轻链", |a, f| {
            f.opt_num(a.involved_flc)
        }),
        col("uninvolved_flc", "非受累游离轻链", |a, f| {
            f.opt_num(a.uninvolved_flc)
        }),
        col(
            "immunofixation_negative",
            "免疫固定电泳阴性",
            |a, f| f.opt_bool(a.immunofixation_negative, B::ShiFou),
        ),
        col("bm_plasma_cell_pct", "骨髓浆细胞比例", |a, _| {
            a.bm_plasma_cell_pct.map_or(Cell::Empty, Cell::Num)
        }),
        col("plasmacytoma_spd", "浆细胞瘤SPD", |a, _| {
            a.plasmacytoma_spd.map_or(Cell::Empty, Cell::Num)
        }),
        col("new_lesion", "新发病灶", |a, f| {
            f.opt_bool(a.new_lesion, B::YouWu)
        }),
        col("calcium", "血钙", |a, _| {
            a.calcium.map_or(Cell::Empty, Cell::Num)
        }),
        col("hemoglobin", "血红蛋白(g/L)", |a, _| {
            a.hemoglobin.map_or(Cell::Empty, Cell::Num)
        }),
        col("creatinine", "血肌酐(μmol/L)", |a, _| {
            a.creatinine.map_or(Cell::Empty, Cell::Num)
        }),
    ]);
    v
}

pub(super) fn ae_cols() -> Vec<Col<DemoAe>> {
    vec![
        col("patient_id", "患者编号", |a: &DemoAe, _: &Fmt| {
            Cell::Str(a.patient_id.clone())
        }),
        col("term", "不良反应", |a, f| {
            f.text(a.term.ctcae(), a.term.zh())
        }),
        col("grade", "分级", |a, f| {
            f.num_text(f64::from(a.grade), 10, 3)
        }),
        col("cycle", "疗程", |a, f| f.num(f64::from(a.cycle))),
        col("onset_date", "发生日期", |a, f| f.date(a.onset_date, 3)),
        col("serious", "严重不良事件", |a, f| {
            f.boolean(a.serious, B::ShiFou)
        }),
    ]
}

pub(super) fn lab_cols() -> Vec<Col<DemoLab>> {
    vec![
        col("patient_id", "患者编号", |l: &DemoLab, _: &Fmt| {
            Cell::Str(l.patient_id.clone())
        }),
        col("draw_date", "检查日期", |l, f| f.date(l.draw_date, 5)),
        col("wbc", "白细胞", |l, f| f.num(l.wbc)),
        col("neutrophils", "中性粒细胞", |l, f| {
            f.num(l.neutrophils)
        }),
        col("lymphocytes", "淋巴细胞", |l, f| f.num(l.lymphocytes)),
        col("platelets", "血小板", |l, f| f.num(l.platelets)),
        col("hemoglobin", "血红蛋白", |l, f| f.num(l.hemoglobin)),
        col("creatinine", "肌酐", |l, f| f.num(l.creatinine)),
    ]
}

/// One worksheet being filled row by row.
pub(super) struct Sheet<T> {
    pub ws: Worksheet,
    cols: Vec<Col<T>>,
    layout: Layout,
    row: u32,
    data_rows: usize,
    date_fmt: Format,
}

impl<T> Sheet<T> {
    /// Start a sheet: name, title rows (messy) and header.
    pub fn new(
        mut ws: Worksheet,
        layout: Layout,
        canon: &str,
        zh: &str,
        cols: Vec<Col<T>>,
        extra_headers: &[String],
    ) -> Result<Self, DemoError> {
        let messy = layout == Layout::MessyChinese;
        ws.set_name(if messy { zh } else { canon })?;
        let mut row = 0;
        let ncols = (cols.len() + extra_headers.len()) as u16;
        if messy {
            let title = Format::new().set_bold().set_align(FormatAlign::Center);
            ws.merge_range(
                0,
                0,
                0,
                ncols.saturating_sub(1),
                &format!("苯达莫司汀治疗复发/难治性多发性骨髓瘤病例资料（{zh}）"),
                &title,
            )?;
            row = if canon == "patients" { 2 } else { 1 };
        }
        let bold = Format::new().set_bold();
        for (c, h) in cols
            .iter()
            .map(|c| if messy { c.zh } else { c.canon })
            .chain(extra_headers.iter().map(String::as_str))
            .enumerate()
        {
            ws.write_string_with_format(row, c as u16, h, &bold)?;
        }
        Ok(Sheet {
            ws,
            cols,
            layout,
            row: row + 1,
            data_rows: 0,
            date_fmt: Format::new().set_num_format("yyyy-mm-dd"),
        })
    }

    /// Write one record (plus `extra` cells after the regular columns).
    pub fn push(&mut self, rec: &T, extra: &[Cell]) -> Result<(), DemoError> {
        let f = Fmt {
            layout: self.layout,
            row: self.data_rows,
        };
        let cells: Vec<Cell> = self.cols.iter().map(|c| (c.f)(rec, &f)).collect();
        for (c, cell) in cells.iter().chain(extra.iter()).enumerate() {
            put(&mut self.ws, self.row, c as u16, cell, &self.date_fmt)?;
        }
        self.row += 1;
        self.data_rows += 1;
        Ok(())
    }

    /// Close the table: the messy layout gets a `注：` row (after a blank row except in the
    /// patient sheet).
    pub fn finish(mut self, note: &str) -> Result<Worksheet, DemoError> {
        if self.layout == Layout::MessyChinese {
            let r = if note.contains("基线") {
                self.row
            } else {
                self.row + 1
            };
            self.ws.write_string(r, 0, format!("注：{note}"))?;
        }
        Ok(self.ws)
    }
}

fn put(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    cell: &Cell,
    date_fmt: &Format,
) -> Result<(), DemoError> {
    match cell {
        Cell::Empty => {}
        Cell::Str(s) => {
            ws.write_string(r, c, s)?;
        }
        Cell::Num(x) => {
            ws.write_number(r, c, *x)?;
        }
        Cell::Date(d) => {
            ws.write_number_with_format(r, c, serial(*d), date_fmt)?;
        }
    }
    Ok(())
}

/// A workbook with the fixed properties that make output byte-reproducible.
pub(super) fn new_workbook() -> Result<Workbook, DemoError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2022, 12, 9)?;
    let props = DocProperties::new()
        .set_title("mmreport example case records")
        .set_author("mmreport demo")
        .set_creation_datetime(&created);
    wb.set_properties(&props);
    Ok(wb)
}

/// Write `c` to `path` in `layout`. Writing is deterministic: the same cohort gives the same
/// bytes.
pub fn write_workbook(c: &DemoCohort, layout: Layout, path: &Path) -> Result<(), DemoError> {
    let mut wb = new_workbook()?;
    wb.push_worksheet(patients_sheet(c, layout)?);
    wb.push_worksheet(table_sheet(
        layout,
        ("treatment", "治疗方案"),
        treatment_cols(),
        &c.patients,
        "随访截至2022年12月9日",
    )?);
    wb.push_worksheet(table_sheet(
        layout,
        ("assessments", "疗效评估"),
        assessment_cols(layout),
        &c.assessments,
        "疗程0为基线；疗效见基线资料表",
    )?);
    wb.push_worksheet(table_sheet(
        layout,
        ("adverse_events", "不良反应"),
        ae_cols(),
        &c.adverse_events,
        "按CTCAE 5.0分级",
    )?);
    wb.push_worksheet(table_sheet(
        layout,
        ("labs", "实验室检查"),
        lab_cols(),
        &c.labs,
        "单位：10^9/L，血红蛋白g/L，肌酐μmol/L",
    )?);
    wb.save(path)?;
    Ok(())
}

/// A sheet with one row per record and no extra columns; `names` is (canonical, Chinese),
/// `note` the messy layout's `注：` row.
fn table_sheet<T>(
    layout: Layout,
    (canon, zh): (&str, &str),
    cols: Vec<Col<T>>,
    records: &[T],
    note: &str,
) -> Result<Worksheet, DemoError> {
    let mut sheet = Sheet::new(Worksheet::new(), layout, canon, zh, cols, &[])?;
    for r in records {
        sheet.push(r, &[])?;
    }
    sheet.finish(note)
}

/// The patients sheet; the messy layout adds the per-cycle responses as wide columns.
fn patients_sheet(c: &DemoCohort, layout: Layout) -> Result<Worksheet, DemoError> {
    let messy = layout == Layout::MessyChinese;
    let cycles = response_cycles(c);
    let wide: Vec<String> = if messy {
        cycles.iter().map(|k| format!("第{k}疗程疗效")).collect()
    } else {
        Vec::new()
    };
    let mut ps = Sheet::new(
        Worksheet::new(),
        layout,
        "patients",
        "基线资料",
        patient_cols(),
        &wide,
    )?;
    for p in &c.patients {
        let extra: Vec<Cell> = if messy {
            wide_responses(c, p, &cycles)
        } else {
            Vec::new()
        };
        ps.push(p, &extra)?;
    }
    ps.finish("基线资料截至2022年12月9日；肌酐、血红蛋白、白蛋白单位见表头")
}

/// Wide per-cycle responses (messy only): every cycle that has an assessment, ascending.
fn response_cycles(c: &DemoCohort) -> Vec<u32> {
    let mut cycles: Vec<u32> = c
        .assessments
        .iter()
        .filter(|a| a.response.is_some() && a.after_cycle > 0)
        .map(|a| a.after_cycle)
        .collect();
    cycles.sort_unstable();
    cycles.dedup();
    cycles
}

/// A patient's response after each of `cycles` in Chinese (empty where none was recorded).
fn wide_responses(c: &DemoCohort, p: &DemoPatient, cycles: &[u32]) -> Vec<Cell> {
    cycles
        .iter()
        .map(|k| {
            c.assessments
                .iter()
                .find(|a| a.patient_id == p.patient_id && a.after_cycle == *k)
                .and_then(|a| a.response)
                .map_or(Cell::Empty, |r| Cell::Str(response_zh(r).to_string()))
        })
        .collect()
}
