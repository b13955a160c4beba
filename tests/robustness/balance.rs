//! Robustness samples for the `balance` element group (see
//! `tests/robustness.rs` for the format).

pub const SAMPLES: &[(&str, &str, bool)] = &[
    (
        "HashSwitch",
        "Idle -> in :: Null -> x :: HashSwitch(26, 12) -> Discard; x[1] -> Discard; x[2] -> Discard",
        false,
    ),
    (
        "RoundRobinSwitch",
        "Idle -> in :: Null -> x :: RoundRobinSwitch -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "RandomSwitch",
        "Idle -> in :: Null -> x :: RandomSwitch -> Discard; x[1] -> Discard; x[2] -> Discard",
        false,
    ),
    (
        "RatedSplitter",
        "Idle -> in :: Null -> x :: RatedSplitter(10, BURST_SIZE 3) -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "BandwidthRatedSplitter",
        "Idle -> in :: Null -> x :: BandwidthRatedSplitter(10kBps) -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "StrideSwitch",
        "Idle -> in :: Null -> x :: StrideSwitch(3, 0, 1) -> Discard; x[1] -> Discard; x[2] -> Discard",
        false,
    ),
    (
        "RatedSplitter",
        "Idle -> in :: Null -> x :: RatedSplitter(10) -> Discard",
        false,
    ),
];
