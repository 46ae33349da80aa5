//! IMWG MRD response categories (Kumar et al., Lancet Oncol 2016;17:e328): every category
//! boundary (just below, at and above 365 days; missing sensitivity; 10^-4 not enough; no
//! CR; a positive result between negatives), the counts over all evaluable patients, the
//! MRD table of the HTML and Excel reports (only with MRD data), the Methods sentence, the
//! `check` explanation in English and Chinese, and pseudonymised ids.

use crate::util::*;

/// One assessment row: patient, date, response, MRD, sensitivity, method, PET/CT
/// (`""` = empty cell).
type Row = [&'static str; 7];

/// Patients and what they test (each in CR unless said otherwise):
/// S365/S364/S366 NGF 10^-5 negatives with a negative PET/CT 365/364/366 days apart;
/// NOPET NGF negatives 400 days apart without PET/CT; SEQ one NGS 10^-6 negative; BOTH NGF
/// and NGS negatives; E4 NGF negative at 10^-4; MISS NGF negative without sensitivity; NOM
/// negative at 10^-5 without a method; NOCR best response VGPR; POS positive only; BREAK a
/// positive between negatives 400 days apart; NORES no MRD result.
const ROWS: &[Row] = &[
    ["S365", "2020-03-01", "CR", "MRD-", "10^-5", "NGF", "阴性"],
    [
        "S365",
        "2021-03-01",
        "CR",
        "MRD-",
        "10^-5",
        "NGF",
        "negative",
    ],
    ["S364", "2020-03-01", "CR", "MRD-", "10^-5", "NGF", "阴性"],
    ["S364", "2021-02-28", "CR", "MRD-", "10^-5", "NGF", "阴性"],
    ["S366", "2020-03-01", "CR", "MRD-", "1e-5", "NGF", "阴性"],
    ["S366", "2021-03-02", "CR", "MRD-", "1e-6", "NGS", "阴性"],
    ["NOPET", "2020-03-01", "CR", "阴性", "10^-5", "二代流式", ""],
    ["NOPET", "2021-04-05", "CR", "阴性", "10^-5", "二代流式", ""],
    ["SEQ", "2020-03-01", "CR", "negative", "10^-6", "NGS", ""],
    ["BOTH", "2020-03-01", "CR", "negative", "10^-5", "NGS", ""],
    ["BOTH", "2020-06-01", "CR", "negative", "10^-5", "NGF", ""],
    ["E4", "2020-03-01", "CR", "negative", "10^-4", "NGF", "阴性"],
    ["MISS", "2020-03-01", "CR", "negative", "", "NGF", "阴性"],
    ["NOM", "2020-03-01", "CR", "negative", "10^-5", "", ""],
    [
        "NOCR",
        "2020-03-01",
        "VGPR",
        "negative",
        "10^-5",
        "NGF",
        "阴性",
    ],
    ["POS", "2020-03-01", "CR", "positive", "10^-5", "NGF", ""],
    [
        "BREAK",
        "2020-03-01",
        "CR",
        "negative",
        "10^-5",
        "NGF",
        "阴性",
    ],
    ["BREAK", "2020-09-01", "CR", "positive", "10^-5", "NGF", ""],
    [
        "BREAK",
        "2021-04-05",
        "CR",
        "negative",
        "10^-5",
        "NGF",
        "阴性",
    ],
    ["NORES", "2020-03-01", "CR", "", "", "", ""],
];

const PATIENTS: [&str; 13] = [
    "S365", "S364", "S366", "NOPET", "SEQ", "BOTH", "E4", "MISS", "NOM", "NOCR", "POS", "BREAK",
    "NORES",
];

fn workbook() -> Vec<u8> {
    let cell = |x: &'static str| if x.is_empty() { E } else { S(x) };
    let header = [
        "patient_id",
        "assessment_date",
        "after_cycle",
        "response",
        "MRD",
        "MRD敏感度",
        "MRD方法",
        "PET/CT",
    ];
    // after_cycle 2, 3, ... in date order within each patient
    let cycle = |i: usize| 2 + ROWS[..i].iter().filter(|r| r[0] == ROWS[i][0]).count();
    let assessments: Vec<Vec<C<'static>>> = std::iter::once(header.iter().map(|h| S(h)).collect())
        .chain(ROWS.iter().enumerate().map(|(i, r)| {
            vec![
                S(r[0]),
                D(r[1]),
                N(cycle(i) as f64),
                S(r[2]),
                cell(r[3]),
                cell(r[4]),
                cell(r[5]),
                cell(r[6]),
            ]
        }))
        .collect();
    let mut patients: Vec<Vec<C<'static>>> = vec![vec![
        S("patient_id"),
        S("index_date"),
        S("cycles_completed"),
        S("last_followup_date"),
    ]];
    for id in PATIENTS {
        patients.push(vec![S(id), D("2020-01-01"), N(4.0), D("2022-01-01")]);
    }
    xlsx(&[("patients", patients), ("assessments", assessments)])
}

fn section(site: &str) -> mmreport::results::MrdSection {
    let mut loaded = mmreport::config::Config::with_override(site, "t").unwrap();
    loaded.config.dates.data_cutoff = "2022-12-09".to_string().try_into().unwrap();
    let ctx = mmreport::pipeline::Context::new(loaded, "2022-12-09".parse().unwrap());
    let out = mmreport::pipeline::process(&workbook(), "m.xlsx", &ctx).unwrap();
    out.results.analyses.response.mrd.clone().unwrap()
}

/// (category, reason, categories met) of one patient.
fn of(m: &mmreport::results::MrdPatientRow) -> (Option<&str>, &str, Vec<&str>) {
    (
        m.category.as_deref(),
        m.reason.as_str(),
        m.met.iter().map(String::as_str).collect(),
    )
}

fn patient<'a>(
    s: &'a mmreport::results::MrdSection,
    id: &str,
) -> &'a mmreport::results::MrdPatientRow {
    s.patients.iter().find(|p| p.patient_id == id).unwrap()
}

#[test]
fn every_category_boundary() {
    let s = section("");
    let got = |id: &str| of(patient(&s, id));
    // 365 days is sustained, 364 is not, 366 is (NGF then NGS: marrow negativity either way)
    assert_eq!(
        got("S365"),
        (
            Some("sustained"),
            "reached",
            vec!["sustained", "imaging_plus", "flow"]
        )
    );
    assert_eq!(
        got("S364"),
        (
            Some("imaging_plus"),
            "reached",
            vec!["imaging_plus", "flow"]
        )
    );
    assert_eq!(
        got("S366"),
        (
            Some("sustained"),
            "reached",
            vec!["sustained", "imaging_plus", "flow", "sequencing"]
        )
    );
    // without PET/CT: flow only (sustained needs imaging by default)
    assert_eq!(got("NOPET"), (Some("flow"), "reached", vec!["flow"]));
    assert_eq!(
        got("SEQ"),
        (Some("sequencing"), "reached", vec!["sequencing"])
    );
    // equal depth: negative by both is reported as flow
    assert_eq!(
        got("BOTH"),
        (Some("flow"), "reached", vec!["flow", "sequencing"])
    );
    // 10^-4 is not enough (a definite no); a missing sensitivity or method leaves it open
    assert_eq!(got("E4"), (Some("none"), "not_qualifying", vec![]));
    assert_eq!(got("MISS"), (None, "missing_inputs", vec![]));
    assert_eq!(got("NOM"), (None, "missing_inputs", vec![]));
    // no CR: no category whatever the MRD result
    assert_eq!(got("NOCR"), (Some("none"), "not_cr", vec![]));
    assert_eq!(got("POS"), (Some("none"), "no_negative", vec![]));
    // a positive result between the negatives breaks the sustained run
    assert_eq!(
        got("BREAK"),
        (
            Some("imaging_plus"),
            "reached",
            vec!["imaging_plus", "flow"]
        )
    );
    assert_eq!(got("NORES"), (Some("none"), "no_result", vec![]));
    assert_eq!(
        patient(&s, "S365").rules,
        vec![
            "imwg2016.mrd.sustained",
            "imwg2016.mrd.imaging_plus",
            "imwg2016.mrd.flow"
        ]
    );
}

#[test]
fn counts_over_all_evaluable_patients() {
    let s = section("");
    let counts: Vec<(&str, usize, usize)> = s
        .categories
        .iter()
        .map(|c| (c.category.as_str(), c.rate.k, c.rate.n))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("sustained", 2, 13),
            ("imaging_plus", 2, 13),
            ("flow", 2, 13),
            ("sequencing", 1, 13)
        ]
    );
    assert_eq!(s.not_derivable, 2);
    // binom.test(2, 13)$conf.int
    let ci = s.categories[0].rate.ci;
    assert!((ci[0].unwrap() - 0.019_206_7).abs() < 1e-6, "{ci:?}");
    assert!((ci[1].unwrap() - 0.454_471_1).abs() < 1e-6, "{ci:?}");
    assert_eq!(s.patients.len(), 13);
}

#[test]
fn site_config_moves_the_boundaries() {
    // marrow-only sustained negativity: NOPET (400 days, no PET/CT) becomes sustained
    let s = section("[rules.mrd]\nsustained_requires_imaging = false\n");
    assert_eq!(patient(&s, "NOPET").category.as_deref(), Some("sustained"));
    // a coarser minimum sensitivity lets 10^-4 qualify
    let s = section("[rules.mrd]\nmin_sensitivity = 1e-4\n");
    assert_eq!(patient(&s, "E4").category.as_deref(), Some("imaging_plus"));
    // 366 days: S365 falls just short
    let s = section("[rules.mrd]\nsustained_days = 366\n");
    assert_eq!(
        patient(&s, "S365").category.as_deref(),
        Some("imaging_plus")
    );
    assert_eq!(patient(&s, "S366").category.as_deref(), Some("sustained"));
    assert!(
        mmreport::config::Config::with_override("[rules.mrd]\nmin_sensitivity = 0.0\n", "t")
            .is_err()
    );
}

#[test]
fn check_explains_each_patient_in_the_configured_language() {
    let out = mmreport::pipeline::process(&workbook(), "m.xlsx", &ctx()).unwrap();
    let en = mmreport::render::text::check_report(&out.results);
    assert!(
        en.contains(
            "  S365 MRD (IMWG 2016): Sustained MRD-negative - reached: Sustained MRD-negative, \
             Imaging-plus MRD-negative, Flow MRD-negative"
        ),
        "{en}"
    );
    assert!(
        en.contains(
            "  NOCR MRD (IMWG 2016): No IMWG MRD category - best response below CR (every MRD \
             category requires CR)"
        ),
        "{en}"
    );
    assert!(
        en.contains(
            "  MISS MRD (IMWG 2016): Not derivable (sensitivity or method not recorded) - a \
             negative result lacks its sensitivity or method"
        ),
        "{en}"
    );
    let zh = mmreport::render::labels::Labels::load(mmreport::config::Language::Zh, None).unwrap();
    let text = mmreport::render::text::check_report_in(&out.results, &zh);
    assert!(
        text.contains("  S364 MRD（IMWG 2016）：影像学+MRD阴性——达到：影像学+MRD阴性、流式MRD阴性"),
        "{text}"
    );
    assert!(
        text.contains(
            "  E4 MRD（IMWG 2016）：未达IMWG MRD类别——无达到所需敏感度的二代流式或二代测序阴性结果"
        ),
        "{text}"
    );
}

#[test]
fn report_shows_the_mrd_table_only_with_mrd_data() {
    let t = tempfile::tempdir().unwrap();
    let r = run_report(&t.path().join("a"), &workbook(), "");
    assert!(r.html.contains("id=\"tab-mrd\""));
    assert!(r.html.contains("Sustained MRD-negative"));
    assert!(r.html.contains("2/13 (15)"), "sustained 2 of 13");
    assert!(r.html.contains("sensitivity of 10⁻⁵ or finer"));
    let methods = r.json["analyses"]["methods"]["en"].as_str().unwrap();
    assert!(methods.contains("intention to treat"), "{methods}");
    let cats = &r.json["analyses"]["response"]["mrd"]["categories"];
    assert_eq!(cats[0]["category"], "sustained");
    assert_eq!(cats[0]["rate"]["k"], 2);
    let rows = xlsx_text(&r.xlsx);
    assert!(rows.iter().any(|x| x.contains("Sustained MRD-negative")));
    assert!(rows.iter().any(|x| x.contains("Imaging-plus MRD-negative")));
    // Chinese report
    let zh = run_report(
        &t.path().join("b"),
        &workbook(),
        "[study]\nlanguage = \"zh\"\n",
    );
    assert!(zh.html.contains("持续MRD阴性"));
    assert!(zh.html.contains("微小残留病（MRD）"));
    assert!(xlsx_text(&zh.xlsx)
        .iter()
        .any(|x| x.contains("影像学+MRD阴性")));
    // the bundled example has no MRD data: no table, no sentence, no section
    let b = run_report(&t.path().join("c"), &bundled_example(), "");
    assert!(!b.html.contains("tab-mrd"));
    assert!(!b.html.contains("MRD"));
    assert!(!b.html.contains("intention to treat"));
    assert!(b.json["analyses"]["response"].get("mrd").is_none());
}

#[test]
fn pseudonymised_report_has_no_real_id_in_the_mrd_rows() {
    let out = mmreport::pipeline::process(&workbook(), "m.xlsx", &ctx()).unwrap();
    let mut r = out.results;
    mmreport::batch::pseudonym::apply(&mut r, b"key").unwrap();
    let m = r.analyses.response.mrd.as_ref().unwrap();
    assert!(m.patients.iter().all(|p| p.patient_id.starts_with("PS-")));
    assert_eq!(m.patients.len(), 13);
}
