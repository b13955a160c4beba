use super::*;

/// An IPv4 header (no options) with the given protocol, addresses and
/// fragment field, followed by `transport`.
fn ip(proto: u8, src: [u8; 4], dst: [u8; 4], frag: u16, transport: &[u8]) -> Vec<u8> {
    let total = 20 + transport.len();
    let mut v = vec![
        0x45,
        0x00,
        (total >> 8) as u8,
        total as u8,
        0x12,
        0x34,
        (frag >> 8) as u8,
        frag as u8,
        64,
        proto,
        0,
        0,
    ];
    v.extend_from_slice(&src);
    v.extend_from_slice(&dst);
    v.extend_from_slice(transport);
    v
}

fn tcp(sport: u16, dport: u16, flags: u8) -> Vec<u8> {
    let mut t = vec![0u8; 20];
    t[0..2].copy_from_slice(&sport.to_be_bytes());
    t[2..4].copy_from_slice(&dport.to_be_bytes());
    t[12] = 0x50;
    t[13] = flags;
    t[14..16].copy_from_slice(&1000u16.to_be_bytes());
    t
}

fn m(pattern: &str, packet: &[u8]) -> bool {
    let e = parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    let h = Headers::new(Some(packet), None);
    let tree = e.matches(&h);
    // The compiled program must agree with the expression tree.
    let compiled = RuleSet::new(vec![(e, Some(0))]).classify(&h) == Some(0);
    assert_eq!(tree, compiled, "{pattern}: tree and program disagree");
    tree
}

#[test]
fn addresses_and_directions() {
    let p = ip(6, [10, 0, 0, 1], [192, 168, 1, 9], 0, &tcp(1234, 80, 0x10));
    assert!(m("host 10.0.0.1", &p));
    assert!(m("src host 10.0.0.1", &p));
    assert!(!m("dst host 10.0.0.1", &p));
    assert!(m("dst net 192.168.0.0/16", &p));
    assert!(m("192.168.1.0/24", &p));
    assert!(m("net 192.168.0.0 mask 255.255.0.0", &p));
    assert!(!m("src and dst net 10/8", &p));
    assert!(m("src or dst net 10/8", &p));
    assert!(m("src 10.0.0.1", &p));
    assert!(m("src host 10.0.0.2 or 10.0.0.1", &p));
    assert!(m("src host != 10.0.0.2", &p));
}

#[test]
fn ports_protocols_and_flags() {
    let p = ip(6, [10, 0, 0, 1], [10, 0, 0, 2], 0, &tcp(1234, 80, 0x12));
    assert!(m("tcp", &p));
    assert!(!m("udp", &p));
    assert!(m("ip proto tcp", &p));
    assert!(m("ip proto 6", &p));
    assert!(m("port www", &p));
    assert!(m("www", &p));
    assert!(m("dst tcp port 80", &p));
    assert!(m("tcp dst port 80", &p));
    assert!(!m("udp port 80", &p));
    assert!(m("dst port > 79 and dst port < 81", &p));
    assert!(m("src port 1 or 1234", &p));
    assert!(m("syn ack", &p));
    assert!(m("tcp opt syn", &p));
    assert!(!m("tcp opt fin", &p));
    assert!(m("tcp win 1000", &p));
    assert!(m("src tcp port != 5", &p));
    let u = ip(
        17,
        [1, 1, 1, 1],
        [2, 2, 2, 2],
        0,
        &[0, 53, 0, 53, 0, 8, 0, 0],
    );
    assert!(!m("src tcp port != 5", &u), "implies TCP");
    assert!(m("not src tcp port 5", &u));
    assert!(m("udp port domain", &u));
}

#[test]
fn fragments_and_fields() {
    let later = ip(6, [1, 1, 1, 1], [2, 2, 2, 2], 0x0010, &tcp(1, 80, 0));
    assert!(m("tcp", &later));
    assert!(!m("tcp port 80", &later), "ports only on first fragments");
    assert!(m("ip frag", &later));
    assert!(m("frag", &later));
    assert!(!m("unfrag", &later));
    let first = ip(6, [1, 1, 1, 1], [2, 2, 2, 2], 0x2000, &tcp(1, 80, 0));
    assert!(m("tcp port 80 and frag", &first));
    assert!(m(
        "ip ttl 64 && ip vers 4 && ip hl 5 && ip id 0x1234",
        &first
    ));
    assert!(m("ip ttl > 2", &first));
    assert!(m("ip[8] = 64", &first));
    assert!(m("ip[8] & 0xf0 == 0x40", &first));
    assert!(m("ip[9:1] == 6", &first));
    assert!(m("transp[2:2] = 80", &first));
    assert!(m("tcp[2:2] = 80", &first));
    assert!(m("true ? tcp : udp", &first));
    assert!(m("udp ? false : tcp", &first));
    assert!(m("-", &first));
    assert!(!m("false", &first));
}

#[test]
fn short_packets_fail_tests_on_missing_fields() {
    let p = ip(6, [1, 1, 1, 1], [2, 2, 2, 2], 0, &[0, 80]);
    assert!(m("tcp", &p));
    assert!(!m("dst port 80", &p));
    assert!(m("not dst port 80", &p));
    assert!(!m("tcp", &p[..5]));
}

#[test]
fn icmp_types_by_name() {
    let p = ip(1, [1, 1, 1, 1], [2, 2, 2, 2], 0, &[8, 0, 0, 0, 0, 1, 0, 1]);
    assert!(m("icmp type echo", &p));
    assert!(!m("icmp type echo-reply", &p));
    assert!(m("icmp type 8", &p));
    assert!(m("icmp[0] == 8", &p));
}

#[test]
fn errors_name_the_problem() {
    for (pattern, wanted) in [
        ("", "empty"),
        ("host", "missing value"),
        ("port nosuch", "bad port"),
        ("tcp port 70000", "bad port"),
        ("ip ttl 300", "out of range"),
        ("(tcp", "missing ')'"),
        ("tcp )", "unexpected ')'"),
        ("ip[1:3] = 0", "length"),
        ("frobnicate", "unknown word"),
        ("tcp ? udp", "without ':'"),
        ("ip frag 1", "unknown word '1'"),
    ] {
        let e = parse(pattern).expect_err(pattern);
        assert!(e.0.contains(wanted), "{pattern}: {e}");
    }
    let deep = "(".repeat(500) + "tcp" + &")".repeat(500);
    assert!(parse(&deep).is_err());
}

#[test]
fn index_picks_the_common_field_and_keeps_rule_order() {
    let mut rules = Vec::new();
    for port in 1000..1100u32 {
        rules.push((parse(&format!("dst tcp port {port}")).unwrap(), Some(1)));
    }
    rules.insert(50, (parse("src host 9.9.9.9").unwrap(), Some(2)));
    rules.push((parse("-").unwrap(), None));
    let set = RuleSet::new(rules);
    assert!(
        set.describe().contains("indexed on Transport[2:2]"),
        "{}",
        set.describe()
    );
    let h = |p: &Vec<u8>| set.classify(&Headers::new(Some(p), None));
    assert_eq!(
        h(&ip(6, [1, 1, 1, 1], [2, 2, 2, 2], 0, &tcp(5, 1099, 0))),
        Some(1)
    );
    assert_eq!(
        h(&ip(6, [9, 9, 9, 9], [2, 2, 2, 2], 0, &tcp(5, 1099, 0))),
        Some(2)
    );
    assert_eq!(
        h(&ip(6, [9, 9, 9, 9], [2, 2, 2, 2], 0, &tcp(5, 1010, 0))),
        Some(1)
    );
    assert_eq!(
        h(&ip(6, [1, 1, 1, 1], [2, 2, 2, 2], 0, &tcp(5, 80, 0))),
        None
    );
}

mod compiled_agrees_with_the_rules {
    //! The compiled program (chained rules, threading, dispatch, index)
    //! must pick the same rule as trying each rule's expression in order.
    use super::*;
    use proptest::prelude::*;

    const ATOMS: &[&str] = &[
        "tcp",
        "udp",
        "icmp",
        "ip proto 47",
        "src host 10.0.0.1",
        "dst net 10.0.0.0/8",
        "host 192.168.1.1",
        "dst port 53",
        "src port 22",
        "port 80",
        "tcp dst port 80",
        "udp src port 53",
        "dst port > 1000",
        "src port < 1024",
        "ip ttl < 5",
        "ip ttl >= 64",
        "ip tos != 0",
        "ip frag",
        "ip unfrag",
        "tcp opt syn",
        "tcp opt ack",
        "icmp type echo",
        "ip[8] > 63",
        "transp[0:2] = 22",
        "ip[9] != 6",
        "ip hl > 5",
        "ip len < 40",
        // Fields below the top of the word read, and shifted.
        "ip vers = 4",
        "ip vers > 3",
        "ip dscp = 46",
        "ip dscp >= 10",
        "ip dscp < 3",
        // Edges: comparisons that never or always hold.
        "ip ttl < 0",
        "ip ttl >= 0",
        "ip[12:4] > 4294967295",
        "ip[12:4] != 4294967295",
        "ip[12:4] = 4294967295",
        "true",
        "false",
    ];

    fn expr() -> impl Strategy<Value = String> {
        let atom = prop::sample::select(ATOMS).prop_map(str::to_string);
        atom.prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
                inner.clone().prop_map(|a| format!("not ({a})")),
                (inner.clone(), inner.clone(), inner)
                    .prop_map(|(a, b, c)| format!("({a}) ? ({b}) : ({c})")),
            ]
        })
    }

    fn packet() -> impl Strategy<Value = Vec<u8>> {
        (
            prop::sample::select(&[1u8, 6, 17, 47, 200][..]),
            prop::sample::select(&[[10u8, 0, 0, 1], [192, 168, 1, 1], [8, 8, 8, 8]][..]),
            prop::sample::select(&[[10u8, 0, 0, 2], [192, 168, 1, 1], [1, 1, 1, 1]][..]),
            prop::sample::select(&[0u16, 0x2000, 0x0010, 0x4000][..]),
            prop::sample::select(&[22u16, 53, 80, 1000, 1001, 65535][..]),
            prop::sample::select(&[22u16, 53, 80, 1023, 5000][..]),
            any::<u8>(),
            (0usize..48, any::<u8>(), any::<u8>()),
        )
            .prop_map(|(proto, src, dst, frag, sp, dp, flags, (cut, ttl, tos))| {
                let mut t = tcp(sp, dp, flags);
                if proto == 1 {
                    t[0] = if flags & 1 == 0 { 8 } else { 0 };
                }
                let mut p = ip(proto, src, dst, frag, &t);
                p[8] = ttl;
                p[1] = tos;
                // Some packets are cut short, even inside the IP header.
                if cut < 40 {
                    p.truncate(cut);
                }
                p
            })
    }

    fn check(rules: &[(String, Option<usize>)], packets: &[Vec<u8>]) {
        let parsed: Vec<(Expr, Option<usize>)> = rules
            .iter()
            .map(|(r, t)| (parse(r).unwrap_or_else(|e| panic!("{r}: {e}")), *t))
            .collect();
        let set = RuleSet::new(parsed.clone());
        for p in packets {
            let h = Headers::new(Some(p), None);
            let want = parsed
                .iter()
                .find(|(e, _)| e.matches(&h))
                .and_then(|(_, t)| *t);
            assert_eq!(set.classify(&h), want, "{rules:?} on {p:02x?}");
        }
    }

    proptest! {
        #[test]
        fn random_rule_lists(
            rules in prop::collection::vec((expr(), prop::option::of(0usize..4)), 1..10),
            packets in prop::collection::vec(packet(), 1..40),
        ) {
            check(&rules, &packets);
        }

        #[test]
        fn indexed_rule_lists(
            ports in prop::collection::vec(prop::sample::select(&[22u16, 53, 80, 1000, 5000][..]), 4..12),
            others in prop::collection::vec((0usize..12, expr()), 0..4),
            packets in prop::collection::vec(packet(), 1..40),
        ) {
            let mut rules: Vec<(String, Option<usize>)> = ports
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("dst port {p} and ip ttl > {}", i * 20), Some(i % 3)))
                .collect();
            for (at, e) in others {
                rules.insert(at.min(rules.len()), (e, Some(3)));
            }
            check(&rules, &packets);
        }
    }
}
