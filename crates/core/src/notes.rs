//! The notes and reasons the analyses write into `Results` in English (a Cox model that
//! could not give a hazard ratio, an analysis that could not be estimated), each with a
//! stable code (issue 14). The analyses write the English text of this table; the reports
//! find the code from the text and word it from the label catalogs
//! (`analysis_note.<code>`, en and zh), so the HTML and the Excel report print the same
//! words in either language and results.json keeps the English it always had.

/// `(code, English text)` of every fixed note the analyses write.
pub const NOTES: &[(&str, &str)] = &[
    (MONOTONE_GROUP.0, MONOTONE_GROUP.1),
    (MONOTONE_TERM.0, MONOTONE_TERM.1),
    (MONOTONE_MODEL.0, MONOTONE_MODEL.1),
    (NO_COMPLETE_CASE.0, NO_COMPLETE_CASE.1),
    (NO_ESTIMABLE_COVARIATE.0, NO_ESTIMABLE_COVARIATE.1),
    (FEWER_THAN_TWO_LEVELS.0, FEWER_THAN_TWO_LEVELS.1),
];

/// A group of a two-level comparison without events: the Cox likelihood is monotone and
/// the HR runs off to 0 or infinity (Therneau & Grambsch 2000, §3.5; R's coxph warns).
pub const MONOTONE_GROUP: (&str, &str) = (
    "monotone_group",
    "monotone likelihood (a group without events): HR not estimable",
);
/// A term of a multivariable model whose coefficient ran off (monotone likelihood).
pub const MONOTONE_TERM: (&str, &str) = (
    "monotone_term",
    "coefficient may be infinite (monotone likelihood)",
);
/// A multivariable model whose log-likelihood converged before a coefficient did.
pub const MONOTONE_MODEL: (&str, &str) = (
    "monotone_model",
    "monotone likelihood: loglik converged before a coefficient; it may be infinite",
);
/// A multivariable model without a patient who has every covariate.
pub const NO_COMPLETE_CASE: (&str, &str) = ("no_complete_case", "no patient has every covariate");
/// A multivariable model none of whose covariates varies among its patients.
pub const NO_ESTIMABLE_COVARIATE: (&str, &str) =
    ("no_estimable_covariate", "no estimable covariate");
/// A subgroup with fewer than two levels: there is nothing to compare (no Fisher test).
pub const FEWER_THAN_TWO_LEVELS: (&str, &str) = ("fewer_than_two_levels", "fewer than two levels");

/// The code of a note the analyses wrote, `None` for a text not in [`NOTES`] (an error's
/// own message).
pub fn code_of(text: &str) -> Option<&'static str> {
    NOTES.iter().find(|(_, en)| *en == text).map(|(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;
    use crate::labels::Labels;

    /// Every note has its words in both catalogs, the English words being the text the
    /// analyses write (so an English report is unchanged).
    #[test]
    fn every_note_is_worded_in_both_languages() {
        let en = Labels::load(Language::En, None).unwrap();
        let zh = Labels::load(Language::Zh, None).unwrap();
        for (code, text) in NOTES {
            let key = format!("analysis_note.{code}");
            assert_eq!(en.get(&key), *text, "{key}");
            assert!(zh.has(&key), "{key}");
            assert!(!zh.get(&key).is_ascii(), "{key}: {}", zh.get(&key));
            assert_eq!(code_of(text), Some(*code));
        }
        assert_eq!(code_of("a solver's own error"), None);
    }
}
