//! Integration tests for `stats`.
