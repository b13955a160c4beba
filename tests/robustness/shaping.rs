//! Robustness samples for the `shaping` element group (see
//! `tests/robustness.rs` for the format).

pub const SAMPLES: &[(&str, &str, bool)] = &[
    (
        "SetIPDSCP",
        "Idle -> in :: MarkIPHeader(14) -> x :: SetIPDSCP(46) -> Discard",
        false,
    ),
    (
        "SetIPECN",
        "Idle -> in :: MarkIPHeader(14) -> x :: SetIPECN(ect2) -> Discard",
        false,
    ),
    (
        "MarkIPCE",
        "Idle -> in :: MarkIPHeader(14) -> x :: MarkIPCE -> Discard",
        false,
    ),
    (
        "Shaper",
        "Idle -> in :: Queue(1000) -> x :: Shaper(100000) -> Unqueue -> Discard",
        false,
    ),
    (
        "BandwidthShaper",
        "Idle -> in :: Queue(1000) -> x :: BandwidthShaper(100MBps) -> Unqueue -> Discard",
        false,
    ),
    (
        "FrontDropQueue",
        "Idle -> in :: Null -> x :: FrontDropQueue(5) -> Discard",
        false,
    ),
    (
        "BandwidthRatedUnqueue",
        "Idle -> in :: Queue(1000) -> x :: BandwidthRatedUnqueue(100MBps) -> Discard",
        false,
    ),
    (
        "DelayShaper",
        "Idle -> in :: Queue(1000) -> x :: DelayShaper(0) -> Unqueue -> Discard",
        false,
    ),
    (
        "RED",
        "Idle -> in :: Null -> x :: RED(2, 5, 0.5, QUEUES q) -> q :: Queue(1000) -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "LinkUnqueue",
        "Idle -> in :: Queue(1000) -> x :: LinkUnqueue(0, 1GBps) -> Discard",
        false,
    ),
];
