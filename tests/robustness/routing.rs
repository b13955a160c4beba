//! Robustness samples for the `routing` element group (see
//! `tests/robustness.rs` for the format).

pub const SAMPLES: &[(&str, &str, bool)] = &[
    (
        "RadixIPLookup",
        "Idle -> in :: SetIPAddress(10.1.2.3) -> x :: RadixIPLookup(10.0.0.0/8 0, 0.0.0.0/0 1.2.3.4 1, 192.168.0.0/16 1, 10.1.2.128/25 2) -> Discard; x[1] -> Discard; x[2] -> Discard",
        false,
    ),
    (
        "LinearIPLookup",
        "Idle -> in :: SetIPAddress(10.1.2.3) -> x :: LinearIPLookup(10.0.0.0/8 0, 0/0 1) -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "DirectIPLookup",
        "Idle -> in :: SetIPAddress(10.1.2.3) -> x :: DirectIPLookup(10.0.0.0/8 0, 10.1.2.3/32 1.1.1.1 0)  -> Discard",
        false,
    ),
    (
        "StaticIPLookup",
        "Idle -> in :: SetIPAddress(10.1.2.3) -> x :: StaticIPLookup(0/0 0) -> Discard",
        false,
    ),
    (
        "LookupIPRoute",
        "Idle -> in :: SetIPAddress(10.1.2.3) -> x :: LookupIPRoute(0/0 0) -> Discard",
        false,
    ),
    (
        "GetIPAddress",
        "Idle -> in :: Null -> x :: GetIPAddress(30) -> Discard",
        false,
    ),
    (
        "SetIPAddress",
        "Idle -> in :: Null -> x :: SetIPAddress(10.0.0.1) -> Discard",
        false,
    ),
    (
        "DropBroadcasts",
        "Idle -> in :: Null -> x :: DropBroadcasts -> Discard",
        false,
    ),
    (
        "CheckPaint",
        "Idle -> in :: Paint(1) -> x :: CheckPaint(1) -> Discard; x[1] -> Discard",
        true,
    ),
    (
        "FixIPSrc",
        "Idle -> in :: MarkIPHeader(14) -> x :: FixIPSrc(10.0.0.1) -> Discard",
        false,
    ),
    (
        "IPGWOptions",
        "Idle -> in :: MarkIPHeader(14) -> x :: IPGWOptions(10.0.0.1) -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "ICMPError",
        "Idle -> in :: MarkIPHeader(14) -> x :: ICMPError(10.0.0.1, parameterproblem) -> Discard",
        false,
    ),
    (
        "ICMPPingResponder",
        "Idle -> in :: MarkIPHeader(14) -> x :: ICMPPingResponder -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "ARPResponder",
        "Idle -> in :: Null -> x :: ARPResponder(10.0.0.0/8 2:0:0:0:0:1) -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "ARPQuerier",
        "Idle -> in :: Strip(14) -> MarkIPHeader -> x :: ARPQuerier(10.0.0.1, 2:0:0:0:0:1) -> Discard; Idle -> [1]x",
        true,
    ),
    (
        "ARPQuerier-replies",
        "Idle -> in :: Null -> [1]x :: ARPQuerier(10.0.0.1, 2:0:0:0:0:1) -> Discard; Idle -> x",
        false,
    ),
    (
        "IPMirror",
        "Idle -> in :: MarkIPHeader(14) -> x :: IPMirror -> Discard",
        false,
    ),
    (
        "IPFragmenter",
        "Idle -> in :: Strip(14) -> MarkIPHeader -> x :: IPFragmenter(576) -> Discard; x[1] -> Discard",
        true,
    ),
    (
        "IPReassembler",
        "Idle -> in :: Strip(14) -> MarkIPHeader -> x :: IPReassembler(HIMEM 3000) -> Discard; x[1] -> Discard",
        true,
    ),
    (
        "SetTimestamp",
        "Idle -> in :: Null -> x :: SetTimestamp(1700000000.5) -> Discard",
        false,
    ),
    (
        "SetPacketType",
        "Idle -> in :: Null -> x :: SetPacketType(BROADCAST) -> Discard",
        false,
    ),
];
