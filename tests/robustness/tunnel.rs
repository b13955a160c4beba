//! Robustness samples for the `tunnel` element group (see
//! `tests/robustness.rs` for the format).

pub const SAMPLES: &[(&str, &str, bool)] = &[
    (
        "IPEncap",
        "Idle -> in :: Null -> x :: IPEncap(ipip, 10.0.0.1, DST_ANNO, DSCP 10, ECT true) -> Discard",
        false,
    ),
    (
        "StripIPHeader",
        "Idle -> in :: MarkIPHeader(14) -> x :: StripIPHeader -> Discard",
        false,
    ),
    (
        "UDPIPEncap",
        "Idle -> in :: Null -> x :: UDPIPEncap(10.0.0.1, 4789, 10.0.0.2, 4789) -> Discard",
        false,
    ),
    (
        "VLANEncap",
        "Idle -> in :: Null -> x :: VLANEncap(VLAN_ID 7, VLAN_PCP 3) -> Discard",
        false,
    ),
    (
        "VLANDecap",
        "Idle -> in :: Null -> x :: VLANDecap -> Discard",
        false,
    ),
    (
        "EtherVLANEncap",
        "Idle -> in :: Null -> x :: EtherVLANEncap(0x0800, 2:0:0:0:0:1, 2:0:0:0:0:2, ANNO) -> Discard",
        false,
    ),
    (
        "GREEncap",
        "Idle -> in :: Null -> x :: GREEncap(0x0800, KEY 1, SEQUENCE true, CHECKSUM true) -> Discard",
        false,
    ),
    (
        "GREDecap",
        "Idle -> in :: Null -> x :: GREDecap -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "GREDecap-sequence",
        "Idle -> in :: Null -> x :: GREDecap(KEY 9, SEQUENCE true, CHECKSUM false) -> Discard",
        false,
    ),
    (
        "SetRandIPAddress",
        "Idle -> in :: Null -> x :: SetRandIPAddress(10.0.0.0/8, LIMIT 16) -> Discard",
        false,
    ),
    (
        "StoreIPAddress",
        "Idle -> in :: MarkIPHeader(14) -> x :: StoreIPAddress(192.0.2.1, dst) -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "StoreIPAddress-offset",
        "Idle -> in :: Null -> x :: StoreIPAddress(40) -> Discard",
        false,
    ),
];
