//! Helpers for Switchyard's cross-crate scenarios: the golden-test runner.
//!
//! Key decision: a golden case is a directory of plain files (a
//! configuration, expected output captures, expected handler values), so a
//! case can be run by Click's own driver as well and cross-checked, and a
//! new case needs no Rust code.

pub mod golden;
