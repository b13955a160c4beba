//! IPClassifier's patterns against tcpdump's filters: each expression the
//! two languages share runs over the bundled captures (TCP connections
//! with options, UDP, ICMP, fragments, IP options, VLAN-tagged frames, and
//! malformed packets: truncated, bad lengths, bad checksums, IHL below 5)
//! with both, and the matching packets must be the same.
//!
//! Alignment: tcpdump sees whole Ethernet frames, so its side is
//! `ip and (EXPR)` (or `vlan and ip and (EXPR)` for the tagged pass);
//! IPClassifier sees the frames tcpdump calls `ip`, with the IP header
//! marked after the Ethernet (or 802.1Q) header, as `MarkIPHeader` does.
//! Packets are identified by their capture timestamps (1 ms apart).
//!
//! Where the languages differ, the expressions are left out and the
//! difference is written here: tcpdump's `port` also matches SCTP (the
//! captures hold none); a tcpdump filter that reads past the end of a
//! packet rejects the packet even under `not`, where IPClassifier only
//! fails the one test (no expression below negates a test that can run
//! off a packet's end); and tcpdump has no juxtaposition, `?:`, `ip ttl`,
//! `ip frag` or `tcp opt` keywords (IPClassifier's equivalents are tested
//! in its unit tests).

use std::collections::BTreeSet;
use std::process::Command;

use elements::classify::pattern::{Headers, RuleSet, parse};
use elements::io::pcap::CaptureReader;

const EXPRESSIONS: &[&str] = &[
    "tcp",
    "udp",
    "icmp",
    "tcp or udp",
    "not tcp",
    "not udp and not icmp",
    "host 10.0.0.1",
    "src host 10.0.0.1",
    "dst host 10.0.0.2",
    "src or dst host 10.0.0.2",
    "host 10.0.0.1 or 10.0.0.2",
    "src host 10.0.0.1 or dst host 192.168.1.20",
    "net 192.168.1.0/24",
    "src net 10.0.0.0/8",
    "dst net 192.168.0.0/16",
    "src and dst net 10.0.0.0/8",
    "not (ip[9] = 17 or ip[9] = 1)",
    "port 80",
    "tcp port 80",
    "udp port 53",
    "src port 40000",
    "dst port 443",
    "tcp dst port 80",
    "udp src port 53",
    "port 53 or port 80",
    "port 80 or 443 or 22",
    "tcp and not port 80",
    "host 10.0.0.1 and port 80",
    "dst port 8080 and tcp",
    "(tcp or udp) and dst net 192.168.1.0/24",
    "ip proto 1",
    "ip proto 17",
    "ip[8] = 1",
    "ip[8] < 2",
    "ip[8] > 63",
    "ip[1] != 0",
    "ip[9] = 6",
    "ip[6:2] & 0x1fff != 0",
    "ip[6:2] & 0x2000 != 0",
    "ip[0] & 0xf != 5",
    "ip[0] & 0xf > 5",
    "ip[2:2] > 100",
    "ip[2:2] <= 60",
    "ip[12:4] = 0x0a000001",
    "ip[16] = 192",
    "tcp[13] & 2 != 0",
    "tcp[13] & 0x12 = 0x12",
    "tcp[13] & 1 != 0",
    "tcp[13] & 4 != 0",
    "tcp[0:2] = 40000",
    "tcp[2:2] < 1024",
    "tcp[14:2] > 1000",
    "udp[0:2] = 53",
    "udp[2:2] = 53",
    "udp[4:2] > 100",
    "icmp[0] = 8",
    "icmp[0] = 0",
    "icmp[0] = 3",
    "icmp[0] = 8 or icmp[0] = 0",
    "tcp port 25 and tcp[13] & 4 != 0",
    "udp and ip[8] < 65",
    "ether host 02:00:00:00:00:01",
    "ether src 02:00:00:00:00:03",
    "ether dst ff:ff:ff:ff:ff:ff",
];

const CAPTURES: &[&str] = &["mixed.pcap", "tcp-flows.pcap", "classify-edge.pcap"];

fn capture_path(name: &str) -> String {
    format!("{}/testdata/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// (packet index, frame) for every record.
fn frames(path: &str) -> Vec<(u64, Vec<u8>)> {
    let mut reader = CaptureReader::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    while let Some(r) = reader.next_record().expect("record") {
        out.push((index_of(r.timestamp.0), r.data.to_vec()));
    }
    out
}

/// Captures are stamped 1,700,000,000 s plus one millisecond a packet.
fn index_of(ns: u64) -> u64 {
    (ns - 1_700_000_000_000_000_000) / 1_000_000
}

fn ours(expr: &str, frames: &[(u64, Vec<u8>)], vlan: bool) -> BTreeSet<u64> {
    let e = parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    // The compiled rule set, as IPClassifier runs it.
    let rules = RuleSet::new(vec![(e, Some(0))]);
    let mut hits = BTreeSet::new();
    for (i, f) in frames {
        let ip_at = if vlan {
            (f.get(12..14) == Some(&[0x81, 0x00]) && f.get(16..18) == Some(&[0x08, 0x00]))
                .then_some(18)
        } else {
            (f.get(12..14) == Some(&[0x08, 0x00])).then_some(14)
        };
        let Some(at) = ip_at else { continue };
        let h = Headers::new(f.get(at..), Some(f));
        if rules.classify(&h) == Some(0) {
            hits.insert(*i);
        }
    }
    hits
}

fn tcpdump(expr: &str, path: &str, vlan: bool) -> BTreeSet<u64> {
    let filter = if vlan {
        format!("vlan and ip and ({expr})")
    } else {
        format!("ip and ({expr})")
    };
    let out = Command::new("tcpdump")
        .args(["-r", path, "-nn", "-tt", "-q", &filter])
        .output()
        .expect("run tcpdump");
    assert!(
        out.status.success(),
        "tcpdump rejected '{filter}': {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let stamp = l.split_whitespace().next()?;
            let (s, frac) = stamp.split_once('.')?;
            let s: u64 = s.parse().ok()?;
            let us: u64 = frac.parse().ok()?;
            Some(((s - 1_700_000_000) * 1_000_000 + us) / 1000)
        })
        .collect()
}

#[test]
fn ipclassifier_agrees_with_tcpdump() {
    if Command::new("tcpdump").arg("--version").output().is_err() {
        eprintln!(
            "SKIPPED: tcpdump is not installed (apt-get install tcpdump); .ci/run installs it"
        );
        return;
    }
    assert!(EXPRESSIONS.len() >= 50);
    let mut disagreements = Vec::new();
    let mut compared = 0;
    for cap in CAPTURES {
        let path = capture_path(cap);
        let frames = frames(&path);
        for vlan in [false, true] {
            for expr in EXPRESSIONS {
                let a = ours(expr, &frames, vlan);
                let b = tcpdump(expr, &path, vlan);
                compared += 1;
                if a != b {
                    disagreements.push(format!(
                        "{cap}{}: '{expr}': IPClassifier {:?} tcpdump {:?}",
                        if vlan { " (vlan)" } else { "" },
                        a.difference(&b).collect::<Vec<_>>(),
                        b.difference(&a).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {compared} comparisons disagree (only-ours, only-tcpdump):\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

#[test]
fn the_captures_hold_what_the_comparison_needs() {
    // Every expression matches something and misses something somewhere,
    // so no comparison is vacuous.
    let all: Vec<Vec<(u64, Vec<u8>)>> = CAPTURES.iter().map(|c| frames(&capture_path(c))).collect();
    for expr in EXPRESSIONS {
        let some = all
            .iter()
            .any(|f| !ours(expr, f, false).is_empty() || !ours(expr, f, true).is_empty());
        let total: usize = all.iter().map(Vec::len).sum();
        let hits: usize = all
            .iter()
            .map(|f| ours(expr, f, false).len() + ours(expr, f, true).len())
            .sum();
        assert!(some, "'{expr}' matches no packet in the captures");
        assert!(hits < total, "'{expr}' matches every packet");
    }
}
