//! A NAT under a flood of new flows beyond its MAPPING_CAPACITY: the
//! flows it already maps keep working in both directions, and every flow
//! it cannot map is dropped and counted in `mapping_failures`.

use engine::Router;
use packet::{Packet, PacketBatch};

/// An IPv4/UDP packet (no link header) with valid checksums.
fn udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16) -> Packet {
    let mut p = vec![0u8; 28];
    p[0] = 0x45;
    p[3] = 28;
    p[8] = 64;
    p[9] = 17;
    p[12..16].copy_from_slice(&src);
    p[16..20].copy_from_slice(&dst);
    let c = packet::checksum::checksum(&p[..20]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p[20..22].copy_from_slice(&sport.to_be_bytes());
    p[22..24].copy_from_slice(&dport.to_be_bytes());
    p[24..26].copy_from_slice(&8u16.to_be_bytes());
    let mut packet = Packet::from_slice(&p).expect("packet");
    packet.set_network_header(0, 20);
    packet
}

const CONFIG: &str = "\
    rw :: IPRewriter(pattern 1.0.0.1 1024-65535# - - 0 1, drop, MAPPING_CAPACITY 100);
    Idle -> rw; Idle -> [1]rw;
    rw[0] -> out :: Counter -> Discard;
    rw[1] -> back :: Counter -> Discard;";

fn batch(packets: impl IntoIterator<Item = Packet>) -> PacketBatch {
    let mut b = PacketBatch::new();
    for p in packets {
        b.push(p);
    }
    b
}

#[test]
fn existing_mappings_survive_a_flood_of_new_flows() {
    let reg = elements::registry();
    let router = Router::from_text("<flood>", CONFIG, &reg).expect("builds");
    let rw = router.find("rw").expect("rw");
    let mut stepper = router.stepper();
    let server = [8, 8, 8, 8];
    // Ten established flows: ports 1024..1033 in sequence.
    stepper.inject(
        rw,
        0,
        batch((0..10).map(|i| udp([10, 0, 0, 1], 2000 + i, server, 53))),
    );
    assert_eq!(router.read_handler("rw.table_size").unwrap(), "10");
    // The flood: 10,000 new flows from other hosts and ports, in batches.
    let mut sent = 0u32;
    while sent < 10_000 {
        let b = batch((sent..sent + 200).map(|i| {
            udp(
                [10, 1, (i >> 8) as u8, i as u8],
                30000 + (i % 1000) as u16,
                server,
                53,
            )
        }));
        stepper.inject(rw, 0, b);
        sent += 200;
    }
    assert_eq!(router.read_handler("rw.table_size").unwrap(), "100");
    let failures: u64 = router
        .read_handler("rw.mapping_failures")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        failures,
        10_000 - 90,
        "every flow beyond the capacity fails"
    );
    // The first ten flows still work both ways.
    let before_out: u64 = router.read_handler("out.count").unwrap().parse().unwrap();
    stepper.inject(
        rw,
        0,
        batch((0..10).map(|i| udp([10, 0, 0, 1], 2000 + i, server, 53))),
    );
    stepper.inject(
        rw,
        1,
        batch((0..10).map(|i| udp(server, 53, [1, 0, 0, 1], 1024 + i))),
    );
    let after_out: u64 = router.read_handler("out.count").unwrap().parse().unwrap();
    assert_eq!(after_out - before_out, 10, "old flows still go out");
    assert_eq!(
        router.read_handler("back.count").unwrap(),
        "10",
        "replies come back"
    );
    assert_eq!(
        router.read_handler("rw.mapping_failures").unwrap(),
        failures.to_string(),
        "no new failures for old flows"
    );
}
