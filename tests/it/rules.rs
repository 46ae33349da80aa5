//! Integration tests for `rules`.
