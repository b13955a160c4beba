//! Robustness samples for the `classify` element group (see
//! `tests/robustness.rs` for the format).

pub const SAMPLES: &[(&str, &str, bool)] = &[
    (
        "IPClassifier",
        "Idle -> in :: MarkIPHeader(14) -> x :: IPClassifier(tcp port 80 or ip[40:4] > 7, icmp type echo, src net 10/8 and syn ack, ether host 1:2:3:4:5:6, -); x[0] -> Discard; x[1] -> Discard; x[2] -> Discard; x[3] -> Discard; x[4] -> Discard",
        false,
    ),
    (
        "IPFilter",
        "Idle -> in :: MarkIPHeader(14) -> x :: IPFilter(allow udp dst port 53, 1 transp[8:4] & 0xff00 != 0, deny frag, allow ip ttl < 9 ? tcp : icmp) -> Discard; x[1] -> Discard",
        false,
    ),
    (
        "AddressInfo",
        "AddressInfo(lan 10.0.0.0/8); Idle -> in :: MarkIPHeader(14) -> x :: IPFilter(allow src net lan, deny all) -> Discard",
        false,
    ),
];
