//! Typed rows → typed records: patient-level rows of every one-row-per-patient sheet joined
//! on `patient_id` (duplicates flagged and excluded), long rows attached to their patient
//! (orphans flagged and left out), wide per-cycle responses merged into `assessments`.

use super::cells::Value;
use super::sheet::{Row, SheetKind, Table};
use crate::config::{ColumnDef, Config};
use crate::grouping::GroupValue;
use crate::model::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Rule ids of record-level findings.
pub mod rule {
    pub const MISSING_ID: &str = "cohort.missing_patient_id";
    pub const DUPLICATE_ID: &str = "cohort.duplicate_patient_id";
    pub const ORPHAN_ROW: &str = "cohort.orphan_row";
    pub const CONFLICT: &str = "cohort.conflicting_value";
    pub const WIDE_CONFLICT: &str = "cohort.conflicting_response";

    /// Every rule id above: each has its message in both languages in
    /// `crates/core/labels/findings.toml` (checked by the render crate's tests).
    pub const ALL: &[&str] = &[
        MISSING_ID,
        DUPLICATE_ID,
        ORPHAN_ROW,
        CONFLICT,
        WIDE_CONFLICT,
    ];
}

type Values = Vec<Option<Val<Value>>>;
/// A patient's wide per-cycle responses: (patient id, [(cycle, response)]).
type WideRow = (String, Vec<(u32, Val<Response>)>);

/// Column name → index in a column table.
struct Ix(HashMap<String, usize>);

impl Ix {
    fn new(defs: &[ColumnDef]) -> Self {
        Ix(defs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.clone(), i))
            .collect())
    }
    fn get<'v>(&self, row: &'v Values, name: &str) -> Option<&'v Val<Value>> {
        self.0
            .get(name)
            .and_then(|&i| row.get(i))
            .and_then(Option::as_ref)
    }
    /// Moves the value out of the row (each value is used once, so nothing is cloned).
    fn take(&self, row: &mut Values, name: &str) -> Option<Val<Value>> {
        self.0
            .get(name)
            .and_then(|&i| row.get_mut(i))
            .and_then(Option::take)
    }
}

macro_rules! getter {
    ($fn:ident, $ty:ty, $pat:pat => $out:expr) => {
        fn $fn(ix: &Ix, row: &mut Values, name: &str) -> Option<Val<$ty>> {
            let v = ix.take(row, name)?;
            match v.v {
                $pat => Some(Val::new($out, v.at)),
                _ => None,
            }
        }
    };
}

getter!(num, f64, Value::Num(x) => x);
getter!(int, u32, Value::Int(x) => x);
getter!(date, Date, Value::Date(x) => x);
getter!(boolean, bool, Value::Bool(x) => x);
getter!(sex, Sex, Value::Sex(x) => x);
getter!(response, Response, Value::Response(x) => x);
getter!(list, Vec<String>, Value::List(x) => x);

fn text(ix: &Ix, row: &mut Values, name: &str) -> Option<Val<String>> {
    let v = ix.take(row, name)?;
    match v.v {
        Value::Text(s) | Value::Cat(s) => Some(Val::new(s, v.at)),
        _ => None,
    }
}

fn stage(ix: &Ix, row: &mut Values, name: &str) -> Option<Val<(u8, Option<char>)>> {
    let v = ix.take(row, name)?;
    match v.v {
        Value::Stage(n, s) => Some(Val::new((n, s), v.at)),
        _ => None,
    }
}

fn roman(n: u8) -> &'static str {
    match n {
        1 => "I",
        2 => "II",
        _ => "III",
    }
}

fn cat_map<T>(
    ix: &Ix,
    row: &mut Values,
    name: &str,
    f: impl Fn(&str) -> Option<T>,
) -> Option<Val<T>> {
    let t = text(ix, row, name)?;
    f(&t.v).map(|x| Val::new(x, t.at))
}

/// Durie-Salmon stage as written in the model: roman numeral and optional A/B subclass.
fn ds_stage_text(v: Val<(u8, Option<char>)>) -> Val<String> {
    let (n, sub) = v.v;
    Val::new(
        format!("{}{}", roman(n), sub.map(String::from).unwrap_or_default()),
        v.at,
    )
}

/// `emd_onset` canonical category → model value.
fn emd_onset(s: &str) -> Option<EmdOnset> {
    match s {
        "at_diagnosis" => Some(EmdOnset::AtDiagnosis),
        "at_relapse" => Some(EmdOnset::AtRelapse),
        _ => None,
    }
}

/// `emd_type` canonical category → model value.
fn emd_type(s: &str) -> Option<EmdType> {
    match s {
        "paraskeletal" => Some(EmdType::Paraskeletal),
        "soft_tissue" => Some(EmdType::SoftTissue),
        _ => None,
    }
}

/// `del1p32` canonical category → model value.
fn del1p32(s: &str) -> Option<Del1p32> {
    match s {
        "none" => Some(Del1p32::None),
        "monoallelic" => Some(Del1p32::Monoallelic),
        "biallelic" => Some(Del1p32::Biallelic),
        _ => None,
    }
}

/// `disease_status` canonical category → model value.
fn disease_status(s: &str) -> Option<DiseaseStatus> {
    match s {
        "relapsed" => Some(DiseaseStatus::Relapsed),
        "refractory" => Some(DiseaseStatus::Refractory),
        "primary_refractory" => Some(DiseaseStatus::PrimaryRefractory),
        "relapsed_and_refractory" => Some(DiseaseStatus::RelapsedAndRefractory),
        _ => None,
    }
}

/// `vital_status` canonical category → model value.
fn vital_status(s: &str) -> Option<VitalStatus> {
    match s {
        "alive" => Some(VitalStatus::Alive),
        "dead" => Some(VitalStatus::Dead),
        _ => None,
    }
}

/// The patient record from its merged patient-level row: one field per dictionary column
/// (a declarative field table; every value is moved out of the row).
fn patient_from(ix: &Ix, id: String, id_at: CellRef, r: &mut Values) -> Patient {
    Patient {
        patient_id: id,
        id_at: Some(id_at),
        sex: sex(ix, r, "sex"),
        age: num(ix, r, "age"),
        birth_date: date(ix, r, "birth_date"),
        diagnosis_date: date(ix, r, "diagnosis_date"),
        m_protein_type: text(ix, r, "m_protein_type"),
        ds_stage: stage(ix, r, "ds_stage").map(ds_stage_text),
        iss_stage: stage(ix, r, "iss_stage").map(|v| Val::new(v.v.0, v.at)),
        first_symptom: text(ix, r, "first_symptom"),
        pathological_fracture: boolean(ix, r, "pathological_fracture"),
        amyloidosis: boolean(ix, r, "amyloidosis"),
        bm_plasma_cell_pct: num(ix, r, "bm_plasma_cell_pct"),
        calcium: num(ix, r, "calcium"),
        creatinine: num(ix, r, "creatinine"),
        crcl: num(ix, r, "crcl"),
        beta2_microglobulin: num(ix, r, "beta2_microglobulin"),
        albumin: num(ix, r, "albumin"),
        ldh: num(ix, r, "ldh"),
        esr: num(ix, r, "esr"),
        hemoglobin: num(ix, r, "hemoglobin"),
        wbc: num(ix, r, "wbc"),
        platelets: num(ix, r, "platelets"),
        fish_tested: boolean(ix, r, "fish_tested"),
        fish_del17p: boolean(ix, r, "fish_del17p"),
        fish_t4_14: boolean(ix, r, "fish_t4_14"),
        fish_t14_16: boolean(ix, r, "fish_t14_16"),
        fish_t14_20: boolean(ix, r, "fish_t14_20"),
        fish_1q_gain: boolean(ix, r, "fish_1q_gain"),
        fish_del13q: boolean(ix, r, "fish_del13q"),
        fish_t11_14: boolean(ix, r, "fish_t11_14"),
        fish_igh: boolean(ix, r, "fish_igh"),
        del17p_fraction: num(ix, r, "del17p_fraction"),
        tp53_mutation: boolean(ix, r, "tp53_mutation"),
        del1p32: cat_map(ix, r, "del1p32", del1p32),
        amp1q: boolean(ix, r, "amp1q"),
        fish_other: list(ix, r, "fish_other"),
        prior_lines: int(ix, r, "prior_lines"),
        prior_bortezomib: boolean(ix, r, "prior_bortezomib"),
        prior_lenalidomide: boolean(ix, r, "prior_lenalidomide"),
        prior_pomalidomide: boolean(ix, r, "prior_pomalidomide"),
        prior_carfilzomib: boolean(ix, r, "prior_carfilzomib"),
        prior_daratumumab: boolean(ix, r, "prior_daratumumab"),
        prior_asct: boolean(ix, r, "prior_asct"),
        refractory_to: list(ix, r, "refractory_to"),
        exposed_to: list(ix, r, "exposed_to"),
        refractory_drugs: refractory_drugs(ix, r),
        emd: boolean(ix, r, "emd"),
        emd_onset: cat_map(ix, r, "emd_onset", emd_onset),
        emd_type: cat_map(ix, r, "emd_type", emd_type),
        emd_sites: list(ix, r, "emd_sites"),
        notes: text(ix, r, "notes"),
        disease_status: cat_map(ix, r, "disease_status", disease_status),
        last_prior_regimen_end: date(ix, r, "last_prior_regimen_end"),
        relapse_date: date(ix, r, "relapse_date"),
        prior_best_response: response(ix, r, "prior_best_response"),
        new_bone_lesion: boolean(ix, r, "new_bone_lesion"),
        new_plasmacytoma: boolean(ix, r, "new_plasmacytoma"),
        plasmacytoma_growth: boolean(ix, r, "plasmacytoma_growth"),
        hyperviscosity: boolean(ix, r, "hyperviscosity"),
        hb_drop: num(ix, r, "hb_drop"),
        creatinine_rise: num(ix, r, "creatinine_rise"),
        m_protein_nadir: num(ix, r, "m_protein_nadir"),
        m_protein_at_relapse: num(ix, r, "m_protein_at_relapse"),
        regimen: text(ix, r, "regimen").map(|v| Val::new(v.v.trim().to_string(), v.at)),
        index_date: date(ix, r, "index_date"),
        bendamustine_dose: num(ix, r, "bendamustine_dose"),
        cycles_completed: int(ix, r, "cycles_completed"),
        last_dose_date: date(ix, r, "last_dose_date"),
        progression_date: date(ix, r, "progression_date"),
        death_date: date(ix, r, "death_date"),
        death_cause: text(ix, r, "death_cause"),
        last_followup_date: date(ix, r, "last_followup_date"),
        vital_status: cat_map(ix, r, "vital_status", vital_status),
        ..durations(ix, r)
    }
}

/// The duration columns of a patient (`os_time`, `os_event`, `pfs_time`, `pfs_event`);
/// every other field empty.
fn durations(ix: &Ix, r: &mut Values) -> Patient {
    Patient {
        os_time: num(ix, r, "os_time"),
        os_event: cat_map(ix, r, "os_event", event_flag),
        pfs_time: num(ix, r, "pfs_time"),
        pfs_event: cat_map(ix, r, "pfs_event", event_flag),
        ..Patient::default()
    }
}

/// `event` canonical category → whether the event happened.
fn event_flag(s: &str) -> Option<bool> {
    match s {
        "event" => Some(true),
        "censored" => Some(false),
        _ => None,
    }
}

/// The per-drug `refractory_<drug>` yes/no columns of the dictionary, keyed by drug (the
/// dictionary, not code, says which drugs have a column).
fn refractory_drugs(ix: &Ix, r: &mut Values) -> BTreeMap<String, Val<bool>> {
    let names: Vec<String> =
        ix.0.keys()
            .filter(|n| n.starts_with("refractory_") && n.as_str() != "refractory_to")
            .cloned()
            .collect();
    names
        .into_iter()
        .filter_map(|n| {
            let v = boolean(ix, r, &n)?;
            Some((n.trim_start_matches("refractory_").to_string(), v))
        })
        .collect()
}

fn assessment_from(ix: &Ix, id: String, at: CellRef, r: &mut Values) -> Assessment {
    Assessment {
        patient_id: id,
        at: Some(at),
        assessment_date: date(ix, r, "assessment_date"),
        after_cycle: int(ix, r, "after_cycle"),
        response: response(ix, r, "response"),
        serum_m_protein: num(ix, r, "serum_m_protein"),
        urine_m_protein: num(ix, r, "urine_m_protein"),
        involved_flc: num(ix, r, "involved_flc"),
        uninvolved_flc: num(ix, r, "uninvolved_flc"),
        immunofixation_negative: boolean(ix, r, "immunofixation_negative"),
        mrd: text(ix, r, "mrd"),
        mrd_sensitivity: text(ix, r, "mrd_sensitivity"),
        mrd_method: text(ix, r, "mrd_method"),
        pet_ct: text(ix, r, "pet_ct"),
        bm_plasma_cell_pct: num(ix, r, "bm_plasma_cell_pct"),
        plasmacytoma_spd: num(ix, r, "plasmacytoma_spd"),
        new_lesion: boolean(ix, r, "new_lesion"),
        calcium: num(ix, r, "calcium"),
        hemoglobin: num(ix, r, "hemoglobin"),
        creatinine: num(ix, r, "creatinine"),
    }
}

fn ae_from(ix: &Ix, id: String, at: CellRef, r: &mut Values) -> AdverseEvent {
    let grade = int(ix, r, "grade").and_then(|g| u8::try_from(g.v).ok().map(|x| Val::new(x, g.at)));
    AdverseEvent {
        patient_id: id,
        at: Some(at),
        term: text(ix, r, "term"),
        term_known: false,
        grade,
        cycle: int(ix, r, "cycle"),
        onset_date: date(ix, r, "onset_date"),
        serious: boolean(ix, r, "serious"),
    }
}

fn lab_from(ix: &Ix, id: String, at: CellRef, r: &mut Values) -> LabDraw {
    LabDraw {
        patient_id: id,
        at: Some(at),
        draw_date: date(ix, r, "draw_date"),
        wbc: num(ix, r, "wbc"),
        neutrophils: num(ix, r, "neutrophils"),
        lymphocytes: num(ix, r, "lymphocytes"),
        platelets: num(ix, r, "platelets"),
        hemoglobin: num(ix, r, "hemoglobin"),
        creatinine: num(ix, r, "creatinine"),
    }
}

/// `[dictionary] ids_from_rows`: a patients sheet without a `patient_id` column names each
/// patient by the Excel row it is on (`row 2`), placed at the row's first cell.
fn number_rows(tables: &mut [Table], pix: &Ix) {
    let Some(&pid) = pix.0.get("patient_id") else {
        return;
    };
    for t in tables
        .iter_mut()
        .filter(|t| t.kind == SheetKind::Patients && !t.present.contains(&pid))
    {
        for row in &mut t.rows {
            let at = CellRef {
                sheet: t.sheet,
                row: row.excel_row,
                col: 0,
            };
            if let Some(cell) = row.values.get_mut(pid) {
                *cell = Some(Val::new(Value::Text(format!("row {}", row.excel_row)), at));
            }
        }
        t.present.push(pid);
    }
}

/// The patient-level columns configured groupings read (each once).
fn grouping_columns(cfg: &Config) -> Vec<&str> {
    let mut c: Vec<&str> = cfg.groupings.iter().map(|g| g.column.as_str()).collect();
    c.sort_unstable();
    c.dedup();
    c
}

/// A grouping column's value in a merged patient row, copied before the record takes the
/// row apart: numbers stay numbers, everything else is its text (as written for text
/// columns, the canonical spelling of a dictionary category, `yes`/`no`). Dates and lists
/// make no level.
fn grouping_values(ix: &Ix, row: &Values, columns: &[&str]) -> BTreeMap<String, Val<GroupValue>> {
    columns
        .iter()
        .filter_map(|c| {
            let v = ix.get(row, c)?;
            let g = match &v.v {
                Value::Num(x) => GroupValue::Number(*x),
                Value::Int(n) => GroupValue::Number(f64::from(*n)),
                Value::Date(_) | Value::List(_) => return None,
                other => GroupValue::Text(show(other).trim().to_string()),
            };
            Some((c.to_string(), Val::new(g, v.at)))
        })
        .collect()
}

/// Spellings of one level that differ only in case, width or spacing (`MMSET`, `mmset `)
/// become the first spelling met in workbook order, so that they make one level.
fn same_spelling(patients: &mut [Patient], columns: &[&str]) {
    for c in columns {
        let mut first: HashMap<String, String> = HashMap::new();
        for p in patients.iter_mut() {
            if let Some(Val {
                v: GroupValue::Text(t),
                ..
            }) = p.grouping_values.get_mut(*c)
            {
                let spelling = first
                    .entry(crate::names::key(t))
                    .or_insert_with(|| t.clone());
                t.clone_from(spelling);
            }
        }
    }
}

/// Text of a value for messages and conflict checks.
fn show(v: &Value) -> String {
    match v {
        Value::Text(s) | Value::Cat(s) => s.clone(),
        Value::Num(x) => super::cells::number_text(*x),
        Value::Int(i) => i.to_string(),
        Value::Date(d) => d.to_string(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Sex(s) => format!("{s:?}").to_lowercase(),
        Value::Response(r) => r.code().into(),
        Value::List(l) => l.join("; "),
        Value::Stage(n, s) => format!("{}{}", roman(*n), s.map(String::from).unwrap_or_default()),
    }
}

fn id_of(ix: &Ix, row: &Values) -> Option<(String, CellRef)> {
    let v = ix.get(row, "patient_id")?;
    let s = show(&v.v).trim().to_string();
    (!s.is_empty()).then_some((s, v.at))
}

/// The records of one event sheet (assessments, adverse events or labs).
#[derive(Debug)]
pub enum EventRecords {
    Assessments(Vec<Assessment>),
    AdverseEvents(Vec<AdverseEvent>),
    Labs(Vec<LabDraw>),
}

/// An event sheet turned into records on the thread that read it, so that its typed rows
/// are freed there, sheet by sheet, instead of every sheet's rows waiting for the join.
/// Whether each record's patient exists is decided later, in [`build`].
#[derive(Debug)]
pub struct EventSheet {
    pub sheet: u16,
    pub records: EventRecords,
    /// (Excel row, patient id) of the rows named in `rows_with_findings`, so that a cell
    /// finding raised before ids were known can name its patient.
    pub row_ids: Vec<(u32, String)>,
    /// The sheet's header cells and first spellings (see [`Table`]).
    pub headers: Vec<HeaderCell>,
    pub entered: super::sheet::Entered,
}

/// Turns an event sheet's typed rows into records. A row without a `patient_id` is left
/// out with a finding (pushed to `findings`); `rows_with_findings` are the Excel rows of
/// this sheet that already have a cell finding.
pub fn event_sheet(
    t: Table,
    cfg: &Config,
    rows_with_findings: &HashSet<u32>,
    findings: &mut Vec<Finding>,
) -> EventSheet {
    let dict = &cfg.dictionary;
    let defs = match t.kind {
        SheetKind::Assessments => &dict.assessment,
        SheetKind::AdverseEvents => &dict.adverse_event,
        _ => &dict.lab,
    };
    let ix = Ix::new(defs);
    let mut records = match t.kind {
        SheetKind::Assessments => EventRecords::Assessments(Vec::with_capacity(t.rows.len())),
        SheetKind::AdverseEvents => EventRecords::AdverseEvents(Vec::with_capacity(t.rows.len())),
        _ => EventRecords::Labs(Vec::with_capacity(t.rows.len())),
    };
    let mut row_ids = Vec::new();
    let (headers, entered) = (t.headers, t.entered);
    // Rows are consumed one by one: each row's cells are freed once it is a record.
    for mut row in t.rows {
        let Some((id, at)) = id_of(&ix, &row.values) else {
            let at = row.values.iter().flatten().next().map(|v| v.at);
            if let Some(at) = at {
                findings.push(Finding::at_cell(
                    Severity::Warning,
                    rule::ORPHAN_ROW,
                    at,
                    "patient_id",
                    "row has no patient_id: it is left out",
                ));
            }
            continue;
        };
        if rows_with_findings.contains(&row.excel_row) {
            row_ids.push((row.excel_row, id.clone()));
        }
        match &mut records {
            EventRecords::Assessments(v) => v.push(assessment_from(&ix, id, at, &mut row.values)),
            EventRecords::AdverseEvents(v) => v.push(ae_from(&ix, id, at, &mut row.values)),
            EventRecords::Labs(v) => v.push(lab_from(&ix, id, at, &mut row.values)),
        }
    }
    EventSheet {
        sheet: t.sheet,
        records,
        row_ids,
        headers,
        entered,
    }
}

/// Builds the cohort from the patient-level sheets' tables (patients sheet first, then the
/// other patient-level sheets in workbook order) and the event sheets' records (in workbook
/// order; a record whose patient has no row in the patients sheet is left out with a
/// finding).
pub fn build(
    // Patient-level sheets only (patients, treatment).
    mut tables: Vec<Table>,
    mut events: Vec<EventSheet>,
    sheet_names: &[String],
    cfg: &Config,
    findings: Vec<Finding>,
) -> Cohort {
    let pix = Ix::new(&cfg.dictionary.patient);
    if cfg.dictionary.ids_from_rows {
        number_rows(&mut tables, &pix);
    }
    let row_ids = ids_of_finding_rows(&tables, &events, &findings, &pix);
    let (headers, entered) = vocabulary(&mut tables, &mut events);

    // The patients sheet first, then the other one-row-per-patient sheets in workbook order.
    tables.sort_by_key(|t| (t.kind != SheetKind::Patients, t.sheet));
    let mut join = Join::new(&pix, &cfg.dictionary.patient, sheet_names, findings);
    for (ti, t) in tables.iter_mut().enumerate() {
        let primary = ti == 0 || t.kind == SheetKind::Patients;
        join.table(t, primary);
    }
    let Join {
        order,
        mut merged,
        excluded,
        duplicate,
        patients_read,
        wide_rows,
        mut findings,
        ..
    } = join;

    let grouped = grouping_columns(cfg);
    let mut patients: Vec<Patient> = order
        .into_iter()
        .filter_map(|id| {
            let (at, mut v) = merged.remove(&id)?;
            let values = grouping_values(&pix, &v, &grouped);
            let mut p = patient_from(&pix, id, at, &mut v);
            p.grouping_values = values;
            Some(p)
        })
        .collect();
    same_spelling(&mut patients, &grouped);
    let known: HashSet<&str> = patients.iter().map(|p| p.patient_id.as_str()).collect();

    events.sort_by_key(|e| e.sheet);
    let mut kept = attach_events(events, &known, &duplicate, &mut findings);
    merge_wide(&mut kept.assessments, wide_rows, &mut findings);
    name_patients(&mut findings, &row_ids);

    Cohort {
        sheets: sheet_names.to_vec(),
        patients,
        assessments: kept.assessments,
        adverse_events: kept.adverse_events,
        labs: kept.labs,
        excluded,
        findings,
        patients_read,
        headers,
        entered,
    }
}

/// The header cells and first spellings of every sheet, in workbook order (the first
/// spelling of a code is the one of the first sheet, then the first row, that used it).
fn vocabulary(
    tables: &mut [Table],
    events: &mut [EventSheet],
) -> (Vec<HeaderCell>, super::sheet::Entered) {
    let mut parts: Vec<(u16, Vec<HeaderCell>, super::sheet::Entered)> = tables
        .iter_mut()
        .map(|t| {
            (
                t.sheet,
                std::mem::take(&mut t.headers),
                std::mem::take(&mut t.entered),
            )
        })
        .chain(events.iter_mut().map(|e| {
            (
                e.sheet,
                std::mem::take(&mut e.headers),
                std::mem::take(&mut e.entered),
            )
        }))
        .collect();
    parts.sort_by_key(|p| p.0);
    let mut headers = Vec::new();
    let mut entered = super::sheet::Entered::new();
    for (_, h, e) in parts {
        headers.extend(h);
        for (column, codes) in e {
            let seen = entered.entry(column).or_default();
            for (code, text) in codes {
                seen.entry(code).or_insert(text);
            }
        }
    }
    (headers, entered)
}

/// Cell findings raised before ids were known get the id of their row: the ids of the rows
/// (sheet, Excel row) that have such a finding, from the patient-level tables and from the
/// ids the event sheets kept. Only the rows that have such a finding are looked up.
fn ids_of_finding_rows(
    tables: &[Table],
    events: &[EventSheet],
    findings: &[Finding],
    pix: &Ix,
) -> HashMap<(u16, u32), String> {
    let wanted: HashSet<(u16, u32)> = findings
        .iter()
        .filter_map(|f| f.at.map(|a| (a.sheet, a.row)))
        .collect();
    let mut row_ids: HashMap<(u16, u32), String> = HashMap::new();
    for t in tables.iter().filter(|_| !wanted.is_empty()) {
        for row in t.rows.iter() {
            if !wanted.contains(&(t.sheet, row.excel_row)) {
                continue;
            }
            if let Some((id, _)) = id_of(pix, &row.values) {
                row_ids.insert((t.sheet, row.excel_row), id);
            }
        }
    }
    for e in events {
        for (row, id) in &e.row_ids {
            row_ids.insert((e.sheet, *row), id.clone());
        }
    }
    row_ids
}

/// A sheet's name by its workbook index (empty when out of range).
fn sheet_name(sheet_names: &[String], i: u16) -> String {
    sheet_names.get(usize::from(i)).cloned().unwrap_or_default()
}

/// The join of the one-row-per-patient sheets on `patient_id`: the state carried from
/// sheet to sheet (who was seen first, whose rows are merged, who is excluded).
struct Join<'a> {
    pix: &'a Ix,
    defs: &'a [ColumnDef],
    sheet_names: &'a [String],
    findings: Vec<Finding>,
    /// Patient ids in the order of the primary sheet.
    order: Vec<String>,
    merged: HashMap<String, (CellRef, Values)>,
    excluded: Vec<(String, Vec<String>)>,
    /// Ids excluded because they appear twice in one sheet.
    duplicate: HashSet<String>,
    patients_read: usize,
    wide_rows: Vec<WideRow>,
}

impl<'a> Join<'a> {
    /// An empty join; `findings` are those raised so far (the join appends to them).
    fn new(
        pix: &'a Ix,
        defs: &'a [ColumnDef],
        sheet_names: &'a [String],
        findings: Vec<Finding>,
    ) -> Self {
        Join {
            pix,
            defs,
            sheet_names,
            findings,
            order: Vec::new(),
            merged: HashMap::new(),
            excluded: Vec::new(),
            duplicate: HashSet::new(),
            patients_read: 0,
            wide_rows: Vec::new(),
        }
    }

    /// Joins one sheet's rows; `primary` is the sheet that defines the patients (rows of the
    /// other sheets only add values to patients it has).
    fn table(&mut self, t: &mut Table, primary: bool) {
        let sheet = t.sheet;
        // Duplicate ids within this sheet: every row with the id is flagged, the patient excluded.
        let mut seen: HashMap<String, Vec<(u32, CellRef)>> = HashMap::new();
        for row in &t.rows {
            if let Some((id, at)) = id_of(self.pix, &row.values) {
                seen.entry(id).or_default().push((row.excel_row, at));
            }
        }
        for row in t.rows.iter_mut() {
            let Some((id, id_at)) = id_of(self.pix, &row.values) else {
                self.missing_id(sheet, row, primary);
                continue;
            };
            let rows_with_id = seen.get(&id).map_or(&[][..], Vec::as_slice);
            if rows_with_id.len() > 1 {
                self.duplicate_id(sheet, id, id_at, rows_with_id, primary);
                continue;
            }
            if self.duplicate.contains(&id) {
                continue;
            }
            if !row.wide.is_empty() {
                self.wide_rows.push((id.clone(), row.wide.clone()));
            }
            self.merge(sheet, id, id_at, &mut row.values, primary);
        }
    }

    /// A row with values but no `patient_id`: an error finding; in the primary sheet it is
    /// also a patient read and excluded.
    fn missing_id(&mut self, sheet: u16, row: &Row, primary: bool) {
        if primary {
            self.patients_read += 1;
            let label = format!(
                "{}!row {}",
                sheet_name(self.sheet_names, sheet),
                row.excel_row
            );
            self.excluded
                .push((label, vec!["patient_id missing".into()]));
        }
        let first = row.values.iter().flatten().next().map(|v| v.at);
        let at = first.unwrap_or(CellRef {
            sheet,
            row: row.excel_row,
            col: 0,
        });
        self.findings.push(Finding::at_cell(
            Severity::Error,
            rule::MISSING_ID,
            at,
            "patient_id",
            "row has values but no patient_id: it cannot be used",
        ));
    }

    /// One of several rows of a sheet with the same id: each row gets a finding, the patient
    /// is excluded once (and counted as read once, when in the primary sheet).
    fn duplicate_id(
        &mut self,
        sheet: u16,
        id: String,
        id_at: CellRef,
        rows_with_id: &[(u32, CellRef)],
        primary: bool,
    ) {
        let all: Vec<String> = rows_with_id.iter().map(|(r, _)| r.to_string()).collect();
        self.findings.push(
            Finding::at_cell(
                Severity::Error,
                rule::DUPLICATE_ID,
                id_at,
                "patient_id",
                format!(
                    "patient_id appears in {} rows of this sheet (rows {}): the patient is excluded",
                    rows_with_id.len(),
                    all.join(", ")
                ),
            )
            .with_patient(id.clone())
            .with_value(id.clone())
            .with_param("n", rows_with_id.len().to_string())
            .with_param("rows", all.join(", ")),
        );
        if self.duplicate.insert(id.clone()) {
            if primary {
                self.patients_read += 1;
            }
            self.excluded.push((
                id,
                vec![format!(
                    "duplicate patient_id in sheet {} (rows {})",
                    sheet_name(self.sheet_names, sheet),
                    all.join(", ")
                )],
            ));
        }
    }

    /// A row with a unique id: a new patient in the primary sheet, an orphan in another
    /// sheet when the patient is unknown, otherwise merged into the patient's values.
    fn merge(
        &mut self,
        sheet: u16,
        id: String,
        id_at: CellRef,
        values: &mut Values,
        primary: bool,
    ) {
        match self.merged.get_mut(&id) {
            None if primary => {
                self.patients_read += 1;
                self.order.push(id.clone());
                self.merged.insert(id, (id_at, std::mem::take(values)));
            }
            None => self.findings.push(
                Finding::at_cell(
                    Severity::Warning,
                    rule::ORPHAN_ROW,
                    id_at,
                    "patient_id",
                    format!(
                        "patient_id has no row in the patients sheet: this {} row is left out",
                        sheet_name(self.sheet_names, sheet)
                    ),
                )
                .with_patient(id.clone())
                .with_value(id)
                .with_param("case", "not_in_patients")
                .with_param("in_sheet", sheet_name(self.sheet_names, sheet)),
            ),
            Some((_, base)) => merge_values(
                base,
                values,
                &id,
                self.defs,
                self.sheet_names,
                &mut self.findings,
            ),
        }
    }
}

/// Merges a later sheet's values into a patient's: a value fills a gap; a different value
/// for the same column is a conflict (the first value is kept).
fn merge_values(
    base: &mut Values,
    values: &Values,
    id: &str,
    defs: &[ColumnDef],
    sheet_names: &[String],
    findings: &mut Vec<Finding>,
) {
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else { continue };
        match &base[i] {
            None => base[i] = Some(v.clone()),
            Some(old) if old.v != v.v && defs[i].name != "patient_id" => {
                findings.push(
                    Finding::at_cell(
                        Severity::Error,
                        rule::CONFLICT,
                        v.at,
                        &defs[i].name,
                        format!(
                            "{} differs from the value {} given in sheet {}: the first value is used",
                            defs[i].name,
                            show(&old.v),
                            sheet_name(sheet_names, old.at.sheet)
                        ),
                    )
                    .with_patient(id.to_string())
                    .with_value(show(&v.v))
                    .with_param("first", show(&old.v))
                    .with_param("first_sheet", sheet_name(sheet_names, old.at.sheet)),
                );
            }
            Some(_) => {}
        }
    }
}

/// The event records kept: those whose patient is in the cohort.
struct KeptEvents {
    assessments: Vec<Assessment>,
    adverse_events: Vec<AdverseEvent>,
    labs: Vec<LabDraw>,
}

/// Attaches the event sheets' records (in sheet order) to the known patients.
fn attach_events(
    events: Vec<EventSheet>,
    known: &HashSet<&str>,
    duplicate: &HashSet<String>,
    findings: &mut Vec<Finding>,
) -> KeptEvents {
    let mut kept = KeptEvents {
        assessments: Vec::new(),
        adverse_events: Vec::new(),
        labs: Vec::new(),
    };
    for e in events {
        let sheet = e.sheet;
        let mut keep = |patient_id: &str, at: Option<CellRef>| {
            keep_record(patient_id, at, sheet, known, duplicate, findings)
        };
        match e.records {
            EventRecords::Assessments(v) => kept
                .assessments
                .extend(v.into_iter().filter(|r| keep(&r.patient_id, r.at))),
            EventRecords::AdverseEvents(v) => kept
                .adverse_events
                .extend(v.into_iter().filter(|r| keep(&r.patient_id, r.at))),
            EventRecords::Labs(v) => kept
                .labs
                .extend(v.into_iter().filter(|r| keep(&r.patient_id, r.at))),
        }
    }
    kept
}

/// A record whose patient is not in the patients sheet is an orphan: reported (unless the
/// patient was excluded as a duplicate) and left out.
fn keep_record(
    patient_id: &str,
    at: Option<CellRef>,
    sheet: u16,
    known: &HashSet<&str>,
    duplicate: &HashSet<String>,
    findings: &mut Vec<Finding>,
) -> bool {
    if known.contains(patient_id) {
        return true;
    }
    if !duplicate.contains(patient_id) {
        let at = at.unwrap_or(CellRef {
            sheet,
            row: 0,
            col: 0,
        });
        findings.push(
            Finding::at_cell(
                Severity::Warning,
                rule::ORPHAN_ROW,
                at,
                "patient_id",
                "patient_id has no row in the patients sheet: this row is left out of every count",
            )
            .with_patient(patient_id.to_string())
            .with_value(patient_id.to_string())
            .with_param("case", "not_counted"),
        );
    }
    false
}

/// Wide per-cycle responses mean the same as assessments rows with after_cycle = n: a
/// response fills the matching row's gap (a different one is a conflict, the assessments
/// value wins) or becomes a new row. Indexed once, so merging stays linear in the number of
/// rows.
fn merge_wide(
    assessments: &mut Vec<Assessment>,
    wide_rows: Vec<WideRow>,
    findings: &mut Vec<Finding>,
) {
    let mut by_cycle: HashMap<(String, u32), usize> = HashMap::new();
    for (i, a) in assessments.iter().enumerate() {
        if let Some(c) = &a.after_cycle {
            by_cycle.entry((a.patient_id.clone(), c.v)).or_insert(i);
        }
    }
    for (id, wides) in wide_rows {
        for (cycle, resp) in wides {
            let existing = by_cycle.get(&(id.clone(), cycle)).copied();
            match existing.and_then(|i| assessments.get_mut(i)) {
                Some(a) => merge_wide_response(a, &id, cycle, resp, findings),
                None => assessments.push(Assessment {
                    patient_id: id.clone(),
                    at: Some(resp.at),
                    after_cycle: Some(Val::new(cycle, resp.at)),
                    response: Some(resp),
                    ..Assessment::default()
                }),
            }
        }
    }
}

/// One wide response into the assessments row of the same cycle.
fn merge_wide_response(
    a: &mut Assessment,
    id: &str,
    cycle: u32,
    resp: Val<Response>,
    findings: &mut Vec<Finding>,
) {
    match &a.response {
        None => a.response = Some(resp),
        Some(r) if r.v != resp.v => findings.push(
            Finding::at_cell(
                Severity::Error,
                rule::WIDE_CONFLICT,
                resp.at,
                &format!("response_c{cycle}"),
                format!(
                    "response after cycle {cycle} is {} here but {} in the assessments sheet: the assessments value is used",
                    resp.v, r.v
                ),
            )
            .with_patient(id.to_string())
            .with_value(resp.v.code())
            .with_param("cycle", cycle.to_string())
            .with_param("here", resp.v.code())
            .with_param("assessments", r.v.code()),
        ),
        Some(_) => {}
    }
}

/// Findings without a patient get the id of the row their cell is on, when known.
fn name_patients(findings: &mut [Finding], row_ids: &HashMap<(u16, u32), String>) {
    for f in findings.iter_mut().filter(|f| f.patient_id.is_none()) {
        if let Some(at) = f.at {
            if let Some(id) = row_ids.get(&(at.sheet, at.row)) {
                f.patient_id = Some(id.clone());
            }
        }
    }
}
