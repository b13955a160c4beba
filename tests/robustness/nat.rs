//! Robustness samples for the `nat` element group (see
//! `tests/robustness.rs` for the format).

pub const SAMPLES: &[(&str, &str, bool)] = &[
    (
        "IPRewriter",
        "Idle -> in :: MarkIPHeader(14) -> x :: IPRewriter(pattern 1.0.0.1 1024-1030# - - 0 1, pass 1, MAPPING_CAPACITY 8) -> Discard; x[1] -> Discard; Idle -> [1]x",
        false,
    ),
    (
        "TCPRewriter",
        "Idle -> in :: MarkIPHeader(14) -> x :: TCPRewriter(keep 0 0) -> Discard",
        false,
    ),
    (
        "TCPSeqRewriter",
        "Idle -> in :: MarkIPHeader(14) -> s :: RoundRobinSwitch; s[0] -> [0]x :: TCPSeqRewriter(SEED 1, CAPACITY 8) -> Discard; s[1] -> [1]x; x[1] -> Discard",
        false,
    ),
    (
        "UDPRewriter",
        "Idle -> in :: MarkIPHeader(14) -> x :: UDPRewriter(pattern - - 10.0.0.9 53 0 0) -> Discard",
        false,
    ),
    (
        "IPAddrRewriter",
        "Idle -> in :: MarkIPHeader(14) -> x :: IPAddrRewriter(pattern 3.0.0.0/29# - 0 0) -> Discard",
        false,
    ),
    (
        "IPAddrPairRewriter",
        "Idle -> in :: MarkIPHeader(14) -> x :: IPAddrPairRewriter(pattern 3.0.0.1 - 0 0) -> Discard",
        false,
    ),
    (
        "ICMPPingRewriter",
        "Idle -> in :: MarkIPHeader(14) -> x :: ICMPPingRewriter(pattern 1.0.0.1 - 0-65535# 0 0) -> Discard",
        false,
    ),
    (
        "ICMPRewriter",
        "rw :: UDPRewriter(keep 0 0) -> Discard; Idle -> rw; Idle -> in :: MarkIPHeader(14) -> x :: ICMPRewriter(rw) -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "IPRewriterPatterns",
        "IPRewriterPatterns(p 1.0.0.1 1024-2000 - -); Idle -> in :: MarkIPHeader(14) -> x :: IPRewriter(pattern p 0 0) -> Discard",
        false,
    ),
    (
        "RoundRobinIPMapper",
        "rr :: RoundRobinIPMapper(- - 10.0.0.1 80 0 0, - - 10.0.0.2 80 0 0); Idle -> in :: MarkIPHeader(14) -> x :: IPRewriter(rr) -> Discard",
        false,
    ),
];
