//! Robustness samples for the `monitor` element group (see
//! `tests/robustness.rs` for the format).

pub const SAMPLES: &[(&str, &str, bool)] = &[
    (
        "FlowStats",
        "Idle -> in :: MarkIPHeader(14) -> x :: FlowStats(CAPACITY 4, TIMEOUT 0) -> Discard",
        false,
    ),
    (
        "IPPrint",
        "Idle -> in :: MarkIPHeader(14) -> x :: IPPrint(r, CONTENTS ASCII, PAINT true, AGGREGATE true, ID true, OUTFILE /dev/null) -> Discard",
        false,
    ),
    (
        "TimeFilter",
        "Idle -> in :: Null -> x :: TimeFilter(START_AFTER 0, INTERVAL 1) -> Discard; x[1] -> Discard",
        false,
    ),
];
