//! Robustness samples for the `balance` element group (see `tests/robustness.rs`
//! for the format).

pub const SAMPLES: &[(&str, &str, bool)] = &[];
