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
        "Idle -> in :: Queue(1000) -> x :: Shaper(100000) -> ps :: PrioSched -> Unqueue -> Discard; x[1] -> [1] ps",
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
        "Idle -> in :: Queue(1000) -> x :: BandwidthRatedUnqueue(100MBps, BURST_BYTES 3000) -> Discard",
        false,
    ),
    (
        "DelayShaper",
        "Idle -> in :: Queue(1000) -> x :: DelayShaper(1ms) -> Unqueue -> Discard",
        false,
    ),
    (
        "RED",
        "Idle -> in :: Null -> x :: RED(2, 5, 0.5) -> q :: Queue(1000) -> Discard; x[1] -> MarkIPCE(true) -> Discard",
        false,
    ),
    (
        "LinkUnqueue",
        "Idle -> in :: Queue(1000) -> x :: LinkUnqueue(1ms, 100MBps) -> Discard",
        false,
    ),
    (
        "RED",
        "Idle -> in :: Queue(1000) -> x :: RED(2, 5, 0.5, STABILITY 0) -> Unqueue -> Discard; x[1] -> Discard",
        false,
    ),
];
