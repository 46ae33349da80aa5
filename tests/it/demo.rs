//! Integration tests for `demo`.
