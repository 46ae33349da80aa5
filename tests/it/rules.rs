//! Integration tests for `rules`: for every rule a passing case, a failing case and the exact
//! boundary, each asserting the rule id and the outcome; and no panic on any combination of
//! missing inputs.
// Test helpers outside `#[test]` functions unwrap fixed, valid literals.
#![allow(clippy::unwrap_used)]

use chrono::Duration;
use mmreport::model::{
    AdverseEvent, Assessment, CellRef, Date, DiseaseStatus, LabDraw, Patient, Response, Severity,
    Sex, Val,
};
use mmreport::rules::config::{FishMarker, RulesConfig};
use mmreport::rules::response::{self, LightChain, Measure, Measurements, Nadir};
use mmreport::rules::{
    ctcae, diagnosis, disease_state, evaluate, plausibility, staging, LabTerm, ResponseSource,
};

fn cfg() -> RulesConfig {
    RulesConfig::embedded().unwrap()
}

fn d(s: &str) -> Date {
    Date::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(row: u32, col: u16) -> CellRef {
    CellRef { sheet: 0, row, col }
}

fn v<T>(x: T) -> Option<Val<T>> {
    Some(Val::new(x, at(2, 3)))
}

fn vat<T>(x: T, row: u32, col: u16) -> Option<Val<T>> {
    Some(Val::new(x, at(row, col)))
}

fn patient(id: &str) -> Patient {
    Patient {
        patient_id: id.to_string(),
        id_at: Some(at(2, 0)),
        ..Patient::default()
    }
}

fn m(serum: Option<f64>, urine: Option<f64>) -> Measurements {
    Measurements {
        serum,
        urine,
        ..Measurements::default()
    }
}

// ------------------------------------------------------------------------------------------
// Disease state

mod disease {
    use super::*;
    use disease_state::*;

    fn derive_days(days: i64, best: Option<Response>) -> DiseaseStateOutcome {
        let end = d("2020-01-01");
        derive(Some(end + Duration::days(days)), Some(end), best, &cfg())
    }

    #[test]
    fn refractory_boundary_day_60_and_61() {
        let o = derive_days(60, None);
        assert_eq!(o.rule, REFRACTORY_WITHIN_60_DAYS);
        assert_eq!(o.status, Some(DiseaseStatus::Refractory));
        assert_eq!(o.missing, vec!["prior_best_response"]);
        let o = derive_days(61, None);
        assert_eq!(o.rule, NOT_DERIVABLE);
        assert_eq!(o.status, None);
        assert_eq!(o.missing, vec!["prior_best_response"]);
    }

    #[test]
    fn relapsed_and_refractory_within_60_after_mr() {
        let o = derive_days(35, Some(Response::PR));
        assert_eq!(o.rule, RELAPSED_AND_REFRACTORY);
        assert_eq!(o.status, Some(DiseaseStatus::RelapsedAndRefractory));
        assert_eq!(o.days_after_last_dose, Some(35));
        assert!(o.basis.contains("35 days after the last dose"));
        // boundary: MR is "MR or better"
        let o = derive_days(60, Some(Response::MR));
        assert_eq!(o.rule, RELAPSED_AND_REFRACTORY);
        // failing: day 61 is not refractory
        let o = derive_days(61, Some(Response::MR));
        assert_ne!(o.rule, RELAPSED_AND_REFRACTORY);
    }

    #[test]
    fn relapsed_after_60_days() {
        let o = derive_days(61, Some(Response::VGPR));
        assert_eq!(o.rule, RELAPSED_AFTER_60_DAYS);
        assert_eq!(o.status, Some(DiseaseStatus::Relapsed));
        let o = derive_days(60, Some(Response::VGPR));
        assert_ne!(o.status, Some(DiseaseStatus::Relapsed));
        let o = derive_days(400, Some(Response::CR));
        assert_eq!(o.status, Some(DiseaseStatus::Relapsed));
    }

    #[test]
    fn progression_on_therapy_is_refractory() {
        let o = derive_days(-10, Some(Response::PR));
        assert_eq!(o.rule, RELAPSED_AND_REFRACTORY);
        assert!(o.basis.contains("on the prior line"));
        let o = derive_days(0, None);
        assert_eq!(o.rule, REFRACTORY_WITHIN_60_DAYS);
    }

    #[test]
    fn primary_refractory_never_mr() {
        for best in [Response::SD, Response::PD] {
            let o = derive(None, None, Some(best), &cfg());
            assert_eq!(o.rule, PRIMARY_REFRACTORY_NEVER_MR);
            assert_eq!(o.status, Some(DiseaseStatus::PrimaryRefractory));
            // the dates do not matter
            let o = derive_days(200, Some(best));
            assert_eq!(o.status, Some(DiseaseStatus::PrimaryRefractory));
        }
        // boundary: MR is not primary refractory
        let o = derive_days(200, Some(Response::MR));
        assert_ne!(o.rule, PRIMARY_REFRACTORY_NEVER_MR);
        // NE is not evaluable: treated as missing
        let o = derive_days(200, Some(Response::NE));
        assert_eq!(o.rule, NOT_DERIVABLE);
        assert_eq!(o.missing, vec!["prior_best_response"]);
    }

    #[test]
    fn not_derivable_names_missing_inputs() {
        let o = derive(None, None, None, &cfg());
        assert_eq!(o.rule, NOT_DERIVABLE);
        assert_eq!(
            o.missing,
            vec![
                "relapse_date",
                "last_prior_regimen_end",
                "prior_best_response"
            ]
        );
        let o = derive(Some(d("2020-01-01")), None, Some(Response::PR), &cfg());
        assert_eq!(o.missing, vec!["last_prior_regimen_end"]);
        assert!(o.basis.contains("last_prior_regimen_end"));
    }

    #[test]
    fn exhaustive_missing_combinations_never_panic() {
        let end = d("2020-01-01");
        let relapse_opts = [
            None,
            Some(end - Duration::days(5)),
            Some(end + Duration::days(60)),
            Some(end + Duration::days(61)),
        ];
        let end_opts = [None, Some(end)];
        let mut bests: Vec<Option<Response>> = vec![None];
        bests.extend(Response::ALL.iter().map(|r| Some(*r)));
        for r in relapse_opts {
            for e in end_opts {
                for b in &bests {
                    let o = derive(r, e, *b, &cfg());
                    if o.status.is_none() {
                        assert_eq!(o.rule, NOT_DERIVABLE);
                        assert!(!o.missing.is_empty(), "{r:?} {e:?} {b:?}");
                        assert!(o.basis.starts_with("not derivable"));
                    } else {
                        assert_ne!(o.rule, NOT_DERIVABLE);
                    }
                }
            }
        }
    }

    #[test]
    fn agreement_and_disagreement_finding() {
        assert!(states_agree(
            DiseaseStatus::Refractory,
            DiseaseStatus::PrimaryRefractory
        ));
        assert!(states_agree(
            DiseaseStatus::RelapsedAndRefractory,
            DiseaseStatus::Refractory
        ));
        assert!(!states_agree(
            DiseaseStatus::Relapsed,
            DiseaseStatus::Refractory
        ));
        assert!(!states_agree(
            DiseaseStatus::PrimaryRefractory,
            DiseaseStatus::RelapsedAndRefractory
        ));

        let mut p = patient("P01");
        p.relapse_date = v(d("2020-02-05"));
        p.last_prior_regimen_end = v(d("2020-01-01"));
        p.prior_best_response = v(Response::PR);
        p.disease_status = vat(DiseaseStatus::Relapsed, 7, 12);
        p.calcium = v(2.9);
        let (rec, f) = evaluate_patient(&p, &cfg());
        assert_eq!(rec.recorded.as_deref(), Some("relapsed"));
        assert_eq!(rec.derived.as_deref(), Some("relapsed_and_refractory"));
        assert_eq!(rec.agrees, Some(false));
        assert_eq!(rec.rule, RELAPSED_AND_REFRACTORY);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, DISAGREES);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].at, Some(at(7, 12)));
        assert_eq!(f[0].value.as_deref(), Some("relapsed"));
        assert_eq!(f[0].patient_id.as_deref(), Some("P01"));
        assert!(f[0].message.contains("'relapsed'"));
        assert!(f[0].message.contains("'relapsed_and_refractory'"));
        assert!(
            !f[0].message.contains("2020"),
            "no other patient data in the message"
        );

        p.disease_status = v(DiseaseStatus::Refractory);
        let (rec, f) = evaluate_patient(&p, &cfg());
        assert_eq!(rec.agrees, Some(true));
        assert!(f.is_empty());
    }

    fn ev(i: RelapseInputs) -> Vec<&'static str> {
        relapse_evidence(&i, &cfg())
            .iter()
            .map(|e| e.rule)
            .collect()
    }

    #[test]
    fn relapse_evidence_calcium_boundary() {
        let i = |c| RelapseInputs {
            calcium: Some(c),
            ..Default::default()
        };
        assert!(ev(i(2.75)).is_empty());
        assert_eq!(ev(i(2.76)), vec![EVIDENCE_HYPERCALCAEMIA]);
        assert!(ev(i(2.5)).is_empty());
    }

    #[test]
    fn relapse_evidence_hb_and_creatinine_boundaries() {
        let hb = |x| RelapseInputs {
            hb_drop: Some(x),
            ..Default::default()
        };
        assert_eq!(ev(hb(20.0)), vec![EVIDENCE_HB_DROP]);
        assert!(ev(hb(19.9)).is_empty());
        let cr = |x| RelapseInputs {
            creatinine_rise: Some(x),
            ..Default::default()
        };
        assert_eq!(ev(cr(176.8)), vec![EVIDENCE_CREATININE_RISE]);
        assert!(ev(cr(176.7)).is_empty());
    }

    #[test]
    fn relapse_evidence_booleans() {
        let all = RelapseInputs {
            new_bone_lesion: Some(true),
            new_plasmacytoma: Some(true),
            plasmacytoma_growth: Some(true),
            hyperviscosity: Some(true),
            ..Default::default()
        };
        assert_eq!(
            ev(all),
            vec![
                EVIDENCE_NEW_BONE_LESION,
                EVIDENCE_NEW_PLASMACYTOMA,
                EVIDENCE_PLASMACYTOMA_GROWTH,
                EVIDENCE_HYPERVISCOSITY
            ]
        );
        let none = RelapseInputs {
            new_bone_lesion: Some(false),
            new_plasmacytoma: Some(false),
            plasmacytoma_growth: Some(false),
            hyperviscosity: Some(false),
            ..Default::default()
        };
        assert!(ev(none).is_empty());
    }

    #[test]
    fn relapse_evidence_biochemical_floor_and_percentage() {
        let b = |n, r| RelapseInputs {
            m_protein_nadir: Some(n),
            m_protein_at_relapse: Some(r),
            ..Default::default()
        };
        // nadir 10: the 5 g/L floor binds
        assert_eq!(ev(b(10.0, 15.0)), vec![EVIDENCE_BIOCHEMICAL]);
        assert!(ev(b(10.0, 14.9)).is_empty());
        // nadir 40: 25% (10 g/L) binds
        assert_eq!(ev(b(40.0, 50.0)), vec![EVIDENCE_BIOCHEMICAL]);
        assert!(ev(b(40.0, 49.9)).is_empty());
        // nadir 0
        assert_eq!(ev(b(0.0, 5.0)), vec![EVIDENCE_BIOCHEMICAL]);
        assert!(ev(b(0.0, 4.9)).is_empty());
        // only one of the two: nothing
        assert!(ev(RelapseInputs {
            m_protein_nadir: Some(1.0),
            ..Default::default()
        })
        .is_empty());
    }

    #[test]
    fn no_relapse_evidence_is_a_warning() {
        let p = patient("P02");
        let (rec, f) = evaluate_patient(&p, &cfg());
        assert!(rec.relapse_evidence.is_empty());
        assert_eq!(rec.derived, None);
        let w: Vec<_> = f.iter().filter(|f| f.rule == NO_RELAPSE_EVIDENCE).collect();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].severity, Severity::Warning);
        assert_eq!(w[0].at, Some(at(2, 0)));

        let mut p = patient("P03");
        p.hyperviscosity = v(true);
        let (rec, f) = evaluate_patient(&p, &cfg());
        assert_eq!(rec.relapse_evidence_rules, vec![EVIDENCE_HYPERVISCOSITY]);
        assert!(f.iter().all(|f| f.rule != NO_RELAPSE_EVIDENCE));
    }
}

// ------------------------------------------------------------------------------------------
// Diagnosis

mod diag {
    use super::*;
    use diagnosis::*;

    fn base() -> DiagnosisInputs {
        DiagnosisInputs {
            bm_plasma_cell_pct: Some(20.0),
            calcium: Some(2.3),
            creatinine: Some(80.0),
            crcl: Some(90.0),
            hemoglobin: Some(130.0),
            pathological_fracture: Some(false),
            involved_flc: Some(50.0),
            uninvolved_flc: Some(10.0),
            sex: Some(Sex::Male),
        }
    }

    fn met(i: &DiagnosisInputs, rule: &str) -> Option<bool> {
        criteria(i, &cfg())
            .into_iter()
            .find(|c| c.rule == rule)
            .and_then(|c| c.met)
    }

    #[test]
    fn entry_values_not_meeting_are_not_assessable_never_failed() {
        let c = check("P1", &base(), &cfg());
        assert_eq!(c.rule, DIAGNOSIS);
        assert_eq!(c.outcome, DiagnosisOutcome::NotAssessable);
        assert_eq!(c.label, "not assessable");
        assert!(c.basis.contains("values at diagnosis are not recorded"));
    }

    #[test]
    fn clonal_boundary_10_percent() {
        let mut i = base();
        i.calcium = Some(2.9);
        i.bm_plasma_cell_pct = Some(10.0);
        assert_eq!(met(&i, CLONAL_PLASMA_CELLS), Some(true));
        let c = check("P1", &i, &cfg());
        assert_eq!(c.outcome, DiagnosisOutcome::ConsistentWithImwg2014);
        assert_eq!(c.label, "consistent with IMWG 2014");
        i.bm_plasma_cell_pct = Some(9.9);
        assert_eq!(met(&i, CLONAL_PLASMA_CELLS), Some(false));
        assert_eq!(
            check("P1", &i, &cfg()).outcome,
            DiagnosisOutcome::NotAssessable
        );
    }

    #[test]
    fn calcium_exactly_2_75_is_not_an_event() {
        let mut i = base();
        i.calcium = Some(2.75);
        assert_eq!(met(&i, MDE_CALCIUM), Some(false));
        i.calcium = Some(2.76);
        assert_eq!(met(&i, MDE_CALCIUM), Some(true));
        // ULN-relative criterion only with a configured ULN
        let mut c = cfg();
        c.diagnosis.calcium_uln_mmol_l = Some(2.4);
        i.calcium = Some(2.66);
        let cr = criteria(&i, &c);
        assert_eq!(
            cr.iter().find(|x| x.rule == MDE_CALCIUM).unwrap().met,
            Some(true)
        );
        i.calcium = Some(2.65);
        let cr = criteria(&i, &c);
        assert_eq!(
            cr.iter().find(|x| x.rule == MDE_CALCIUM).unwrap().met,
            Some(false)
        );
    }

    #[test]
    fn renal_boundaries() {
        let mut i = base();
        i.creatinine = Some(177.0);
        assert_eq!(met(&i, MDE_RENAL), Some(false));
        i.creatinine = Some(177.1);
        assert_eq!(met(&i, MDE_RENAL), Some(true));
        i.creatinine = Some(100.0);
        i.crcl = Some(40.0);
        assert_eq!(met(&i, MDE_RENAL), Some(false));
        i.crcl = Some(39.9);
        assert_eq!(met(&i, MDE_RENAL), Some(true));
        // one known negative, the other missing: not assessable
        i.crcl = None;
        assert_eq!(met(&i, MDE_RENAL), None);
    }

    #[test]
    fn anaemia_boundaries_and_lln() {
        let mut i = base();
        i.hemoglobin = Some(100.0);
        i.sex = None;
        assert_eq!(met(&i, MDE_ANAEMIA), Some(false));
        i.hemoglobin = Some(99.9);
        assert_eq!(met(&i, MDE_ANAEMIA), Some(true));
        // > 20 g/L below the LLN: male LLN 130 → below 110
        i.hemoglobin = Some(109.9);
        i.sex = Some(Sex::Male);
        assert_eq!(met(&i, MDE_ANAEMIA), Some(true));
        i.hemoglobin = Some(110.0);
        assert_eq!(met(&i, MDE_ANAEMIA), Some(false));
        i.hemoglobin = Some(109.9);
        i.sex = Some(Sex::Female);
        assert_eq!(met(&i, MDE_ANAEMIA), Some(false));
    }

    #[test]
    fn bone_marrow60_and_flc_ratio() {
        let mut i = base();
        assert_eq!(met(&i, MDE_BONE), Some(false));
        i.pathological_fracture = Some(true);
        assert_eq!(met(&i, MDE_BONE), Some(true));
        i.bm_plasma_cell_pct = Some(60.0);
        assert_eq!(met(&i, MDE_MARROW_60), Some(true));
        i.bm_plasma_cell_pct = Some(59.9);
        assert_eq!(met(&i, MDE_MARROW_60), Some(false));
        i.involved_flc = Some(100.0);
        i.uninvolved_flc = Some(1.0);
        assert_eq!(met(&i, MDE_FLC_RATIO), Some(true));
        i.uninvolved_flc = Some(1.01);
        assert_eq!(met(&i, MDE_FLC_RATIO), Some(false));
        i.involved_flc = Some(99.9);
        i.uninvolved_flc = Some(0.5);
        assert_eq!(met(&i, MDE_FLC_RATIO), Some(false));
        assert_eq!(met(&i, MDE_MRI), None);
    }

    #[test]
    fn exhaustive_missing_inputs() {
        let full = DiagnosisInputs {
            bm_plasma_cell_pct: Some(20.0),
            calcium: Some(2.9),
            creatinine: Some(200.0),
            crcl: Some(30.0),
            hemoglobin: Some(90.0),
            pathological_fracture: Some(true),
            involved_flc: Some(500.0),
            uninvolved_flc: Some(2.0),
            sex: Some(Sex::Female),
        };
        for mask in 0u32..(1 << 9) {
            let mut i = full;
            let bit = |k: u32| mask & (1 << k) != 0;
            if bit(0) {
                i.bm_plasma_cell_pct = None;
            }
            if bit(1) {
                i.calcium = None;
            }
            if bit(2) {
                i.creatinine = None;
            }
            if bit(3) {
                i.crcl = None;
            }
            if bit(4) {
                i.hemoglobin = None;
            }
            if bit(5) {
                i.pathological_fracture = None;
            }
            if bit(6) {
                i.involved_flc = None;
            }
            if bit(7) {
                i.uninvolved_flc = None;
            }
            if bit(8) {
                i.sex = None;
            }
            let c = check("P", &i, &cfg());
            assert_eq!(c.rule, DIAGNOSIS);
            if i.bm_plasma_cell_pct.is_none() {
                assert_eq!(c.outcome, DiagnosisOutcome::NotAssessable);
                assert!(c.missing.contains(&"bm_plasma_cell_pct"));
                assert!(c.basis.contains("missing"));
            } else {
                // bm 20% + at least one event present unless every event input is missing
                let any_event_input = i.calcium.is_some()
                    || i.creatinine.is_some()
                    || i.crcl.is_some()
                    || i.hemoglobin.is_some()
                    || i.pathological_fracture.is_some()
                    || (i.involved_flc.is_some() && i.uninvolved_flc.is_some());
                let expect = if any_event_input {
                    DiagnosisOutcome::ConsistentWithImwg2014
                } else {
                    DiagnosisOutcome::NotAssessable
                };
                assert_eq!(c.outcome, expect, "mask {mask:b}");
                if !any_event_input {
                    assert!(!c.missing.is_empty());
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Response

mod resp {
    use super::*;
    use response::*;

    fn classify_m(base: Measurements, cur: Measurements) -> response::Classification {
        let n = Nadir::from_baseline(&base);
        classify(Measure::MProtein, &base, &n, &cur, None, &cfg())
    }

    #[test]
    fn measurable_disease_fallback_order() {
        let c = cfg();
        assert_eq!(
            measurable_disease(&m(Some(10.0), None), None, &c).0,
            Some(Measure::MProtein)
        );
        assert_eq!(
            measurable_disease(&m(Some(9.9), Some(199.0)), None, &c).0,
            None
        );
        assert_eq!(
            measurable_disease(&m(Some(2.0), Some(200.0)), None, &c).0,
            Some(Measure::MProtein)
        );
        let flc = Measurements {
            serum: Some(2.0),
            involved_flc: Some(100.0),
            uninvolved_flc: Some(10.0),
            ..Default::default()
        };
        assert_eq!(
            measurable_disease(&flc, Some(LightChain::Kappa), &c).0,
            Some(Measure::Flc)
        );
        let flc_low = Measurements {
            involved_flc: Some(99.9),
            ..flc
        };
        assert_eq!(
            measurable_disease(&flc_low, Some(LightChain::Kappa), &c).0,
            None
        );
        // normal ratio: not measurable by FLC
        let flc_norm = Measurements {
            involved_flc: Some(150.0),
            uninvolved_flc: Some(100.0),
            ..flc
        };
        assert_eq!(
            measurable_disease(&flc_norm, Some(LightChain::Kappa), &c).0,
            None
        );
        let marrow = Measurements {
            serum: Some(2.0),
            bm_pct: Some(30.0),
            ..Default::default()
        };
        assert_eq!(
            measurable_disease(&marrow, None, &c).0,
            Some(Measure::Marrow)
        );
        let marrow_low = Measurements {
            bm_pct: Some(29.9),
            ..marrow
        };
        assert_eq!(measurable_disease(&marrow_low, None, &c).0, None);
    }

    #[test]
    fn flc_ratio_orientation() {
        let c = cfg();
        // kappa/lambda 1.65 normal, 1.66 abnormal
        assert_eq!(
            flc_ratio_normal(16.5, 10.0, Some(LightChain::Kappa), &c),
            Some(true)
        );
        assert_eq!(
            flc_ratio_normal(16.6, 10.0, Some(LightChain::Kappa), &c),
            Some(false)
        );
        // lambda-involved: kappa/lambda = uninvolved/involved; 10/38 = 0.263 normal
        assert_eq!(
            flc_ratio_normal(38.0, 10.0, Some(LightChain::Lambda), &c),
            Some(true)
        );
        assert_eq!(
            flc_ratio_normal(39.0, 10.0, Some(LightChain::Lambda), &c),
            Some(false)
        );
        // unknown light chain: ambiguous between the two orientations
        assert_eq!(flc_ratio_normal(30.0, 10.0, None, &c), None);
        assert_eq!(flc_ratio_normal(10.0, 10.0, None, &c), Some(true));
    }

    #[test]
    fn pr_boundary_50_percent() {
        let b = m(Some(30.0), None);
        let r = classify_m(b, m(Some(15.0), None));
        assert_eq!((r.response, r.rule), (Response::PR, PR));
        // M-protein still on electrophoresis: CR is excluded, not merely unassessable
        assert!(!r.basis.contains("CR not assessable"), "{}", r.basis);
        let r = classify_m(b, m(Some(15.1), None));
        assert_eq!((r.response, r.rule), (Response::MR, MR));
        assert!(r.basis.contains("serum M-protein 15.1 g/L (baseline 30"));
    }

    #[test]
    fn mr_boundary_25_percent_and_sd() {
        let b = m(Some(40.0), None);
        assert_eq!(classify_m(b, m(Some(30.0), None)).rule, MR);
        let r = classify_m(b, m(Some(30.1), None));
        assert_eq!((r.response, r.rule), (Response::SD, SD));
    }

    #[test]
    fn vgpr_boundary_90_percent() {
        let b = m(Some(30.0), None);
        let r = classify_m(b, m(Some(3.0), None));
        assert_eq!((r.response, r.rule), (Response::VGPR, VGPR));
        assert_eq!(classify_m(b, m(Some(3.1), None)).rule, PR);
        // IFE positive, electrophoresis negative
        let cur = Measurements {
            serum: Some(0.0),
            ife_negative: Some(false),
            ..Default::default()
        };
        assert_eq!(classify_m(b, cur).rule, VGPR);
        // urine followed at baseline: urine < 100 needed
        let b = m(Some(30.0), Some(50.0));
        assert_eq!(classify_m(b, m(Some(2.0), Some(99.0))).rule, VGPR);
        assert_eq!(classify_m(b, m(Some(2.0), Some(100.0))).rule, PR);
    }

    #[test]
    fn urine_criteria_and_downgrade_on_missing_data() {
        let b = m(Some(30.0), Some(1000.0));
        // urine down 90% (to 100) with serum down 50%: PR
        assert_eq!(classify_m(b, m(Some(15.0), Some(100.0))).rule, PR);
        // urine 199 (< 200) also PR; urine 250 (75% down) is MR (urine down >= 50%)
        assert_eq!(classify_m(b, m(Some(15.0), Some(199.0))).rule, PR);
        assert_eq!(classify_m(b, m(Some(15.0), Some(250.0))).rule, MR);
        // urine missing: PR and MR cannot be claimed → SD, basis says why
        let r = classify_m(b, m(Some(15.0), None));
        assert_eq!((r.response, r.rule), (Response::SD, SD));
        assert!(
            r.basis
                .contains("PR not assessable (urine M-protein missing)"),
            "{}",
            r.basis
        );
    }

    #[test]
    fn cr_and_scr() {
        let b = Measurements {
            serum: Some(30.0),
            bm_pct: Some(40.0),
            ..Default::default()
        };
        let cr = Measurements {
            serum: Some(0.0),
            ife_negative: Some(true),
            bm_pct: Some(4.9),
            ..Default::default()
        };
        assert_eq!(classify_m(b, cr).rule, CR);
        // boundary: 5% marrow plasma cells is not CR
        let not_cr = Measurements {
            bm_pct: Some(5.0),
            ..cr
        };
        assert_eq!(classify_m(b, not_cr).rule, VGPR);
        // marrow missing: CR not assessable → VGPR
        let r = classify_m(b, Measurements { bm_pct: None, ..cr });
        assert_eq!(r.rule, VGPR);
        assert!(r.basis.contains("CR not assessable"));
        // sCR: CR + normal FLC ratio + no clonal plasma cells
        let scr = Measurements {
            bm_pct: Some(0.0),
            involved_flc: Some(12.0),
            uninvolved_flc: Some(10.0),
            ..cr
        };
        assert_eq!(classify_m(b, scr).rule, SCR);
        let scr_abn = Measurements {
            involved_flc: Some(17.0),
            ..scr
        };
        assert_eq!(classify_m(b, scr_abn).rule, CR);
        // plasmacytoma present at baseline must be gone for CR
        let b2 = Measurements {
            spd: Some(4.0),
            ..b
        };
        let cr_spd = Measurements {
            spd: Some(1.0),
            ..cr
        };
        assert_ne!(classify_m(b2, cr_spd).rule, CR);
        assert_eq!(
            classify_m(
                b2,
                Measurements {
                    spd: Some(0.0),
                    ..cr
                }
            )
            .rule,
            CR
        );
    }

    #[test]
    fn pr_needs_plasmacytoma_reduction_when_present() {
        let b = Measurements {
            serum: Some(30.0),
            spd: Some(10.0),
            ..Default::default()
        };
        let cur = Measurements {
            serum: Some(15.0),
            spd: Some(5.0),
            ..Default::default()
        };
        assert_eq!(classify_m(b, cur).rule, PR);
        let cur2 = Measurements {
            spd: Some(5.1),
            ..cur
        };
        assert_eq!(classify_m(b, cur2).rule, MR);
    }

    #[test]
    fn pd_serum_from_nadir_with_floor() {
        let b = m(Some(30.0), None);
        let n = Nadir {
            serum: Some(10.0),
            ..Default::default()
        };
        let pd = classify(
            Measure::MProtein,
            &b,
            &n,
            &m(Some(15.0), None),
            None,
            &cfg(),
        );
        assert_eq!((pd.response, pd.rule), (Response::PD, PD));
        assert!(!pd.imaging_pd);
        let no = classify(
            Measure::MProtein,
            &b,
            &n,
            &m(Some(14.9), None),
            None,
            &cfg(),
        );
        assert_ne!(no.rule, PD);
        // nadir >= 50: 10 g/L floor (25% also binds: 62.5)
        let b = m(Some(80.0), None);
        let n = Nadir {
            serum: Some(50.0),
            ..Default::default()
        };
        assert_eq!(
            classify(
                Measure::MProtein,
                &b,
                &n,
                &m(Some(62.5), None),
                None,
                &cfg()
            )
            .rule,
            PD
        );
        assert_ne!(
            classify(
                Measure::MProtein,
                &b,
                &n,
                &m(Some(62.4), None),
                None,
                &cfg()
            )
            .rule,
            PD
        );
        assert!(serum_progression(50.0, 62.5, &cfg()));
        let mut c = cfg();
        c.response.pd_increase_pct = 10.0;
        // with a 10% rule the 10 g/L floor binds at nadir 50
        assert!(serum_progression(50.0, 60.0, &c));
        assert!(!serum_progression(50.0, 59.9, &c));
        assert!(serum_progression(49.9, 54.9, &c));
    }

    /// Urine M-protein: PD at a rise of 200 mg/24 h from the nadir (500 from 300), not at 199.
    #[test]
    fn pd_on_urine_m_protein_rise_from_nadir() {
        let b = m(Some(5.0), Some(800.0));
        let n = Nadir {
            urine: Some(300.0),
            ..Default::default()
        };
        assert_eq!(
            classify(
                Measure::MProtein,
                &b,
                &n,
                &m(None, Some(500.0)),
                None,
                &cfg()
            )
            .rule,
            PD
        );
        assert_ne!(
            classify(
                Measure::MProtein,
                &b,
                &n,
                &m(None, Some(499.0)),
                None,
                &cfg()
            )
            .rule,
            PD
        );
    }

    /// Light-chain disease: PD needs the dFLC to rise by more than 100 mg/L from the nadir.
    #[test]
    fn pd_on_dflc_rise_of_more_than_100() {
        let bf = Measurements {
            involved_flc: Some(400.0),
            uninvolved_flc: Some(10.0),
            ..Default::default()
        };
        let nf = Nadir {
            dflc: Some(50.0),
            ..Default::default()
        };
        let cur = |inv: f64| Measurements {
            involved_flc: Some(inv),
            uninvolved_flc: Some(10.0),
            ..Default::default()
        };
        // dFLC 150 → up by exactly 100: not PD (> 100 needed); 150.1 → PD
        assert_ne!(
            classify(Measure::Flc, &bf, &nf, &cur(160.0), None, &cfg()).rule,
            PD
        );
        assert_eq!(
            classify(Measure::Flc, &bf, &nf, &cur(160.1), None, &cfg()).rule,
            PD
        );
    }

    /// Marrow-measured disease: PD at an absolute rise of 10 percentage points from the nadir.
    #[test]
    fn pd_on_marrow_plasma_cell_rise_of_10_points() {
        let bm = Measurements {
            bm_pct: Some(40.0),
            ..Default::default()
        };
        let nm = Nadir {
            bm_pct: Some(20.0),
            ..Default::default()
        };
        let curm = |p: f64| Measurements {
            bm_pct: Some(p),
            ..Default::default()
        };
        assert_eq!(
            classify(Measure::Marrow, &bm, &nm, &curm(30.0), None, &cfg()).rule,
            PD
        );
        assert_ne!(
            classify(Measure::Marrow, &bm, &nm, &curm(29.9), None, &cfg()).rule,
            PD
        );
    }

    /// A new lesion is PD by imaging even while the M-protein falls.
    #[test]
    fn pd_on_a_new_lesion_is_imaging_pd() {
        let b = m(Some(30.0), None);
        let lesion = Measurements {
            serum: Some(3.0),
            new_lesion: Some(true),
            ..Default::default()
        };
        let r = classify(
            Measure::MProtein,
            &b,
            &Nadir::from_baseline(&b),
            &lesion,
            None,
            &cfg(),
        );
        assert_eq!(r.rule, PD);
        assert!(r.imaging_pd);
    }

    /// Plasmacytoma SPD: PD at a 50% increase from its nadir, not below.
    #[test]
    fn pd_on_plasmacytoma_spd_growth_of_50_percent() {
        let b = m(Some(30.0), None);
        let ns = Nadir {
            spd: Some(4.0),
            serum: Some(30.0),
            ..Default::default()
        };
        let spd = |s: f64| Measurements {
            serum: Some(30.0),
            spd: Some(s),
            ..Default::default()
        };
        assert_eq!(
            classify(Measure::MProtein, &b, &ns, &spd(6.0), None, &cfg()).rule,
            PD
        );
        assert_ne!(
            classify(Measure::MProtein, &b, &ns, &spd(5.9), None, &cfg()).rule,
            PD
        );
    }

    #[test]
    fn flc_only_and_marrow_only_levels() {
        let bf = Measurements {
            involved_flc: Some(200.0),
            uninvolved_flc: Some(10.0),
            ..Default::default()
        };
        let n = Nadir::from_baseline(&bf);
        let cur = |inv: f64| Measurements {
            involved_flc: Some(inv),
            uninvolved_flc: Some(10.0),
            ..Default::default()
        };
        // dFLC 190 → 95 is down exactly 50%: PR
        assert_eq!(
            classify(
                Measure::Flc,
                &bf,
                &n,
                &cur(105.0),
                Some(LightChain::Kappa),
                &cfg()
            )
            .rule,
            PR
        );
        assert_eq!(
            classify(
                Measure::Flc,
                &bf,
                &n,
                &cur(105.1),
                Some(LightChain::Kappa),
                &cfg()
            )
            .rule,
            SD
        );
        // down exactly 90% (dFLC 19) is PR: VGPR needs more than 90%
        assert_eq!(
            classify(
                Measure::Flc,
                &bf,
                &n,
                &cur(29.0),
                Some(LightChain::Kappa),
                &cfg()
            )
            .rule,
            PR
        );
        assert_eq!(
            classify(
                Measure::Flc,
                &bf,
                &n,
                &cur(28.9),
                Some(LightChain::Kappa),
                &cfg()
            )
            .rule,
            VGPR
        );

        let bm = Measurements {
            bm_pct: Some(40.0),
            ..Default::default()
        };
        let n = Nadir::from_baseline(&bm);
        let curm = |p: f64| Measurements {
            bm_pct: Some(p),
            ..Default::default()
        };
        assert_eq!(
            classify(Measure::Marrow, &bm, &n, &curm(20.0), None, &cfg()).rule,
            PR
        );
        assert_eq!(
            classify(Measure::Marrow, &bm, &n, &curm(20.1), None, &cfg()).rule,
            SD
        );
    }

    #[test]
    fn negative_immunofixation_implies_no_m_protein() {
        let b = m(Some(30.0), None);
        let cur = Measurements {
            ife_negative: Some(true),
            ..Default::default()
        };
        let r = classify_m(b, cur);
        // CR needs the marrow: downgraded to VGPR (serum counts as 0)
        assert_eq!((r.response, r.rule), (Response::VGPR, VGPR));
        assert!(r
            .basis
            .contains("CR not assessable (marrow plasma cells missing)"));
        // never PD from an implied 0
        let n = Nadir {
            serum: Some(0.0),
            ..Default::default()
        };
        let r = classify(Measure::MProtein, &b, &n, &cur, None, &cfg());
        assert_ne!(r.rule, PD);
    }

    #[test]
    fn not_evaluable_without_data() {
        let b = m(Some(30.0), None);
        let r = classify_m(b, Measurements::default());
        assert_eq!((r.response, r.rule), (Response::NE, NOT_EVALUABLE));
    }

    pub(super) fn asmt(
        pid: &str,
        cycle: u32,
        date: &str,
        serum: Option<f64>,
        recorded: Option<Response>,
    ) -> Assessment {
        Assessment {
            patient_id: pid.to_string(),
            at: Some(at(10 + cycle, 0)),
            assessment_date: v(d(date)),
            after_cycle: v(cycle),
            response: recorded.and_then(|r| vat(r, 10 + cycle, 3)),
            serum_m_protein: serum.and_then(v),
            ..Assessment::default()
        }
    }

    #[test]
    fn confirmation_by_consecutive_assessments_and_disagreement() {
        let p = patient("P1");
        let rows = [
            asmt("P1", 0, "2020-01-01", Some(30.0), None),
            asmt("P1", 2, "2020-03-01", Some(15.0), Some(Response::PR)),
            asmt("P1", 4, "2020-05-01", Some(14.0), Some(Response::VGPR)),
            asmt("P1", 6, "2020-07-01", Some(2.0), Some(Response::VGPR)),
        ];
        let refs: Vec<&Assessment> = rows.iter().collect();
        let (dr, f) = evaluate_patient(&p, &refs, &cfg());
        assert_eq!(dr.len(), 3);
        assert_eq!(dr[0].derived, Some(Response::PR));
        assert!(dr[0].confirmed);
        assert_eq!(dr[0].agrees, Some(true));
        assert_eq!(dr[1].derived, Some(Response::PR));
        assert!(dr[1].confirmed);
        assert_eq!(dr[1].agrees, Some(false));
        assert_eq!(dr[2].derived, Some(Response::VGPR));
        assert!(!dr[2].confirmed, "last VGPR has no second assessment");
        assert!(dr[2].basis.contains("unconfirmed"));
        assert_eq!(dr[2].agrees, Some(true));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, DISAGREES);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].at, Some(at(14, 3)));
        assert_eq!(f[0].value.as_deref(), Some("VGPR"));
        assert!(f[0]
            .message
            .contains("Recorded response VGPR after cycle 4"));
        assert!(f[0].message.contains("give PR"));
        assert!(f[0].message.contains("serum M-protein 14 g/L"));
        // recorded by default, derived by switch
        assert_eq!(
            dr[1].effective(ResponseSource::Recorded),
            Some(Response::VGPR)
        );
        assert_eq!(dr[1].effective(ResponseSource::Derived), Some(Response::PR));
    }

    #[test]
    fn pd_from_nadir_across_assessments_and_confirmation() {
        let p = patient("P1");
        let rows = [
            asmt("P1", 0, "2020-01-01", Some(30.0), None),
            asmt("P1", 2, "2020-03-01", Some(10.0), None),
            asmt("P1", 4, "2020-05-01", Some(15.0), None),
            asmt("P1", 6, "2020-07-01", Some(16.0), None),
        ];
        let refs: Vec<&Assessment> = rows.iter().collect();
        let (dr, _) = evaluate_patient(&p, &refs, &cfg());
        assert_eq!(dr[0].derived, Some(Response::PR));
        assert!(!dr[0].confirmed);
        assert_eq!(dr[1].derived, Some(Response::PD));
        assert_eq!(dr[1].rule, PD);
        assert!(dr[1].confirmed);
        assert_eq!(dr[2].derived, Some(Response::PD));
    }

    #[test]
    fn no_baseline_or_not_measurable_is_not_derivable() {
        let p = patient("P1");
        let rows = [asmt("P1", 2, "2020-03-01", Some(10.0), Some(Response::PR))];
        let refs: Vec<&Assessment> = rows.iter().collect();
        let (dr, f) = evaluate_patient(&p, &refs, &cfg());
        assert_eq!(dr[0].derived, None);
        assert_eq!(dr[0].rule, NO_BASELINE);
        assert_eq!(dr[0].agrees, None);
        assert!(f.is_empty());
        let rows = [
            asmt("P1", 0, "2020-01-01", Some(5.0), None),
            asmt("P1", 2, "2020-03-01", Some(1.0), Some(Response::PR)),
        ];
        let refs: Vec<&Assessment> = rows.iter().collect();
        let (dr, _) = evaluate_patient(&p, &refs, &cfg());
        assert_eq!(dr[0].derived, None);
        assert_eq!(dr[0].rule, NOT_MEASURABLE);
        assert!(dr[0].basis.contains("no measurable disease"));
    }

    #[test]
    fn input_order_does_not_matter() {
        let p = patient("P1");
        let rows = [
            asmt("P1", 0, "2020-01-01", Some(30.0), None),
            asmt("P1", 2, "2020-03-01", Some(10.0), Some(Response::PR)),
            asmt("P1", 4, "2020-05-01", Some(15.0), Some(Response::PD)),
        ];
        let a: Vec<&Assessment> = rows.iter().collect();
        let b: Vec<&Assessment> = rows.iter().rev().collect();
        assert_eq!(
            evaluate_patient(&p, &a, &cfg()),
            evaluate_patient(&p, &b, &cfg())
        );
    }

    #[test]
    fn progression_date_window_boundary() {
        let rows = [
            asmt("P1", 0, "2020-01-01", Some(30.0), None),
            asmt("P1", 2, "2020-03-01", Some(10.0), None),
            asmt("P1", 4, "2020-05-01", Some(15.0), None),
        ];
        let refs: Vec<&Assessment> = rows.iter().collect();
        let mut p = patient("P1");
        let (dr, _) = evaluate_patient(&p, &refs, &cfg());
        p.progression_date = vat(d("2020-05-15"), 2, 20);
        assert!(check_progression_date(&p, &refs, &dr, &cfg()).is_empty());
        p.progression_date = vat(d("2020-05-16"), 2, 20);
        let f = check_progression_date(&p, &refs, &dr, &cfg());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, PROGRESSION_DATE_NO_PD);
        assert_eq!(f[0].at, Some(at(2, 20)));
        assert!(f[0].message.contains("15 days away"));
        // a documented clinical event (new lesion) also matches
        let mut ev = asmt("P1", 5, "2020-05-16", None, None);
        ev.new_lesion = v(true);
        let mut refs2 = refs.clone();
        refs2.push(&ev);
        assert!(check_progression_date(&p, &refs2, &dr, &cfg()).is_empty());
        // an unconfirmed derived PD without a progression date: no finding
        p.progression_date = None;
        assert!(check_progression_date(&p, &refs, &dr, &cfg()).is_empty());
        // a recorded PD without a progression date: warning
        let rows2 = [
            asmt("P1", 0, "2020-01-01", Some(30.0), None),
            asmt("P1", 2, "2020-03-01", Some(10.0), None),
            asmt("P1", 4, "2020-05-01", Some(15.0), Some(Response::PD)),
        ];
        let refs2: Vec<&Assessment> = rows2.iter().collect();
        let (dr2, _) = evaluate_patient(&p, &refs2, &cfg());
        let f = check_progression_date(&p, &refs2, &dr2, &cfg());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, PROGRESSION_DATE_MISSING);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(
            f[0].at,
            Some(at(14, 3)),
            "on the PD assessment's response cell"
        );
        assert_eq!(f[0].value.as_deref(), Some("PD"));
    }
}

// ------------------------------------------------------------------------------------------
// CTCAE v5

mod ct {
    use super::*;
    use ctcae::*;

    fn g(term: LabTerm, v: f64, sex: Option<Sex>) -> Option<u8> {
        let r = grade(term, v, sex, None, &cfg());
        assert_eq!(r.rule, term.rule());
        r.grade
    }

    #[test]
    fn platelets_boundaries() {
        let t = LabTerm::Platelets;
        assert_eq!(
            grade(t, 75.0, Some(Sex::Male), None, &cfg()).rule,
            PLATELETS_DECREASED
        );
        assert_eq!(g(t, 100.0, Some(Sex::Male)), Some(0));
        assert_eq!(g(t, 99.9, Some(Sex::Male)), Some(1));
        assert_eq!(g(t, 75.0, Some(Sex::Male)), Some(1));
        assert_eq!(g(t, 74.9, Some(Sex::Male)), Some(2));
        assert_eq!(g(t, 50.0, None), Some(2));
        assert_eq!(g(t, 49.9, None), Some(3));
        assert_eq!(g(t, 25.0, None), Some(3));
        assert_eq!(g(t, 24.9, None), Some(4));
    }

    #[test]
    fn wbc_neutrophil_lymphocyte_boundaries() {
        for (t, lln, c2, c3, c4) in [
            (LabTerm::Wbc, 4.0, 3.0, 2.0, 1.0),
            (LabTerm::Neutrophils, 2.0, 1.5, 1.0, 0.5),
            (LabTerm::Lymphocytes, 1.0, 0.8, 0.5, 0.2),
        ] {
            let s = Some(Sex::Female);
            assert_eq!(g(t, lln, s), Some(0), "{t:?}");
            assert_eq!(g(t, lln - 0.01, s), Some(1), "{t:?}");
            assert_eq!(g(t, c2, s), Some(1), "{t:?}");
            assert_eq!(g(t, c2 - 0.01, s), Some(2), "{t:?}");
            assert_eq!(g(t, c3, s), Some(2), "{t:?}");
            assert_eq!(g(t, c3 - 0.01, s), Some(3), "{t:?}");
            assert_eq!(g(t, c4, s), Some(3), "{t:?}");
            assert_eq!(g(t, c4 - 0.01, s), Some(4), "{t:?}");
        }
    }

    #[test]
    fn anemia_by_sex_and_no_lab_grade_4() {
        let t = LabTerm::Hemoglobin;
        assert_eq!(g(t, 120.0, Some(Sex::Female)), Some(0));
        assert_eq!(g(t, 119.9, Some(Sex::Female)), Some(1));
        assert_eq!(g(t, 125.0, Some(Sex::Male)), Some(1));
        assert_eq!(g(t, 130.0, Some(Sex::Male)), Some(0));
        // sex unknown: between the two LLNs is not gradable, never guessed
        let r = grade(t, 125.0, None, None, &cfg());
        assert_eq!(r.grade, None);
        assert!(r.basis.starts_with("not gradable"));
        assert_eq!(g(t, 119.0, None), Some(1));
        assert_eq!(g(t, 130.0, None), Some(0));
        assert_eq!(g(t, 100.0, None), Some(1));
        assert_eq!(g(t, 99.9, None), Some(2));
        assert_eq!(g(t, 80.0, None), Some(2));
        assert_eq!(g(t, 79.9, None), Some(3));
        assert_eq!(g(t, 30.0, None), Some(3));
    }

    #[test]
    fn grade_1_without_lln_is_not_gradable() {
        let mut c = cfg();
        c.ctcae.platelets.lln_female = None;
        c.ctcae.platelets.lln_male = None;
        let r = grade(LabTerm::Platelets, 80.0, Some(Sex::Male), None, &c);
        assert_eq!(r.grade, None);
        assert_eq!(
            grade(LabTerm::Platelets, 74.0, Some(Sex::Male), None, &c).grade,
            Some(2)
        );
        assert_eq!(
            grade(LabTerm::Platelets, f64::NAN, Some(Sex::Male), None, &cfg()).grade,
            None
        );
    }

    #[test]
    fn creatinine_uln_boundaries() {
        let t = LabTerm::Creatinine;
        let f = Some(Sex::Female); // ULN 97
        assert_eq!(g(t, 97.0, f), Some(0));
        assert_eq!(g(t, 97.1, f), Some(1));
        assert_eq!(g(t, 145.5, f), Some(1));
        assert_eq!(g(t, 145.6, f), Some(2));
        assert_eq!(g(t, 291.0, f), Some(2));
        assert_eq!(g(t, 291.1, f), Some(3));
        assert_eq!(g(t, 582.0, f), Some(3));
        assert_eq!(g(t, 582.1, f), Some(4));
        assert_eq!(g(t, 111.0, Some(Sex::Male)), Some(0));
        assert_eq!(g(t, 111.1, Some(Sex::Male)), Some(1));
        // sex unknown: 100 is above the female and below the male ULN
        assert_eq!(g(t, 100.0, None), None);
        assert_eq!(g(t, 120.0, None), Some(1));
        let r = grade(t, 120.0, Some(Sex::Male), None, &cfg());
        assert!(r.basis.contains("ULN criteria only"));
    }

    #[test]
    fn creatinine_baseline_criteria() {
        let t = LabTerm::Creatinine;
        let s = Some(Sex::Male);
        let r = grade(t, 75.0, s, Some(50.0), &cfg());
        assert_eq!(r.grade, Some(0));
        let r = grade(t, 75.1, s, Some(50.0), &cfg());
        assert_eq!(r.grade, Some(2));
        assert!(r.basis.contains("baseline (50"));
        assert_eq!(grade(t, 150.0, s, Some(50.0), &cfg()).grade, Some(2));
        assert_eq!(grade(t, 150.1, s, Some(50.0), &cfg()).grade, Some(3));
        // the higher of the two criteria
        assert_eq!(grade(t, 700.0, s, Some(600.0), &cfg()).grade, Some(4));
        // sex unknown but baseline grade >= 2 is certain
        assert_eq!(grade(t, 100.0, None, Some(40.0), &cfg()).grade, Some(2));
    }

    #[test]
    fn term_mapping() {
        let c = cfg();
        let idx = TermIndex::new(&c);
        for (zh, en) in [
            ("白细胞减少", "White blood cell decreased"),
            ("血小板减少", "Platelet count decreased"),
            ("中性粒细胞减少", "Neutrophil count decreased"),
            ("贫血", "Anemia"),
            ("乏力", "Fatigue"),
            ("食欲不振", "Anorexia"),
            ("腹泻", "Diarrhea"),
            ("恶心", "Nausea"),
            ("呕吐", "Vomiting"),
            ("发热", "Fever"),
            ("肺部感染", "Lung infection"),
            ("周围神经病变", "Peripheral sensory neuropathy"),
            ("便秘", "Constipation"),
        ] {
            assert_eq!(idx.lookup(zh).as_deref(), Some(en), "{zh}");
        }
        assert_eq!(idx.lookup("  fatigue ").as_deref(), Some("Fatigue"));
        assert_eq!(
            idx.lookup("PLATELET COUNT DECREASED").as_deref(),
            Some("Platelet count decreased")
        );
        assert_eq!(idx.lookup("头痛欲裂"), None);
        assert_eq!(
            map_term("白细胞减少", &c).as_deref(),
            Some("White blood cell decreased")
        );
    }

    #[test]
    fn recorded_events_unknown_terms_and_grades() {
        let idx = TermIndex::new(&cfg());
        let p = patient("P1");
        let ae = |term: &str, grade: u8, row: u32| AdverseEvent {
            patient_id: "P1".into(),
            at: Some(at(row, 0)),
            term: vat(term.to_string(), row, 1),
            term_known: false,
            grade: vat(grade, row, 2),
            ..AdverseEvent::default()
        };
        let rows = [
            ae("乏力", 1, 3),
            ae("Fatigue", 5, 4),
            ae("不明症状", 2, 5),
            ae("腹泻", 0, 6),
            ae("恶心", 6, 7),
        ];
        let refs: Vec<&AdverseEvent> = rows.iter().collect();
        let f = check_recorded_events(&p, &refs, &idx);
        let rules: Vec<(&str, Option<u32>)> = f
            .iter()
            .map(|f| (f.rule.as_str(), f.at.map(|a| a.row)))
            .collect();
        assert_eq!(
            rules,
            vec![
                (TERM_UNKNOWN, Some(5)),
                (GRADE_OUT_OF_RANGE, Some(6)),
                (GRADE_OUT_OF_RANGE, Some(7))
            ]
        );
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].value.as_deref(), Some("不明症状"));
        assert_eq!(f[1].severity, Severity::Error);
        assert_eq!(f[1].value.as_deref(), Some("0"));
    }

    fn lab(date: &str, plt: Option<f64>, cr: Option<f64>, row: u32) -> LabDraw {
        LabDraw {
            patient_id: "P1".into(),
            at: Some(at(row, 0)),
            draw_date: v(d(date)),
            platelets: plt.and_then(|x| vat(x, row, 4)),
            creatinine: cr.and_then(|x| vat(x, row, 6)),
            ..LabDraw::default()
        }
    }

    #[test]
    fn baseline_and_worst_post_baseline() {
        let mut p = patient("P1");
        p.sex = v(Sex::Male);
        p.index_date = v(d("2020-01-10"));
        let rows = [
            lab("2020-01-01", Some(60.0), Some(100.0), 2),
            lab("2020-01-10", Some(90.0), Some(100.0), 3), // on the index date: baseline
            lab("2020-02-01", Some(40.0), Some(160.0), 4),
            lab("2020-03-01", Some(40.0), None, 5),
            lab("2020-04-01", Some(120.0), Some(90.0), 6),
        ];
        let refs: Vec<&LabDraw> = rows.iter().rev().collect();
        let (ae, f) = evaluate_patient_labs(&p, &refs, &cfg());
        assert!(f.is_empty());
        let plt = ae.iter().find(|a| a.lab == LabTerm::Platelets).unwrap();
        assert_eq!(plt.term, "Platelet count decreased");
        assert_eq!(plt.source, "labs");
        assert_eq!(plt.baseline_value, Some(90.0));
        assert_eq!(plt.baseline_grade, Some(1));
        assert_eq!(plt.worst_grade, Some(3));
        assert_eq!(plt.worst_value, Some(40.0));
        assert_eq!(plt.worst_date, Some(d("2020-02-01")), "ties: the earliest");
        assert_eq!(plt.post_baseline_draws, 3);
        let cr = ae.iter().find(|a| a.lab == LabTerm::Creatinine).unwrap();
        // 160 > 1.5 × baseline 100 → grade 2 (ULN alone: 160 > 111 → 1)
        assert_eq!(cr.worst_grade, Some(2));
        assert!(cr.basis.contains("baseline (100"));
        assert_eq!(cr.baseline_grade, Some(0));
        assert!(
            ae.iter().all(|a| a.lab != LabTerm::Wbc),
            "no WBC data, no row"
        );
    }

    /// The treatment-emergent rule at its edges (admiral `derive_var_trtemfl` with an initial
    /// grade; docs/clinical-rules.md section 5).
    #[test]
    fn lab_treatment_emergent_rule_edges() {
        // baseline grade 2 → on-treatment 2: not counted; → 3: counted
        assert!(!lab_treatment_emergent(Some(2), Some(2)));
        assert!(lab_treatment_emergent(Some(2), Some(3)));
        // on-treatment better than baseline: not counted
        assert!(!lab_treatment_emergent(Some(3), Some(1)));
        // normal at baseline, abnormal after: counted
        assert!(lab_treatment_emergent(Some(0), Some(1)));
        // no baseline grade (no draw, or not gradable): counted
        assert!(lab_treatment_emergent(None, Some(1)));
        // no abnormal grade after the start: never an event
        assert!(!lab_treatment_emergent(None, Some(0)));
        assert!(!lab_treatment_emergent(None, None));
        assert!(!lab_treatment_emergent(Some(2), None));
    }

    /// One patient's platelets: baseline 60 (grade 2) then `post` after the index date.
    fn platelets_after_grade2_baseline(post: &[f64], baseline: bool) -> LabAe {
        let mut p = patient("P1");
        p.sex = v(Sex::Male);
        p.index_date = v(d("2020-01-10"));
        let mut rows = Vec::new();
        if baseline {
            rows.push(lab("2020-01-05", Some(60.0), None, 2));
        }
        for (i, x) in post.iter().enumerate() {
            let date = format!("2020-0{}-01", i + 2);
            rows.push(lab(&date, Some(*x), None, 3 + i as u32));
        }
        let refs: Vec<&LabDraw> = rows.iter().collect();
        let (ae, _) = evaluate_patient_labs(&p, &refs, &cfg());
        ae.into_iter()
            .find(|a| a.lab == LabTerm::Platelets)
            .unwrap()
    }

    #[test]
    fn lab_event_counts_only_when_worse_than_baseline() {
        // grade 2 at baseline (60), grade 2 after (55): present at baseline, not worse
        let same = platelets_after_grade2_baseline(&[55.0], true);
        assert_eq!((same.baseline_grade, same.worst_grade), (Some(2), Some(2)));
        assert!(!same.treatment_emergent);
        // grade 2 at baseline, grade 3 after (40): worsened, counted at grade 3
        let worse = platelets_after_grade2_baseline(&[55.0, 40.0], true);
        assert_eq!(
            (worse.baseline_grade, worse.worst_grade),
            (Some(2), Some(3))
        );
        assert!(worse.treatment_emergent);
        // no baseline draw: counted at its grade
        let none = platelets_after_grade2_baseline(&[55.0], false);
        assert_eq!((none.baseline_grade, none.worst_grade), (None, Some(2)));
        assert!(none.treatment_emergent);
    }

    #[test]
    fn labs_without_index_date_are_not_graded() {
        let p = patient("P1");
        let rows = [lab("2020-01-01", Some(60.0), None, 2)];
        let refs: Vec<&LabDraw> = rows.iter().collect();
        let (ae, f) = evaluate_patient_labs(&p, &refs, &cfg());
        assert_eq!(ae.len(), 1);
        assert_eq!(ae[0].baseline_grade, None);
        assert_eq!(ae[0].worst_grade, None);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, UNDATED_LABS);
        assert_eq!(f[0].severity, Severity::Info);
    }
}

// ------------------------------------------------------------------------------------------
// Staging

mod stage {
    use super::*;
    use staging::*;

    #[test]
    fn iss_boundaries() {
        let c = cfg();
        let s = |b, a| iss(b, a, &c);
        assert_eq!(s(Some(3.49), Some(35.0)).stage, Some(1));
        assert_eq!(s(Some(3.49), Some(35.0)).rule, ISS);
        assert_eq!(s(Some(3.5), Some(40.0)).stage, Some(2));
        assert_eq!(s(Some(3.0), Some(34.9)).stage, Some(2));
        assert_eq!(s(Some(5.49), None).stage, Some(2));
        assert_eq!(s(Some(5.5), None).stage, Some(3));
        let o = s(Some(3.0), None);
        assert_eq!(o.stage, None);
        assert_eq!(o.missing, vec!["albumin"]);
        let o = s(None, Some(40.0));
        assert_eq!(o.stage, None);
        assert_eq!(o.missing, vec!["beta2_microglobulin"]);
    }

    fn hr(
        d17: Option<bool>,
        t414: Option<bool>,
        t1416: Option<bool>,
    ) -> Vec<(FishMarker, Option<bool>)> {
        vec![
            (FishMarker::Del17p, d17),
            (FishMarker::T4_14, t414),
            (FishMarker::T14_16, t1416),
        ]
    }

    #[test]
    fn r_iss_rules() {
        let c = cfg();
        let neg = hr(Some(false), Some(false), Some(false));
        let o = r_iss(Some(1), &neg, Some(250.0), &c);
        assert_eq!((o.stage, o.rule), (Some(1), R_ISS));
        assert_eq!(r_iss(Some(1), &neg, Some(250.1), &c).stage, Some(2));
        assert_eq!(
            r_iss(Some(3), &hr(Some(true), None, None), None, &c).stage,
            Some(3)
        );
        assert_eq!(r_iss(Some(3), &neg, Some(200.0), &c).stage, Some(2));
        assert_eq!(
            r_iss(Some(3), &hr(None, None, None), Some(300.0), &c).stage,
            Some(3)
        );
        assert_eq!(
            r_iss(Some(2), &hr(None, None, None), None, &c).stage,
            Some(2)
        );
        let o = r_iss(
            Some(1),
            &hr(Some(false), None, Some(false)),
            Some(200.0),
            &c,
        );
        assert_eq!(o.stage, None);
        assert_eq!(o.missing, vec!["high-risk FISH"]);
        let o = r_iss(None, &neg, Some(200.0), &c);
        assert_eq!(o.stage, None);
        assert_eq!(o.missing, vec!["iss"]);
    }

    #[test]
    fn r2_iss_points_and_groups() {
        let c = cfg();
        let f = Some(false);
        let t = Some(true);
        let r = |iss, d17, ldh, t414, q| r2_iss(iss, d17, ldh, t414, q, &c);
        let o = r(Some(1), f, Some(200.0), f, f);
        assert_eq!((o.stage, o.rule), (Some(1), R2_ISS));
        assert_eq!(r(Some(1), f, Some(200.0), f, t).stage, Some(2)); // 0.5
        assert_eq!(r(Some(2), f, Some(200.0), f, f).stage, Some(2)); // 1
        assert_eq!(r(Some(3), f, Some(200.0), f, f).stage, Some(3)); // 1.5
        assert_eq!(r(Some(2), t, Some(200.0), f, t).stage, Some(3)); // 2.5
        assert_eq!(r(Some(3), t, Some(200.0), f, t).stage, Some(4)); // 3.0
        assert_eq!(r(Some(3), t, Some(251.0), t, t).stage, Some(4)); // 5
                                                                     // unknowns that could cross a boundary: not derivable
        let o = r(Some(2), f, Some(200.0), f, None); // 1-1.5
        assert_eq!(o.stage, None);
        assert_eq!(o.missing, vec!["gain1q"]);
        // unknowns that cannot: derived
        assert_eq!(r(Some(3), t, None, t, None).stage, Some(4)); // 3.5-5
    }

    #[test]
    fn durie_salmon_subclass() {
        let c = cfg();
        assert_eq!(ds_subclass(Some(176.9), &c), Some('A'));
        assert_eq!(ds_subclass(Some(177.0), &c), Some('B'));
        assert_eq!(ds_subclass(None, &c), None);
    }

    #[test]
    fn patient_staging_with_findings() {
        let mut p = patient("P1");
        p.beta2_microglobulin = v(6.0);
        p.albumin = v(30.0);
        p.iss_stage = vat(2, 4, 9);
        p.ds_stage = vat("IIIA".to_string(), 4, 8);
        p.creatinine = v(200.0);
        p.ldh = v(300.0);
        p.fish_tested = v(true);
        p.fish_del17p = v(false);
        p.fish_t4_14 = v(false);
        p.fish_t14_16 = v(false);
        p.fish_t14_20 = v(true);
        p.fish_1q_gain = v(false);
        let (s, f) = evaluate_patient(&p, &cfg());
        assert_eq!(s.iss_derived, Some(3));
        assert_eq!(s.iss_recorded, Some(2));
        assert_eq!(s.iss_agrees, Some(false));
        assert_eq!(s.r_iss, Some(3));
        assert_eq!(s.r2_iss, Some(3)); // 1.5 + LDH 1 = 2.5
        assert_eq!(s.ds_subclass_derived.as_deref(), Some("B"));
        assert_eq!(s.ds_subclass_agrees, Some(false));
        assert_eq!(s.high_risk_fish, Some(true));
        assert_eq!(s.high_risk_count, 1);
        assert_eq!(s.high_risk_markers, vec!["t(14;20)"]);
        assert!(s.note_newly_diagnosed);
        let rules: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec![ISS_DISAGREES, DS_SUBCLASS_DISAGREES]);
        assert_eq!(f[0].at, Some(at(4, 9)));
        assert_eq!(f[0].value.as_deref(), Some("II"));

        // FISH not tested: high risk unknown
        p.fish_tested = v(false);
        let (s, _) = evaluate_patient(&p, &cfg());
        assert_eq!(s.high_risk_fish, None);
        assert_eq!(s.high_risk_count, 0);
        // all negative
        p.fish_tested = None;
        p.fish_t14_20 = v(false);
        let (s, _) = evaluate_patient(&p, &cfg());
        assert_eq!(s.high_risk_fish, Some(false));
    }

    #[test]
    fn r_iss_falls_back_to_recorded_iss() {
        let mut p = patient("P1");
        p.iss_stage = v(3);
        p.ldh = v(400.0);
        let (s, f) = evaluate_patient(&p, &cfg());
        assert_eq!(s.iss_derived, None);
        assert_eq!(s.iss_agrees, None);
        assert_eq!(s.r_iss, Some(3));
        assert!(s.r_iss_basis.ends_with("(ISS as recorded)"));
        assert!(f.is_empty());
    }

    #[test]
    fn agreeing_stages_raise_no_finding() {
        let mut p = patient("P1");
        p.beta2_microglobulin = v(3.0);
        p.albumin = v(40.0);
        p.iss_stage = v(1);
        p.ds_stage = v("IIA".to_string());
        p.creatinine = v(80.0);
        let (s, f) = evaluate_patient(&p, &cfg());
        assert_eq!(s.iss_agrees, Some(true));
        assert_eq!(s.ds_subclass_agrees, Some(true));
        assert!(f.is_empty());
        // recorded subclass missing: nothing to compare
        p.ds_stage = v("III".to_string());
        let (s, _) = evaluate_patient(&p, &cfg());
        assert_eq!(s.ds_subclass_agrees, None);
        assert_eq!(s.ds_subclass_derived.as_deref(), Some("A"));
    }

    #[test]
    fn configured_high_risk_list() {
        let mut c = cfg();
        c.staging.high_risk_fish = vec![FishMarker::Del17p];
        let mut p = patient("P1");
        p.fish_1q_gain = v(true);
        p.fish_del17p = v(false);
        let (s, _) = evaluate_patient(&p, &c);
        assert_eq!(s.high_risk_fish, Some(false));
        let (s, _) = evaluate_patient(&p, &cfg());
        assert_eq!(s.high_risk_fish, Some(true));
    }
}

// ------------------------------------------------------------------------------------------
// Plausibility

mod plaus {
    use super::*;
    use plausibility::*;

    #[test]
    fn range_boundaries_and_no_clamping() {
        let mut p = patient("P1");
        p.calcium = vat(5.0, 3, 7);
        assert!(patient_findings(&p, &cfg()).is_empty());
        p.calcium = vat(5.01, 3, 7);
        let f = patient_findings(&p, &cfg());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, CALCIUM);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].at, Some(at(3, 7)));
        assert_eq!(f[0].value.as_deref(), Some("5.01"));
        assert_eq!(p.calcium.as_ref().unwrap().v, 5.01, "never clamped");
        p.calcium = vat(1.0, 3, 7);
        assert!(patient_findings(&p, &cfg()).is_empty());
        p.calcium = vat(0.99, 3, 7);
        assert_eq!(patient_findings(&p, &cfg())[0].rule, CALCIUM);
    }

    type PatientSetter = fn(&mut Patient, f64);
    type AssessmentSetter = fn(&mut Assessment, f64);
    type LabSetter = fn(&mut LabDraw, f64);

    /// Every patient-level range: both ends plausible, just outside flagged at its cell.
    #[test]
    fn every_patient_range_boundary() {
        let c = cfg();
        let r = &c.plausibility;
        let patient_cases: Vec<(&str, mmreport::rules::config::Range, PatientSetter)> = vec![
            (BM_PLASMA_CELL_PCT, r.bm_plasma_cell_pct, |p, x| {
                p.bm_plasma_cell_pct = vat(x, 5, 5)
            }),
            (CALCIUM, r.calcium, |p, x| p.calcium = vat(x, 5, 5)),
            (CREATININE, r.creatinine, |p, x| p.creatinine = vat(x, 5, 5)),
            (CRCL, r.crcl, |p, x| p.crcl = vat(x, 5, 5)),
            (BETA2_MICROGLOBULIN, r.beta2_microglobulin, |p, x| {
                p.beta2_microglobulin = vat(x, 5, 5)
            }),
            (ALBUMIN, r.albumin, |p, x| p.albumin = vat(x, 5, 5)),
            (LDH, r.ldh, |p, x| p.ldh = vat(x, 5, 5)),
            (ESR, r.esr, |p, x| p.esr = vat(x, 5, 5)),
            (HEMOGLOBIN, r.hemoglobin, |p, x| p.hemoglobin = vat(x, 5, 5)),
            (WBC, r.wbc, |p, x| p.wbc = vat(x, 5, 5)),
            (PLATELETS, r.platelets, |p, x| p.platelets = vat(x, 5, 5)),
            (SERUM_M_PROTEIN, r.serum_m_protein, |p, x| {
                p.m_protein_nadir = vat(x, 5, 5)
            }),
            (SERUM_M_PROTEIN, r.serum_m_protein, |p, x| {
                p.m_protein_at_relapse = vat(x, 5, 5)
            }),
        ];
        for (rule, range, set) in patient_cases {
            for (x, bad) in [
                (range.min, false),
                (range.max, false),
                (range.min - 0.01, true),
                (range.max + 0.01, true),
            ] {
                let mut p = patient("P1");
                set(&mut p, x);
                let f = patient_findings(&p, &c);
                assert_eq!(f.len(), usize::from(bad), "{rule} {x}");
                if bad {
                    assert_eq!(f[0].rule, rule);
                    assert_eq!(f[0].at, Some(at(5, 5)));
                }
            }
        }
    }

    /// Every assessment range: both ends plausible, just outside flagged with its rule id.
    #[test]
    fn every_assessment_range_boundary() {
        let c = cfg();
        let r = &c.plausibility;
        let assess_cases: Vec<(&str, mmreport::rules::config::Range, AssessmentSetter)> = vec![
            (SERUM_M_PROTEIN, r.serum_m_protein, |a, x| {
                a.serum_m_protein = vat(x, 5, 5)
            }),
            (URINE_M_PROTEIN, r.urine_m_protein, |a, x| {
                a.urine_m_protein = vat(x, 5, 5)
            }),
            (FLC, r.flc, |a, x| a.involved_flc = vat(x, 5, 5)),
            (FLC, r.flc, |a, x| a.uninvolved_flc = vat(x, 5, 5)),
            (BM_PLASMA_CELL_PCT, r.bm_plasma_cell_pct, |a, x| {
                a.bm_plasma_cell_pct = vat(x, 5, 5)
            }),
            (PLASMACYTOMA_SPD, r.plasmacytoma_spd, |a, x| {
                a.plasmacytoma_spd = vat(x, 5, 5)
            }),
            (CALCIUM, r.calcium, |a, x| a.calcium = vat(x, 5, 5)),
            (HEMOGLOBIN, r.hemoglobin, |a, x| a.hemoglobin = vat(x, 5, 5)),
            (CREATININE, r.creatinine, |a, x| a.creatinine = vat(x, 5, 5)),
        ];
        for (rule, range, set) in assess_cases {
            for (x, bad) in [
                (range.min, false),
                (range.max, false),
                (range.min - 0.01, true),
                (range.max + 0.01, true),
            ] {
                let mut a = Assessment {
                    patient_id: "P1".into(),
                    ..Assessment::default()
                };
                set(&mut a, x);
                let f = assessment_findings(&a, &c);
                assert_eq!(f.len(), usize::from(bad), "{rule} {x}");
                if bad {
                    assert_eq!(f[0].rule, rule);
                }
            }
        }
    }

    /// Every lab-draw range: both ends plausible, just outside flagged with its rule id.
    #[test]
    fn every_lab_range_boundary() {
        let c = cfg();
        let r = &c.plausibility;
        let lab_cases: Vec<(&str, mmreport::rules::config::Range, LabSetter)> = vec![
            (WBC, r.wbc, |l, x| l.wbc = vat(x, 5, 5)),
            (NEUTROPHILS, r.neutrophils, |l, x| {
                l.neutrophils = vat(x, 5, 5)
            }),
            (LYMPHOCYTES, r.lymphocytes, |l, x| {
                l.lymphocytes = vat(x, 5, 5)
            }),
            (PLATELETS, r.platelets, |l, x| l.platelets = vat(x, 5, 5)),
            (HEMOGLOBIN, r.hemoglobin, |l, x| l.hemoglobin = vat(x, 5, 5)),
            (CREATININE, r.creatinine, |l, x| l.creatinine = vat(x, 5, 5)),
        ];
        for (rule, range, set) in lab_cases {
            for (x, bad) in [
                (range.min, false),
                (range.max, false),
                (range.min - 0.01, true),
                (range.max + 0.01, true),
            ] {
                let mut l = LabDraw {
                    patient_id: "P1".into(),
                    ..LabDraw::default()
                };
                set(&mut l, x);
                let f = lab_findings(&l, &c);
                assert_eq!(f.len(), usize::from(bad), "{rule} {x}");
                if bad {
                    assert_eq!(f[0].rule, rule);
                }
            }
        }
    }

    #[test]
    fn assessments_and_labs() {
        let a = Assessment {
            patient_id: "P1".into(),
            bm_plasma_cell_pct: v(100.1),
            serum_m_protein: v(f64::NAN),
            ..Assessment::default()
        };
        let rules: Vec<String> = assessment_findings(&a, &cfg())
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(rules, vec![SERUM_M_PROTEIN, BM_PLASMA_CELL_PCT]);
        let l = LabDraw {
            patient_id: "P1".into(),
            platelets: v(3000.0),
            hemoglobin: v(19.9),
            ..LabDraw::default()
        };
        let rules: Vec<String> = lab_findings(&l, &cfg())
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(rules, vec![HEMOGLOBIN]);
    }
}

// ------------------------------------------------------------------------------------------
// The whole cohort

mod cohort {
    use super::*;
    use proptest::prelude::*;

    fn full_patient(id: &str, i: u32) -> Patient {
        let mut p = patient(id);
        p.sex = v(if i % 2 == 0 { Sex::Male } else { Sex::Female });
        p.index_date = v(d("2020-01-10"));
        p.relapse_date = v(d("2019-12-20"));
        p.last_prior_regimen_end = v(d("2019-11-01") + Duration::days(i64::from(i % 90)));
        p.prior_best_response = v(if i % 5 == 0 {
            Response::SD
        } else {
            Response::PR
        });
        p.disease_status = v(DiseaseStatus::RelapsedAndRefractory);
        p.beta2_microglobulin = v(2.0 + f64::from(i % 7));
        p.albumin = v(33.0 + f64::from(i % 5));
        p.iss_stage = v((i % 3 + 1) as u8);
        p.bm_plasma_cell_pct = v(f64::from(i % 70));
        p.calcium = v(2.2 + f64::from(i % 8) * 0.1);
        p.creatinine = v(60.0 + f64::from(i % 200));
        p.hemoglobin = v(80.0 + f64::from(i % 60));
        p.ldh = v(150.0 + f64::from(i % 200));
        p.fish_del17p = v(i % 11 == 0);
        p.ds_stage = v("IIIA".to_string());
        p
    }

    fn rows_for(id: &str, i: u32) -> (Vec<Assessment>, Vec<LabDraw>, Vec<AdverseEvent>) {
        let s = f64::from(i % 40) + 10.0;
        let a = vec![
            resp::asmt(id, 0, "2020-01-05", Some(s), None),
            resp::asmt(id, 2, "2020-03-01", Some(s * 0.4), Some(Response::PR)),
            resp::asmt(id, 4, "2020-05-01", Some(s * 0.45), Some(Response::PR)),
            resp::asmt(id, 6, "2020-07-01", Some(s * 0.9), Some(Response::PD)),
        ];
        let l = (0..4)
            .map(|k| LabDraw {
                patient_id: id.into(),
                at: Some(at(k + 2, 0)),
                draw_date: v(d("2020-01-01") + Duration::days(i64::from(k) * 30)),
                wbc: v(1.0 + f64::from((i + k) % 6)),
                platelets: v(20.0 + f64::from((i * 7 + k) % 150)),
                hemoglobin: v(70.0 + f64::from((i + k * 3) % 70)),
                creatinine: v(60.0 + f64::from((i + k) % 120)),
                ..LabDraw::default()
            })
            .collect();
        let e = vec![AdverseEvent {
            patient_id: id.into(),
            term: v(if i % 3 == 0 { "乏力" } else { "Nausea" }.to_string()),
            grade: v((i % 4 + 1) as u8),
            ..AdverseEvent::default()
        }];
        (a, l, e)
    }

    fn cohort(
        n: u32,
    ) -> (
        Vec<Patient>,
        Vec<Assessment>,
        Vec<LabDraw>,
        Vec<AdverseEvent>,
    ) {
        let mut ps = Vec::new();
        let mut aa = Vec::new();
        let mut ll = Vec::new();
        let mut ee = Vec::new();
        for i in 0..n {
            let id = format!("P{i:06}");
            ps.push(full_patient(&id, i));
            let (a, l, e) = rows_for(&id, i);
            aa.extend(a);
            ll.extend(l);
            ee.extend(e);
        }
        (ps, aa, ll, ee)
    }

    #[test]
    fn input_order_does_not_change_outputs() {
        let (p, a, l, e) = cohort(60);
        let c = cfg();
        let o1 = evaluate(&p, &a, &l, &e, &c);
        let (mut a2, mut l2) = (a.clone(), l.clone());
        a2.reverse();
        l2.reverse();
        // interleave differently too
        a2.rotate_left(7);
        l2.rotate_left(13);
        let mut e2 = e.clone();
        e2.reverse();
        let o2 = evaluate(&p, &a2, &l2, &e2, &c);
        assert_eq!(o1.imwg, o2.imwg);
        assert_eq!(o1.derived_responses, o2.derived_responses);
        assert_eq!(o1.lab_adverse_events, o2.lab_adverse_events);
        assert_eq!(o1.staging, o2.staging);
        assert_eq!(o1.findings, o2.findings);
        assert_eq!(o1.summary, o2.summary);
        // recorded_ae_terms follows the input rows
        let mut t2 = o2.recorded_ae_terms.clone();
        t2.reverse();
        assert_eq!(o1.recorded_ae_terms, t2);
    }

    #[test]
    fn outcome_serialises_and_summary_displays() {
        let (p, a, l, e) = cohort(10);
        let o = evaluate(&p, &a, &l, &e, &cfg());
        assert_eq!(o.imwg.len(), 10);
        assert_eq!(o.staging.len(), 10);
        assert_eq!(o.diagnosis.len(), 10);
        assert_eq!(o.recorded_ae_terms.len(), e.len());
        assert_eq!(o.recorded_ae_terms[0].as_deref(), Some("Fatigue"));
        let j = serde_json::to_value(&o).unwrap();
        let first = &j["imwg"][0];
        for k in [
            "patient_id",
            "recorded",
            "derived",
            "agrees",
            "basis",
            "rule",
            "missing",
        ] {
            assert!(first.get(k).is_some(), "imwg.{k}");
        }
        assert!(j["findings"][0]["rule"].is_string());
        assert_eq!(j["lab_adverse_events"][0]["source"], "labs");
        let text = o.summary.to_string();
        assert!(text.contains("Disease state at entry"));
        assert!(text.contains("Response (IMWG 2016)"));
        assert_eq!(o.summary.patients, 10);
        assert_eq!(
            o.summary.disease_state_agree + o.summary.disease_state_disagree,
            o.imwg.iter().filter(|r| r.agrees.is_some()).count()
        );
        // P000000: prior best SD → primary refractory vs recorded relapsed_and_refractory
        assert_eq!(o.imwg[0].derived.as_deref(), Some("primary_refractory"));
        assert_eq!(o.imwg[0].agrees, Some(false));
        assert!(o
            .findings
            .iter()
            .any(|f| f.rule == disease_state::DISAGREES
                && f.patient_id.as_deref() == Some("P000000")));
    }

    #[test]
    fn rows_of_unknown_patients_are_ignored() {
        let (p, mut a, l, e) = cohort(2);
        a.push(resp::asmt(
            "NOPE",
            2,
            "2020-03-01",
            Some(3.0),
            Some(Response::CR),
        ));
        let o = evaluate(&p, &a, &l, &e, &cfg());
        assert!(o.derived_responses.iter().all(|d| d.patient_id != "NOPE"));
    }

    #[test]
    fn empty_cohort() {
        let o = evaluate(&[], &[], &[], &[], &cfg());
        assert!(o.imwg.is_empty() && o.findings.is_empty());
        assert_eq!(o.summary.patients, 0);
    }

    #[test]
    fn large_cohort_split_over_cores_equals_sequential_halves() {
        // 20,000 patients take the multi-threaded path; each half of 10,000 the sequential one.
        let (p, a, l, e) = cohort(20_000);
        let t = std::time::Instant::now();
        let o = evaluate(&p, &a, &l, &e, &cfg());
        let el = t.elapsed();
        assert_eq!(o.imwg.len(), 20_000);
        // generous for an unoptimised test build; release: see `large_cohort_under_a_second`
        assert!(el.as_secs_f64() < 30.0, "took {el:?}");
        let half = |lo: usize, hi: usize| {
            let ids: std::collections::HashSet<&str> =
                p[lo..hi].iter().map(|x| x.patient_id.as_str()).collect();
            let a2: Vec<Assessment> = a
                .iter()
                .filter(|x| ids.contains(x.patient_id.as_str()))
                .cloned()
                .collect();
            let l2: Vec<LabDraw> = l
                .iter()
                .filter(|x| ids.contains(x.patient_id.as_str()))
                .cloned()
                .collect();
            let e2: Vec<AdverseEvent> = e
                .iter()
                .filter(|x| ids.contains(x.patient_id.as_str()))
                .cloned()
                .collect();
            evaluate(&p[lo..hi], &a2, &l2, &e2, &cfg())
        };
        let (h1, h2) = (half(0, 10_000), half(10_000, 20_000));
        assert_eq!(o.imwg, [h1.imwg, h2.imwg].concat());
        assert_eq!(o.diagnosis, [h1.diagnosis, h2.diagnosis].concat());
        assert_eq!(
            o.derived_responses,
            [h1.derived_responses, h2.derived_responses].concat()
        );
        assert_eq!(
            o.lab_adverse_events,
            [h1.lab_adverse_events, h2.lab_adverse_events].concat()
        );
        assert_eq!(o.staging, [h1.staging, h2.staging].concat());
        assert_eq!(o.findings, [h1.findings, h2.findings].concat());
        assert_eq!(
            o.summary.findings_warning,
            h1.summary.findings_warning + h2.summary.findings_warning
        );
    }

    /// 100,000 patients × ~10 rows: run with `cargo test --release --test it -- --ignored`.
    #[test]
    #[ignore]
    fn large_cohort_under_a_second() {
        let (p, a, l, e) = cohort(100_000);
        let t = std::time::Instant::now();
        let o = evaluate(&p, &a, &l, &e, &cfg());
        let el = t.elapsed();
        assert_eq!(o.imwg.len(), 100_000);
        assert!(el.as_secs_f64() < 1.0, "took {el:?}");
    }

    fn opt<T: std::fmt::Debug + Clone + 'static>(
        s: impl Strategy<Value = T> + 'static,
    ) -> impl Strategy<Value = Option<T>> {
        prop_oneof![Just(None), s.prop_map(Some)]
    }

    fn arb_f() -> impl Strategy<Value = f64> {
        prop_oneof![
            -10.0f64..1000.0,
            Just(0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(2.75),
            Just(75.0)
        ]
    }

    fn arb_date() -> impl Strategy<Value = Date> {
        (0i64..800).prop_map(|k| d("2019-01-01") + Duration::days(k))
    }

    fn arb_resp() -> impl Strategy<Value = Response> {
        (0usize..8).prop_map(|k| Response::ALL[k])
    }

    prop_compose! {
        fn arb_patient()(
            dates in proptest::collection::vec(opt(arb_date()), 4),
            nums in proptest::collection::vec(opt(arb_f()), 14),
            bools in proptest::collection::vec(opt(any::<bool>()), 10),
            best in opt(arb_resp()),
            sex in opt(any::<bool>()),
            iss in opt(0u8..5),
            status in opt(0usize..4),
        ) -> Patient {
            let w = |x: Option<f64>| x.and_then(v);
            let wb = |x: Option<bool>| x.and_then(v);
            let wd = |x: Option<Date>| x.and_then(v);
            let statuses = [DiseaseStatus::Relapsed, DiseaseStatus::Refractory, DiseaseStatus::PrimaryRefractory, DiseaseStatus::RelapsedAndRefractory];
            Patient {
                patient_id: "PX".into(),
                sex: sex.map(|m| if m { Sex::Male } else { Sex::Female }).and_then(v),
                relapse_date: wd(dates[0]),
                last_prior_regimen_end: wd(dates[1]),
                index_date: wd(dates[2]),
                progression_date: wd(dates[3]),
                prior_best_response: best.and_then(v),
                disease_status: status.map(|k| statuses[k]).and_then(v),
                iss_stage: iss.and_then(v),
                bm_plasma_cell_pct: w(nums[0]),
                calcium: w(nums[1]),
                creatinine: w(nums[2]),
                crcl: w(nums[3]),
                hemoglobin: w(nums[4]),
                beta2_microglobulin: w(nums[5]),
                albumin: w(nums[6]),
                ldh: w(nums[7]),
                hb_drop: w(nums[8]),
                creatinine_rise: w(nums[9]),
                m_protein_nadir: w(nums[10]),
                m_protein_at_relapse: w(nums[11]),
                wbc: w(nums[12]),
                platelets: w(nums[13]),
                fish_tested: wb(bools[0]),
                fish_del17p: wb(bools[1]),
                fish_t4_14: wb(bools[2]),
                fish_t14_16: wb(bools[3]),
                fish_1q_gain: wb(bools[4]),
                new_bone_lesion: wb(bools[5]),
                new_plasmacytoma: wb(bools[6]),
                plasmacytoma_growth: wb(bools[7]),
                hyperviscosity: wb(bools[8]),
                pathological_fracture: wb(bools[9]),
                ..Patient::default()
            }
        }
    }

    prop_compose! {
        fn arb_assessment()(
            date in opt(arb_date()),
            cycle in opt(0u32..9),
            resp in opt(arb_resp()),
            nums in proptest::collection::vec(opt(arb_f()), 6),
            ife in opt(any::<bool>()),
            lesion in opt(any::<bool>()),
        ) -> Assessment {
            let w = |x: Option<f64>| x.and_then(v);
            Assessment {
                patient_id: "PX".into(),
                assessment_date: date.and_then(v),
                after_cycle: cycle.and_then(v),
                response: resp.and_then(v),
                serum_m_protein: w(nums[0]),
                urine_m_protein: w(nums[1]),
                involved_flc: w(nums[2]),
                uninvolved_flc: w(nums[3]),
                bm_plasma_cell_pct: w(nums[4]),
                plasmacytoma_spd: w(nums[5]),
                immunofixation_negative: ife.and_then(v),
                new_lesion: lesion.and_then(v),
                ..Assessment::default()
            }
        }
    }

    prop_compose! {
        fn arb_lab()(date in opt(arb_date()), nums in proptest::collection::vec(opt(arb_f()), 6)) -> LabDraw {
            let w = |x: Option<f64>| x.and_then(v);
            LabDraw {
                patient_id: "PX".into(),
                draw_date: date.and_then(v),
                wbc: w(nums[0]),
                neutrophils: w(nums[1]),
                lymphocytes: w(nums[2]),
                platelets: w(nums[3]),
                hemoglobin: w(nums[4]),
                creatinine: w(nums[5]),
                ..LabDraw::default()
            }
        }
    }

    proptest! {
        #![proptest_config(crate::util::proptest_config(300))]
        /// No rule panics on any combination of missing or odd inputs, and every
        /// not-derivable outcome says why.
        #[test]
        fn never_panics_and_explains(
            p in arb_patient(),
            a in proptest::collection::vec(arb_assessment(), 0..6),
            l in proptest::collection::vec(arb_lab(), 0..6),
            grade in opt(0u8..8),
            term in opt(prop_oneof![Just("乏力".to_string()), Just("xyz".to_string())]),
        ) {
            let e = vec![AdverseEvent { patient_id: "PX".into(), term: term.and_then(v), grade: grade.and_then(v), ..AdverseEvent::default() }];
            let o = evaluate(std::slice::from_ref(&p), &a, &l, &e, &cfg());
            prop_assert_eq!(o.imwg.len(), 1);
            let r = &o.imwg[0];
            if r.derived.is_none() {
                prop_assert_eq!(r.rule, disease_state::NOT_DERIVABLE);
                prop_assert!(!r.missing.is_empty());
            }
            let dg = &o.diagnosis[0];
            prop_assert!(!dg.basis.is_empty());
            for dr in &o.derived_responses {
                prop_assert!(!dr.basis.is_empty());
                prop_assert!(!dr.rule.is_empty());
                if dr.derived.is_none() { prop_assert_eq!(dr.agrees, None); }
            }
            for f in &o.findings {
                prop_assert!(!f.rule.is_empty());
                prop_assert!(!f.message.is_empty());
            }
            let _ = serde_json::to_string(&o).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
    }
}

// ------------------------------------------------------------------------------------------
// Refractoriness classes (Gandhi, Leukemia 2019, MAMMOTH)

mod refractoriness {
    use super::*;
    use mmreport::rules::refractoriness::{self as rf, PatientRefractoriness};
    use std::collections::BTreeMap;

    fn list(items: &[&str]) -> Option<Val<Vec<String>>> {
        vat(items.iter().map(|s| s.to_string()).collect(), 3, 7)
    }

    fn with_list(items: &[&str]) -> Patient {
        Patient {
            refractory_to: list(items),
            ..patient("R1")
        }
    }

    fn with_columns(cols: &[(&str, bool)]) -> Patient {
        Patient {
            refractory_drugs: cols
                .iter()
                .map(|(d, b)| (d.to_string(), Val::new(*b, at(3, 9))))
                .collect::<BTreeMap<_, _>>(),
            ..patient("R1")
        }
    }

    fn eval(p: &Patient) -> (PatientRefractoriness, Vec<mmreport::model::Finding>) {
        rf::evaluate_patient(p, &cfg().refractoriness)
    }

    #[test]
    fn class_counts_refractory_classes_single_double_triple() {
        let cases: [(&[&str], &str, &[&str]); 5] = [
            (&["none"], "none", &[]),
            (&["carfilzomib"], "single_class", &["pi"]),
            (&["bortezomib", "ixazomib"], "single_class", &["pi"]),
            (
                &["bortezomib", "thalidomide"],
                "double_class",
                &["pi", "imid"],
            ),
            (
                &["bortezomib", "lenalidomide", "isatuximab"],
                "triple_class",
                &["pi", "imid", "anti_cd38"],
            ),
        ];
        for (items, class, classes) in cases {
            let (r, f) = eval(&with_list(items));
            assert_eq!(r.class.as_deref(), Some(class), "{items:?}");
            assert_eq!(r.refractory_classes, classes.to_vec(), "{items:?}");
            assert!(f.is_empty(), "{items:?}: {f:?}");
        }
    }

    #[test]
    fn penta_needs_two_pis_two_imids_and_an_anti_cd38() {
        let full = [
            "bortezomib",
            "carfilzomib",
            "lenalidomide",
            "pomalidomide",
            "daratumumab",
        ];
        let (r, _) = eval(&with_list(&full));
        assert_eq!(r.penta, Some(true));
        assert_eq!(r.triple_class(), Some(true));
        // one drug short in each class: not penta (the triple class may stay)
        for drop in ["carfilzomib", "pomalidomide", "daratumumab"] {
            let items: Vec<&str> = full.iter().copied().filter(|d| *d != drop).collect();
            let (r, _) = eval(&with_list(&items));
            assert_eq!(r.penta, Some(false), "without {drop}");
            assert!(r.basis.contains("not penta-refractory"), "{}", r.basis);
        }
        // above the counts: three PIs, three IMiDs, two anti-CD38
        let (r, _) = eval(&with_list(&[
            "bortezomib",
            "carfilzomib",
            "ixazomib",
            "lenalidomide",
            "pomalidomide",
            "thalidomide",
            "daratumumab",
            "isatuximab",
        ]));
        assert_eq!(r.penta, Some(true));
    }

    #[test]
    fn per_drug_columns_decide_only_what_they_cover() {
        // nothing given: not derivable, never "none"
        let (r, f) = eval(&patient("R1"));
        assert_eq!((r.class.clone(), r.penta), (None, None));
        assert!(r.basis.starts_with("not derivable"), "{}", r.basis);
        assert!(f.is_empty());
        // one class known refractory, the others unknown: not derivable
        let (r, _) = eval(&with_columns(&[("bortezomib", true)]));
        assert_eq!(r.class, None);
        assert_eq!(r.refractory_classes, vec!["pi"]);
        // one drug of each class: triple whatever the rest; penta still open
        let (r, _) = eval(&with_columns(&[
            ("bortezomib", true),
            ("lenalidomide", true),
            ("daratumumab", true),
        ]));
        assert_eq!(r.class.as_deref(), Some("triple_class"));
        assert_eq!(r.penta, None);
        // every column no: none, not penta
        let all_no: Vec<(&str, bool)> = [
            "bortezomib",
            "carfilzomib",
            "ixazomib",
            "lenalidomide",
            "pomalidomide",
            "thalidomide",
            "daratumumab",
            "isatuximab",
        ]
        .iter()
        .map(|d| (*d, false))
        .collect();
        let (r, _) = eval(&with_columns(&all_no));
        assert_eq!(r.class.as_deref(), Some("none"));
        assert_eq!(r.penta, Some(false));
        // the anti-CD38 class alone known no: penta impossible although others are unknown
        let (r, _) = eval(&with_columns(&[
            ("daratumumab", false),
            ("isatuximab", false),
        ]));
        assert_eq!((r.class.clone(), r.penta), (None, Some(false)));
    }

    #[test]
    fn unknown_drug_is_a_finding_at_its_cell_and_not_counted() {
        let (r, f) = eval(&with_list(&["bortezomib", "阿司匹林"]));
        assert_eq!(r.class.as_deref(), Some("single_class"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, rf::UNKNOWN_DRUG);
        assert_eq!(f[0].at, Some(at(3, 7)));
        assert_eq!(f[0].value.as_deref(), Some("阿司匹林"));
        // a known drug outside the classes is no finding
        let (_, f) = eval(&with_list(&["dexamethasone"]));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn list_and_column_that_disagree_make_the_drug_unknown() {
        let mut p = with_list(&["bortezomib", "lenalidomide", "daratumumab"]);
        p.refractory_drugs
            .insert("bortezomib".into(), Val::new(false, at(3, 9)));
        let (r, f) = eval(&p);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, rf::CONFLICT);
        assert_eq!(f[0].at, Some(at(3, 9)));
        // PI now unknown: double or triple, not derivable
        assert_eq!(r.class, None);
        assert_eq!(r.refractory_classes, vec!["imid", "anti_cd38"]);
    }

    #[test]
    fn exposure_from_list_prior_columns_and_refractoriness() {
        let p = Patient {
            exposed_to: list(&["ixazomib"]),
            prior_lenalidomide: v(true),
            ..patient("R1")
        };
        let (r, _) = eval(&p);
        assert_eq!(r.exposed_classes, vec!["pi", "imid"]);
        assert_eq!(r.triple_class_exposed(), Some(false));
        // without an exposure list the missing class is unknown, not "not exposed"
        let p = Patient {
            prior_lenalidomide: v(true),
            ..patient("R1")
        };
        assert_eq!(eval(&p).0.triple_class_exposed(), None);
        // refractory implies exposed
        let p = Patient {
            exposed_to: list(&["bortezomib"]),
            refractory_to: list(&["lenalidomide", "isatuximab"]),
            ..patient("R1")
        };
        let (r, _) = eval(&p);
        assert_eq!(r.exposed_classes, vec!["pi", "imid", "anti_cd38"]);
        assert_eq!(r.triple_class_exposed(), Some(true));
    }

    #[test]
    fn drug_names_and_classes_are_configuration() {
        let cfg = RulesConfig::from_toml_str("[refractoriness]\npenta_pi = 1\n").unwrap();
        let p = with_list(&["bortezomib", "lenalidomide", "pomalidomide", "daratumumab"]);
        assert_eq!(
            rf::evaluate_patient(&p, &cfg.refractoriness).0.penta,
            Some(true)
        );
        assert_eq!(eval(&p).0.penta, Some(false));
        let dup = "[refractoriness]\nother_drugs = [\"bortezomib\"]\n";
        assert!(RulesConfig::from_toml_str(dup).is_err());
    }

    /// Four patients: Chinese and brand names in list cells (every separator), an unknown
    /// drug, per-drug columns.
    fn refractoriness_workbook() -> Vec<u8> {
        use crate::util::*;
        let header = [
            "patient_id",
            "index_date",
            "last_followup_date",
            "难治药物",
            "既往用药",
            "卡非佐米难治",
        ];
        let rows: [[C<'_>; 6]; 4] = [
            [
                S("A1"),
                D("2020-01-01"),
                D("2021-01-01"),
                S("硼替佐米、来那度胺/Darzalex"),
                S("万珂"),
                E,
            ],
            [
                S("A2"),
                D("2020-01-01"),
                D("2021-01-01"),
                S("Velcade;卡非佐米,Revlimid、泊马度胺;达雷木单抗"),
                E,
                E,
            ],
            [
                S("A3"),
                D("2020-01-01"),
                D("2021-01-01"),
                S("反应停, 神药"),
                E,
                S("否"),
            ],
            [S("A4"), D("2020-01-01"), D("2021-01-01"), E, E, S("是")],
        ];
        let sheet: Vec<Vec<C<'_>>> = std::iter::once(header.iter().map(|h| S(h)).collect())
            .chain(rows.iter().map(|r| r.to_vec()))
            .collect();
        xlsx(&[("patients", sheet)])
    }

    /// `mmreport check` explains each patient's classifications with the basis.
    #[test]
    fn check_explains_each_patient() {
        let bytes = refractoriness_workbook();
        let out = mmreport::pipeline::process(&bytes, "r.xlsx", &crate::util::ctx()).unwrap();
        let text = mmreport::render::text::check_report(&out.results);
        assert!(text.contains("Classification by patient:"), "{text}");
        assert!(
            text.contains(
                "  A2 refractoriness: triple_class - triple_class: refractory to PI (bortezomib, \
                 carfilzomib), IMiD (lenalidomide, pomalidomide), anti-CD38 (daratumumab); \
                 penta-refractory"
            ),
            "{text}"
        );
        assert!(
            text.contains("  A4 refractoriness: not derivable - not derivable: refractory to PI"),
            "{text}"
        );
        assert!(
            text.contains("  A1 high risk (imwg2016): not derivable - not derivable (IMWG 2016)"),
            "{text}"
        );
    }

    /// End to end: results.json classes, the unknown drug's finding at its cell, Table 1
    /// rows and ADSL flags.
    #[test]
    fn workbook_to_results() {
        let bytes = refractoriness_workbook();
        let out = mmreport::pipeline::process(&bytes, "r.xlsx", &crate::util::ctx()).unwrap();
        let res = &out.results;
        let rf: Vec<(Option<&str>, Option<bool>)> = res
            .validation
            .refractoriness
            .iter()
            .map(|r| (r.class.as_deref(), r.penta))
            .collect();
        assert_eq!(
            rf,
            vec![
                (Some("triple_class"), Some(false)),
                (Some("triple_class"), Some(true)),
                (Some("single_class"), Some(false)),
                (None, None),
            ]
        );
        assert_eq!(
            res.validation.refractoriness[3].refractory_classes,
            vec!["pi"]
        );
        let unknown: Vec<_> = res
            .findings
            .iter()
            .filter(|f| f.rule == rf::UNKNOWN_DRUG)
            .collect();
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].patient_id.as_deref(), Some("A3"));
        assert_eq!(unknown[0].cell.as_deref(), Some("D4"));
        let row = |v: &str| {
            res.analyses
                .baseline
                .iter()
                .find(|r| r.variable == v)
                .unwrap()
        };
        let yes = |v: &str| {
            let r = row(v);
            let c = r
                .levels
                .iter()
                .find(|l| l.level == "yes")
                .map_or(0, |l| l.count);
            (c, r.n, r.missing)
        };
        assert_eq!(yes("triple_class_refractory"), (2, 3, 1));
        assert_eq!(yes("penta_refractory"), (1, 3, 1));
        // A1 lists only bortezomib as exposure (its refractory drugs add the rest), A2 is
        // refractory to all three classes; A3 and A4 have no exposure list: not derivable
        assert_eq!(yes("triple_class_exposed"), (2, 2, 2));
        let flags: Vec<(Option<&str>, Option<&str>)> = res
            .datasets
            .adsl
            .iter()
            .map(|a| {
                (
                    a.triple_class_refractory.as_deref(),
                    a.penta_refractory.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            flags,
            vec![
                (Some("Y"), Some("N")),
                (Some("Y"), Some("Y")),
                (Some("N"), Some("N")),
                (None, None)
            ]
        );
    }
}

// ------------------------------------------------------------------------------------------
// High risk: IMWG 2016 FISH list and IMS/IMWG 2025 (Avet-Loiseau, J Clin Oncol 2025)

mod high_risk_definition {
    use super::*;
    use mmreport::model::Del1p32;
    use mmreport::rules::high_risk::{self as hr, PatientHighRisk};

    fn cfg25() -> RulesConfig {
        RulesConfig::from_toml_str("high_risk_definition = \"ims_imwg2025\"\n").unwrap()
    }

    fn eval_with(p: &Patient, c: &RulesConfig) -> PatientHighRisk {
        let (st, _) = staging::evaluate_patient(p, c);
        hr::evaluate_patient(p, &st, c)
    }

    fn eval(p: &Patient) -> PatientHighRisk {
        eval_with(p, &cfg25())
    }

    /// Every input known negative: the base that each case changes one criterion of.
    fn negative() -> Patient {
        Patient {
            fish_tested: v(true),
            fish_del17p: v(false),
            fish_t4_14: v(false),
            fish_t14_16: v(false),
            fish_t14_20: v(false),
            fish_1q_gain: v(false),
            tp53_mutation: v(false),
            del1p32: v(Del1p32::None),
            beta2_microglobulin: v(2.0),
            creatinine: v(80.0),
            ..patient("H1")
        }
    }

    #[test]
    fn all_negative_is_standard_risk_and_nothing_given_is_not_derivable() {
        let r = eval(&negative());
        assert_eq!(r.high_risk, Some(false));
        assert_eq!(r.definition, "ims_imwg2025");
        assert!(r.criteria.is_empty());
        let r = eval(&patient("H0"));
        assert_eq!(r.high_risk, None);
        assert!(r.basis.starts_with("not derivable"), "{}", r.basis);
        for m in [
            "tp53_mutation",
            "beta2_microglobulin",
            "creatinine",
            "del1p32",
        ] {
            assert!(r.missing.iter().any(|x| x == m), "{m}: {:?}", r.missing);
        }
    }

    #[test]
    fn del17p_fraction_above_20_percent() {
        for (frac, want) in [(19.9, false), (20.0, false), (20.1, true)] {
            let p = Patient {
                fish_del17p: v(true),
                del17p_fraction: v(frac),
                ..negative()
            };
            let r = eval(&p);
            assert_eq!(r.high_risk, Some(want), "{frac}");
            assert_eq!(r.criteria.contains(&hr::DEL17P_TP53.to_string()), want);
        }
        // del(17p) positive without its fraction: not derivable (no other criterion decides)
        let p = Patient {
            fish_del17p: v(true),
            ..negative()
        };
        let r = eval(&p);
        assert_eq!(r.high_risk, None);
        assert_eq!(r.missing, vec!["del17p_fraction"]);
        // ... unless another criterion decides
        let p = Patient {
            fish_del17p: v(true),
            beta2_microglobulin: v(6.0),
            ..negative()
        };
        assert_eq!(eval(&p).high_risk, Some(true));
    }

    #[test]
    fn tp53_mutation_is_its_own_input() {
        let p = Patient {
            tp53_mutation: v(true),
            ..negative()
        };
        assert_eq!(eval(&p).criteria, vec![hr::DEL17P_TP53]);
        let p = Patient {
            tp53_mutation: None,
            ..negative()
        };
        assert_eq!(eval(&p).high_risk, None);
        // under IMWG 2016 a TP53 mutation is not a FISH abnormality
        let p = Patient {
            tp53_mutation: v(true),
            ..negative()
        };
        assert_eq!(eval_with(&p, &cfg()).high_risk, Some(false));
    }

    #[test]
    fn translocation_needs_1q_or_del1p32() {
        let t = |f: fn(&mut Patient)| {
            let mut p = negative();
            f(&mut p);
            eval(&p)
        };
        assert_eq!(t(|p| p.fish_t4_14 = v(true)).high_risk, Some(false));
        for tx in [
            (|p: &mut Patient| p.fish_t4_14 = v(true)) as fn(&mut Patient),
            |p| p.fish_t14_16 = v(true),
            |p| p.fish_t14_20 = v(true),
        ] {
            let mut p = negative();
            tx(&mut p);
            p.fish_1q_gain = v(true);
            let r = eval(&p);
            assert_eq!(r.high_risk, Some(true));
            assert!(r.criteria.contains(&hr::TRANSLOCATION.to_string()));
        }
        let r = t(|p| {
            p.fish_t14_16 = v(true);
            p.amp1q = v(true);
            p.fish_1q_gain = None;
        });
        assert_eq!(r.criteria, vec![hr::TRANSLOCATION]);
        let r = t(|p| {
            p.fish_t4_14 = v(true);
            p.del1p32 = v(Del1p32::Monoallelic);
        });
        assert_eq!(r.criteria, vec![hr::TRANSLOCATION]);
        // translocation with 1q status unknown: not derivable
        let r = t(|p| {
            p.fish_t4_14 = v(true);
            p.fish_1q_gain = None;
        });
        assert_eq!(r.high_risk, None);
    }

    #[test]
    fn del1p32_biallelic_or_monoallelic_with_1q() {
        let with = |d: Del1p32, gain: bool| {
            eval(&Patient {
                del1p32: v(d),
                fish_1q_gain: v(gain),
                ..negative()
            })
        };
        assert_eq!(with(Del1p32::Monoallelic, false).high_risk, Some(false));
        assert_eq!(with(Del1p32::Monoallelic, true).criteria, vec![hr::DEL1P32]);
        assert_eq!(with(Del1p32::Biallelic, false).criteria, vec![hr::DEL1P32]);
        assert_eq!(with(Del1p32::None, true).high_risk, Some(false));
    }

    #[test]
    fn b2m_at_least_5_5_with_creatinine_below_1_2_mg_dl() {
        // creatinine 1.2 mg/dL = 106.08 µmol/L
        for (b2m, creat, want) in [
            (5.4, 80.0, Some(false)),
            (5.5, 80.0, Some(true)),
            (5.6, 80.0, Some(true)),
            (6.0, 106.0, Some(true)),
            (6.0, 106.08, Some(false)),
            (6.0, 110.0, Some(false)),
        ] {
            let p = Patient {
                beta2_microglobulin: v(b2m),
                creatinine: v(creat),
                ..negative()
            };
            assert_eq!(eval(&p).high_risk, want, "b2m {b2m}, creatinine {creat}");
        }
        let p = Patient {
            beta2_microglobulin: v(6.0),
            creatinine: None,
            ..negative()
        };
        let r = eval(&p);
        assert_eq!(r.high_risk, None);
        assert_eq!(r.missing, vec!["creatinine"]);
        // b2m below the cut-off decides without creatinine
        let p = Patient {
            beta2_microglobulin: v(3.0),
            creatinine: None,
            ..negative()
        };
        assert_eq!(eval(&p).high_risk, Some(false));
    }

    #[test]
    fn imwg2016_is_the_default_and_follows_the_fish_list() {
        let p = Patient {
            fish_1q_gain: v(true),
            ..negative()
        };
        let r = eval_with(&p, &cfg());
        assert_eq!(r.definition, "imwg2016");
        assert_eq!(
            (r.high_risk, r.criteria.clone()),
            (Some(true), vec![hr::IMWG2016.to_string()])
        );
        let r = eval_with(
            &Patient {
                fish_tested: v(false),
                ..negative()
            },
            &cfg(),
        );
        assert_eq!(r.high_risk, None);
    }

    /// The bundled example under the 2025 definition: one config change; Table 1 names it.
    #[test]
    fn example_under_ims_imwg2025() {
        let mut loaded = mmreport::config::Config::with_override(
            "[rules]\nhigh_risk_definition = \"ims_imwg2025\"\n",
            "t",
        )
        .unwrap();
        loaded.config.dates.data_cutoff = "2022-12-09".to_string().try_into().unwrap();
        let ctx = mmreport::pipeline::Context::new(loaded, "2022-12-09".parse().unwrap());
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bendamustine-32.xlsx");
        let out =
            mmreport::pipeline::process(&std::fs::read(path).unwrap(), "b.xlsx", &ctx).unwrap();
        let res = &out.results;
        assert!(res
            .validation
            .high_risk
            .iter()
            .all(|h| h.definition == "ims_imwg2025"));
        let row = res
            .analyses
            .baseline
            .iter()
            .find(|r| r.variable == "high_risk_ims_imwg2025")
            .unwrap();
        assert_eq!(row.label, "High risk (IMS/IMWG 2025)");
        assert_eq!(row.n + row.missing, 32);
        assert!(!res
            .analyses
            .baseline
            .iter()
            .any(|r| r.variable == "high_risk"));
        assert!(res.analyses.methods.en.contains("IMS/IMWG 2025"));
        // the example has no TP53 mutation / del(1p32) columns: high risk where a criterion is
        // met, otherwise not derivable (never "no" by default)
        let count = |v: Option<bool>| {
            res.validation
                .high_risk
                .iter()
                .filter(|h| h.high_risk == v)
                .count()
        };
        assert_eq!(
            (count(Some(true)), count(Some(false)), count(None)),
            (15, 0, 17)
        );
        assert_eq!((row.n, row.missing), (15, 17));
    }
}

// ------------------------------------------------------------------------------------------
// CTCAE v6.0 (ctcae_version = "ctcae6")

mod ctcae6 {
    use super::*;
    use ctcae::grade;

    fn cfg6() -> RulesConfig {
        RulesConfig::from_toml_str("ctcae_version = \"ctcae6\"\n").unwrap()
    }

    fn g(term: LabTerm, v: f64, sex: Option<Sex>, base: Option<f64>) -> Option<u8> {
        grade(term, v, sex, base, &cfg6()).grade
    }

    #[test]
    fn thrombocytopenia_below_lln_75_50_10() {
        let m = Some(Sex::Male);
        for (v, want) in [
            (100.0, 0),
            (99.9, 1),
            (75.0, 1),
            (74.9, 2),
            (50.0, 2),
            (49.9, 3),
            (10.0, 3),
            (9.9, 4),
        ] {
            assert_eq!(g(LabTerm::Platelets, v, m, None), Some(want), "{v}");
        }
        // v5 grade 4 is < 25: 20 is grade 3 under v6, 4 under v5
        assert_eq!(g(LabTerm::Platelets, 20.0, m, None), Some(3));
        assert_eq!(
            grade(LabTerm::Platelets, 20.0, m, None, &cfg()).grade,
            Some(4)
        );
        let r = grade(LabTerm::Platelets, 20.0, m, None, &cfg6());
        assert_eq!(r.rule, ctcae::THROMBOCYTOPENIA_V6);
        assert_eq!(
            LabTerm::Platelets.ctcae_term_in(cfg6().ctcae_version),
            "Thrombocytopenia"
        );
    }

    #[test]
    fn neutrophils_fixed_cutoffs_1_5_1_0_0_5_0_1() {
        for (v, want) in [
            (1.5, 0),
            (1.49, 1),
            (1.0, 1),
            (0.99, 2),
            (0.5, 2),
            (0.49, 3),
            (0.1, 3),
            (0.09, 4),
        ] {
            // no LLN needed: gradable with the sex unknown
            assert_eq!(g(LabTerm::Neutrophils, v, None, None), Some(want), "{v}");
        }
        // v5: 1.8 is grade 1 (below the LLN 2.0), v6 grade 0
        assert_eq!(
            g(LabTerm::Neutrophils, 1.8, Some(Sex::Female), None),
            Some(0)
        );
        assert_eq!(
            grade(LabTerm::Neutrophils, 1.8, Some(Sex::Female), None, &cfg()).grade,
            Some(1)
        );
    }

    #[test]
    fn anemia_and_wbc_keep_v5_grades() {
        for (term, values) in [
            (LabTerm::Hemoglobin, [131.0, 129.9, 100.0, 99.9, 80.0, 79.9]),
            (LabTerm::Wbc, [4.0, 3.9, 3.0, 2.9, 1.0, 0.9]),
        ] {
            for v in values {
                let m = Some(Sex::Male);
                assert_eq!(
                    g(term, v, m, None),
                    grade(term, v, m, None, &cfg()).grade,
                    "{term:?} {v}"
                );
            }
        }
    }

    #[test]
    fn creatinine_baseline_criteria_only_below_the_lln() {
        let m = Some(Sex::Male); // ULN 111, LLN 53 µmol/L
                                 // baseline 50 (below the LLN): > 1.5 x baseline = grade 2 although below the ULN
        assert_eq!(g(LabTerm::Creatinine, 76.0, m, Some(50.0)), Some(2));
        assert_eq!(g(LabTerm::Creatinine, 75.0, m, Some(50.0)), Some(0));
        assert_eq!(g(LabTerm::Creatinine, 151.0, m, Some(50.0)), Some(3));
        // baseline 60 (normal): ULN criteria only under v6, baseline criteria under v5
        assert_eq!(g(LabTerm::Creatinine, 100.0, m, Some(60.0)), Some(0));
        assert_eq!(
            grade(LabTerm::Creatinine, 100.0, m, Some(60.0), &cfg()).grade,
            Some(2)
        );
        let r = grade(LabTerm::Creatinine, 100.0, m, Some(60.0), &cfg6());
        assert!(
            r.basis.contains("baseline not below the LLN"),
            "{}",
            r.basis
        );
        // ULN criteria unchanged: > 1.5 x 111 = 166.5
        assert_eq!(g(LabTerm::Creatinine, 167.0, m, None), Some(2));
        assert_eq!(g(LabTerm::Creatinine, 166.5, m, None), Some(1));
    }

    #[test]
    fn recorded_platelet_terms_become_thrombocytopenia() {
        let idx = ctcae::TermIndex::new(&cfg6());
        assert_eq!(
            idx.lookup("血小板减少").as_deref(),
            Some("Thrombocytopenia")
        );
        assert_eq!(
            idx.lookup("Platelet count decreased").as_deref(),
            Some("Thrombocytopenia")
        );
        assert_eq!(
            idx.lookup("thrombocytopenia").as_deref(),
            Some("Thrombocytopenia")
        );
        assert_eq!(idx.lookup("贫血").as_deref(), Some("Anemia"));
        let v5 = ctcae::TermIndex::new(&cfg());
        assert_eq!(
            v5.lookup("血小板减少").as_deref(),
            Some("Platelet count decreased")
        );
    }

    /// The bundled example under CTCAE v6: one config change; the AE table and Methods say so.
    #[test]
    fn example_under_ctcae6() {
        let mut loaded =
            mmreport::config::Config::with_override("[rules]\nctcae_version = \"ctcae6\"\n", "t")
                .unwrap();
        loaded.config.dates.data_cutoff = "2022-12-09".to_string().try_into().unwrap();
        let ctx = mmreport::pipeline::Context::new(loaded, "2022-12-09".parse().unwrap());
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bendamustine-32.xlsx");
        let out =
            mmreport::pipeline::process(&std::fs::read(path).unwrap(), "b.xlsx", &ctx).unwrap();
        let res = &out.results;
        assert_eq!(res.validation.summary["ctcae_version"], "ctcae6");
        assert!(res.analyses.methods.en.contains("CTCAE version 6.0"));
        let terms: Vec<&str> = res
            .analyses
            .adverse_events
            .iter()
            .map(|r| r.term.as_str())
            .collect();
        assert!(terms.contains(&"Thrombocytopenia"), "{terms:?}");
        assert!(!terms.contains(&"Platelet count decreased"), "{terms:?}");
        let thr = res
            .analyses
            .adverse_events
            .iter()
            .find(|r| r.term == "Thrombocytopenia")
            .unwrap();
        assert_eq!(thr.category, "hematologic");
    }
}

// ------------------------------------------------------------------------------------------
// MRD (IMWG 2016): negativity rate over the evaluable patients, among >= CR, sustained

mod mrd {
    use crate::util::*;

    /// Assessments: M1 negatives 365 days apart (sustained), M2 364 days apart, M3 a positive
    /// between negatives, M4 positive only, M5 no MRD ("" = empty cell).
    const ROWS: [[&str; 7]; 9] = [
        ["M1", "2020-03-01", "2", "CR", "阴性", "10^-5", "NGF"],
        ["M1", "2021-03-01", "4", "CR", "MRD-", "10^-5", "NGF"],
        ["M2", "2020-03-01", "2", "VGPR", "negative", "10^-6", "NGS"],
        ["M2", "2021-02-28", "4", "CR", "negative", "10^-6", "NGS"],
        ["M3", "2020-03-01", "2", "PR", "negative", "", "二代流式"],
        ["M3", "2020-09-01", "3", "PR", "positive", "", "二代流式"],
        ["M3", "2021-06-01", "4", "PR", "negative", "", "二代流式"],
        ["M4", "2020-03-01", "2", "CR", "阳性", "", ""],
        ["M5", "2020-03-01", "2", "PR", "", "", ""],
    ];

    fn assessments() -> Vec<Vec<C<'static>>> {
        let header = [
            "patient_id",
            "assessment_date",
            "after_cycle",
            "response",
            "MRD",
            "MRD敏感度",
            "MRD方法",
        ];
        let cell = |x: &'static str| if x.is_empty() { E } else { S(x) };
        std::iter::once(header.iter().map(|h| S(h)).collect())
            .chain(ROWS.iter().map(|r| {
                vec![
                    S(r[0]),
                    D(r[1]),
                    N(r[2].parse().unwrap()),
                    S(r[3]),
                    cell(r[4]),
                    cell(r[5]),
                    cell(r[6]),
                ]
            }))
            .collect()
    }

    fn workbook() -> Vec<u8> {
        let p = |id: &'static str| -> Vec<C<'static>> {
            vec![S(id), D("2020-01-01"), N(4.0), D("2022-01-01")]
        };
        let patients: Vec<Vec<C<'_>>> = vec![
            vec![
                S("patient_id"),
                S("index_date"),
                S("cycles_completed"),
                S("last_followup_date"),
            ],
            p("M1"),
            p("M2"),
            p("M3"),
            p("M4"),
            p("M5"),
        ];
        let assessments = assessments();
        xlsx(&[("patients", patients), ("assessments", assessments)])
    }

    #[test]
    fn negativity_rates_with_exact_ci() {
        let out = mmreport::pipeline::process(&workbook(), "m.xlsx", &ctx()).unwrap();
        let m = out.results.analyses.response.mrd.as_ref().unwrap();
        assert_eq!(m.tested, 4);
        assert_eq!((m.negative.k, m.negative.n), (3, 5));
        // binom.test(3, 5)$conf.int
        let ci = m.negative.ci;
        assert!((ci[0].unwrap() - 0.146_632_8).abs() < 1e-6, "{ci:?}");
        assert!((ci[1].unwrap() - 0.947_255_0).abs() < 1e-6, "{ci:?}");
        assert_eq!((m.negative_among_cr.k, m.negative_among_cr.n), (2, 3));
        assert_eq!((m.sustained.k, m.sustained.n), (1, 5));
        assert_eq!(m.negative_by_method.get("NGF"), Some(&2));
        assert_eq!(m.negative_by_method.get("NGS"), Some(&1));
        assert_eq!(m.negative_by_sensitivity.get("1e-5"), Some(&1));
        assert_eq!(m.negative_by_sensitivity.get("1e-6"), Some(&1));
        assert_eq!(m.negative_by_sensitivity.get("unknown"), Some(&1));
    }

    #[test]
    fn no_mrd_column_no_section() {
        let out = mmreport::pipeline::process(&crate::snapshot::small_cohort(), "s.xlsx", &ctx())
            .unwrap();
        assert!(out.results.analyses.response.mrd.is_none());
        let json = serde_json::to_string(&out.results).unwrap();
        assert!(!json.contains("\"mrd\""));
    }
}
