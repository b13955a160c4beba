//! Inputs the fuzzer once found slow or memory-hungry (exponential `$`
//! expansion through a self-referencing `define`); they must now finish
//! quickly with ordinary diagnostics.

use std::time::{Duration, Instant};

const CLASSES: [&str; 8] = [
    "Idle",
    "Counter",
    "Discard",
    "Queue",
    "Print",
    "Tee",
    "Classifier",
    "Paint",
];

fn check(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let start = Instant::now();
    let result = clickconf::load("regression.click", &text, &CLASSES);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    if let Err((sources, diags)) = result {
        for d in diags {
            let _ = d.render(&sources);
        }
    }
}

#[test]
fn oom_expansion_1() {
    check(include_bytes!("fuzz_regressions/oom-expansion-1"));
}

#[test]
fn slow_expansion_1() {
    check(include_bytes!("fuzz_regressions/slow-expansion-1"));
}
