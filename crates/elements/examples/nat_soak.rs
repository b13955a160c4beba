//! Flow churn through an IPRewriter for a long time, printing the
//! process's resident memory as it goes: memory must level off once the
//! table is full and expired mappings are being reclaimed.
//!
//! `cargo run --release -p elements --example nat_soak [SECONDS]` (default
//! 600). Each 10 ms it sends 500 packets of new UDP flows (50,000 new flows
//! a second from a space of 16 million, to 65,536 servers), packets of 1,000 long-lived flows
//! and their replies; mappings time out after 5 s without packets, are
//! guaranteed for 1 s, are reaped every 2 s, and the table holds at most
//! 100,000. Every 30 s it prints the elapsed time, RSS, mappings in the
//! table, mapping failures, and whether the long-lived flows still pass
//! both ways.

use std::time::{Duration, Instant};

use engine::Router;
use packet::{Packet, PacketBatch};

const CONFIG: &str = "\
    rw :: IPRewriter(pattern 1.0.0.1 1024-65535 - - 0 1, drop,
                     UDP_TIMEOUT 5, UDP_GUARANTEE 1, REAP_INTERVAL 2,
                     MAPPING_CAPACITY 100000);
    Idle -> rw; Idle -> [1]rw;
    rw[0] -> out :: Counter -> Discard;
    rw[1] -> back :: Counter -> Discard;";

/// An IPv4/UDP packet (no link header) with valid checksums.
fn udp(src: u32, sport: u16, dst: u32, dport: u16) -> Packet {
    let mut p = [0u8; 36];
    p[0] = 0x45;
    p[3] = 36;
    p[8] = 64;
    p[9] = 17;
    p[12..16].copy_from_slice(&src.to_be_bytes());
    p[16..20].copy_from_slice(&dst.to_be_bytes());
    let c = packet::checksum::checksum(&p[..20]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p[20..22].copy_from_slice(&sport.to_be_bytes());
    p[22..24].copy_from_slice(&dport.to_be_bytes());
    p[24..26].copy_from_slice(&16u16.to_be_bytes());
    p[28..36].copy_from_slice(b"soaktest");
    let mut packet = Packet::from_slice(&p).unwrap_or_default();
    packet.set_network_header(0, 20);
    packet
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let reg = elements::registry();
    let router = match Router::from_text("<soak>", CONFIG, &reg) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", e.render());
            std::process::exit(1);
        }
    };
    let Some(rw) = router.find("rw") else {
        eprintln!("no rw");
        std::process::exit(1);
    };
    let read = |h: &str| -> u64 {
        router
            .read_handler(h)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let server = u32::from_be_bytes([8, 8, 8, 8]);
    let churn_servers = u32::from_be_bytes([8, 9, 0, 0]);
    let public = u32::from_be_bytes([1, 0, 0, 1]);
    let inside = |n: u32| u32::from_be_bytes([10, 0, 0, 0]) | (n & 0x00ff_ffff);
    // The long-lived flows; their public ports are learned from the first
    // round, when they are the first 1,000 mappings.
    let long_lived: Vec<(u32, u16)> = (0..1000).map(|i| (inside(i), 20000)).collect();
    let mut b = PacketBatch::new();
    for &(src, sport) in &long_lived {
        b.push(udp(src, sport, server, 53));
        if b.len() == 250 {
            router.inject(rw, 0, std::mem::take(&mut b));
        }
    }
    router.inject(rw, 0, b);
    // The public port of each long-lived flow, from the table.
    let table = router.read_handler("rw.udp_table").unwrap_or_default();
    let mut public_port = std::collections::HashMap::new();
    for line in table.lines().filter(|l| l.contains("[*0 1]")) {
        // (10.a.b.c, 20000, 8.8.8.8, 53) => (1.0.0.1, PORT, 8.8.8.8, 53) ...
        let fields: Vec<&str> = line
            .split(['(', ')', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if let (Some(src), Some(port)) = (fields.first(), fields.get(6)) {
            public_port.insert(src.to_string(), port.parse::<u16>().unwrap_or(0));
        }
    }
    println!("# seconds rss_kib mappings failures long_lived_out long_lived_back");
    let start = Instant::now();
    let mut next_report = Duration::ZERO;
    let mut next_flow: u32 = 1 << 16;
    let mut round: u64 = 0;
    let mut ok = true;
    while start.elapsed() < Duration::from_secs(seconds) {
        let tick = Instant::now();
        // 500 new flows.
        for _ in 0..2 {
            let mut b = PacketBatch::new();
            for _ in 0..250 {
                let n = next_flow;
                next_flow = next_flow.wrapping_add(1) & 0x00ff_ffff;
                b.push(udp(
                    inside(n >> 4),
                    30000 + (n & 0xf) as u16,
                    churn_servers | (n & 0xffff),
                    53,
                ));
            }
            router.inject(rw, 0, b);
        }
        // A hundred long-lived flows, each way, in turn.
        let first = (round as usize * 100) % long_lived.len();
        let before = (read("out.count"), read("back.count"));
        let mut out_b = PacketBatch::new();
        let mut back_b = PacketBatch::new();
        for &(src, sport) in &long_lived[first..first + 100] {
            out_b.push(udp(src, sport, server, 53));
            let key = std::net::Ipv4Addr::from(src).to_string();
            let port = public_port.get(&key).copied().unwrap_or(0);
            back_b.push(udp(server, 53, public, port));
        }
        router.inject(rw, 0, out_b);
        router.inject(rw, 1, back_b);
        let after = (read("out.count"), read("back.count"));
        let passed = (after.0 - before.0, after.1 - before.1);
        if passed != (100, 100) {
            if ok {
                eprintln!("round {round}: long-lived flows passed {passed:?} of 100 each way");
            }
            ok = false;
        }
        round += 1;
        if start.elapsed() >= next_report {
            println!(
                "{:4} {:7} {:6} {:9} {} {}",
                start.elapsed().as_secs(),
                rss_kib(),
                read("rw.size"),
                read("rw.mapping_failures"),
                passed.0,
                passed.1
            );
            next_report += Duration::from_secs(30);
        }
        if let Some(rest) = Duration::from_millis(10).checked_sub(tick.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    println!(
        "# done: {} rounds, final RSS {} KiB, long-lived flows {}",
        round,
        rss_kib(),
        if ok {
            "always passed"
        } else {
            "MISSED packets"
        }
    );
    if !ok {
        std::process::exit(1);
    }
}
