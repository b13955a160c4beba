//! Runs every golden case under `testdata/golden` (see `src/golden.rs` for
//! the format) and reports all mismatches at once.

#[test]
fn golden_cases() {
    let cases = switchyard::golden::cases();
    assert!(!cases.is_empty(), "no golden cases found");
    let mut failures = Vec::new();
    for case in &cases {
        match switchyard::golden::run_case(case) {
            Ok(problems) if problems.is_empty() => {}
            Ok(problems) => {
                failures.push(format!("{}:\n  {}", case.display(), problems.join("\n  ")))
            }
            Err(e) => failures.push(format!("{}: {e}", case.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
