//! Robustness samples for the `routing` element group (see `tests/robustness.rs`
//! for the format).

pub const SAMPLES: &[(&str, &str, bool)] = &[];
