//! A NAT under a flood of new flows beyond its MAPPING_CAPACITY, on a
//! manual clock: the flows it already maps keep working in both
//! directions; while every mapping is guaranteed (GUARANTEE, 5 s after a
//! packet) the flood's flows are refused and counted in
//! `mapping_failures`; once the flood's own mappings are past their
//! guarantee they make room for newer flows (Click's admission control),
//! never for the flows still in use; and idle mappings are reclaimed.

use std::sync::Arc;

use engine::{ManualClock, Router};
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
    rw :: IPRewriter(pattern 1.0.0.1 1024-65535# - - 0 1, drop,
                     MAPPING_CAPACITY 100, REAP_INTERVAL 10);
    Idle -> rw; Idle -> [1]rw;
    rw[0] -> out :: Counter -> Discard;
    rw[1] -> back :: Counter -> Discard;";

const SECOND: u64 = 1_000_000_000;
const SERVER: [u8; 4] = [8, 8, 8, 8];

fn batch(packets: impl IntoIterator<Item = Packet>) -> PacketBatch {
    let mut b = PacketBatch::new();
    for p in packets {
        b.push(p);
    }
    b
}

struct Nat {
    router: Router,
    clock: Arc<ManualClock>,
    rw: usize,
}

impl Nat {
    fn new() -> Nat {
        let clock = Arc::new(ManualClock::new(packet::Timestamp(0)));
        let reg = elements::registry();
        let graph = clickconf::load("<flood>", CONFIG, &reg).expect("parses");
        let router = Router::with_clock(graph, &reg, clock.clone()).expect("builds");
        let rw = router.find("rw").expect("rw");
        Nat { router, clock, rw }
    }

    fn read(&self, h: &str) -> u64 {
        self.router
            .read_handler(h)
            .expect("handler")
            .trim()
            .parse()
            .expect("number")
    }

    /// The ten established flows, out (ports 1024.. in sequence) and back;
    /// returns how many passed each way.
    fn established(&self) -> (u64, u64) {
        let before = (self.read("out.count"), self.read("back.count"));
        let out = (0..10).map(|i| udp([10, 0, 0, 1], 2000 + i, SERVER, 53));
        self.router.inject(self.rw, 0, batch(out));
        let back = (0..10).map(|i| udp(SERVER, 53, [1, 0, 0, 1], 1024 + i));
        self.router.inject(self.rw, 1, batch(back));
        (
            self.read("out.count") - before.0,
            self.read("back.count") - before.1,
        )
    }

    /// `n` new flows from hosts of 10.`net`.0.0/16, in batches.
    fn flood(&self, net: u8, n: u32) {
        let mut sent = 0u32;
        while sent < n {
            let b = batch((sent..(sent + 200).min(n)).map(|i| {
                udp(
                    [10, net, (i >> 8) as u8, i as u8],
                    30000 + (i % 1000) as u16,
                    SERVER,
                    53,
                )
            }));
            self.router.inject(self.rw, 0, b);
            sent += 200;
        }
    }
}

#[test]
fn existing_mappings_survive_a_flood_of_new_flows() {
    let nat = Nat::new();
    assert_eq!(nat.established(), (10, 10));
    assert_eq!(nat.read("rw.size"), 10);

    // The flood while every mapping is guaranteed: 90 flows fit, the
    // rest are refused.
    nat.clock.advance(SECOND);
    nat.flood(1, 10_000);
    assert_eq!(nat.read("rw.size"), 100);
    assert_eq!(nat.read("rw.mapping_failures"), 10_000 - 90);
    nat.clock.advance(SECOND);
    assert_eq!(nat.established(), (10, 10), "old flows still work");
    assert_eq!(
        nat.read("rw.mapping_failures"),
        10_000 - 90,
        "and make no failures"
    );

    // Six seconds on, the first flood's mappings are past their guarantee
    // (the established flows were used again a second ago): a second flood
    // replaces them, and the established flows stay.
    nat.clock.advance(5 * SECOND);
    assert_eq!(nat.established(), (10, 10));
    nat.clock.advance(SECOND);
    nat.flood(2, 10_000);
    assert_eq!(nat.read("rw.size"), 100);
    assert_eq!(nat.read("rw.mapping_failures"), 2 * (10_000 - 90));
    let table = nat.router.read_handler("rw.udp_table").expect("table");
    assert!(
        !table.contains("(10.1."),
        "the first flood's mappings made room"
    );
    assert_eq!(table.matches("(10.2.").count(), 90);
    nat.clock.advance(SECOND);
    assert_eq!(nat.established(), (10, 10), "old flows still work");
}

#[test]
fn idle_mappings_are_reclaimed() {
    let nat = Nat::new();
    assert_eq!(nat.established(), (10, 10));
    nat.flood(1, 50);
    assert_eq!(nat.read("rw.size"), 60);
    // UDP mappings time out after 5 minutes; the reaper runs every 10 s.
    nat.clock.advance(301 * SECOND);
    assert_eq!(nat.established(), (10, 0), "the old mappings are gone");
    nat.clock.advance(11 * SECOND);
    nat.router.inject(nat.rw, 1, PacketBatch::new());
    assert_eq!(nat.read("rw.size"), 10, "only the new mappings remain");
}
