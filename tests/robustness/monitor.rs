//! Robustness samples for the `monitor` element group (see
//! `tests/robustness.rs` for the format).

pub const SAMPLES: &[(&str, &str, bool)] = &[
    (
        "AggregateIPFlows",
        "Idle -> in :: MarkIPHeader(14) -> x :: AggregateIPFlows(ICMP true, FRAGMENT_TIMEOUT 1, REAP 2) -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "AggregateCounter",
        "Idle -> in :: Paint(1, ANNO 20) -> x :: AggregateCounter(BYTES true, IP_BYTES true, AGGREGATE_FREEZE 2); x[0] -> Discard; x[1] -> Discard",
        false,
    ),
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
    (
        "ToIPSummaryDump",
        "Idle -> in :: MarkIPHeader(14) -> x :: ToIPSummaryDump(/dev/null, BAD_PACKETS true, MULTIPACKET true, FIELDS ts src dst sport dport proto len payload_len ip_opt tcp_opt tcp_sack icmp_type_name icmp_code_name icmp_nextmtu payload payload_md5 eth_src count) -> Discard",
        false,
    ),
    (
        "IPRateMonitor",
        "Idle -> in :: MarkIPHeader(14) -> x :: IPRateMonitor(BYTES, 1, 1, 100) -> Discard",
        false,
    ),
];
