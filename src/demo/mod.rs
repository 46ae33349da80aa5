//! Deterministic example workbooks: the seed paper cohort and synthetic cohorts.
