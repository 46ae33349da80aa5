//! Integration tests: one binary, a module per feature.
mod demo;
mod rules;
mod stats;
