//! Writes the repository's test captures into `testdata/captures/` (or the
//! directory given as the only argument).
//!
//! Key decision: every frame is built here, byte by byte, from fixed
//! addresses, ports and payloads, and every timestamp is fixed (starting at
//! 1700000000.000000, one millisecond apart), so rerunning the generator
//! gives byte-identical files; a test below regenerates them into a
//! temporary directory and compares them with the committed ones.
//!
//! Files:
//! - `mixed.pcap`: 52 Ethernet frames of many kinds, good and bad (listed in
//!   [`mixed_frames`]), little-endian, microsecond timestamps, one frame
//!   recorded cut to 128 bytes.
//! - `mixed-be-nsec.pcap`: the same records, big-endian, nanosecond magic.
//! - `mixed.pcapng`: the same records as pcapng: a name resolution block and
//!   an unknown block before the interfaces, two Ethernet interfaces
//!   (microsecond and nanosecond `if_tsresol`), Enhanced Packet Blocks
//!   alternating between them, an interface statistics block at the end.
//! - `ip-raw.pcap`: the IP packets of `mixed.pcap` without their Ethernet
//!   header, plus one that is not IP, link type raw IP (101).
//! - `tcp-flows.pcap`: three complete TCP connections (handshake, data both
//!   ways, FIN teardown) interleaved, and one refused with RST.
//! - `monitor-tcpdump-old.txt`: old tcpdump text output (the format Click's
//!   FromTcpdump reads), written by hand: TCP with options and relative
//!   sequence numbers, UDP, ICMP, a fragment, IP details, a comment and a
//!   line that is not a packet.
//! - `monitor-tcpdump.txt`, `monitor-tcpdump-v.txt`: tcpdump 4.99.3's
//!   `-tt -n` output for `tcp-flows.pcap` and `-tt -v -n` output for
//!   `monitor-flows.pcap`, kept as tcpdump printed them.
//! - `monitor-flows.pcap`: flows over two minutes for the flow monitors
//!   (listed in [`monitor_frames`]), with their own timestamps: TCP open,
//!   closed and reopened, UDP timing out, an ICMP error quoting a flow,
//!   fragments (matched and not), a host talking to itself, IP and TCP
//!   options, and a frame that is not IP.

use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use elements::io::pcap::{ByteOrder, PcapNgWriter, PcapWriter, PcapWriterOptions, block, linktype};
use packet::Timestamp;

/// One captured frame: its captured bytes and its length on the wire.
#[derive(Clone, Debug)]
struct Frame {
    data: Vec<u8>,
    wire_len: u32,
}

impl Frame {
    fn whole(data: Vec<u8>) -> Frame {
        let wire_len = data.len() as u32;
        Frame { data, wire_len }
    }
}

// ---------------------------------------------------------------------------
// Header builders.

type Mac = [u8; 6];

const MAC_A: Mac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
const MAC_B: Mac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
const MAC_C: Mac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x03];
const BROADCAST: Mac = [0xff; 6];

const IP_A: [u8; 4] = [10, 0, 0, 1];
const IP_B: [u8; 4] = [10, 0, 0, 2];
const IP_C: [u8; 4] = [192, 168, 1, 10];
const IP_D: [u8; 4] = [192, 168, 1, 20];
const IP6_A: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const IP6_B: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

const PROTO_ICMP: u8 = 1;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_GRE: u8 = 47;
const PROTO_ICMP6: u8 = 58;

/// Internet checksum of `data` added to `initial` (a partial sum).
fn checksum(initial: u32, data: &[u8]) -> u16 {
    let mut sum = initial;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn sum_words(data: &[u8]) -> u32 {
    data.chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum()
}

fn pseudo4(src: [u8; 4], dst: [u8; 4], proto: u8, len: usize) -> u32 {
    sum_words(&src) + sum_words(&dst) + u32::from(proto) + len as u32
}

fn pseudo6(src: [u8; 16], dst: [u8; 16], proto: u8, len: usize) -> u32 {
    sum_words(&src) + sum_words(&dst) + u32::from(proto) + len as u32
}

fn ether(dst: Mac, src: Mac, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len());
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn ether_vlan(dst: Mac, src: Mac, tci: u16, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut inner = tci.to_be_bytes().to_vec();
    inner.extend_from_slice(&ethertype.to_be_bytes());
    inner.extend_from_slice(payload);
    ether(dst, src, 0x8100, &inner)
}

/// Pads a frame with zeros to Ethernet's 60-byte minimum, as a NIC does.
fn pad60(mut f: Vec<u8>) -> Vec<u8> {
    if f.len() < 60 {
        f.resize(60, 0);
    }
    f
}

/// IPv4 header fields that vary between test packets.
#[derive(Clone, Copy)]
struct V4 {
    src: [u8; 4],
    dst: [u8; 4],
    proto: u8,
    ttl: u8,
    id: u16,
    /// Flags and fragment offset (in 8-byte units).
    frag: u16,
    tos: u8,
}

impl V4 {
    fn new(src: [u8; 4], dst: [u8; 4], proto: u8) -> V4 {
        V4 {
            src,
            dst,
            proto,
            ttl: 64,
            id: 0x1000,
            frag: 0x4000,
            tos: 0,
        }
    }
}

fn ipv4_with(h: V4, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let hl = 20 + options.len();
    assert!(
        hl.is_multiple_of(4) && hl <= 60,
        "IPv4 options must pad to 4 bytes"
    );
    let total = hl + payload.len();
    let mut p = Vec::with_capacity(total);
    p.push(0x40 | (hl / 4) as u8);
    p.push(h.tos);
    p.extend_from_slice(&(total as u16).to_be_bytes());
    p.extend_from_slice(&h.id.to_be_bytes());
    p.extend_from_slice(&h.frag.to_be_bytes());
    p.push(h.ttl);
    p.push(h.proto);
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(&h.src);
    p.extend_from_slice(&h.dst);
    p.extend_from_slice(options);
    let c = checksum(0, &p[..hl]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

fn ipv4(h: V4, payload: &[u8]) -> Vec<u8> {
    ipv4_with(h, &[], payload)
}

fn ipv6(src: [u8; 16], dst: [u8; 16], next: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    p.push(next);
    p.push(64);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(payload);
    p
}

fn udp_raw(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = Vec::with_capacity(8 + payload.len());
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    u
}

fn udp4(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = udp_raw(sport, dport, payload);
    let mut c = checksum(pseudo4(src, dst, PROTO_UDP, u.len()), &u);
    if c == 0 {
        c = 0xffff;
    }
    u[6..8].copy_from_slice(&c.to_be_bytes());
    u
}

fn udp6(src: [u8; 16], dst: [u8; 16], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = udp_raw(sport, dport, payload);
    let mut c = checksum(pseudo6(src, dst, PROTO_UDP, u.len()), &u);
    if c == 0 {
        c = 0xffff;
    }
    u[6..8].copy_from_slice(&c.to_be_bytes());
    u
}

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

/// TCP segment fields.
#[derive(Clone, Copy)]
struct Tcp {
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    window: u16,
}

/// SYN options as Linux sends them: MSS 1460, SACK permitted, timestamps,
/// NOP, window scale 7.
const SYN_OPTIONS: &[u8] = &[
    2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x10, 0, 0, 0, 0, 0, 1, 3, 3, 7,
];

fn ts_option(val: u32, ecr: u32) -> Vec<u8> {
    let mut o = vec![1, 1, 8, 10];
    o.extend_from_slice(&val.to_be_bytes());
    o.extend_from_slice(&ecr.to_be_bytes());
    o
}

fn tcp_raw(t: Tcp, options: &[u8], payload: &[u8]) -> Vec<u8> {
    assert!(options.len().is_multiple_of(4) && options.len() <= 40);
    let hl = 20 + options.len();
    let mut s = Vec::with_capacity(hl + payload.len());
    s.extend_from_slice(&t.sport.to_be_bytes());
    s.extend_from_slice(&t.dport.to_be_bytes());
    s.extend_from_slice(&t.seq.to_be_bytes());
    s.extend_from_slice(&t.ack.to_be_bytes());
    s.push(((hl / 4) as u8) << 4);
    s.push(t.flags);
    s.extend_from_slice(&t.window.to_be_bytes());
    s.extend_from_slice(&[0, 0, 0, 0]);
    s.extend_from_slice(options);
    s.extend_from_slice(payload);
    s
}

fn tcp4(src: [u8; 4], dst: [u8; 4], t: Tcp, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut s = tcp_raw(t, options, payload);
    let c = checksum(pseudo4(src, dst, PROTO_TCP, s.len()), &s);
    s[16..18].copy_from_slice(&c.to_be_bytes());
    s
}

fn tcp6(src: [u8; 16], dst: [u8; 16], t: Tcp, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut s = tcp_raw(t, options, payload);
    let c = checksum(pseudo6(src, dst, PROTO_TCP, s.len()), &s);
    s[16..18].copy_from_slice(&c.to_be_bytes());
    s
}

fn icmp(kind: u8, code: u8, rest: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut m = vec![kind, code, 0, 0];
    m.extend_from_slice(&rest);
    m.extend_from_slice(payload);
    let c = checksum(0, &m);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    m
}

fn echo(kind: u8, id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let [a, b] = id.to_be_bytes();
    let [c, d] = seq.to_be_bytes();
    icmp(kind, 0, [a, b, c, d], payload)
}

fn icmp6_echo(src: [u8; 16], dst: [u8; 16], id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut m = vec![128, 0, 0, 0];
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(payload);
    let c = checksum(pseudo6(src, dst, PROTO_ICMP6, m.len()), &m);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    m
}

fn arp(op: u16, sha: Mac, spa: [u8; 4], tha: Mac, tpa: [u8; 4]) -> Vec<u8> {
    let mut a = vec![0, 1, 0x08, 0x00, 6, 4];
    a.extend_from_slice(&op.to_be_bytes());
    a.extend_from_slice(&sha);
    a.extend_from_slice(&spa);
    a.extend_from_slice(&tha);
    a.extend_from_slice(&tpa);
    a
}

/// `n` bytes of a recognisable pattern starting at `seed`.
fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| seed.wrapping_add(i as u8)).collect()
}

// ---------------------------------------------------------------------------
// The captures.

fn eth4(dst: Mac, src: Mac, ip: &[u8]) -> Vec<u8> {
    pad60(ether(dst, src, 0x0800, ip))
}

/// The frames of `mixed.pcap`, in order.
fn mixed_frames() -> Vec<Frame> {
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let v4 = V4::new;

    // 0-6: UDP over IPv4: DNS-like query and answer, small, large, zero
    // checksum, broadcast, multicast.
    let q = pattern(29, 0x30);
    frames.push(eth4(
        MAC_B,
        MAC_A,
        &ipv4(v4(IP_A, IP_B, PROTO_UDP), &udp4(IP_A, IP_B, 33000, 53, &q)),
    ));
    let a = pattern(45, 0x50);
    frames.push(eth4(
        MAC_A,
        MAC_B,
        &ipv4(v4(IP_B, IP_A, PROTO_UDP), &udp4(IP_B, IP_A, 53, 33000, &a)),
    ));
    frames.push(eth4(
        MAC_B,
        MAC_A,
        &ipv4(
            v4(IP_A, IP_B, PROTO_UDP),
            &udp4(IP_A, IP_B, 5000, 5001, &[0xab]),
        ),
    ));
    let big = pattern(1472, 0);
    frames.push(eth4(
        MAC_B,
        MAC_A,
        &ipv4(
            v4(IP_A, IP_B, PROTO_UDP),
            &udp4(IP_A, IP_B, 5000, 5001, &big),
        ),
    ));
    frames.push(eth4(
        MAC_B,
        MAC_A,
        &ipv4(
            v4(IP_A, IP_B, PROTO_UDP),
            &udp_raw(5002, 5003, b"no checksum"),
        ),
    ));
    let bcast = V4 {
        ttl: 128,
        ..v4([0, 0, 0, 0], [255, 255, 255, 255], PROTO_UDP)
    };
    frames.push(eth4(
        BROADCAST,
        MAC_C,
        &ipv4(bcast, &udp4(bcast.src, bcast.dst, 68, 67, &pattern(240, 0))),
    ));
    let mdns = V4 {
        ttl: 255,
        ..v4(IP_C, [224, 0, 0, 251], PROTO_UDP)
    };
    let mcast_mac = [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb];
    frames.push(eth4(
        mcast_mac,
        MAC_C,
        &ipv4(mdns, &udp4(IP_C, mdns.dst, 5353, 5353, &pattern(32, 7))),
    ));

    // 7-14: a TCP connection 10.0.0.1:40000 -> 10.0.0.2:80 with options.
    let c = |seq, ack, flags| Tcp {
        sport: 40000,
        dport: 80,
        seq,
        ack,
        flags,
        window: 502,
    };
    let s = |seq, ack, flags| Tcp {
        sport: 80,
        dport: 40000,
        seq,
        ack,
        flags,
        window: 509,
    };
    let to_b = |t: Tcp, opts: &[u8], data: &[u8]| {
        eth4(
            MAC_B,
            MAC_A,
            &ipv4(v4(IP_A, IP_B, PROTO_TCP), &tcp4(IP_A, IP_B, t, opts, data)),
        )
    };
    let to_a = |t: Tcp, opts: &[u8], data: &[u8]| {
        eth4(
            MAC_A,
            MAC_B,
            &ipv4(v4(IP_B, IP_A, PROTO_TCP), &tcp4(IP_B, IP_A, t, opts, data)),
        )
    };
    let syn = Tcp {
        window: 64240,
        ..c(1000, 0, SYN)
    };
    frames.push(to_b(syn, SYN_OPTIONS, &[]));
    let synack = Tcp {
        window: 65160,
        ..s(5000, 1001, SYN | ACK)
    };
    frames.push(to_a(synack, SYN_OPTIONS, &[]));
    frames.push(to_b(c(1001, 5001, ACK), &ts_option(100, 200), &[]));
    let get = b"GET / HTTP/1.1\r\nHost: 10.0.0.2\r\n\r\n";
    frames.push(to_b(c(1001, 5001, PSH | ACK), &ts_option(101, 200), get));
    let resp = pattern(600, 0x41);
    frames.push(to_a(
        s(5001, 1001 + get.len() as u32, PSH | ACK),
        &ts_option(201, 101),
        &resp,
    ));
    frames.push(to_b(
        c(1001 + get.len() as u32, 5601, FIN | ACK),
        &ts_option(102, 201),
        &[],
    ));
    frames.push(to_a(
        s(5601, 1002 + get.len() as u32, FIN | ACK),
        &ts_option(202, 102),
        &[],
    ));
    frames.push(to_b(
        c(1002 + get.len() as u32, 5602, ACK),
        &ts_option(103, 202),
        &[],
    ));

    // 15-18: ICMP echo request and reply, port unreachable quoting the
    // zero-checksum UDP packet, echo request with a bad ICMP checksum.
    frames.push(eth4(
        MAC_B,
        MAC_A,
        &ipv4(
            v4(IP_A, IP_B, PROTO_ICMP),
            &echo(8, 0x1234, 1, &pattern(56, 0x10)),
        ),
    ));
    frames.push(eth4(
        MAC_A,
        MAC_B,
        &ipv4(
            v4(IP_B, IP_A, PROTO_ICMP),
            &echo(0, 0x1234, 1, &pattern(56, 0x10)),
        ),
    ));
    let quoted = ipv4(
        v4(IP_A, IP_B, PROTO_UDP),
        &udp_raw(5002, 5003, b"no checksum"),
    );
    frames.push(eth4(
        MAC_A,
        MAC_B,
        &ipv4(
            v4(IP_B, IP_A, PROTO_ICMP),
            &icmp(3, 3, [0; 4], &quoted[..28]),
        ),
    ));
    let mut bad_icmp = echo(8, 0x1234, 2, &pattern(8, 0));
    bad_icmp[2] ^= 0xff;
    frames.push(eth4(
        MAC_B,
        MAC_A,
        &ipv4(v4(IP_A, IP_B, PROTO_ICMP), &bad_icmp),
    ));

    // 19-20: ARP request and reply.
    frames.push(pad60(ether(
        BROADCAST,
        MAC_A,
        0x0806,
        &arp(1, MAC_A, IP_A, [0; 6], IP_B),
    )));
    frames.push(pad60(ether(
        MAC_A,
        MAC_B,
        0x0806,
        &arp(2, MAC_B, IP_B, MAC_A, IP_A),
    )));

    // 21-23: IPv6: UDP, TCP SYN, ICMPv6 echo request.
    frames.push(ether(
        MAC_B,
        MAC_A,
        0x86dd,
        &ipv6(
            IP6_A,
            IP6_B,
            PROTO_UDP,
            &udp6(IP6_A, IP6_B, 6000, 6001, &pattern(20, 3)),
        ),
    ));
    let syn6 = Tcp {
        sport: 41000,
        dport: 443,
        seq: 7,
        ack: 0,
        flags: SYN,
        window: 64800,
    };
    frames.push(ether(
        MAC_B,
        MAC_A,
        0x86dd,
        &ipv6(
            IP6_A,
            IP6_B,
            PROTO_TCP,
            &tcp6(IP6_A, IP6_B, syn6, SYN_OPTIONS, &[]),
        ),
    ));
    frames.push(ether(
        MAC_B,
        MAC_A,
        0x86dd,
        &ipv6(
            IP6_A,
            IP6_B,
            PROTO_ICMP6,
            &icmp6_echo(IP6_A, IP6_B, 9, 1, &pattern(16, 0)),
        ),
    ));

    // 24-25: 802.1Q tagged (VLAN 100) IPv4 UDP and ARP.
    let tagged = ipv4(
        v4(IP_C, IP_D, PROTO_UDP),
        &udp4(IP_C, IP_D, 7000, 7001, &pattern(30, 9)),
    );
    frames.push(pad60(ether_vlan(MAC_B, MAC_C, 100, 0x0800, &tagged)));
    frames.push(pad60(ether_vlan(
        BROADCAST,
        MAC_C,
        100,
        0x0806,
        &arp(1, MAC_C, IP_C, [0; 6], IP_D),
    )));

    // 26: IPv4 with options (router alert, then record route with room for
    // two addresses, padded).
    let opts = [
        148, 4, 0, 0, // router alert
        7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, // record route
        0, // end of options
    ];
    frames.push(eth4(
        MAC_B,
        MAC_A,
        &ipv4_with(
            v4(IP_A, IP_B, PROTO_UDP),
            &opts,
            &udp4(IP_A, IP_B, 5000, 5001, b"options"),
        ),
    ));

    // 27-28: a UDP datagram in two fragments.
    let whole = udp4(IP_A, IP_B, 5000, 5001, &pattern(100, 0x61));
    let f1 = V4 {
        id: 0x2222,
        frag: 0x2000,
        ..v4(IP_A, IP_B, PROTO_UDP)
    };
    let f2 = V4 {
        id: 0x2222,
        frag: 64 / 8,
        ..v4(IP_A, IP_B, PROTO_UDP)
    };
    frames.push(eth4(MAC_B, MAC_A, &ipv4(f1, &whole[..64])));
    frames.push(eth4(MAC_B, MAC_A, &ipv4(f2, &whole[64..])));

    // 29-30: TTL 1 and TTL 0.
    let ttl1 = V4 {
        ttl: 1,
        ..v4(IP_A, IP_B, PROTO_UDP)
    };
    frames.push(eth4(
        MAC_B,
        MAC_A,
        &ipv4(ttl1, &udp4(IP_A, IP_B, 5000, 5001, b"ttl one")),
    ));
    let ttl0 = V4 {
        ttl: 0,
        ..v4(IP_A, IP_B, PROTO_UDP)
    };
    frames.push(eth4(
        MAC_B,
        MAC_A,
        &ipv4(ttl0, &udp4(IP_A, IP_B, 5000, 5001, b"ttl zero")),
    ));

    // 31: bad IP header checksum.
    let mut bad = ipv4(
        v4(IP_A, IP_B, PROTO_UDP),
        &udp4(IP_A, IP_B, 5000, 5001, b"bad ip sum"),
    );
    bad[10] ^= 0x5a;
    frames.push(eth4(MAC_B, MAC_A, &bad));

    // 32: EtherType IPv4 but only 12 bytes of IP header (frame not padded).
    let full = ipv4(v4(IP_A, IP_B, PROTO_UDP), &[]);
    frames.push(ether(MAC_B, MAC_A, 0x0800, &full[..12]));

    // 33: a runt: 10 bytes, not even an Ethernet header.
    frames.push(MAC_B.iter().chain(&MAC_A[..4]).copied().collect());

    // 34: IHL of 4 (less than the minimum 5).
    let mut short_hl = ipv4(
        v4(IP_A, IP_B, PROTO_UDP),
        &udp4(IP_A, IP_B, 5000, 5001, b"ihl"),
    );
    short_hl[0] = 0x44;
    frames.push(eth4(MAC_B, MAC_A, &short_hl));

    // 35: IP total length larger than the frame holds.
    let mut long_len = ipv4(
        v4(IP_A, IP_B, PROTO_UDP),
        &udp4(IP_A, IP_B, 5000, 5001, b"short"),
    );
    long_len[2..4].copy_from_slice(&400u16.to_be_bytes());
    let c = checksum(0, &{
        let mut h = long_len[..20].to_vec();
        h[10] = 0;
        h[11] = 0;
        h
    });
    long_len[10..12].copy_from_slice(&c.to_be_bytes());
    frames.push(eth4(MAC_B, MAC_A, &long_len));

    // 36: version 6 in an IPv4 EtherType frame.
    let mut wrong_version = ipv4(
        v4(IP_A, IP_B, PROTO_UDP),
        &udp4(IP_A, IP_B, 5000, 5001, b"v6?"),
    );
    wrong_version[0] = 0x65;
    frames.push(eth4(MAC_B, MAC_A, &wrong_version));

    // 37: LLDP (not IP).
    frames.push(pad60(ether(
        [0x01, 0x80, 0xc2, 0, 0, 0x0e],
        MAC_C,
        0x88cc,
        &pattern(30, 0),
    )));

    // 38: GRE carrying IPv4.
    let inner = ipv4(
        v4(IP_C, IP_D, PROTO_UDP),
        &udp4(IP_C, IP_D, 9000, 9001, b"in gre"),
    );
    let mut gre = vec![0, 0, 0x08, 0x00];
    gre.extend_from_slice(&inner);
    frames.push(eth4(MAC_B, MAC_A, &ipv4(v4(IP_A, IP_B, PROTO_GRE), &gre)));

    // 39: TCP with a bad checksum.
    let mut bad_tcp = tcp4(IP_A, IP_B, c_tcp(40001, 22, 1, 0, SYN), &[], &[]);
    bad_tcp[16] ^= 0x01;
    frames.push(eth4(
        MAC_B,
        MAC_A,
        &ipv4(v4(IP_A, IP_B, PROTO_TCP), &bad_tcp),
    ));

    // 40-49: more flows between other addresses (for classifiers and flow
    // tables): HTTPS, SSH, DNS over TCP, and a TOS-marked UDP stream.
    for i in 0..4u8 {
        let src = [192, 168, 1, 100 + i];
        let t = c_tcp(50000 + u16::from(i), 443, 100 * u32::from(i), 0, SYN);
        frames.push(eth4(
            MAC_B,
            MAC_C,
            &ipv4(
                v4(src, IP_B, PROTO_TCP),
                &tcp4(src, IP_B, t, SYN_OPTIONS, &[]),
            ),
        ));
    }
    let ssh = c_tcp(50100, 22, 77, 88, PSH | ACK);
    frames.push(eth4(
        MAC_B,
        MAC_C,
        &ipv4(
            v4(IP_C, IP_B, PROTO_TCP),
            &tcp4(IP_C, IP_B, ssh, &[], &pattern(48, 0x80)),
        ),
    ));
    let rst = c_tcp(22, 50100, 88, 0, RST);
    frames.push(eth4(
        MAC_C,
        MAC_B,
        &ipv4(v4(IP_B, IP_C, PROTO_TCP), &tcp4(IP_B, IP_C, rst, &[], &[])),
    ));
    let dns_tcp = c_tcp(50200, 53, 1, 0, PSH | ACK);
    let mut msg = 29u16.to_be_bytes().to_vec();
    msg.extend_from_slice(&pattern(29, 0x30));
    frames.push(eth4(
        MAC_B,
        MAC_C,
        &ipv4(
            v4(IP_D, IP_B, PROTO_TCP),
            &tcp4(IP_D, IP_B, dns_tcp, &[], &msg),
        ),
    ));
    for i in 0..3u16 {
        let h = V4 {
            tos: 0xb8,
            id: 0x3000 + i,
            ..v4(IP_D, IP_C, PROTO_UDP)
        };
        frames.push(eth4(
            MAC_C,
            MAC_B,
            &ipv4(
                h,
                &udp4(IP_D, IP_C, 16384, 16386 + i, &pattern(160, i as u8)),
            ),
        ));
    }

    // 50: a jumbo-ish IPv4 UDP frame of 1514 bytes, and 51: the same
    // recorded cut to 128 bytes (snap length), wire length kept.
    let full_frame = eth4(
        MAC_B,
        MAC_A,
        &ipv4(
            v4(IP_A, IP_B, PROTO_UDP),
            &udp4(IP_A, IP_B, 5000, 5001, &pattern(1472, 0x20)),
        ),
    );
    frames.push(full_frame.clone());

    let mut out: Vec<Frame> = frames.into_iter().map(Frame::whole).collect();
    out.push(Frame {
        wire_len: full_frame.len() as u32,
        data: full_frame[..128].to_vec(),
    });
    out
}

fn c_tcp(sport: u16, dport: u16, seq: u32, ack: u32, flags: u8) -> Tcp {
    Tcp {
        sport,
        dport,
        seq,
        ack,
        flags,
        window: 29200,
    }
}

/// The IP packets of `mixed.pcap` without their Ethernet header (untagged
/// IPv4 and IPv6 frames with a whole IP header), and one non-IP packet.
fn raw_ip_packets(mixed: &[Frame]) -> Vec<Frame> {
    let mut out = Vec::new();
    for f in mixed {
        let d = &f.data;
        if d.len() < 34 || f.wire_len as usize != d.len() {
            continue;
        }
        let ip = &d[14..];
        let keep = match (&d[12..14], ip[0] >> 4) {
            ([0x08, 0x00], 4) => {
                // Drop the Ethernet padding: keep the IP total length.
                let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
                (ip[0] & 0x0f) >= 5 && total <= ip.len() && total >= 20
            }
            ([0x86, 0xdd], 6) => true,
            _ => false,
        };
        if !keep {
            continue;
        }
        let len = if ip[0] >> 4 == 4 {
            usize::from(u16::from_be_bytes([ip[2], ip[3]]))
        } else {
            40 + usize::from(u16::from_be_bytes([ip[4], ip[5]]))
        };
        out.push(Frame::whole(ip[..len].to_vec()));
    }
    // Not IP: version nibble 0.
    out.push(Frame::whole(pattern(24, 0)));
    out
}

/// Three TCP connections interleaved, and one refused.
fn tcp_flow_frames() -> Vec<Frame> {
    struct Conn {
        cmac: Mac,
        smac: Mac,
        cip: [u8; 4],
        sip: [u8; 4],
        cport: u16,
        sport: u16,
        cseq: u32,
        sseq: u32,
    }
    impl Conn {
        fn seg(&self, from_client: bool, flags: u8, data: &[u8], opts: &[u8]) -> Vec<u8> {
            let (smac, dmac, src, dst, sport, dport, seq, ack) = if from_client {
                (
                    self.cmac, self.smac, self.cip, self.sip, self.cport, self.sport, self.cseq,
                    self.sseq,
                )
            } else {
                (
                    self.smac, self.cmac, self.sip, self.cip, self.sport, self.cport, self.sseq,
                    self.cseq,
                )
            };
            let t = Tcp {
                sport,
                dport,
                seq,
                ack: if flags & ACK != 0 { ack } else { 0 },
                flags,
                window: 64240,
            };
            let h = V4::new(src, dst, PROTO_TCP);
            eth4(dmac, smac, &ipv4(h, &tcp4(src, dst, t, opts, data)))
        }
        /// Sends a segment and advances the sender's sequence number.
        fn send(&mut self, from_client: bool, flags: u8, data: &[u8]) -> Vec<u8> {
            let opts: &[u8] = if flags & SYN != 0 { SYN_OPTIONS } else { &[] };
            let f = self.seg(from_client, flags, data, opts);
            let used = data.len() as u32 + u32::from(flags & (SYN | FIN) != 0);
            if from_client {
                self.cseq = self.cseq.wrapping_add(used);
            } else {
                self.sseq = self.sseq.wrapping_add(used);
            }
            f
        }
    }
    let mut conns = [
        Conn {
            cmac: MAC_A,
            smac: MAC_B,
            cip: IP_A,
            sip: IP_B,
            cport: 43000,
            sport: 80,
            cseq: 0x1000_0000,
            sseq: 0x2000_0000,
        },
        Conn {
            cmac: MAC_C,
            smac: MAC_B,
            cip: IP_C,
            sip: IP_B,
            cport: 43001,
            sport: 443,
            cseq: 0xFFFF_FF00,
            sseq: 0x3000_0000,
        },
        Conn {
            cmac: MAC_A,
            smac: MAC_C,
            cip: IP_A,
            sip: IP_D,
            cport: 43002,
            sport: 8080,
            cseq: 7,
            sseq: 9,
        },
    ];
    // Each connection's script: (from client?, flags, payload length).
    let script: &[(bool, u8, usize)] = &[
        (true, SYN, 0),
        (false, SYN | ACK, 0),
        (true, ACK, 0),
        (true, PSH | ACK, 120),
        (false, ACK, 0),
        (false, PSH | ACK, 1200),
        (false, PSH | ACK, 300),
        (true, ACK, 0),
        (true, FIN | ACK, 0),
        (false, FIN | ACK, 0),
        (true, ACK, 0),
    ];
    let mut frames = Vec::new();
    for (step, &(from_client, flags, len)) in script.iter().enumerate() {
        for conn in conns.iter_mut() {
            let data = pattern(len, (step * 16) as u8);
            frames.push(conn.send(from_client, flags, &data));
        }
    }
    // Refused: SYN to a closed port, RST-ACK back.
    let mut refused = Conn {
        cmac: MAC_C,
        smac: MAC_A,
        cip: IP_D,
        sip: IP_A,
        cport: 43003,
        sport: 25,
        cseq: 1,
        sseq: 0,
    };
    frames.push(refused.send(true, SYN, &[]));
    frames.push(refused.send(false, RST | ACK, &[]));
    frames.into_iter().map(Frame::whole).collect()
}

/// Edge cases for the IPClassifier/tcpdump comparison
/// (`classify-edge.pcap`): TCP in fragments, transport headers after IP
/// options, truncated transport headers, and VLAN-tagged copies of common
/// packets.
fn classify_edge_frames() -> Vec<Frame> {
    let v4 = V4::new;
    let t = |sport, dport, flags| Tcp {
        sport,
        dport,
        seq: 1000,
        ack: 0,
        flags,
        window: 29200,
    };
    let mut ip_packets: Vec<Vec<u8>> = Vec::new();
    // TCP SYN to port 80 split in two fragments: ports only in the first.
    let whole = tcp4(IP_A, IP_D, t(40001, 80, SYN), SYN_OPTIONS, &[]);
    let first = V4 {
        frag: 0x2000,
        id: 0x2222,
        ..v4(IP_A, IP_D, PROTO_TCP)
    };
    let later = V4 {
        frag: 2,
        id: 0x2222,
        ..v4(IP_A, IP_D, PROTO_TCP)
    };
    ip_packets.push(ipv4(first, &whole[..16]));
    ip_packets.push(ipv4(later, &whole[16..]));
    // A later fragment whose bytes look like port 80 at the transport
    // offset.
    ip_packets.push(ipv4(
        V4 {
            frag: 8,
            ..v4(IP_C, IP_B, PROTO_TCP)
        },
        &[0, 80, 0, 80, 0, 0, 0, 0],
    ));
    // TCP after 8 bytes of IP options (IHL 7), to port 443, SYN|ACK.
    let opts = [1, 1, 1, 1, 148, 4, 0, 0];
    ip_packets.push(ipv4_with(
        v4(IP_B, IP_C, PROTO_TCP),
        &opts,
        &tcp4(IP_B, IP_C, t(443, 40002, SYN | ACK), &[], &[]),
    ));
    // UDP DNS after options, TTL 1.
    ip_packets.push(ipv4_with(
        V4 {
            ttl: 1,
            ..v4(IP_C, IP_A, PROTO_UDP)
        },
        &opts,
        &udp4(IP_C, IP_A, 53, 33000, b"dns"),
    ));
    // Truncated transport headers: TCP with 3 bytes, UDP with 1 byte,
    // ICMP with none.
    let tcp_whole = tcp4(IP_A, IP_B, t(1025, 22, ACK), &[], &[]);
    ip_packets.push(ipv4(v4(IP_A, IP_B, PROTO_TCP), &tcp_whole[..3]));
    ip_packets.push(ipv4(v4(IP_A, IP_B, PROTO_UDP), &[0]));
    ip_packets.push(ipv4(v4(IP_D, IP_A, PROTO_ICMP), &[]));
    // ICMP time exceeded and echo reply, TOS 0x20, RST to port 25.
    ip_packets.push(ipv4(
        V4 {
            tos: 0x20,
            ..v4(IP_D, IP_A, PROTO_ICMP)
        },
        &icmp(11, 0, [0; 4], &[0x45, 0, 0, 28]),
    ));
    ip_packets.push(ipv4(v4(IP_B, IP_A, PROTO_ICMP), &echo(0, 7, 1, b"pong")));
    ip_packets.push(ipv4(
        v4(IP_B, IP_D, PROTO_TCP),
        &tcp4(IP_B, IP_D, t(25, 40003, RST | ACK), &[], &[]),
    ));
    // Total length 1200, window 500, FIN to port 8080 from port 53.
    ip_packets.push(ipv4(
        v4(IP_A, IP_C, PROTO_TCP),
        &tcp4(
            IP_A,
            IP_C,
            Tcp {
                window: 500,
                ..t(53, 8080, FIN | ACK)
            },
            &[],
            &pattern(1160, 3),
        ),
    ));

    let mut frames = Vec::new();
    for (i, p) in ip_packets.iter().enumerate() {
        let (dst, src) = if i % 3 == 0 {
            (MAC_A, MAC_C)
        } else {
            (MAC_B, MAC_A)
        };
        frames.push(pad60(ether(dst, src, 0x0800, p)));
        // The same packet tagged (VLAN 7), from another source.
        frames.push(pad60(ether_vlan(BROADCAST, MAC_C, 7, 0x0800, p)));
    }
    frames.into_iter().map(Frame::whole).collect()
}

/// Frames arriving on interface 0 of `configs/router.click` (router
/// 10.0.0.254, 02:00:00:00:00:fe; the other interface is 192.168.1.0/24),
/// for `routing-in0.pcap`: an ARP reply to the router, traffic to the other
/// subnet, traffic from the other subnet to a host here (forwarded back
/// out of interface 0), TTLs 5 and 1, a Record Route option, a broadcast,
/// and a bad header checksum.
fn routing_in0_frames() -> Vec<Frame> {
    const ROUTER: Mac = [0x02, 0, 0, 0, 0, 0xfe];
    const ROUTER_IP: [u8; 4] = [10, 0, 0, 254];
    let v4 = V4::new;
    let arp = |op: u16, sha: Mac, spa: [u8; 4], tha: Mac, tpa: [u8; 4]| {
        let mut a = vec![0, 1, 8, 0, 6, 4];
        a.extend_from_slice(&op.to_be_bytes());
        a.extend_from_slice(&sha);
        a.extend_from_slice(&spa);
        a.extend_from_slice(&tha);
        a.extend_from_slice(&tpa);
        a
    };
    let tcp = |sport, dport| Tcp {
        sport,
        dport,
        seq: 7,
        ack: 0,
        flags: SYN,
        window: 29200,
    };
    let mut frames = vec![
        // 10.0.0.1 tells the router where it is.
        pad60(ether(
            ROUTER,
            MAC_A,
            0x0806,
            &arp(2, MAC_A, IP_A, ROUTER, ROUTER_IP),
        )),
        // To the other subnet: waits for ARP there.
        eth4(
            ROUTER,
            MAC_A,
            &ipv4(
                v4(IP_A, IP_C, PROTO_UDP),
                &udp4(IP_A, IP_C, 5000, 53, b"query"),
            ),
        ),
        // From the other subnet to 10.0.0.1: forwarded back out.
        eth4(
            ROUTER,
            MAC_C,
            &ipv4(
                v4(IP_D, IP_A, PROTO_TCP),
                &tcp4(IP_D, IP_A, tcp(40000, 80), &[], &[]),
            ),
        ),
        eth4(
            ROUTER,
            MAC_C,
            &ipv4(
                V4 {
                    ttl: 5,
                    ..v4(IP_D, IP_A, PROTO_ICMP)
                },
                &echo(8, 9, 1, b"five"),
            ),
        ),
        eth4(
            ROUTER,
            MAC_C,
            &ipv4(
                V4 {
                    ttl: 1,
                    ..v4(IP_D, IP_A, PROTO_UDP)
                },
                &udp4(IP_D, IP_A, 6000, 6001, b"ttl1"),
            ),
        ),
        eth4(
            ROUTER,
            MAC_C,
            &ipv4_with(
                v4(IP_D, IP_A, PROTO_UDP),
                &[7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                &udp4(IP_D, IP_A, 6002, 6003, b"record route"),
            ),
        ),
        eth4(
            ROUTER,
            MAC_C,
            &ipv4(
                v4(IP_D, IP_A, PROTO_UDP),
                &udp4(IP_D, IP_A, 6004, 6005, &pattern(1300, 1)),
            ),
        ),
        // A subnet broadcast, for the router itself; not answered.
        eth4(
            BROADCAST,
            MAC_A,
            &ipv4(
                v4(IP_A, [10, 0, 0, 255], PROTO_UDP),
                &udp4(IP_A, [10, 0, 0, 255], 137, 137, b"nb"),
            ),
        ),
    ];
    let mut bad = ipv4(v4(IP_D, IP_A, PROTO_UDP), &udp4(IP_D, IP_A, 1, 2, b"bad"));
    bad[10] ^= 0xff;
    frames.push(eth4(ROUTER, MAC_C, &bad));
    frames.into_iter().map(Frame::whole).collect()
}

/// ARP on a router interface (10.0.0.254, 02:00:00:00:00:fe; proxy ARP for
/// 10.0.0.64/26), for `routing-arp.pcap`: requests for the router, for the
/// proxied range and for another host; a gratuitous request; IPv4 packets
/// to hosts not yet resolved (10.0.0.2 twice, 10.0.0.3); replies from
/// those two hosts (one in an unpadded 42-byte frame) and one from a
/// multicast Ethernet address; then packets to a resolved host, to the
/// subnet broadcast, to a multicast group and to the host whose reply was
/// unusable; a truncated request and an ARP frame for another hardware
/// type.
fn routing_arp_frames() -> Vec<Frame> {
    const ROUTER: Mac = [0x02, 0, 0, 0, 0, 0xfe];
    const ROUTER_IP: [u8; 4] = [10, 0, 0, 254];
    const ZERO: Mac = [0; 6];
    const GROUP_MAC: Mac = [0x03, 0, 0, 0, 0, 9];
    let ip_to = |dst: [u8; 4], sport: u16| {
        eth4(
            ROUTER,
            MAC_A,
            &ipv4(
                V4::new(IP_A, dst, PROTO_UDP),
                &udp4(IP_A, dst, sport, 9, b"data"),
            ),
        )
    };
    let request = |sha: Mac, spa: [u8; 4], tpa: [u8; 4]| {
        pad60(ether(BROADCAST, sha, 0x0806, &arp(1, sha, spa, ZERO, tpa)))
    };
    let mut other_hw = arp(1, MAC_A, IP_A, ZERO, ROUTER_IP);
    other_hw[1] = 6;
    let mut truncated = request(MAC_B, IP_B, ROUTER_IP);
    truncated.truncate(38);
    let frames = vec![
        request(MAC_A, IP_A, ROUTER_IP),
        request(MAC_A, IP_A, [10, 0, 0, 77]),
        request(MAC_A, IP_A, [10, 0, 0, 5]),
        request(MAC_C, [10, 0, 0, 3], [10, 0, 0, 3]),
        ip_to(IP_B, 1001),
        ip_to([10, 0, 0, 3], 1002),
        ip_to(IP_B, 1003),
        pad60(ether(
            ROUTER,
            MAC_B,
            0x0806,
            &arp(2, MAC_B, IP_B, ROUTER, ROUTER_IP),
        )),
        ether(
            ROUTER,
            MAC_C,
            0x0806,
            &arp(2, MAC_C, [10, 0, 0, 3], ROUTER, ROUTER_IP),
        ),
        pad60(ether(
            ROUTER,
            GROUP_MAC,
            0x0806,
            &arp(2, GROUP_MAC, [10, 0, 0, 9], ROUTER, ROUTER_IP),
        )),
        ip_to(IP_B, 1004),
        ip_to([10, 0, 0, 255], 1005),
        ip_to([224, 1, 2, 3], 1006),
        ip_to([10, 0, 0, 9], 1007),
        truncated,
        pad60(ether(BROADCAST, MAC_A, 0x0806, &other_hw)),
        request(MAC_B, IP_B, [10, 0, 0, 100]),
    ];
    frames.into_iter().map(Frame::whole).collect()
}

/// IPv4 frames for the ICMP, option and fragmentation elements, for
/// `routing-icmp.pcap` (hosts 10.0.0.1 and 192.168.1.10; router 10.0.0.254):
/// echo requests (plain, with Record Route, as a first fragment, as a
/// later fragment, truncated), an echo reply, TTL 1, loose and strict
/// source routes, a full and a foreign prespecified Timestamp option,
/// malformed options, an ICMP error, broadcast and multicast destinations,
/// invalid sources, a later fragment, and 1400-byte datagrams with and
/// without DF (with copied and uncopied options).
fn routing_icmp_frames() -> Vec<Frame> {
    const ROUTER: Mac = [0x02, 0, 0, 0, 0, 0xfe];
    const ROUTER_IP: [u8; 4] = [10, 0, 0, 254];
    let v4 = V4::new;
    let udp = |h: V4, opts: &[u8], sport: u16, payload: &[u8]| {
        eth4(
            ROUTER,
            MAC_A,
            &ipv4_with(h, opts, &udp4(h.src, h.dst, sport, 33434, payload)),
        )
    };
    let to_c = v4(IP_A, IP_C, PROTO_UDP);
    let mut frames = vec![
        eth4(
            ROUTER,
            MAC_A,
            &ipv4(v4(IP_A, ROUTER_IP, PROTO_ICMP), &echo(8, 0x51, 1, b"ping")),
        ),
        eth4(
            ROUTER,
            MAC_A,
            &ipv4_with(
                v4(IP_A, ROUTER_IP, PROTO_ICMP),
                &[7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                &echo(8, 0x51, 2, b"ping with record route"),
            ),
        ),
        eth4(
            ROUTER,
            MAC_A,
            &ipv4(
                V4 {
                    frag: 0x2000,
                    ..v4(IP_A, ROUTER_IP, PROTO_ICMP)
                },
                &echo(8, 0x51, 3, &pattern(24, 7)),
            ),
        ),
        eth4(
            ROUTER,
            MAC_A,
            &ipv4(
                V4 {
                    frag: 0x0003,
                    ..v4(IP_A, ROUTER_IP, PROTO_ICMP)
                },
                &[8, 0, 0, 0, 1, 2, 3, 4],
            ),
        ),
        eth4(
            ROUTER,
            MAC_A,
            &ipv4(v4(IP_A, ROUTER_IP, PROTO_ICMP), &[8, 0, 0xf7, 0xff]),
        ),
        eth4(
            ROUTER,
            MAC_A,
            &ipv4(v4(IP_A, ROUTER_IP, PROTO_ICMP), &echo(0, 0x51, 4, b"pong")),
        ),
        udp(V4 { ttl: 1, ..to_c }, &[], 40001, b"ttl one"),
        // Loose source route via 10.0.0.254 then 192.168.1.254, one hop
        // used (pointer 8).
        udp(
            to_c,
            &[131, 11, 8, 10, 0, 0, 254, 192, 168, 1, 254, 0],
            40002,
            b"lsrr",
        ),
        // Strict source route, nothing used yet (pointer 4).
        udp(to_c, &[137, 7, 4, 192, 168, 1, 254, 0], 40003, b"ssrr"),
        // Timestamp option, full (flag 0): the overflow count goes up.
        udp(to_c, &[68, 8, 9, 0x00, 0, 0, 0, 1], 40004, b"ts full"),
        // Timestamp with a prespecified address that is not ours (flag 3).
        udp(
            to_c,
            &[68, 12, 5, 0x03, 1, 2, 3, 4, 0, 0, 0, 0],
            40005,
            b"ts other",
        ),
        // Record Route whose length runs past the header.
        udp(to_c, &[7, 15, 4, 0, 0, 0, 0, 0], 40006, b"bad rr"),
        // Record Route with a pointer below 4.
        udp(
            to_c,
            &[1, 7, 7, 2, 0, 0, 0, 0, 0, 0, 0, 0],
            40007,
            b"bad pointer",
        ),
        // An ICMP error (port unreachable quoting a UDP header).
        eth4(
            ROUTER,
            MAC_A,
            &ipv4(
                v4(IP_A, IP_C, PROTO_ICMP),
                &icmp(
                    3,
                    3,
                    [0; 4],
                    &ipv4(v4(IP_C, IP_A, PROTO_UDP), &udp_raw(53, 40000, b"")),
                ),
            ),
        ),
        udp(
            v4(IP_A, [10, 0, 0, 255], PROTO_UDP),
            &[],
            40008,
            b"subnet broadcast",
        ),
        udp(
            v4(IP_A, [255, 255, 255, 255], PROTO_UDP),
            &[],
            40009,
            b"broadcast",
        ),
        udp(
            v4(IP_A, [224, 0, 0, 9], PROTO_UDP),
            &[],
            40010,
            b"multicast",
        ),
        udp(
            v4([127, 0, 0, 1], IP_C, PROTO_UDP),
            &[],
            40011,
            b"loopback source",
        ),
        udp(
            v4([0, 0, 0, 7], IP_C, PROTO_UDP),
            &[],
            40012,
            b"net zero source",
        ),
        eth4(
            ROUTER,
            MAC_A,
            &ipv4(
                V4 {
                    frag: 0x0004,
                    ..to_c
                },
                &pattern(16, 3),
            ),
        ),
        udp(to_c, &[], 40013, &pattern(1372, 9)),
        udp(V4 { frag: 0, ..to_c }, &[], 40014, &pattern(1372, 11)),
        udp(
            V4 {
                frag: 0,
                id: 0x2222,
                ..to_c
            },
            &[7, 7, 4, 0, 0, 0, 0, 131, 7, 4, 10, 0, 0, 254, 0, 0],
            40015,
            &pattern(1356, 13),
        ),
        udp(V4 { tos: 0x10, ..to_c }, &[], 40016, b"plain"),
    ];
    // The last frame arrived as a link-level broadcast.
    frames.push(pad60(ether(
        BROADCAST,
        MAC_A,
        0x0800,
        &ipv4(to_c, &udp4(IP_A, IP_C, 40017, 33434, b"link broadcast")),
    )));
    frames.into_iter().map(Frame::whole).collect()
}

/// A deterministic xorshift generator for the synthetic route table.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Whether `addr/len` overlaps address space a public routing table does
/// not carry (0/8, 10/8, 127/8, 172.16/12, 192.168/16, 224/3), which
/// also keeps it clear of the router's own subnets.
fn reserved(addr: u32, len: u32) -> bool {
    const RESERVED: &[(u32, u32)] = &[
        (0x0000_0000, 8),
        (0x0a00_0000, 8),
        (0x7f00_0000, 8),
        (0xac10_0000, 12),
        (0xc0a8_0000, 16),
        (0xe000_0000, 3),
    ];
    RESERVED.iter().any(|&(r, rl)| {
        let l = rl.min(len);
        let m = u32::MAX << (32 - l);
        addr & m == r & m
    })
}

/// `n` routes in the shape of a public BGP table: prefix lengths drawn
/// from a distribution like today's (most /24, then /22, /23, /21, /20,
/// /16, a few shorter and longer), about a third of them drawn as
/// more-specifics of routes already drawn, none in reserved space; each through one of
/// eight gateways on either interface of `configs/router.click`
/// (10.0.0.1–8, output 1; 192.168.1.1–8, output 2). One `ADDR/LEN GW OUT`
/// per route, in Click's route syntax.
fn synthetic_routes(n: usize) -> Vec<(u32, u32, String)> {
    // (prefix length, weight in thousandths)
    const LENGTHS: &[(u32, u64)] = &[
        (8, 2),
        (12, 3),
        (13, 3),
        (14, 5),
        (15, 7),
        (16, 30),
        (17, 15),
        (18, 20),
        (19, 30),
        (20, 50),
        (21, 50),
        (22, 120),
        (23, 90),
        (24, 560),
        (25, 5),
        (26, 4),
        (28, 3),
        (29, 2),
        (32, 1),
    ];
    let total: u64 = LENGTHS.iter().map(|&(_, w)| w).sum();
    let mut rng = XorShift(0x005e_ed0f_1000_7a61);
    let mut seen = std::collections::HashSet::new();
    let mut routes: Vec<(u32, u32, String)> = Vec::with_capacity(n);
    while routes.len() < n {
        let (addr, len) = if !routes.is_empty() && rng.below(3) == 0 {
            // A more-specific of a route already in the table.
            let (base, blen, _) = routes[rng.below(routes.len() as u64) as usize];
            if blen > 23 {
                continue;
            }
            let len = (blen + 1 + rng.below(3) as u32).min(24);
            let host = rng.next() as u32 & (u32::MAX >> blen);
            (base | host, len)
        } else {
            let mut pick = rng.below(total);
            let len = LENGTHS
                .iter()
                .find(|&&(_, w)| {
                    if pick < w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .map_or(24, |&(l, _)| l);
            let first = 1 + rng.below(223) as u32;
            (first << 24 | (rng.next() as u32 & 0x00ff_ffff), len)
        };
        let addr = addr & (u32::MAX << (32 - len));
        if reserved(addr, len) || !seen.insert((addr, len)) {
            continue;
        }
        let iface = rng.below(2);
        let gw = if iface == 0 {
            format!("10.0.0.{}", 1 + rng.below(8))
        } else {
            format!("192.168.1.{}", 1 + rng.below(8))
        };
        let text = format!(
            "{}/{len} {gw} {}",
            std::net::Ipv4Addr::from(addr),
            iface + 1
        );
        routes.push((addr, len, text));
    }
    routes
}

/// Traffic for `routing-1000routes.pcap`, arriving on interface 0 of the
/// 1,000-route router: 120 UDP packets from 10.0.0.1, four in five to an
/// address inside a route drawn at random (the longest match may be a
/// more-specific), the rest to random public addresses (most match no
/// route and are dropped).
fn routing_1000routes_frames(routes: &[(u32, u32, String)]) -> Vec<Frame> {
    const ROUTER: Mac = [0x02, 0, 0, 0, 0, 0xfe];
    let mut rng = XorShift(0x7a61_7a61_0120_0001);
    let mut frames = Vec::new();
    while frames.len() < 120 {
        let dst = if rng.below(5) < 4 {
            let (addr, len, _) = routes[rng.below(routes.len() as u64) as usize];
            addr | (rng.next() as u32 & (u32::MAX.checked_shr(len).unwrap_or(0)))
        } else {
            (1 + rng.below(223) as u32) << 24 | (rng.next() as u32 & 0x00ff_ffff)
        };
        if reserved(dst, 32) {
            continue;
        }
        let dst = dst.to_be_bytes();
        let sport = 20000 + frames.len() as u16;
        frames.push(eth4(
            ROUTER,
            MAC_A,
            &ipv4(
                V4::new(IP_A, dst, PROTO_UDP),
                &udp4(IP_A, dst, sport, 5678, b"route me"),
            ),
        ));
    }
    frames.into_iter().map(Frame::whole).collect()
}

/// `configs/router.click` with the synthetic routes in its routing table
/// and next hops fixed instead of resolved by ARP, for benchmarks and
/// tests that feed it from memory or captures.
fn router_with_routes(router: &str, routes: &[(u32, u32, String)]) -> io::Result<String> {
    let bad = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("configs/router.click: cannot find {what}"),
        )
    };
    let mut text = String::from(
        "// router-1000routes.click — configs/router.click (generated from it by\n\
         // src/bin/make-captures.rs) with 1,000 more routes in `rt`, drawn like a\n\
         // public BGP table (testdata/routing/routes-1000.txt), and each\n\
         // interface's next hop fixed (EtherEncap to 02:00:00:00:00:01 on\n\
         // interface 0, 02:00:00:00:01:01 on interface 1) instead of resolved by\n\
         // ARPQuerier, so that in-memory sources and captures can drive it. The\n\
         // routes' gateways stay in the destination annotation.\n//\n",
    );
    let table_end = "$NET0 1, $NET1 2);";
    if !router.contains(table_end) {
        return Err(bad("the end of the rt table"));
    }
    let mut with_routes = String::from("$NET0 1, $NET1 2,\n");
    for (i, (_, _, r)) in routes.iter().enumerate() {
        with_routes.push_str("                    ");
        with_routes.push_str(r);
        with_routes.push_str(if i + 1 == routes.len() { ");" } else { ",\n" });
    }
    let mut body = router.replacen(table_end, &with_routes, 1);
    for (i, mac) in [(0, "02:00:00:00:00:01"), (1, "02:00:00:00:01:01")] {
        let querier = format!("c{i}[1] -> [1]arpq{i} :: ARPQuerier($IP{i}, $MAC{i}) -> out{i}_q;");
        if !body.contains(&querier) {
            return Err(bad(&querier));
        }
        body = body.replacen(&querier, &format!("c{i}[1] -> Discard;"), 1);
        let into = format!("  -> arpq{i};");
        if !body.contains(&into) {
            return Err(bad(&into));
        }
        body = body.replacen(
            &into,
            &format!("  -> EtherEncap(0x0800, $MAC{i}, {mac}) -> out{i}_q;"),
            1,
        );
    }
    text.push_str(&body);
    Ok(text)
}

/// Writes `routes-1000.txt` and `router-1000routes.click` into `dir`.
fn write_routing_data(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let routes = synthetic_routes(1000);
    let mut list = String::new();
    for (_, _, r) in &routes {
        list.push_str(r);
        list.push('\n');
    }
    let routes_path = dir.join("routes-1000.txt");
    std::fs::write(&routes_path, list)?;
    let router = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("configs/router.click"),
    )?;
    let config_path = dir.join("router-1000routes.click");
    std::fs::write(&config_path, router_with_routes(&router, &routes)?)?;
    Ok(vec![routes_path, config_path])
}

/// Flows through a NAT whose public address is 1.0.0.1 and which gives
/// ports from 1024 in sequence, for `nat-flows.pcap`: inside hosts
/// 10.0.0.1 and 10.0.0.2 both using source port 40000, replies from
/// outside to the public address (ports 1024 and 1025), an unknown outside
/// packet, a TCP handshake (port 1026), a source port below the range, a
/// mapping used again, and an ICMP port unreachable about a translated
/// flow.
fn nat_frames() -> Vec<Frame> {
    const PUBLIC: [u8; 4] = [1, 0, 0, 1];
    const DNS: [u8; 4] = [8, 8, 8, 8];
    const WEB: [u8; 4] = [93, 184, 216, 34];
    let v4 = V4::new;
    let t = |sport, dport, flags, seq, ack| Tcp {
        sport,
        dport,
        seq,
        ack,
        flags,
        window: 29200,
    };
    let udp = |s: [u8; 4], sp, d: [u8; 4], dp, data: &[u8]| {
        eth4(
            MAC_B,
            MAC_A,
            &ipv4(v4(s, d, PROTO_UDP), &udp4(s, d, sp, dp, data)),
        )
    };
    let tcp = |s: [u8; 4], d: [u8; 4], seg: Tcp| {
        eth4(
            MAC_B,
            MAC_A,
            &ipv4(v4(s, d, PROTO_TCP), &tcp4(s, d, seg, &[], &[])),
        )
    };
    let mut frames = vec![
        udp(IP_A, 40000, DNS, 53, b"query a"),
        udp(IP_B, 40000, DNS, 53, b"query b"),
        udp(DNS, 53, PUBLIC, 1024, b"answer a"),
        udp(DNS, 53, PUBLIC, 1025, b"answer b"),
        udp([9, 9, 9, 9], 80, PUBLIC, 5555, b"unsolicited"),
        tcp(IP_A, WEB, t(50000, 80, SYN, 100, 0)),
        tcp(WEB, PUBLIC, t(80, 1026, SYN | ACK, 900, 101)),
        tcp(IP_A, WEB, t(50000, 80, ACK, 101, 901)),
        udp(IP_A, 1000, DNS, 53, b"low port"),
        udp(IP_A, 40000, DNS, 53, b"query a again"),
    ];
    // Port unreachable from 8.8.8.8 about 1.0.0.1:1024 -> 8.8.8.8:53,
    // quoting the translated packet.
    let quoted = ipv4(
        v4(PUBLIC, DNS, PROTO_UDP),
        &udp4(PUBLIC, DNS, 1024, 53, b"query a"),
    );
    frames.push(eth4(
        MAC_B,
        MAC_A,
        &ipv4(
            v4(DNS, PUBLIC, PROTO_ICMP),
            &icmp(3, 3, [0; 4], &quoted[..28]),
        ),
    ));
    frames.into_iter().map(Frame::whole).collect()
}

/// Both directions of TCP, UDP and ICMP echo through a NAT whose public
/// address is 1.0.0.1 (TCP/UDP ports from 1024 in sequence, echo IDs from
/// 1000 in sequence), for `nat-mixed.pcap`: a UDP flow that becomes
/// "streaming" (three packets, a reply among them), a TCP connection with
/// data both ways closed by FINs, one reset, pings from two hosts with the
/// same ID and their replies, ICMP errors quoting a UDP, a TCP and an echo
/// packet, a UDP datagram without checksum, a later fragment, a GRE
/// packet, a truncated TCP header, and an unsolicited packet from outside.
fn nat_mixed_frames() -> Vec<Frame> {
    const PUBLIC: [u8; 4] = [1, 0, 0, 1];
    const DNS: [u8; 4] = [8, 8, 8, 8];
    const NTP: [u8; 4] = [8, 8, 4, 4];
    const WEB: [u8; 4] = [93, 184, 216, 34];
    const ROUTER: [u8; 4] = [5, 5, 5, 5];
    const IP_C: [u8; 4] = [10, 0, 0, 3];
    let v4 = V4::new;
    let frame = |ip: Vec<u8>| pad60(eth4(MAC_B, MAC_A, &ip));
    let udp = |s: [u8; 4], sp, d: [u8; 4], dp, data: &[u8]| {
        frame(ipv4(v4(s, d, PROTO_UDP), &udp4(s, d, sp, dp, data)))
    };
    let tcp = |s: [u8; 4],
               d: [u8; 4],
               (sport, dport): (u16, u16),
               flags,
               (seq, ack): (u32, u32),
               data: &[u8]| {
        let seg = Tcp {
            sport,
            dport,
            seq,
            ack,
            flags,
            window: 29200,
        };
        frame(ipv4(v4(s, d, PROTO_TCP), &tcp4(s, d, seg, &[], data)))
    };
    let ping = |s: [u8; 4], d: [u8; 4], kind, id, seq| {
        frame(ipv4(
            v4(s, d, PROTO_ICMP),
            &echo(kind, id, seq, b"ping data"),
        ))
    };
    let error = |from: [u8; 4], kind, code, quoted: Vec<u8>| {
        let q = &quoted[..quoted.len().min(28)];
        frame(ipv4(
            v4(from, PUBLIC, PROTO_ICMP),
            &icmp(kind, code, [0; 4], q),
        ))
    };
    let mut frames = vec![
        udp(IP_A, 5000, DNS, 53, b"query 1"),
        udp(DNS, 53, PUBLIC, 1024, b"answer 1"),
        udp(IP_A, 5000, DNS, 53, b"query 2"),
        tcp(IP_B, WEB, (40000, 80), SYN, (100, 0), &[]),
        tcp(WEB, PUBLIC, (80, 1025), SYN | ACK, (900, 101), &[]),
        tcp(
            IP_B,
            WEB,
            (40000, 80),
            ACK | PSH,
            (101, 901),
            b"GET / HTTP/1.0\r\n\r\n",
        ),
        tcp(
            WEB,
            PUBLIC,
            (80, 1025),
            ACK | PSH,
            (901, 119),
            b"HTTP/1.0 200 OK\r\n\r\nhello",
        ),
        tcp(IP_B, WEB, (40000, 80), FIN | ACK, (119, 925), &[]),
        tcp(WEB, PUBLIC, (80, 1025), FIN | ACK, (925, 120), &[]),
        tcp(IP_C, WEB, (41000, 443), SYN, (7, 0), &[]),
        tcp(WEB, PUBLIC, (443, 1026), RST | ACK, (0, 8), &[]),
        ping(IP_A, DNS, 8, 0x1234, 1),
        ping(DNS, PUBLIC, 0, 1000, 1),
        ping(IP_B, DNS, 8, 0x1234, 1),
        ping(DNS, PUBLIC, 0, 1001, 1),
        ping(IP_A, DNS, 8, 0x1234, 2),
        error(
            DNS,
            3,
            3,
            ipv4(
                v4(PUBLIC, DNS, PROTO_UDP),
                &udp4(PUBLIC, DNS, 1024, 53, b"query 1"),
            ),
        ),
        error(
            ROUTER,
            11,
            0,
            ipv4(
                v4(PUBLIC, WEB, PROTO_TCP),
                &tcp4(
                    PUBLIC,
                    WEB,
                    Tcp {
                        sport: 1025,
                        dport: 80,
                        seq: 101,
                        ack: 901,
                        flags: ACK,
                        window: 29200,
                    },
                    &[],
                    &[],
                ),
            ),
        ),
        error(
            DNS,
            3,
            1,
            ipv4(v4(PUBLIC, DNS, PROTO_ICMP), &echo(8, 1000, 1, b"ping data")),
        ),
        error(
            DNS,
            3,
            3,
            ipv4(
                v4(PUBLIC, DNS, PROTO_UDP),
                &udp4(PUBLIC, DNS, 4444, 53, b"nobody"),
            ),
        ),
    ];
    // UDP without a checksum.
    frames.push(frame(ipv4(
        v4(IP_C, NTP, PROTO_UDP),
        &udp_raw(7000, 123, b"time?"),
    )));
    frames.push(udp(NTP, 123, PUBLIC, 1027, b"time!"));
    // A later fragment of a UDP datagram.
    frames.push(frame(ipv4(
        V4 {
            frag: 0x0003,
            ..v4(IP_A, DNS, PROTO_UDP)
        },
        b"fragment tail",
    )));
    // GRE, which the TCP/UDP rewriters do not handle.
    frames.push(frame(ipv4(v4(IP_A, DNS, 47), &[0, 0, 0x08, 0, 1, 2, 3, 4])));
    // A TCP header cut after 12 bytes.
    let cut = tcp(IP_C, WEB, (42000, 80), SYN, (1, 0), &[]);
    frames.push(cut[..14 + 20 + 12].to_vec());
    frames.push(udp([9, 9, 9, 9], 80, PUBLIC, 5555, b"unsolicited"));
    frames.into_iter().map(Frame::whole).collect()
}

/// What the inside interface of `configs/cgnat.click` receives, for
/// `nat-cgnat-inside.pcap`: ARP replies from two subscribers (learned),
/// two subscribers punching holes to each other's public endpoint (the
/// first packet is refused, the next ones are hairpinned both ways), and
/// TCP, UDP and ping flows to a server outside from the three port blocks.
fn nat_cgnat_inside_frames() -> Vec<Frame> {
    const NAT_MAC: Mac = [0x02, 0, 0, 0, 0x10, 0x01];
    const NAT_IN: [u8; 4] = [100, 64, 0, 254];
    const PUB: [u8; 4] = [198, 51, 100, 1];
    const SERVER: [u8; 4] = [198, 51, 100, 2];
    const S1: [u8; 4] = [100, 64, 0, 1];
    const S2: [u8; 4] = [100, 64, 0, 2];
    const S3: [u8; 4] = [100, 64, 0, 7];
    const M1: Mac = [0x02, 0, 0, 0, 0x30, 0x01];
    const M2: Mac = [0x02, 0, 0, 0, 0x30, 0x02];
    const M3: Mac = [0x02, 0, 0, 0, 0x30, 0x07];
    let v4 = V4::new;
    let ip = |mac: Mac, p: Vec<u8>| pad60(eth4(NAT_MAC, mac, &p));
    let udp = |mac, s: [u8; 4], sp, d: [u8; 4], dp, data: &[u8]| {
        ip(mac, ipv4(v4(s, d, PROTO_UDP), &udp4(s, d, sp, dp, data)))
    };
    let frames = vec![
        pad60(ether(NAT_MAC, M1, 0x0806, &arp(2, M1, S1, NAT_MAC, NAT_IN))),
        pad60(ether(NAT_MAC, M2, 0x0806, &arp(2, M2, S2, NAT_MAC, NAT_IN))),
        udp(M2, S2, 20000, PUB, 5000, b"punch from 2"),
        udp(M1, S1, 5000, PUB, 20000, b"punch from 1"),
        udp(M2, S2, 20000, PUB, 5000, b"hello 1"),
        ip(
            M1,
            ipv4(
                v4(S1, SERVER, PROTO_TCP),
                &tcp4(
                    S1,
                    SERVER,
                    Tcp {
                        sport: 6000,
                        dport: 80,
                        seq: 1,
                        ack: 0,
                        flags: SYN,
                        window: 29200,
                    },
                    &[],
                    &[],
                ),
            ),
        ),
        ip(
            M1,
            ipv4(v4(S1, SERVER, PROTO_ICMP), &echo(8, 0x99, 1, b"server?")),
        ),
        udp(M2, S2, 33000, SERVER, 53, b"query"),
        udp(M3, S3, 40000, SERVER, 53, b"query"),
    ];
    frames.into_iter().map(Frame::whole).collect()
}

/// IP-in-IP packets from the remote tunnel end 198.51.100.7 to the local
/// one 192.0.2.1 (`configs/tunnel.click`), carrying the IPv4 packets of
/// `mixed.pcap`, and one from another source, for `tunnel-ipip.pcap`.
fn tunnel_frames(mixed: &[Frame]) -> Vec<Frame> {
    const LOCAL: [u8; 4] = [192, 0, 2, 1];
    const REMOTE: [u8; 4] = [198, 51, 100, 7];
    const MAC: Mac = [0x02, 0, 0, 0, 0x40, 0x01];
    let mut frames = Vec::new();
    for f in mixed {
        let d = &f.data;
        if d.len() < 34 || d[12..14] != [0x08, 0x00] || d.len() != f.wire_len as usize {
            continue;
        }
        let total = usize::from(u16::from_be_bytes([d[16], d[17]]));
        let Some(inner) = d.get(14..14 + total) else {
            continue;
        };
        let outer = ipv4(
            V4 {
                ttl: 60,
                ..V4::new(REMOTE, LOCAL, 4)
            },
            inner,
        );
        frames.push(eth4(MAC, MAC_C, &outer));
    }
    let stray = ipv4(
        V4::new([203, 0, 113, 9], LOCAL, 4),
        &ipv4(
            V4::new(IP_A, IP_B, PROTO_UDP),
            &udp4(IP_A, IP_B, 1, 2, b"x"),
        ),
    );
    frames.push(eth4(MAC, MAC_C, &stray));
    frames.into_iter().map(Frame::whole).collect()
}

/// The frames of `monitor-flows.pcap`, each with its time (seconds and
/// microseconds after 1700000000).
fn monitor_frames() -> Vec<(u64, u32, Frame)> {
    let t = |sport, dport, seq, ack, flags| Tcp {
        sport,
        dport,
        seq,
        ack,
        flags,
        window: 29200,
    };
    let v4 = V4::new;
    let e = |ip: Vec<u8>| Frame::whole(eth4(MAC_B, MAC_A, &ip));
    let tcp = |src, dst, seg: Tcp, opts: &[u8], data: &[u8]| {
        e(ipv4(
            v4(src, dst, PROTO_TCP),
            &tcp4(src, dst, seg, opts, data),
        ))
    };
    let udp = |src, dst, sport, dport, data: &[u8]| {
        e(ipv4(
            v4(src, dst, PROTO_UDP),
            &udp4(src, dst, sport, dport, data),
        ))
    };
    let ip_e: [u8; 4] = [172, 16, 0, 5];
    let mut f: Vec<(u64, u32, Frame)> = Vec::new();
    // A connection, opened from A.
    f.push((
        0,
        0,
        tcp(IP_A, IP_B, t(1000, 80, 1, 0, SYN), SYN_OPTIONS, b""),
    ));
    f.push((
        0,
        10_000,
        tcp(IP_B, IP_A, t(80, 1000, 9, 2, SYN | ACK), SYN_OPTIONS, b""),
    ));
    f.push((
        0,
        20_000,
        tcp(IP_A, IP_B, t(1000, 80, 2, 10, ACK), &ts_option(5, 6), b""),
    ));
    // A DNS exchange, a port unreachable quoting it, a ping.
    let query = udp4(IP_C, IP_D, 5000, 53, b"query");
    f.push((0, 30_000, udp(IP_C, IP_D, 5000, 53, b"query")));
    f.push((0, 40_000, udp(IP_D, IP_C, 53, 5000, b"answer")));
    let quoted = ipv4(v4(IP_C, IP_D, PROTO_UDP), &query);
    f.push((
        0,
        50_000,
        e(ipv4(
            v4(IP_D, IP_C, PROTO_ICMP),
            &icmp(3, 3, [0; 4], &quoted),
        )),
    ));
    f.push((
        0,
        60_000,
        e(ipv4(v4(IP_A, IP_B, PROTO_ICMP), &echo(8, 77, 1, b"ping"))),
    ));
    // A connection whose first packet is the server's.
    f.push((
        0,
        70_000,
        tcp(IP_D, IP_C, t(443, 2000, 50, 60, ACK), &[], b"late"),
    ));
    f.push((
        0,
        80_000,
        tcp(IP_C, IP_D, t(2000, 443, 60, 54, ACK | PSH), &[], b"hello"),
    ));
    // The first connection closes both ways.
    f.push((
        1,
        0,
        tcp(IP_A, IP_B, t(1000, 80, 2, 10, FIN | ACK), &[], b""),
    ));
    f.push((
        1,
        10_000,
        tcp(IP_B, IP_A, t(80, 1000, 10, 3, FIN | ACK), &[], b""),
    ));
    f.push((
        1,
        20_000,
        tcp(IP_A, IP_B, t(1000, 80, 3, 11, ACK), &[], b""),
    ));
    // ... and opens again: a new flow.
    f.push((
        2,
        0,
        tcp(IP_A, IP_B, t(1000, 80, 100, 0, SYN), SYN_OPTIONS, b""),
    ));
    // A UDP datagram in two fragments, a datagram after them, a lone
    // later fragment whose first one never comes.
    let dgram = udp4(IP_C, IP_D, 6000, 7000, &pattern(40, 1));
    let mut h = v4(IP_C, IP_D, PROTO_UDP);
    h.id = 0x2222;
    h.frag = 0x2000;
    f.push((2, 500_000, e(ipv4(h, &dgram[..24]))));
    h.frag = 3;
    f.push((2, 600_000, e(ipv4(h, &dgram[24..]))));
    f.push((2, 700_000, udp(IP_C, IP_D, 5001, 53, b"behind")));
    h.id = 0x3333;
    h.frag = 5;
    f.push((3, 0, e(ipv4(h, &pattern(16, 9)))));
    // Record route and timestamp IP options on a TCP segment.
    let mut h = v4(IP_A, IP_B, PROTO_TCP);
    h.tos = 0x12;
    h.ttl = 3;
    let opts = [
        7, 11, 8, 10, 0, 0, 1, 0, 0, 0, 0, 68, 12, 9, 0x00, 0, 0, 0, 5, 0, 0, 0, 0,
    ];
    let mut o = opts.to_vec();
    o.push(0);
    f.push((
        4,
        0,
        e(ipv4_with(
            h,
            &o,
            &tcp4(IP_A, IP_B, t(1000, 80, 101, 0, ACK), &[], b""),
        )),
    ));
    // Not IP.
    f.push((
        5,
        0,
        Frame::whole(pad60(ether(
            BROADCAST,
            MAC_A,
            0x0806,
            &arp(1, MAC_A, IP_A, [0; 6], IP_B),
        ))),
    ));
    // A host talking to itself, both ways.
    f.push((
        6,
        0,
        e(ipv4(
            v4(ip_e, ip_e, PROTO_UDP),
            &udp4(ip_e, ip_e, 9, 7, b"self"),
        )),
    ));
    f.push((
        6,
        1_000,
        e(ipv4(
            v4(ip_e, ip_e, PROTO_UDP),
            &udp4(ip_e, ip_e, 7, 9, b"back"),
        )),
    ));
    // Forty seconds on: the held packets between C and D go out.
    f.push((40, 0, udp(IP_C, IP_D, 5000, 53, b"again")));
    // A hundred seconds on: the DNS flow timed out, a new number.
    f.push((101, 0, udp(IP_C, IP_D, 5000, 53, b"later")));
    f.push((
        101,
        500_000,
        tcp(IP_D, IP_C, t(22, 40000, 5, 0, RST), &[], b""),
    ));
    f.push((
        102,
        0,
        tcp(IP_A, IP_B, t(1000, 80, 102, 0, ACK | URG_FLAG), &[], b"x"),
    ));
    f
}

const URG_FLAG: u8 = 0x20;

/// Old tcpdump text for FromTcpdump (see the module header).
const TCPDUMP_OLD: &str = r#"1700000000.000000 10.0.0.1.1000 > 10.0.0.2.80: S 1:1(0) win 29200 <mss 1460,sackOK,timestamp 4096 0,nop,wscale 7> (DF) (ttl 64, id 4096, len 60)
1700000000.010000 10.0.0.2.80 > 10.0.0.1.1000: S 9:9(0) ack 2 win 29200 <mss 1460,sackOK,timestamp 4096 0,nop,wscale 7> (DF)
1700000000.020000 10.0.0.1.1000 > 10.0.0.2.80: . 1:1(0) ack 1 win 29200 <nop,nop,timestamp 5 6>
1700000000.030000 10.0.0.1.1000 > 10.0.0.2.80: P 1:6(5) ack 1 win 29200 (ttl 64, id 7)
1700000000.040000 10.0.0.2.80 > 10.0.0.1.1000: . ack 6 win 29200 [tos 0x10]
# a comment
1700000000.050000 10.0.0.2.80 > 10.0.0.1.1000: F 1:1(0) ack 6 win 29200
1700000000.060000 192.168.1.10.5000 > 192.168.1.20.domain: udp 5 (ttl 64, id 1)
1700000000.070000 192.168.1.10.5000 > 192.168.1.20.53:  [udp sum ok] udp 13
1700000000.080000 10.0.0.1 > 10.0.0.2: icmp: echo request (ttl 64, id 9, len 84)
1700000000.090000 10.0.0.1 > 10.0.0.2: (frag 4660:100@1480+)
this is not a packet
1700000000.100000 10.0.0.2.80 > 10.0.0.1.1000: R 1:1(0) win 0 (DF) [tos 0x2,ECT(0)]
1700000000.110000 10.0.0.1.1000 > 10.0.0.2.80: . 6:1454(1448) ack 2 win 29200 <nop,nop,sack sack 1 {1:100} > (DF)
1700000000.120000 10.0.0.1.1000 > 10.0.0.2.80: FP 1454:1460(6) ack 2 win 29200 urg 3 (DF) (ttl 63, id 11, len 46)
1700000000.130000 10.1.1.1.ssh > 10.2.2.2.1023: P 100:200(100) ack 7 win 512 (ttl 64, id 1, len 140)
"#;

/// tcpdump 4.99.3 `-tt -n -r tcp-flows.pcap`.
const TCPDUMP_TCP_FLOWS: &str = r#"1700000000.000000 IP 10.0.0.1.43000 > 10.0.0.2.80: Flags [S], seq 268435456, win 64240, options [mss 1460,sackOK,TS val 4096 ecr 0,nop,wscale 7], length 0
1700000000.001000 IP 192.168.1.10.43001 > 10.0.0.2.443: Flags [S], seq 4294967040, win 64240, options [mss 1460,sackOK,TS val 4096 ecr 0,nop,wscale 7], length 0
1700000000.002000 IP 10.0.0.1.43002 > 192.168.1.20.8080: Flags [S], seq 7, win 64240, options [mss 1460,sackOK,TS val 4096 ecr 0,nop,wscale 7], length 0
1700000000.003000 IP 10.0.0.2.80 > 10.0.0.1.43000: Flags [S.], seq 536870912, ack 268435457, win 64240, options [mss 1460,sackOK,TS val 4096 ecr 0,nop,wscale 7], length 0
1700000000.004000 IP 10.0.0.2.443 > 192.168.1.10.43001: Flags [S.], seq 805306368, ack 4294967041, win 64240, options [mss 1460,sackOK,TS val 4096 ecr 0,nop,wscale 7], length 0
1700000000.005000 IP 192.168.1.20.8080 > 10.0.0.1.43002: Flags [S.], seq 9, ack 8, win 64240, options [mss 1460,sackOK,TS val 4096 ecr 0,nop,wscale 7], length 0
1700000000.006000 IP 10.0.0.1.43000 > 10.0.0.2.80: Flags [.], ack 1, win 64240, length 0
1700000000.007000 IP 192.168.1.10.43001 > 10.0.0.2.443: Flags [.], ack 1, win 64240, length 0
1700000000.008000 IP 10.0.0.1.43002 > 192.168.1.20.8080: Flags [.], ack 1, win 64240, length 0
1700000000.009000 IP 10.0.0.1.43000 > 10.0.0.2.80: Flags [P.], seq 1:121, ack 1, win 64240, length 120: HTTP
1700000000.010000 IP 192.168.1.10.43001 > 10.0.0.2.443: Flags [P.], seq 1:121, ack 1, win 64240, length 120
1700000000.011000 IP 10.0.0.1.43002 > 192.168.1.20.8080: Flags [P.], seq 1:121, ack 1, win 64240, length 120: HTTP
1700000000.012000 IP 10.0.0.2.80 > 10.0.0.1.43000: Flags [.], ack 121, win 64240, length 0
1700000000.013000 IP 10.0.0.2.443 > 192.168.1.10.43001: Flags [.], ack 121, win 64240, length 0
1700000000.014000 IP 192.168.1.20.8080 > 10.0.0.1.43002: Flags [.], ack 121, win 64240, length 0
1700000000.015000 IP 10.0.0.2.80 > 10.0.0.1.43000: Flags [P.], seq 1:1201, ack 121, win 64240, length 1200: HTTP
1700000000.016000 IP 10.0.0.2.443 > 192.168.1.10.43001: Flags [P.], seq 1:1201, ack 121, win 64240, length 1200
1700000000.017000 IP 192.168.1.20.8080 > 10.0.0.1.43002: Flags [P.], seq 1:1201, ack 121, win 64240, length 1200: HTTP
1700000000.018000 IP 10.0.0.2.80 > 10.0.0.1.43000: Flags [P.], seq 1201:1501, ack 121, win 64240, length 300: HTTP
1700000000.019000 IP 10.0.0.2.443 > 192.168.1.10.43001: Flags [P.], seq 1201:1501, ack 121, win 64240, length 300
1700000000.020000 IP 192.168.1.20.8080 > 10.0.0.1.43002: Flags [P.], seq 1201:1501, ack 121, win 64240, length 300: HTTP
1700000000.021000 IP 10.0.0.1.43000 > 10.0.0.2.80: Flags [.], ack 1501, win 64240, length 0
1700000000.022000 IP 192.168.1.10.43001 > 10.0.0.2.443: Flags [.], ack 1501, win 64240, length 0
1700000000.023000 IP 10.0.0.1.43002 > 192.168.1.20.8080: Flags [.], ack 1501, win 64240, length 0
1700000000.024000 IP 10.0.0.1.43000 > 10.0.0.2.80: Flags [F.], seq 121, ack 1501, win 64240, length 0
1700000000.025000 IP 192.168.1.10.43001 > 10.0.0.2.443: Flags [F.], seq 121, ack 1501, win 64240, length 0
1700000000.026000 IP 10.0.0.1.43002 > 192.168.1.20.8080: Flags [F.], seq 121, ack 1501, win 64240, length 0
1700000000.027000 IP 10.0.0.2.80 > 10.0.0.1.43000: Flags [F.], seq 1501, ack 122, win 64240, length 0
1700000000.028000 IP 10.0.0.2.443 > 192.168.1.10.43001: Flags [F.], seq 1501, ack 122, win 64240, length 0
1700000000.029000 IP 192.168.1.20.8080 > 10.0.0.1.43002: Flags [F.], seq 1501, ack 122, win 64240, length 0
1700000000.030000 IP 10.0.0.1.43000 > 10.0.0.2.80: Flags [.], ack 1502, win 64240, length 0
1700000000.031000 IP 192.168.1.10.43001 > 10.0.0.2.443: Flags [.], ack 1502, win 64240, length 0
1700000000.032000 IP 10.0.0.1.43002 > 192.168.1.20.8080: Flags [.], ack 1502, win 64240, length 0
1700000000.033000 IP 192.168.1.20.43003 > 10.0.0.1.25: Flags [S], seq 1, win 64240, options [mss 1460,sackOK,TS val 4096 ecr 0,nop,wscale 7], length 0
1700000000.034000 IP 10.0.0.1.25 > 192.168.1.20.43003: Flags [R.], seq 0, ack 2, win 64240, length 0
"#;

/// tcpdump 4.99.3 `-tt -v -n -r monitor-flows.pcap`.
const TCPDUMP_MONITOR_FLOWS_V: &str = r#"1700000000.000000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto TCP (6), length 60)
    10.0.0.1.1000 > 10.0.0.2.80: Flags [S], cksum 0xadb4 (correct), seq 1, win 29200, options [mss 1460,sackOK,TS val 4096 ecr 0,nop,wscale 7], length 0
1700000000.010000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto TCP (6), length 60)
    10.0.0.2.80 > 10.0.0.1.1000: Flags [S.], cksum 0xad9a (correct), seq 9, ack 2, win 29200, options [mss 1460,sackOK,TS val 4096 ecr 0,nop,wscale 7], length 0
1700000000.020000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto TCP (6), length 52)
    10.0.0.1.1000 > 10.0.0.2.80: Flags [.], cksum 0xec5b (correct), ack 1, win 29200, options [nop,nop,TS val 5 ecr 6], length 0
1700000000.030000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto UDP (17), length 33)
    192.168.1.10.5000 > 192.168.1.20.53: domain [length 5 < 12] (invalid)
1700000000.040000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto UDP (17), length 34)
    192.168.1.20.53 > 192.168.1.10.5000: domain [length 6 < 12] (invalid)
1700000000.050000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto ICMP (1), length 61)
    192.168.1.20 > 192.168.1.10: ICMP 192.168.1.20 udp port 53 unreachable, length 41
	IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto UDP (17), length 33)
    192.168.1.10.5000 > 192.168.1.20.53: domain [length 5 < 12] (invalid)
1700000000.060000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto ICMP (1), length 32)
    10.0.0.1 > 10.0.0.2: ICMP echo request, id 77, seq 1, length 12
1700000000.070000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto TCP (6), length 44)
    192.168.1.20.443 > 192.168.1.10.2000: Flags [.], cksum 0xcf91 (correct), seq 50:54, ack 60, win 29200, length 4
1700000000.080000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto TCP (6), length 45)
    192.168.1.10.2000 > 192.168.1.20.443: Flags [P.], cksum 0x6c79 (correct), seq 1:6, ack 4, win 29200, length 5
1700000001.000000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto TCP (6), length 40)
    10.0.0.1.1000 > 10.0.0.2.80: Flags [F.], cksum 0x257d (correct), seq 1, ack 1, win 29200, length 0
1700000001.010000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto TCP (6), length 40)
    10.0.0.2.80 > 10.0.0.1.1000: Flags [F.], cksum 0x257c (correct), seq 1, ack 2, win 29200, length 0
1700000001.020000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto TCP (6), length 40)
    10.0.0.1.1000 > 10.0.0.2.80: Flags [.], cksum 0x257c (correct), ack 2, win 29200, length 0
1700000002.000000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto TCP (6), length 60)
    10.0.0.1.1000 > 10.0.0.2.80: Flags [S], cksum 0xad51 (correct), seq 100, win 29200, options [mss 1460,sackOK,TS val 4096 ecr 0,nop,wscale 7], length 0
1700000002.500000 IP (tos 0x0, ttl 64, id 8738, offset 0, flags [+], proto UDP (17), length 44)
    192.168.1.10.6000 > 192.168.1.20.7000:  [|rx] (16)
1700000002.600000 IP (tos 0x0, ttl 64, id 8738, offset 24, flags [none], proto UDP (17), length 44)
    192.168.1.10 > 192.168.1.20: ip-proto-17
1700000002.700000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto UDP (17), length 34)
    192.168.1.10.5001 > 192.168.1.20.53: domain [length 6 < 12] (invalid)
1700000003.000000 IP (tos 0x0, ttl 64, id 13107, offset 40, flags [none], proto UDP (17), length 36)
    192.168.1.10 > 192.168.1.20: ip-proto-17
1700000004.000000 IP (tos 0x12,ECT(0), ttl 3, id 4096, offset 0, flags [DF], proto TCP (6), length 64, options (RR 10.0.0.1, 0.0.0.0,timestamp TS{TSONLY 5@ ^ 0@},EOL))
    10.0.0.1.1000 > 10.0.0.2.80: Flags [.], cksum 0x2525 (correct), ack 4294967287, win 29200, length 0
1700000005.000000 ARP, Ethernet (len 6), IPv4 (len 4), Request who-has 10.0.0.2 tell 10.0.0.1, length 46
1700000006.000000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto UDP (17), length 32)
    172.16.0.5.9 > 172.16.0.5.7: UDP, length 4
1700000006.001000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto UDP (17), length 32)
    172.16.0.5.7 > 172.16.0.5.9: UDP, length 4
1700000040.000000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto UDP (17), length 33)
    192.168.1.10.5000 > 192.168.1.20.53: domain [length 5 < 12] (invalid)
1700000101.000000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto UDP (17), length 33)
    192.168.1.10.5000 > 192.168.1.20.53: domain [length 5 < 12] (invalid)
1700000101.500000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto TCP (6), length 40)
    192.168.1.20.22 > 192.168.1.10.40000: Flags [R], cksum 0x1e06 (correct), seq 5, win 29200, length 0
1700000102.000000 IP (tos 0x0, ttl 64, id 4096, offset 0, flags [DF], proto TCP (6), length 41)
    10.0.0.1.1000 > 10.0.0.2.80: Flags [.U], cksum 0xad02 (correct), seq 101:102, ack 4294967287, win 29200, urg 0, length 1: HTTP
"#;

fn write_pcap_timed(path: &Path, frames: &[(u64, u32, Frame)]) -> io::Result<()> {
    let file = std::fs::File::create(path)?;
    let opts = PcapWriterOptions {
        nanosecond: false,
        snaplen: 65535,
        link_type: linktype::ETHERNET,
        byte_order: ByteOrder::Little,
    };
    let mut w = PcapWriter::new(BufWriter::new(file), opts)?;
    for (sec, usec, f) in frames {
        let ts = Timestamp::new(1_700_000_000 + sec, usec * 1000);
        w.write_packet(ts, &f.data, f.wire_len)?;
    }
    w.flush()
}

// ---------------------------------------------------------------------------
// Writing.

/// Timestamp of the `i`th packet: 1700000000 s plus `i` milliseconds.
fn stamp(i: usize) -> Timestamp {
    Timestamp(Timestamp::new(1_700_000_000, 0).0 + i as u64 * 1_000_000)
}

fn write_pcap(
    path: &Path,
    frames: &[Frame],
    link_type: u32,
    order: ByteOrder,
    nanosecond: bool,
) -> io::Result<()> {
    let file = std::fs::File::create(path)?;
    let opts = PcapWriterOptions {
        nanosecond,
        snaplen: 65535,
        link_type,
        byte_order: order,
    };
    let mut w = PcapWriter::new(BufWriter::new(file), opts)?;
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(stamp(i), &f.data, f.wire_len)?;
    }
    w.flush()
}

fn write_pcapng(path: &Path, frames: &[Frame]) -> io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut w = PcapNgWriter::new(BufWriter::new(file), ByteOrder::Little)?;
    // A name resolution block (one IPv4 record, end of records) and a block
    // of a type no reader knows, both before any interface.
    let mut nrb = vec![1, 0, 16, 0, 10, 0, 0, 2];
    nrb.extend_from_slice(b"server.test\0");
    nrb.extend_from_slice(&[0, 0, 0, 0]);
    w.write_block(block::NAME_RESOLUTION, &nrb)?;
    w.write_block(0x0000_0BAD, b"unknown block, skip me")?;
    let usec = w.add_interface(linktype::ETHERNET as u16, 65535, None)?;
    let nsec = w.add_interface(linktype::ETHERNET as u16, 65535, Some(9))?;
    for (i, f) in frames.iter().enumerate() {
        let iface = if i % 2 == 0 { usec } else { nsec };
        w.write_packet(iface, stamp(i), &f.data, f.wire_len)?;
    }
    // Interface statistics for interface 0: timestamp, no options.
    let mut isb = vec![0u8; 12];
    isb[4..8].copy_from_slice(&0x0006_0a8au32.to_le_bytes());
    w.write_block(block::INTERFACE_STATISTICS, &isb)?;
    w.flush()
}

/// Writes every capture into `dir`; returns the files written.
fn write_captures(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mixed = mixed_frames();
    let mut written = Vec::new();
    let mut out = |name: &str| {
        let p = dir.join(name);
        written.push(p.clone());
        p
    };
    write_pcap(
        &out("mixed.pcap"),
        &mixed,
        linktype::ETHERNET,
        ByteOrder::Little,
        false,
    )?;
    write_pcap(
        &out("mixed-be-nsec.pcap"),
        &mixed,
        linktype::ETHERNET,
        ByteOrder::Big,
        true,
    )?;
    write_pcapng(&out("mixed.pcapng"), &mixed)?;
    write_pcap(
        &out("ip-raw.pcap"),
        &raw_ip_packets(&mixed),
        linktype::RAW,
        ByteOrder::Little,
        false,
    )?;
    write_pcap(
        &out("classify-edge.pcap"),
        &classify_edge_frames(),
        linktype::ETHERNET,
        ByteOrder::Little,
        false,
    )?;
    write_pcap(
        &out("routing-in0.pcap"),
        &routing_in0_frames(),
        linktype::ETHERNET,
        ByteOrder::Little,
        false,
    )?;
    write_pcap(
        &out("routing-arp.pcap"),
        &routing_arp_frames(),
        linktype::ETHERNET,
        ByteOrder::Little,
        false,
    )?;
    write_pcap(
        &out("routing-icmp.pcap"),
        &routing_icmp_frames(),
        linktype::ETHERNET,
        ByteOrder::Little,
        false,
    )?;
    write_pcap(
        &out("routing-1000routes.pcap"),
        &routing_1000routes_frames(&synthetic_routes(1000)),
        linktype::ETHERNET,
        ByteOrder::Little,
        false,
    )?;
    write_pcap(
        &out("nat-flows.pcap"),
        &nat_frames(),
        linktype::ETHERNET,
        ByteOrder::Little,
        false,
    )?;
    write_pcap(
        &out("nat-mixed.pcap"),
        &nat_mixed_frames(),
        linktype::ETHERNET,
        ByteOrder::Little,
        false,
    )?;
    write_pcap(
        &out("nat-cgnat-inside.pcap"),
        &nat_cgnat_inside_frames(),
        linktype::ETHERNET,
        ByteOrder::Little,
        false,
    )?;
    write_pcap(
        &out("tunnel-ipip.pcap"),
        &tunnel_frames(&mixed),
        linktype::ETHERNET,
        ByteOrder::Little,
        false,
    )?;
    write_pcap_timed(&out("monitor-flows.pcap"), &monitor_frames())?;
    std::fs::write(out("monitor-tcpdump-old.txt"), TCPDUMP_OLD)?;
    std::fs::write(out("monitor-tcpdump.txt"), TCPDUMP_TCP_FLOWS)?;
    std::fs::write(out("monitor-tcpdump-v.txt"), TCPDUMP_MONITOR_FLOWS_V)?;
    write_pcap(
        &out("tcp-flows.pcap"),
        &tcp_flow_frames(),
        linktype::ETHERNET,
        ByteOrder::Little,
        false,
    )?;
    Ok(written)
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = match std::env::args_os().nth(1) {
        Some(d) => PathBuf::from(d),
        None => root.join("testdata/captures"),
    };
    let routing_dir = match std::env::args_os().nth(2) {
        Some(d) => PathBuf::from(d),
        None => root.join("testdata/routing"),
    };
    let result = write_captures(&dir).and_then(|mut files| {
        files.extend(write_routing_data(&routing_dir)?);
        Ok(files)
    });
    match result {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
        }
        Err(e) => {
            eprintln!("make-captures: {}: {e}", dir.display());
            std::process::exit(1);
        }
    }
}

/// Counts this thread's heap allocations, for the no-allocation test.
#[cfg(test)]
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static COUNT: Cell<u64> = const { Cell::new(0) };
    }

    fn bump() {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
    }

    pub struct Counting;

    // SAFETY: forwards to the system allocator; only counts.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            bump();
            // SAFETY: same contract as the caller's.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: same contract as the caller's.
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            bump();
            // SAFETY: same contract as the caller's.
            unsafe { System.alloc_zeroed(layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            bump();
            // SAFETY: same contract as the caller's.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    /// Allocations made by this thread so far.
    pub fn allocations() -> u64 {
        COUNT.try_with(|c| c.get()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use elements::io::pcap::CaptureReader;

    #[test]
    fn reading_and_writing_do_not_allocate_per_packet() {
        // The mixed frames forty times over: 2,080 packets.
        let tmp = std::env::temp_dir().join(format!("make-captures-alloc-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let frames: Vec<Frame> = (0..40).flat_map(|_| mixed_frames()).collect();
        let input = tmp.join("big.pcap");
        let output = tmp.join("out.pcap");
        write_pcap(
            &input,
            &frames,
            linktype::ETHERNET,
            ByteOrder::Little,
            false,
        )
        .unwrap();
        let (input, output) = (input.display().to_string(), output.display().to_string());

        let mut r = CaptureReader::open(&input).unwrap();
        let before = counting::allocations();
        let mut n = 0;
        while r.next_record().unwrap().is_some() {
            n += 1;
        }
        let used = counting::allocations() - before;
        assert_eq!(n, frames.len());
        assert!(used < 20, "reading {n} packets made {used} allocations");

        packet::prewarm(1024);
        let registry = elements::registry();
        let config = format!("fd :: FromDump({input}, STOP true) -> td :: ToDump({output});");
        let router = engine::Router::from_text("alloc.click", &config, &registry).unwrap();
        let before = counting::allocations();
        router.run(&engine::RunOptions { threads: 1 });
        let used = counting::allocations() - before;
        assert_eq!(
            router.read_handler("td.count").unwrap(),
            frames.len().to_string()
        );
        assert!(
            used < 100,
            "FromDump -> ToDump of {n} packets made {used} allocations"
        );
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn committed_routing_data_is_what_the_generator_makes() {
        let tmp = std::env::temp_dir().join(format!("make-routing-{}", std::process::id()));
        let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/routing");
        for f in write_routing_data(&tmp).unwrap() {
            let name = f.file_name().unwrap();
            let fresh = std::fs::read(&f).unwrap();
            let want = std::fs::read(committed.join(name)).unwrap_or_default();
            assert!(
                fresh == want,
                "testdata/routing/{} differs from the generator's output (did configs/router.click change?); run `cargo run --bin make-captures`",
                name.to_string_lossy()
            );
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn synthetic_routes_look_like_a_bgp_table() {
        let routes = synthetic_routes(1000);
        assert_eq!(routes.len(), 1000);
        let count = |l: u32| routes.iter().filter(|r| r.1 == l).count();
        assert!(count(24) > 450, "{}", count(24));
        assert!(count(16) > 10 && count(22) > 60);
        let nested = routes
            .iter()
            .filter(|a| {
                routes
                    .iter()
                    .any(|b| b.1 < a.1 && a.0 & (u32::MAX << (32 - b.1)) == b.0)
            })
            .count();
        assert!(nested > 150, "{nested} more-specifics");
        assert!(routes.iter().all(|r| !reserved(r.0, r.1)));
    }

    #[test]
    fn committed_captures_are_what_the_generator_makes() {
        let tmp = std::env::temp_dir().join(format!("make-captures-{}", std::process::id()));
        let files = write_captures(&tmp).unwrap();
        let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/captures");
        for f in &files {
            let name = f.file_name().unwrap();
            let fresh = std::fs::read(f).unwrap();
            let want = std::fs::read(committed.join(name)).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}; run `cargo run --bin make-captures`",
                    name.to_string_lossy()
                )
            });
            assert!(
                fresh == want,
                "{} differs from the generator's output; run `cargo run --bin make-captures`",
                name.to_string_lossy()
            );
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn checksums_verify() {
        // A header with its checksum filled in sums to zero.
        let ip = ipv4(V4::new(IP_A, IP_B, PROTO_UDP), &[]);
        assert_eq!(checksum(0, &ip), 0);
        let u = udp4(IP_A, IP_B, 1, 2, b"abc");
        assert_eq!(checksum(pseudo4(IP_A, IP_B, PROTO_UDP, u.len()), &u), 0);
        let t = tcp6(IP6_A, IP6_B, c_tcp(1, 2, 3, 4, SYN), SYN_OPTIONS, b"x");
        assert_eq!(checksum(pseudo6(IP6_A, IP6_B, PROTO_TCP, t.len()), &t), 0);
    }

    #[test]
    fn captures_read_back_alike() {
        let tmp = std::env::temp_dir().join(format!("make-captures-rb-{}", std::process::id()));
        write_captures(&tmp).unwrap();
        let read = |name: &str| {
            let mut r = CaptureReader::open(tmp.join(name).to_str().unwrap()).unwrap();
            let mut out = Vec::new();
            while let Some(rec) = r.next_record().unwrap() {
                out.push((rec.timestamp, rec.orig_len, rec.data.to_vec()));
            }
            out
        };
        let mixed = read("mixed.pcap");
        assert_eq!(mixed.len(), 52);
        assert_eq!(mixed[0].0, Timestamp::new(1_700_000_000, 0));
        assert_eq!(mixed[51].0, Timestamp::new(1_700_000_000, 51_000_000));
        assert_eq!(read("mixed-be-nsec.pcap"), mixed);
        assert_eq!(read("mixed.pcapng"), mixed);
        assert!(read("ip-raw.pcap").len() > 30);
        assert_eq!(read("tcp-flows.pcap").len(), 35);
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
