//! Click's IP summary dump format, shared by `ToIPSummaryDump` and
//! `FromIPSummaryDump`: the field names and their synonyms, how each field
//! is taken from a packet and written (text and binary), and how each is
//! read back and put into a packet being built.
//!
//! Key decision: one table of fields, each a variant of [`Field`] with its
//! canonical name, binary layout and read order, and two `match`es (write,
//! read) over the variants, so the two directions cannot disagree on a
//! name. Where Click's format has quirks (the `ts_usec1` text value, the
//! doubled `ip_opt`/`tcp_opt` binary records, the aggregate propagated to
//! fragments), they are kept: files must match Click's byte for byte.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use packet::{Packet, Timestamp, anno::offset};

use super::ipprint::{ICMP_TYPES, icmp_code_name};

pub const MAJOR_VERSION: u32 = 1;
pub const MINOR_VERSION: u32 = 3;

/// Offset of Click's first-timestamp annotation (8 bytes, nanoseconds).
pub const FIRST_TIMESTAMP: usize = 32;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Field {
    Timestamp,
    NTimestamp,
    TsSec,
    TsUsec,
    TsUsec1,
    FirstTimestamp,
    FirstNTimestamp,
    Count,
    Link,
    Direction,
    Aggregate,
    WireLen,
    IpSrc,
    IpDst,
    IpTos,
    IpDscp,
    IpEcn,
    IpTtl,
    IpFrag,
    IpFragoff,
    IpId,
    IpSum,
    IpProto,
    IpHl,
    IpLen,
    IpCaptureLen,
    IpOpt,
    Sport,
    Dport,
    TcpSeq,
    TcpAck,
    TcpOff,
    TcpFlags,
    TcpWindow,
    TcpUrp,
    TcpOpt,
    TcpNtopt,
    TcpSack,
    UdpLen,
    IcmpType,
    IcmpCode,
    IcmpTypeName,
    IcmpCodeName,
    IcmpFlowid,
    IcmpSeq,
    IcmpNextmtu,
    PayloadLen,
    Payload,
    PayloadMd5,
    PayloadMd5Hex,
    EthSrc,
    EthDst,
    EthType,
    /// An unknown field on input (Click's `null_reader`).
    None,
}

/// Binary layout of a field (Click's `B_…`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Bin {
    B0,
    B1,
    B2,
    B4,
    B6,
    B8,
    B16,
    B4Net,
    Special,
    NotAllowed,
}

#[derive(Debug)]
pub struct Def {
    pub name: &'static str,
    pub field: Field,
    pub bin: Bin,
    /// Whether FromIPSummaryDump can read it.
    pub read: bool,
    /// Order in which read fields are put into a packet.
    pub order: i32,
}

const ANNO: i32 = 100;
const LINK: i32 = 200;
const NET: i32 = 300;
const TRANSP: i32 = 400;
const PAYLOAD: i32 = 500;

macro_rules! def {
    ($name:expr, $f:ident, $b:ident, $read:expr, $order:expr) => {
        Def {
            name: $name,
            field: Field::$f,
            bin: Bin::$b,
            read: $read,
            order: $order,
        }
    };
}

pub const DEFS: &[Def] = &[
    def!("timestamp", Timestamp, B8, true, ANNO),
    def!("ntimestamp", NTimestamp, B8, true, ANNO),
    def!("ts_sec", TsSec, B4, true, ANNO),
    def!("ts_usec", TsUsec, B4, true, ANNO),
    def!("ts_usec1", TsUsec1, B8, true, ANNO),
    def!("first_timestamp", FirstTimestamp, B8, true, ANNO),
    def!("first_ntimestamp", FirstNTimestamp, B8, true, ANNO),
    def!("count", Count, B4, true, ANNO),
    def!("link", Link, B1, true, ANNO),
    def!("paint", Link, B1, true, ANNO),
    def!("direction", Direction, B1, true, ANNO),
    def!("aggregate", Aggregate, B4, true, ANNO),
    def!("wire_len", WireLen, B4, true, ANNO),
    def!("ip_src", IpSrc, B4Net, true, NET),
    def!("ip_dst", IpDst, B4Net, true, NET),
    def!("ip_tos", IpTos, B1, true, NET),
    def!("ip_dscp", IpDscp, B1, true, NET),
    def!("ip_ecn", IpEcn, B1, true, NET),
    def!("ip_ttl", IpTtl, B1, true, NET),
    def!("ip_frag", IpFrag, B1, true, NET - 2),
    def!("ip_fragoff", IpFragoff, B2, true, NET - 1),
    def!("ip_id", IpId, B2, true, NET),
    def!("ip_sum", IpSum, B2, true, NET + 2),
    def!("ip_proto", IpProto, B1, true, NET),
    def!("ip_hl", IpHl, B1, true, NET - 1),
    def!("ip_len", IpLen, B4, true, NET + 1),
    def!("ip_capture_len", IpCaptureLen, B4, true, PAYLOAD + 2),
    def!("ip_opt", IpOpt, Special, true, NET),
    def!("sport", Sport, B2, true, TRANSP),
    def!("dport", Dport, B2, true, TRANSP),
    def!("tcp_seq", TcpSeq, B4, true, TRANSP),
    def!("tcp_ack", TcpAck, B4, true, TRANSP),
    def!("tcp_off", TcpOff, B1, true, TRANSP - 1),
    def!("tcp_flags", TcpFlags, B1, true, TRANSP),
    def!("tcp_window", TcpWindow, B2, true, TRANSP),
    def!("tcp_urp", TcpUrp, B2, true, TRANSP),
    def!("tcp_opt", TcpOpt, Special, true, TRANSP + 3),
    def!("tcp_ntopt", TcpNtopt, Special, true, TRANSP + 2),
    def!("tcp_sack", TcpSack, Special, true, TRANSP + 1),
    def!("udp_len", UdpLen, B4, true, TRANSP),
    def!("icmp_type", IcmpType, B1, true, TRANSP),
    def!("icmp_code", IcmpCode, B1, true, TRANSP + 1),
    def!("icmp_type_name", IcmpTypeName, B1, true, TRANSP),
    def!("icmp_code_name", IcmpCodeName, B1, true, TRANSP + 1),
    def!("icmp_flowid", IcmpFlowid, B2, true, TRANSP + 2),
    def!("icmp_seq", IcmpSeq, B2, true, TRANSP + 2),
    def!("icmp_nextmtu", IcmpNextmtu, B2, true, TRANSP + 2),
    def!("payload_len", PayloadLen, B4, true, PAYLOAD + 1),
    def!("payload", Payload, NotAllowed, true, PAYLOAD),
    def!("payload_md5", PayloadMd5, B16, false, PAYLOAD),
    def!("payload_md5_hex", PayloadMd5Hex, B16, false, PAYLOAD),
    def!("eth_src", EthSrc, B6, true, LINK),
    def!("eth_dst", EthDst, B6, true, LINK),
    def!("eth_type", EthType, B2, true, LINK),
];

pub const NULL_DEF: Def = def!("none", None, B0, true, ANNO);

const SYNONYMS: &[(&str, &str)] = &[
    ("utimestamp", "timestamp"),
    ("ts", "utimestamp"),
    ("sec", "ts_sec"),
    ("usec", "ts_usec"),
    ("usec1", "ts_usec1"),
    ("first_utimestamp", "first_timestamp"),
    ("first_ts", "first_utimestamp"),
    ("pkt_count", "count"),
    ("packet_count", "count"),
    ("agg", "aggregate"),
    ("wire_length", "wire_len"),
    ("length", "ip_len"),
    ("ip_p", "ip_proto"),
    ("tcp_seqno", "tcp_seq"),
    ("tcp_ackno", "tcp_ack"),
    ("tcp_win", "tcp_window"),
    ("payload_length", "payload_len"),
];

/// Finds a field by name as Click does: synonyms, then names, then with
/// its first space made an underscore, or `ip_` in front of a name without
/// one.
pub fn find(name: &str) -> Option<&'static Def> {
    if let Some((_, to)) = SYNONYMS.iter().find(|(s, _)| *s == name) {
        return find(to);
    }
    if let Some(d) = DEFS.iter().find(|d| d.name == name) {
        return Some(d);
    }
    if let Some(i) = name.find(' ') {
        return find(&format!("{}_{}", &name[..i], &name[i + 1..]));
    }
    if !name.contains('_') {
        return find(&format!("ip_{name}"));
    }
    None
}

/// The name a field has on a `!data` line.
pub fn data_name(d: &Def, binary: bool) -> &'static str {
    if d.name == "ntimestamp" && !binary {
        "timestamp"
    } else {
        d.name
    }
}

// ---------------------------------------------------------------------------
// MD5 (RFC 1321), for the payload_md5 fields.

pub fn md5(data: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut h: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_le_bytes());
    for chunk in msg.chunks_exact(64) {
        let m: Vec<u32> = chunk
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let t = d;
            d = c;
            c = b;
            b = b.wrapping_add(
                a.wrapping_add(f)
                    .wrapping_add(k[i])
                    .wrapping_add(m[g])
                    .rotate_left(S[i]),
            );
            a = t;
        }
        h = [
            h[0].wrapping_add(a),
            h[1].wrapping_add(b),
            h[2].wrapping_add(c),
            h[3].wrapping_add(d),
        ];
    }
    let mut out = [0u8; 16];
    for (i, w) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// Click's `md5_finish_text` with `@` allowed: 22 characters of 6 bits.
fn md5_text(digest: &[u8; 16], out: &mut String) {
    const CHARS: &[u8; 64] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@";
    let mut bit = 0;
    while bit < 128 {
        let first = bit / 8;
        let mut val = u32::from(digest[first]) >> (bit % 8);
        if bit + 8 > (first + 1) * 8 && first < 15 {
            val += u32::from(digest[first + 1]) << (8 - (bit % 8));
        }
        out.push(CHARS[(val & 0x3f) as usize] as char);
        bit += 6;
    }
}

// ---------------------------------------------------------------------------
// Options.

/// Click's `unparse_ip_opt` with every kind of option but padding.
pub fn unparse_ip_opt(out: &mut String, opt: &[u8]) {
    let start = out.len();
    let end = opt.len();
    let mut i = 0;
    let mut sep = "";
    let bad = |out: &mut String| {
        out.truncate(start);
        out.push('?');
    };
    while i < end {
        let kind = opt[i];
        match kind {
            0 => break,
            1 => i += 1,
            7 | 131 | 137 => {
                let len = opt.get(i + 1).map_or(0, |&l| usize::from(l));
                let ptr = opt.get(i + 2).map_or(0, |&p| usize::from(p));
                if i + len > end || len < 3 || ptr < 4 {
                    return bad(out);
                }
                out.push_str(sep);
                out.push_str(match kind {
                    7 => "rr",
                    131 => "lsrr",
                    _ => "ssrr",
                });
                let (mut o, ol, op) = (i + 3, i + len, i + ptr - 1);
                let mut s = "";
                out.push('{');
                while o + 4 <= ol {
                    if o == op {
                        if kind == 7 {
                            break;
                        }
                        s = "^";
                    }
                    let _ = write!(
                        out,
                        "{s}{}",
                        Ipv4Addr::new(opt[o], opt[o + 1], opt[o + 2], opt[o + 3])
                    );
                    s = ",";
                    o += 4;
                }
                if o == ol && o == op && kind != 7 {
                    out.push('^');
                }
                out.push('}');
                if o + 4 <= ol && o == op && kind == 7 {
                    let _ = write!(out, "+{}", (ol - o) / 4);
                }
                i = ol;
                sep = ";";
            }
            68 => {
                let len = opt.get(i + 1).map_or(0, |&l| usize::from(l));
                let ptr = opt.get(i + 2).map_or(0, |&p| usize::from(p));
                if i + len > end || len < 4 || ptr < 5 {
                    return bad(out);
                }
                let flags = opt[i + 3];
                let flag = flags & 0x0f;
                let size = if (1..=3).contains(&flag) { 8 } else { 4 };
                out.push_str(sep);
                out.push_str("ts");
                match flag {
                    0 => {}
                    1 => out.push_str(".ip"),
                    3 => out.push_str(".preip"),
                    f => {
                        let _ = write!(out, ".{f}");
                    }
                }
                out.push('{');
                let (mut o, ol, op) = (i + 4, i + len, i + ptr - 1);
                let mut s = "";
                while o + size <= ol {
                    if o == op {
                        if flag != 3 {
                            break;
                        }
                        s = "^";
                    }
                    // Only the address-and-time flags (1 to 3) carry an
                    // address before each time; other unknown flags are
                    // 4-byte entries, read as times.
                    if size == 8 {
                        let _ = write!(
                            out,
                            "{s}{}=",
                            Ipv4Addr::new(opt[o], opt[o + 1], opt[o + 2], opt[o + 3])
                        );
                        o += 4;
                    } else {
                        out.push_str(s);
                    }
                    if flag == 3 && o > op {
                        out.pop();
                    } else {
                        let v = u32::from_be_bytes([opt[o], opt[o + 1], opt[o + 2], opt[o + 3]]);
                        if v & 0x8000_0000 != 0 {
                            out.push('!');
                        }
                        let _ = write!(out, "{}", v & 0x7fff_ffff);
                    }
                    s = ",";
                    o += 4;
                }
                if o == ol && o == op {
                    out.push('^');
                }
                out.push('}');
                if o + size <= ol && o == op {
                    let _ = write!(out, "+{}", (ol - o) / size);
                }
                if flags & 0xf0 != 0 {
                    let _ = write!(out, "++{}", flags >> 4);
                }
                i = ol;
                sep = ";";
            }
            _ => {
                let len = opt.get(i + 1).map_or(0, |&l| usize::from(l));
                if i + len > end || len < 2 {
                    return bad(out);
                }
                let _ = write!(out, "{sep}{kind}");
                let mut c = '=';
                for b in &opt[i + 2..i + len] {
                    let _ = write!(out, "{c}{b}");
                    c = ':';
                }
                i += len;
                sep = ";";
            }
        }
    }
    if out.len() == start {
        out.push('.');
    }
}

/// Which TCP options to write (Click's `DO_TCPOPT_…`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TcpOpts {
    All,
    NoTimestamp,
    Sack,
}

fn tcp_opt_wanted(kind: u8, which: TcpOpts) -> bool {
    match which {
        TcpOpts::All => true,
        TcpOpts::NoTimestamp => kind != 8,
        TcpOpts::Sack => kind == 4 || kind == 5,
    }
}

/// Click's `unparse_tcp_opt` without padding.
pub fn unparse_tcp_opt(out: &mut String, opt: &[u8], which: TcpOpts) {
    let start = out.len();
    let end = opt.len();
    let mut i = 0;
    let mut sep = "";
    let bad = |out: &mut String| {
        out.truncate(start);
        out.push('?');
    };
    while i < end {
        let kind = opt[i];
        if kind == 0 {
            break;
        }
        if kind == 1 {
            i += 1;
            continue;
        }
        let len = opt.get(i + 1).map_or(0, |&l| usize::from(l));
        let valid = i + len <= end
            && match kind {
                2 => len == 4,
                3 => len == 3,
                4 => len == 2,
                5 => len % 8 == 2,
                8 => len == 10,
                _ => len >= 2,
            };
        if !valid {
            return bad(out);
        }
        if !tcp_opt_wanted(kind, which) {
            i += if len >= 2 { len } else { 128 };
            continue;
        }
        match kind {
            2 => {
                let _ = write!(
                    out,
                    "{sep}mss{}",
                    u16::from_be_bytes([opt[i + 2], opt[i + 3]])
                );
            }
            3 => {
                let _ = write!(out, "{sep}wscale{}", opt[i + 2]);
            }
            4 => {
                let _ = write!(out, "{sep}sackok");
            }
            5 => {
                let mut o = i + 2;
                while o < i + len {
                    let a = u32::from_be_bytes([opt[o], opt[o + 1], opt[o + 2], opt[o + 3]]);
                    let b = u32::from_be_bytes([opt[o + 4], opt[o + 5], opt[o + 6], opt[o + 7]]);
                    let _ = write!(out, "{sep}sack{a}-{b}");
                    sep = ";";
                    o += 8;
                }
            }
            8 => {
                let a = u32::from_be_bytes([opt[i + 2], opt[i + 3], opt[i + 4], opt[i + 5]]);
                let b = u32::from_be_bytes([opt[i + 6], opt[i + 7], opt[i + 8], opt[i + 9]]);
                let _ = write!(out, "{sep}ts{a}:{b}");
            }
            _ => {
                let _ = write!(out, "{sep}{kind}");
                let mut c = '=';
                for b in &opt[i + 2..i + len] {
                    let _ = write!(out, "{c}{b}");
                    c = ':';
                }
            }
        }
        i += len;
        sep = ";";
    }
    if out.len() == start {
        out.push('.');
    }
}

/// Click's `unparse_…_opt_binary`: with `all`, the raw options first;
/// then a length byte and the options of the wanted kinds (padding only
/// with `all`).
fn opt_binary(out: &mut Vec<u8>, opt: &[u8], all: bool, wanted: impl Fn(u8) -> bool) {
    if all {
        out.push(opt.len() as u8);
        out.extend_from_slice(opt);
    }
    let at = out.len();
    out.push(0);
    let mut i = 0;
    while i < opt.len() {
        let kind = opt[i];
        if kind == 0 {
            if all {
                out.push(0);
            }
            break;
        }
        if kind == 1 {
            if all {
                out.push(1);
            }
            i += 1;
            continue;
        }
        let len = opt.get(i + 1).map_or(0, |&l| usize::from(l));
        if len < 2 || i + len > opt.len() {
            break;
        }
        if wanted(kind) {
            out.extend_from_slice(&opt[i..i + len]);
        }
        i += len;
    }
    out[at] = (out.len() - at - 1) as u8;
}

// ---------------------------------------------------------------------------
// Writing.

const MISSING_IP: u16 = 0;
const MISSING_ETHERNET: u16 = 260;
const TCP_OR_UDP: u16 = 256;

/// What writing a packet's fields needs to know about it (Click's
/// `PacketDesc`, after `ip_prepare`).
pub struct Desc<'a> {
    data: &'a [u8],
    anno: &'a packet::Annotations,
    /// Data offset of the IP header, when the packet has one.
    net: Option<usize>,
    /// The IP header is good enough to read fields from.
    ip: bool,
    tcp: bool,
    udp: bool,
    icmp: bool,
    /// Bytes after the IP length.
    tailpad: usize,
    /// The extra length annotation, as adjusted.
    pub extra_length: u32,
    force_extra_length: bool,
    /// The first `!bad` message, when bad packets are reported.
    pub bad: Option<String>,
    /// Data offset of the link header, if known.
    mac: Option<isize>,
    prepared: bool,
}

fn anno_u32(a: &packet::Annotations, at: usize) -> u32 {
    a.get::<4>(at).map_or(0, u32::from_ne_bytes)
}

fn first_frag(ip: &[u8]) -> bool {
    ip.len() < 8 || u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff == 0
}

fn proto_name(p: u16) -> &'static str {
    match p {
        6 => "TCP",
        17 => "UDP",
        1 => "ICMP",
        TCP_OR_UDP => "TCP/UDP",
        _ => "?",
    }
}

impl<'a> Desc<'a> {
    /// Describes `p`; with `prepare`, checks its IP header as Click's
    /// `ip_prepare` does (only then are IP fields read).
    pub fn new(
        p: &'a Packet,
        prepare: bool,
        careful_trunc: bool,
        force_extra_length: bool,
        bad_packets: bool,
    ) -> Desc<'a> {
        let data = p.data();
        let anno = p.anno();
        let net = p
            .network_header_data_offset()
            .and_then(|o| usize::try_from(o).ok())
            .filter(|&o| o <= data.len());
        let mac = anno
            .mac_header()
            .map(|m| m as isize - p.data_offset() as isize);
        let mut d = Desc {
            data,
            anno,
            net,
            ip: net.is_some(),
            tcp: net.is_some(),
            udp: net.is_some(),
            icmp: net.is_some(),
            tailpad: 0,
            extra_length: anno_u32(anno, offset::EXTRA_LENGTH),
            force_extra_length,
            bad: bad_packets.then(String::new),
            mac,
            prepared: prepare,
        };
        if prepare {
            d.prepare(careful_trunc);
        }
        d
    }

    fn bad(&mut self, msg: std::fmt::Arguments<'_>) {
        if let Some(b) = self.bad.as_mut()
            && b.is_empty()
        {
            let _ = writeln!(b, "!bad {msg}");
        }
    }

    fn ip_bytes(&self) -> &'a [u8] {
        match self.net {
            Some(n) => &self.data[n..self.data.len() - self.tailpad.min(self.data.len() - n)],
            None => &[],
        }
    }

    /// Click's `d.network_length()`.
    fn network_length(&self) -> usize {
        self.ip_bytes().len()
    }

    fn hl(&self) -> usize {
        self.ip_bytes()
            .first()
            .map_or(0, |b| usize::from(b & 0x0f) * 4)
    }

    fn transport(&self) -> &'a [u8] {
        self.ip_bytes().get(self.hl()..).unwrap_or(&[])
    }

    fn transport_length(&self) -> usize {
        self.transport().len()
    }

    fn length(&self) -> usize {
        self.data.len() - self.tailpad.min(self.data.len())
    }

    fn prepare(&mut self, careful_trunc: bool) {
        if self.net.is_some() {
            let ip = self.ip_bytes();
            let nl = ip.len();
            if nl < 4 {
                self.bad(format_args!("truncated IP header"));
                self.ip = false;
            } else if ip[0] >> 4 != 4 {
                self.bad(format_args!("IP version {}", ip[0] >> 4));
                self.ip = false;
            } else if ip[0] & 0x0f < 5 {
                self.bad(format_args!("IP header length {}", ip[0] & 0x0f));
                self.ip = false;
            } else {
                let ip_len = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
                if ip_len < usize::from(ip[0] & 0x0f) * 4 {
                    self.bad(format_args!("IP length {ip_len}"));
                    self.ip = false;
                } else if nl > ip_len {
                    self.extra_length = self.extra_length.wrapping_add((nl - ip_len) as u32);
                    self.tailpad = nl - ip_len;
                } else if careful_trunc
                    && (nl as u64 + u64::from(self.extra_length)) < ip_len as u64
                {
                    let missing = ip_len as i64 - nl as i64 - i64::from(self.extra_length);
                    self.bad(format_args!("truncated IP missing {missing}"));
                }
            }
        }
        let ip = self.ip_bytes();
        let hl = self.hl();
        let base = self.ip && self.network_length() > hl;
        let proto = ip.get(9).copied().unwrap_or(0);
        let first = first_frag(ip);
        self.tcp = base && proto == 6 && first;
        if self.tcp {
            let t = self.transport();
            if t.len() > 12 && t[12] >> 4 < 5 {
                self.bad(format_args!("TCP header length {}", t[12] >> 4));
                self.tcp = false;
            }
        }
        self.udp = base && proto == 17 && first;
        self.icmp = base && proto == 1 && first;
        if self.ip && self.extra_length > 0 {
            let full = self.network_length() as u64 + u64::from(self.extra_length);
            let ip_len = u16::from_be_bytes([ip[2], ip[3]]);
            self.extra_length = if ip_len != 0xffff || full <= 0xffff {
                0
            } else {
                (full - 0xffff) as u32
            };
        }
    }

    /// A field that does not apply; with bad packets reported, says why
    /// (Click's `hard_field_missing`). Always `false`.
    fn missing(&mut self, proto: u16, l: usize) -> bool {
        if self.bad.as_ref().is_none_or(|b| !b.is_empty()) {
            return false;
        }
        let ip = self.ip_bytes();
        if proto == MISSING_ETHERNET {
            self.bad(format_args!("Ethernet header"));
        } else if !self.ip {
            self.bad(format_args!("no IP header"));
        } else if proto == MISSING_IP {
            self.bad(format_args!("truncated IP header capture"));
        } else if ip.len() > 9
            && ((proto > MISSING_IP && proto < 256 && u16::from(ip[9]) != proto)
                || (proto == TCP_OR_UDP && ip[9] != 6 && ip[9] != 17))
        {
            // The wrong protocol is not a bad packet.
        } else if !first_frag(ip) {
            self.bad(format_args!("fragmented {} header", proto_name(proto)));
        } else if self.transport_length() as u64 + u64::from(self.extra_length) >= l as u64 {
            self.bad(format_args!(
                "truncated {} header capture",
                proto_name(proto)
            ));
        } else {
            self.bad(format_args!("truncated {} header", proto_name(proto)));
        }
        false
    }

    fn ip_field(&mut self, need: usize) -> Option<&'a [u8]> {
        if self.ip && self.network_length() >= need {
            Some(self.ip_bytes())
        } else {
            self.missing(MISSING_IP, need);
            None
        }
    }

    fn tcp_field(&mut self, need: usize) -> Option<&'a [u8]> {
        if self.tcp && self.transport_length() >= need {
            Some(self.transport())
        } else {
            self.missing(6, need);
            None
        }
    }

    fn udp_field(&mut self, need: usize) -> Option<&'a [u8]> {
        if self.udp && self.transport_length() >= need {
            Some(self.transport())
        } else {
            self.missing(17, need);
            None
        }
    }

    fn icmp_field(&mut self, need: usize) -> Option<&'a [u8]> {
        if self.icmp && self.transport_length() >= need {
            Some(self.transport())
        } else {
            self.missing(1, need);
            None
        }
    }

    /// Where the payload starts (data offset) and how long it is (Click's
    /// `payload_info`, lengths in 32-bit wrapping arithmetic).
    fn payload_info(&self) -> (i64, u32) {
        if self.ip
            && let Some(net) = self.net
        {
            let ip = self.ip_bytes();
            let mut len = u32::from(u16::from_be_bytes([ip[2], ip[3]]));
            let mut off = (net + self.hl()) as i64;
            if first_frag(ip) {
                match ip.get(9).copied().unwrap_or(0) {
                    6 => {
                        let t = self.transport();
                        let th = t.get(12).map_or(0, |b| usize::from(b >> 4) * 4);
                        off += if t.len() >= 13 && th >= 20 {
                            th as i64
                        } else {
                            20
                        };
                    }
                    17 | 136 => off += 8,
                    _ => {}
                }
            }
            len = len.wrapping_sub((off - net as i64) as u32);
            (off, len)
        } else {
            (0, self.length() as u32)
        }
    }

    fn payload_bytes(&self) -> &'a [u8] {
        let (off, len) = self.payload_info();
        let total = self.length() as i64;
        if off >= total || off < 0 {
            return &[];
        }
        let len = i64::from(len).min(total - off);
        &self.data[off as usize..(off + len) as usize]
    }

    fn payload_ok(&self) -> bool {
        let (off, len) = self.payload_info();
        len == 0 || off < self.data.len() as i64
    }

    /// The link header's 14 bytes, if it sits right before the network
    /// header (Click's `link_extract` check).
    fn ether(&mut self) -> Option<&'a [u8]> {
        let mac = match self.mac {
            Some(m) => Some(m),
            None => match self.net {
                Some(n) if n > 0 => Some(0),
                _ => None,
            },
        };
        let network = self.net.unwrap_or(self.data.len()) as isize;
        match mac {
            Some(m) if m >= 0 && m + 14 == network => Some(&self.data[m as usize..m as usize + 14]),
            _ => {
                self.missing(MISSING_ETHERNET, 0);
                None
            }
        }
    }
}

/// A field's value, before it is written out (Click's `d.v`, `d.u32`,
/// `d.vptr`).
enum Value<'a> {
    U(u32),
    /// Click's `u32[0]`, `u32[1]` of a 64-bit field.
    Pair(u32, u32),
    Net([u8; 4]),
    Bytes6(&'a [u8]),
    Options(&'a [u8]),
    Payload(&'a [u8]),
}

fn extract<'a>(d: &mut Desc<'a>, f: Field) -> Option<Value<'a>> {
    use Field as F;
    let ts = d.anno.timestamp;
    Some(match f {
        F::Timestamp | F::NTimestamp => Value::Pair(ts.sec() as u32, ts.nsec()),
        F::TsSec => Value::U(ts.sec() as u32),
        F::TsUsec => Value::U(ts.usec()),
        F::TsUsec1 => {
            let v = ts
                .sec()
                .wrapping_mul(1_000_000)
                .wrapping_add(u64::from(ts.usec()));
            Value::Pair((v >> 32) as u32, v as u32)
        }
        F::FirstTimestamp | F::FirstNTimestamp => {
            let t = first_timestamp(d.anno);
            Value::Pair(t.sec() as u32, t.nsec())
        }
        F::Count => Value::U(1u32.wrapping_add(anno_u32(d.anno, offset::EXTRA_PACKETS))),
        F::Link | F::Direction => Value::U(u32::from(d.anno.paint())),
        F::Aggregate => Value::U(anno_u32(d.anno, offset::AGGREGATE)),
        F::WireLen => Value::U(d.data.len() as u32),
        F::IpSrc => {
            let ip = d.ip_field(16)?;
            Value::Net([ip[12], ip[13], ip[14], ip[15]])
        }
        F::IpDst => {
            let ip = d.ip_field(20)?;
            Value::Net([ip[16], ip[17], ip[18], ip[19]])
        }
        F::IpTos => Value::U(u32::from(d.ip_field(2)?[1])),
        F::IpDscp => Value::U(u32::from(d.ip_field(2)?[1] >> 2)),
        F::IpEcn => Value::U(u32::from(d.ip_field(2)?[1] & 3)),
        F::IpTtl => Value::U(u32::from(d.ip_field(9)?[8])),
        F::IpFrag => {
            let ip = d.ip_field(8)?;
            let off = u16::from_be_bytes([ip[6], ip[7]]);
            Value::U(u32::from(if off & 0x3fff != 0 {
                if off & 0x1fff == 0 { b'F' } else { b'f' }
            } else if off & 0x4000 != 0 {
                b'!'
            } else {
                b'.'
            }))
        }
        F::IpFragoff => {
            let ip = d.ip_field(8)?;
            Value::U(u32::from(u16::from_be_bytes([ip[6], ip[7]])))
        }
        F::IpId => {
            let ip = d.ip_field(6)?;
            Value::U(u32::from(u16::from_be_bytes([ip[4], ip[5]])))
        }
        F::IpSum => {
            let ip = d.ip_field(12)?;
            Value::U(u32::from(u16::from_be_bytes([ip[10], ip[11]])))
        }
        F::IpProto => Value::U(u32::from(d.ip_field(10)?[9])),
        F::IpHl => Value::U(u32::from(d.ip_field(1)?[0] & 0x0f) * 4),
        F::IpOpt => {
            let hl = d.hl();
            if !d.ip || (hl > 20 && d.network_length() < hl) {
                let need = if d.ip { hl } else { 20 };
                d.missing(MISSING_IP, need);
                return None;
            }
            Value::Options(d.ip_bytes().get(20..hl).unwrap_or(&[]))
        }
        F::IpLen => {
            let mut v = if d.ip {
                let ip = d.ip_bytes();
                u32::from(u16::from_be_bytes([ip[2], ip[3]]))
            } else {
                d.length() as u32
            };
            if d.force_extra_length {
                v = v.wrapping_add(d.extra_length);
            }
            Value::U(v)
        }
        F::IpCaptureLen => {
            let allow = if d.ip { d.network_length() } else { d.length() } as u32;
            let len = if d.ip {
                let ip = d.ip_bytes();
                u32::from(u16::from_be_bytes([ip[2], ip[3]]))
            } else {
                allow
            };
            Value::U(len.min(allow))
        }
        F::Sport | F::Dport => {
            let dport = f == F::Dport;
            let ip = d.ip_bytes();
            if d.ip
                && d.network_length() > d.hl()
                && first_frag(ip)
                && matches!(ip[9], 6 | 17 | 33 | 136)
                && d.transport_length() >= if dport { 4 } else { 2 }
            {
                let t = d.transport();
                let at = if dport { 2 } else { 0 };
                Value::U(u32::from(u16::from_be_bytes([t[at], t[at + 1]])))
            } else {
                d.missing(TCP_OR_UDP, if dport { 4 } else { 2 });
                return None;
            }
        }
        F::TcpSeq => {
            let t = d.tcp_field(8)?;
            Value::U(u32::from_be_bytes([t[4], t[5], t[6], t[7]]))
        }
        F::TcpAck => {
            let t = d.tcp_field(12)?;
            Value::U(u32::from_be_bytes([t[8], t[9], t[10], t[11]]))
        }
        F::TcpFlags => {
            let t = d.tcp_field(14)?;
            Value::U(u32::from(t[13]) | (u32::from(t[12] & 0x0f) << 8))
        }
        F::TcpOff => Value::U(u32::from(d.tcp_field(13)?[12] >> 4) * 4),
        F::TcpWindow => {
            let t = d.tcp_field(16)?;
            Value::U(u32::from(u16::from_be_bytes([t[14], t[15]])))
        }
        F::TcpUrp => {
            let t = d.tcp_field(20)?;
            Value::U(u32::from(u16::from_be_bytes([t[18], t[19]])))
        }
        F::TcpOpt | F::TcpNtopt | F::TcpSack => {
            let t = d.transport();
            let tl = t.len();
            if !d.tcp || tl < 13 {
                d.missing(6, tl + 1);
                return None;
            }
            let off = usize::from(t[12] >> 4) * 4;
            if f == F::TcpOpt {
                if off > 20 && tl < off {
                    d.missing(6, tl + 1);
                    return None;
                }
            } else if off <= 20 || (off == 32 && tl >= 24 && t[20..24] == [1, 1, 8, 10]) {
                return Some(Value::Options(&[]));
            } else if tl < off {
                d.missing(6, tl + 1);
                return None;
            }
            Value::Options(t.get(20..off).unwrap_or(&[]))
        }
        F::UdpLen => {
            let t = d.udp_field(6)?;
            Value::U(u32::from(u16::from_be_bytes([t[4], t[5]])))
        }
        F::IcmpType | F::IcmpTypeName => Value::U(u32::from(d.icmp_field(1)?[0])),
        F::IcmpCode | F::IcmpCodeName => Value::U(u32::from(d.icmp_field(2)?[1])),
        F::IcmpFlowid | F::IcmpSeq => {
            let kind = d.icmp_field(1)?[0];
            if !matches!(kind, 0 | 8 | 13 | 14 | 15 | 16) {
                return None;
            }
            let seq = f == F::IcmpSeq;
            let t = d.icmp_field(if seq { 8 } else { 6 })?;
            let at = if seq { 6 } else { 4 };
            Value::U(u32::from(u16::from_be_bytes([t[at], t[at + 1]])))
        }
        F::IcmpNextmtu => {
            let t = d.icmp_field(2)?;
            if t[0] != 3 || t[1] != 4 {
                return None;
            }
            let t = d.icmp_field(8)?;
            Value::U(u32::from(u16::from_be_bytes([t[6], t[7]])))
        }
        F::PayloadLen => {
            let (_, mut len) = d.payload_info();
            if !d.ip || d.force_extra_length {
                len = len.wrapping_add(d.extra_length);
            }
            Value::U(len)
        }
        F::Payload | F::PayloadMd5 | F::PayloadMd5Hex => {
            if !d.payload_ok() {
                return None;
            }
            Value::Payload(d.payload_bytes())
        }
        F::EthSrc => Value::Bytes6(&d.ether()?[6..12]),
        F::EthDst => Value::Bytes6(&d.ether()?[0..6]),
        F::EthType => {
            let e = d.ether()?;
            Value::U(u32::from(u16::from_be_bytes([e[12], e[13]])))
        }
        F::None => return None,
    })
}

/// Click's `Timestamp / int`: through a double, rounded to the nanosecond.
pub fn divide_time(ns: i128, by: u32) -> i128 {
    let d = (ns as f64 / 1e9) / f64::from(by.max(1));
    (d * 1e9 + 0.5).floor() as i128
}

pub fn first_timestamp(a: &packet::Annotations) -> Timestamp {
    let ns = a.get::<8>(FIRST_TIMESTAMP).map_or(0, i64::from_ne_bytes);
    Timestamp(ns.max(0) as u64)
}

fn ts_of(sec: u32, nsec: u32) -> Timestamp {
    Timestamp::new(u64::from(sec), nsec)
}

/// Writes `f` of the packet described by `d` as text; `false` (nothing
/// written) when it does not apply.
pub fn write_text(d: &mut Desc<'_>, f: Field, out: &mut String) -> bool {
    use Field as F;
    let Some(v) = extract(d, f) else {
        return false;
    };
    match (f, v) {
        (
            F::Timestamp | F::NTimestamp | F::FirstTimestamp | F::FirstNTimestamp,
            Value::Pair(s, n),
        ) => {
            let _ = write!(out, "{}", ts_of(s, n));
        }
        (F::TsUsec1, Value::Pair(hi, lo)) => {
            // Click prints the two halves swapped.
            let _ = write!(out, "{}", (u64::from(lo) << 32) | u64::from(hi));
        }
        (F::Direction, Value::U(v)) => match v {
            0 => out.push('>'),
            1 => out.push('<'),
            _ => {
                let _ = write!(out, "{v}");
            }
        },
        (F::IpSrc | F::IpDst, Value::Net(a)) => {
            let _ = write!(out, "{}", Ipv4Addr::from(a));
        }
        (F::IpFrag, Value::U(c)) => out.push(c as u8 as char),
        (F::IpFragoff, Value::U(v)) => {
            let _ = write!(out, "{}", (v & 0x1fff) << 3);
            if v & 0x2000 != 0 {
                out.push('+');
            }
            if v & 0x4000 != 0 {
                out.push('!');
            }
        }
        (F::IpProto, Value::U(v)) => match v {
            6 => out.push('T'),
            17 => out.push('U'),
            1 => out.push('I'),
            _ => {
                let _ = write!(out, "{v}");
            }
        },
        (F::IpEcn, Value::U(v)) => out.push_str(match v {
            0 => "no",
            1 => "ect1",
            2 => "ect2",
            _ => "ce",
        }),
        (F::IpOpt, Value::Options(o)) => {
            if o.is_empty() {
                out.push('.');
            } else {
                unparse_ip_opt(out, o);
            }
        }
        (F::TcpFlags, Value::U(v)) => {
            if v == 0x18 {
                out.push_str("PA");
            } else if v == 0x10 {
                out.push('A');
            } else if v == 0 {
                out.push('.');
            } else {
                for (bit, c) in "FSRPAUECN".chars().enumerate() {
                    if v & (1 << bit) != 0 {
                        out.push(c);
                    }
                }
            }
        }
        (F::TcpOpt | F::TcpNtopt | F::TcpSack, Value::Options(o)) => {
            if o.is_empty() {
                out.push('.');
            } else {
                let which = match f {
                    F::TcpOpt => TcpOpts::All,
                    F::TcpNtopt => TcpOpts::NoTimestamp,
                    _ => TcpOpts::Sack,
                };
                unparse_tcp_opt(out, o, which);
            }
        }
        (F::IcmpTypeName, Value::U(v)) => {
            match ICMP_TYPES.iter().find(|(k, _)| u32::from(*k) == v) {
                Some((_, n)) => out.push_str(n),
                None => {
                    let _ = write!(out, "{v}");
                }
            }
        }
        (F::IcmpCodeName, Value::U(v)) => {
            let kind = d.transport().first().copied().unwrap_or(0);
            match icmp_code_name(kind, v as u8) {
                Some(n) => out.push_str(n),
                None => {
                    let _ = write!(out, "{v}");
                }
            }
        }
        (F::Payload, Value::Payload(b)) => out.push_str(&clickconf::args::quote(b)),
        (F::PayloadMd5, Value::Payload(b)) => md5_text(&md5(b), out),
        (F::PayloadMd5Hex, Value::Payload(b)) => {
            for x in md5(b) {
                let _ = write!(out, "{x:02x}");
            }
        }
        (F::EthSrc | F::EthDst, Value::Bytes6(b)) => {
            let _ = write!(
                out,
                "{:02X}-{:02X}-{:02X}-{:02X}-{:02X}-{:02X}",
                b[0], b[1], b[2], b[3], b[4], b[5]
            );
        }
        (F::EthType, Value::U(v)) => {
            let _ = write!(out, "{v:04X}");
        }
        (_, Value::U(v)) => {
            let _ = write!(out, "{v}");
        }
        _ => return false,
    }
    true
}

/// Writes `f` in binary (Click's `outb`): zeros when it does not apply.
pub fn write_binary(d: &mut Desc<'_>, def: &Def, out: &mut Vec<u8>) {
    use Field as F;
    let v = extract(d, def.field);
    match def.field {
        F::Timestamp | F::FirstTimestamp => {
            let (s, n) = match v {
                Some(Value::Pair(s, n)) => (s, n),
                _ => (0, 0),
            };
            out.extend_from_slice(&s.to_be_bytes());
            out.extend_from_slice(&(n / 1000).to_be_bytes());
        }
        F::IpOpt => match v {
            Some(Value::Options(o)) if !o.is_empty() => {
                opt_binary(out, o, true, |_| true);
            }
            _ => out.push(0),
        },
        F::TcpOpt | F::TcpNtopt | F::TcpSack => match v {
            Some(Value::Options(o)) if !o.is_empty() => {
                let which = match def.field {
                    F::TcpOpt => TcpOpts::All,
                    F::TcpNtopt => TcpOpts::NoTimestamp,
                    _ => TcpOpts::Sack,
                };
                opt_binary(out, o, which == TcpOpts::All, |k| tcp_opt_wanted(k, which));
            }
            _ => out.push(0),
        },
        F::PayloadMd5 | F::PayloadMd5Hex => {
            let b = match v {
                Some(Value::Payload(b)) => b,
                _ => d.payload_bytes(),
            };
            out.extend_from_slice(&md5(b));
        }
        _ => match (def.bin, v) {
            (Bin::B1, Some(Value::U(x))) => out.push(x as u8),
            (Bin::B2, Some(Value::U(x))) => out.extend_from_slice(&(x as u16).to_be_bytes()),
            (Bin::B4, Some(Value::U(x))) => out.extend_from_slice(&x.to_be_bytes()),
            (Bin::B8, Some(Value::Pair(a, b))) => {
                out.extend_from_slice(&b.to_be_bytes());
                out.extend_from_slice(&a.to_be_bytes());
            }
            (Bin::B4Net, Some(Value::Net(a))) => out.extend_from_slice(&a),
            (Bin::B6, Some(Value::Bytes6(b))) => out.extend_from_slice(b),
            (Bin::B1, _) => out.push(0),
            (Bin::B2, _) => out.extend_from_slice(&[0; 2]),
            (Bin::B4 | Bin::B4Net, _) => out.extend_from_slice(&[0; 4]),
            (Bin::B6, _) => out.extend_from_slice(&[0; 6]),
            (Bin::B8, _) => out.extend_from_slice(&[0; 8]),
            (Bin::B16, _) => out.extend_from_slice(&[0; 16]),
            _ => {}
        },
    }
}

impl Desc<'_> {
    /// Whether the IP checks ran (some field needs them).
    pub fn prepared(&self) -> bool {
        self.prepared
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_options_with_unknown_flags_read_no_further_than_the_option() {
        // Timestamp option, length 8, pointer 9 (full), flag 4: one 4-byte entry.
        // A proptest input once made this read past the option.
        let mut out = String::new();
        super::unparse_ip_opt(&mut out, &[68, 8, 9, 4, 0, 0, 0, 7]);
        assert!(out.starts_with("ts.4{"), "{out}");
    }

    use super::*;

    #[test]
    fn md5_known_values() {
        let hex = |d: [u8; 16]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            hex(md5(b"The quick brown fox jumps over the lazy dog")),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
        assert_eq!(hex(md5(&[b'a'; 64])), "014842d480b571495a4a0363793f7367");
    }

    #[test]
    fn names_resolve_as_click() {
        assert_eq!(find("src").unwrap().name, "ip_src");
        assert_eq!(find("ts").unwrap().name, "timestamp");
        assert_eq!(find("sec").unwrap().name, "ts_sec");
        assert_eq!(find("tcp seq").unwrap().name, "tcp_seq");
        assert_eq!(find("len").unwrap().name, "ip_len");
        assert_eq!(find("proto").unwrap().name, "ip_proto");
        assert!(find("bogus_field").is_none());
    }

    #[test]
    fn options_unparse() {
        let mut s = String::new();
        unparse_ip_opt(
            &mut s,
            &[
                7, 11, 8, 10, 0, 0, 1, 0, 0, 0, 0, 68, 12, 9, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0,
            ],
        );
        assert_eq!(s, "rr{10.0.0.1}+1;ts{5}+1");
        let mut s = String::new();
        unparse_tcp_opt(
            &mut s,
            &[
                2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0x10, 0, 0, 0, 0, 0, 1, 3, 3, 7,
            ],
            TcpOpts::All,
        );
        assert_eq!(s, "mss1460;sackok;ts4096:0;wscale7");
        let mut s = String::new();
        unparse_tcp_opt(&mut s, &[2, 5, 5], TcpOpts::All);
        assert_eq!(s, "?");
    }
}

// ---------------------------------------------------------------------------
// Reading.

/// Click's `IntArg` for unsigned values: decimal, `0x` hex, `0` octal.
pub fn parse_uint(s: &str) -> Option<u64> {
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.is_empty() {
        return None;
    }
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok();
    }
    if s.len() > 1 && s.starts_with('0') {
        return u64::from_str_radix(&s[1..], 8).ok();
    }
    s.parse().ok()
}

/// Click's `cp_time` for plain seconds: `SEC[.FRAC]`, rounded to the
/// nanosecond.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let sec: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut ns: u64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        if i < 9 {
            ns = ns * 10 + u64::from(b - b'0');
        } else if i == 9 {
            if b >= b'5' {
                ns += 1;
            }
            break;
        }
    }
    for _ in frac.len()..9 {
        ns *= 10;
    }
    Some(Timestamp(sec.checked_mul(1_000_000_000)?.checked_add(ns)?))
}

/// A parsed input field, before it is put into the packet.
#[derive(Clone, Debug)]
pub enum In {
    U(u32),
    Time(Timestamp),
    U64(u64),
    Addr([u8; 4]),
    Eth([u8; 6]),
    /// Option bytes (`None` for `.`: no options) or payload bytes.
    Bytes(Option<Vec<u8>>),
}

/// Parses `text` as field `f`; `None` if it does not parse.
pub fn parse_text(f: &Def, text: &str, b: &Builder) -> Option<In> {
    use Field as F;
    let num = |max: u64| {
        parse_uint(text)
            .filter(|&v| v <= max)
            .map(|v| In::U(v as u32))
    };
    match f.field {
        F::Timestamp | F::NTimestamp | F::FirstTimestamp | F::FirstNTimestamp => {
            parse_time(text).map(In::Time)
        }
        F::TsUsec1 => parse_uint(text).map(In::U64),
        F::Link | F::Direction => match text {
            ">" => Some(In::U(0)),
            "<" => Some(In::U(1)),
            _ => num(u64::from(u32::MAX)),
        },
        F::IpSrc | F::IpDst => <Ipv4Addr as clickconf::args::ArgValue>::parse_arg(text)
            .ok()
            .map(|a| In::Addr(a.octets())),
        F::IpFrag | F::IpFragoff => {
            match text {
                "." => return Some(In::U(0)),
                "!" => return Some(In::U(0x4000)),
                "F" => return Some(In::U(0x2000)),
                "f" => return Some(In::U(100)),
                _ => {}
            }
            let digits = text.bytes().take_while(u8::is_ascii_digit).count();
            let mut v: u32 = if digits == 0 {
                0
            } else {
                text[..digits].parse::<u64>().ok()? as u32
            };
            if b.minor_version > 0 {
                v >>= 3;
            }
            for c in text[digits..].bytes() {
                match c {
                    b'!' => v |= 0x4000,
                    b'+' => v |= 0x2000,
                    _ => return None,
                }
            }
            (!text.is_empty()).then_some(In::U(v))
        }
        F::IpProto => match text {
            "T" => Some(In::U(6)),
            "U" => Some(In::U(17)),
            "I" => Some(In::U(1)),
            _ => num(255),
        },
        F::IpEcn => match text {
            "0" | "1" | "2" | "3" => Some(In::U(u32::from(text.as_bytes()[0] - b'0'))),
            "no" | "-" => Some(In::U(0)),
            "ect1" | "ECT(1)" => Some(In::U(1)),
            "ect2" | "ECT(0)" => Some(In::U(2)),
            "ce" | "CE" => Some(In::U(3)),
            _ => None,
        },
        F::IpOpt => {
            if text.is_empty() || text == "." {
                Some(In::Bytes(None))
            } else {
                parse_ip_opt(text).map(|v| In::Bytes(Some(v)))
            }
        }
        F::TcpOpt | F::TcpNtopt | F::TcpSack => {
            if text.is_empty() || text == "." {
                Some(In::Bytes(None))
            } else {
                let which = match f.field {
                    F::TcpOpt => TcpOpts::All,
                    F::TcpNtopt => TcpOpts::NoTimestamp,
                    _ => TcpOpts::Sack,
                };
                parse_tcp_opt(text, which).map(|v| In::Bytes(Some(v)))
            }
        }
        F::TcpFlags => {
            if text == "." {
                return Some(In::U(0));
            }
            let first = text.bytes().next()?;
            if first.is_ascii_digit() {
                return parse_uint(text)
                    .filter(|&v| v < 0x1000)
                    .map(|v| In::U(v as u32));
            }
            let mut v = 0u32;
            for c in text.bytes() {
                let bit = match c {
                    b'F' => 0,
                    b'S' => 1,
                    b'R' => 2,
                    b'P' => 3,
                    b'A' => 4,
                    b'U' => 5,
                    b'E' | b'X' => 6,
                    b'C' | b'W' | b'Y' => 7,
                    b'N' => 8,
                    _ => return None,
                };
                v |= 1 << bit;
            }
            Some(In::U(v))
        }
        F::IcmpType | F::IcmpTypeName => {
            if let Some((k, _)) = ICMP_TYPES.iter().find(|(_, n)| *n == text) {
                return Some(In::U(u32::from(*k)));
            }
            num(255)
        }
        F::IcmpCode | F::IcmpCodeName => {
            if b.have_icmp_type {
                let kind = b.transport_byte(0).unwrap_or(0);
                if let Some(c) = (0..=255u8).find(|&c| icmp_code_name(kind, c) == Some(text)) {
                    return Some(In::U(u32::from(c)));
                }
            }
            num(255)
        }
        F::Payload => clickconf::args::unquote(text)
            .ok()
            .map(|v| In::Bytes(Some(v))),
        F::EthSrc | F::EthDst => clickconf::args::EtherAddress::parse_literal(text)
            .ok()
            .map(|e| In::Eth(e.0)),
        F::EthType => {
            let t = text.strip_prefix("0x").unwrap_or(text);
            u32::from_str_radix(t, 16)
                .ok()
                .filter(|&v| v < 65536)
                .map(In::U)
        }
        F::PayloadMd5 | F::PayloadMd5Hex | F::None => None,
        _ => match f.bin {
            Bin::B1 => num(255),
            Bin::B2 => num(65535),
            _ => num(u64::from(u32::MAX)),
        },
    }
}

/// Reads field `f` from a binary record at `s`; returns the value and the
/// bytes used (`None` when the record is too short).
pub fn parse_binary(f: &Def, s: &[u8]) -> (Option<In>, usize) {
    use Field as F;
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let need = match f.bin {
        Bin::B0 => 0,
        Bin::B1 => 1,
        Bin::B2 => 2,
        Bin::B4 | Bin::B4Net => 4,
        Bin::B6 => 6,
        Bin::B8 => 8,
        Bin::B16 => 16,
        Bin::Special => {
            let Some(&n) = s.first() else {
                return (None, s.len());
            };
            let n = usize::from(n);
            if 1 + n > s.len() {
                return (None, s.len());
            }
            let bytes = s[1..1 + n].to_vec();
            return (Some(In::Bytes((!bytes.is_empty()).then_some(bytes))), 1 + n);
        }
        Bin::NotAllowed => return (None, s.len()),
    };
    if s.len() < need {
        return (None, s.len());
    }
    let v = match (f.field, f.bin) {
        (F::Timestamp | F::FirstTimestamp, _) => In::Time(Timestamp::new(
            u64::from(be32(s)),
            be32(&s[4..]).wrapping_mul(1000),
        )),
        (F::NTimestamp | F::FirstNTimestamp, _) => {
            In::Time(Timestamp::new(u64::from(be32(&s[4..])), be32(s)))
        }
        (F::TsUsec1, _) => In::U64((u64::from(be32(s)) << 32) | u64::from(be32(&s[4..]))),
        (_, Bin::B0) => In::U(0),
        (_, Bin::B1) => In::U(u32::from(s[0])),
        (_, Bin::B2) => In::U(u32::from(u16::from_be_bytes([s[0], s[1]]))),
        (_, Bin::B4) => In::U(be32(s)),
        (_, Bin::B4Net) => In::Addr([s[0], s[1], s[2], s[3]]),
        (_, Bin::B6) => In::Eth([s[0], s[1], s[2], s[3], s[4], s[5]]),
        _ => return (None, need),
    };
    (Some(v), need)
}

fn push_route(out: &mut Vec<u8>, s: &[u8], mut i: usize) -> Option<usize> {
    // After "rr{" etc.: addresses, '^' marks the pointer, '}' ends.
    let at = out.len() - 1;
    let mut pointer: Option<usize> = None;
    out.extend_from_slice(&[0, 0]);
    loop {
        if s.get(i) == Some(&b'^') && pointer.is_none() {
            pointer = Some(out.len() - at + 1);
            i += 1;
        }
        if !s.get(i).is_some_and(u8::is_ascii_digit) {
            break;
        }
        let (a, next) = parse_dotted(s, i)?;
        out.extend_from_slice(&a);
        i = next;
        if s.get(i) == Some(&b',') {
            i += 1;
        }
    }
    if s.get(i) != Some(&b'}') {
        return None;
    }
    out[at + 2] = pointer.unwrap_or(out.len() - at + 1) as u8;
    if s.get(i + 1) == Some(&b'+') && s.get(i + 2).is_some_and(u8::is_ascii_digit) {
        let (n, next) = parse_digits(s, i + 2);
        i = next;
        if n < 64 {
            out.extend(std::iter::repeat_n(0, n as usize * 4));
        }
    } else {
        i += 1;
    }
    if out.len() - at > 255 {
        return None;
    }
    out[at + 1] = (out.len() - at) as u8;
    Some(i)
}

fn parse_digits(s: &[u8], mut i: usize) -> (u64, usize) {
    let mut v: u64 = 0;
    while let Some(&c) = s.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        v = v.saturating_mul(10).saturating_add(u64::from(c - b'0'));
        i += 1;
    }
    (v, i)
}

fn parse_dotted(s: &[u8], mut i: usize) -> Option<([u8; 4], usize)> {
    let mut a = [0u8; 4];
    for (k, slot) in a.iter_mut().enumerate() {
        let (v, next) = parse_digits(s, i);
        if next == i || v > 255 {
            return None;
        }
        *slot = v as u8;
        i = next;
        if k < 3 {
            if s.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
    }
    Some((a, i))
}

/// Click's `ip_opt_ina`: IP options from their text form.
pub fn parse_ip_opt(text: &str) -> Option<Vec<u8>> {
    let s = text.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut i = 0;
    loop {
        let rest = &s[i..];
        if rest.len() > 3 && rest.starts_with(b"rr{") {
            out.push(7);
            i = push_route(&mut out, s, i + 3)?;
        } else if rest.len() > 5 && rest.starts_with(b"ssrr{") {
            out.push(137);
            i = push_route(&mut out, s, i + 5)?;
        } else if rest.len() > 5 && rest.starts_with(b"lsrr{") {
            out.push(131);
            i = push_route(&mut out, s, i + 5)?;
        } else if rest.len() > 3 && (rest.starts_with(b"ts{") || rest.starts_with(b"ts.")) {
            i = parse_ts_opt(&mut out, s, i)?;
        } else if rest.first().is_some_and(u8::is_ascii_digit) {
            let (v, next) = parse_digits(s, i);
            if v >= 256 {
                return None;
            }
            out.push(v as u8);
            i = next;
            if s.get(i) == Some(&b'=') && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
                let pos = out.len();
                out.push(0);
                loop {
                    let (v, next) = parse_digits(s, i + 1);
                    if v >= 256 {
                        return None;
                    }
                    out.push(v as u8);
                    i = next;
                    if !(s.get(i) == Some(&b':') && s.get(i + 1).is_some_and(u8::is_ascii_digit)) {
                        break;
                    }
                }
                if out.len() > pos + 254 {
                    return None;
                }
                out[pos] = (out.len() - pos + 1) as u8;
            }
        } else if rest.starts_with(b"nop") {
            out.push(1);
            i += 3;
        } else if rest.starts_with(b"eol") && (rest.len() == 3 || rest[3] != b',') {
            out.push(0);
            i += 3;
        } else {
            return None;
        }
        if i >= s.len() {
            while out.len() > 40 && out[0] == 1 {
                out.remove(0);
            }
            return (out.len() <= 40).then_some(out);
        }
        if s[i] != b',' && s[i] != b';' {
            return None;
        }
        i += 1;
    }
}

fn parse_ts_opt(out: &mut Vec<u8>, s: &[u8], mut i: usize) -> Option<usize> {
    let at = out.len();
    out.extend_from_slice(&[68, 0, 0, 0]);
    let mut flag: i32 = -1;
    if s[i + 2] == b'.' {
        let r = &s[i + 3..];
        if r.len() > 3 && r.starts_with(b"ip{") {
            flag = 1;
            i += 6;
        } else if r.len() > 6 && r.starts_with(b"preip{") {
            flag = 3;
            i += 9;
        } else if r.first().is_some_and(u8::is_ascii_digit) {
            let (v, next) = parse_digits(s, i + 3);
            if v > 15 || s.get(next) != Some(&b'{') {
                return None;
            }
            flag = v as i32;
            i = next + 1;
        } else {
            return None;
        }
    } else {
        i += 3;
    }
    let mut pointer: Option<usize> = None;
    loop {
        if s.get(i) == Some(&b'^') && pointer.is_none() {
            pointer = Some(out.len() - at + 1);
            i += 1;
        }
        match s.get(i) {
            Some(c) if c.is_ascii_digit() || *c == b'!' => {}
            _ => break,
        }
        let entry = i;
        let mut retried = false;
        loop {
            if flag == 1 || flag == 3 || flag == -2 {
                let (a, next) = parse_dotted(s, i)?;
                out.extend_from_slice(&a);
                i = next;
                if pointer.is_some() && flag == -2 {
                    flag = 3;
                }
                if s.get(i) == Some(&b'=') && i + 1 < s.len() {
                    if s[i + 1].is_ascii_digit() || s[i + 1] == b'!' {
                        i += 1;
                    } else if s[i + 1] == b'?' && pointer.is_some() {
                        out.extend_from_slice(&[0; 4]);
                        i += 2;
                        break;
                    } else {
                        return None;
                    }
                } else if pointer.is_some() {
                    out.extend_from_slice(&[0; 4]);
                    break;
                } else {
                    return None;
                }
            }
            let mut top = 0u32;
            if s.get(i) == Some(&b'!') {
                top = 0x8000_0000;
                i += 1;
            }
            if !s.get(i).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            let (v, next) = parse_digits(s, i);
            i = next;
            if s.get(i) == Some(&b'.') && flag == -1 && !retried {
                flag = -2;
                i = entry;
                retried = true;
                continue;
            } else if flag == -1 {
                flag = 0;
            }
            out.extend_from_slice(&((v as u32) | top).to_be_bytes());
            break;
        }
        if s.get(i) == Some(&b',') {
            i += 1;
        }
    }
    if i < s.len() {
        if s[i] != b'}' {
            return None;
        }
        i += 1;
    }
    if flag == -2 {
        flag = 1;
    }
    out[at + 2] = pointer.unwrap_or(out.len() - at + 1) as u8;
    if s.get(i) == Some(&b'+') && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
        let (n, next) = parse_digits(s, i + 1);
        i = next;
        if n < 64 {
            let size = if flag == 1 || flag == 3 { 8 } else { 4 };
            out.extend(std::iter::repeat_n(0, n as usize * size));
        }
    }
    let mut overflow = 0;
    if s.get(i) == Some(&b'+')
        && s.get(i + 1) == Some(&b'+')
        && s.get(i + 2).is_some_and(u8::is_ascii_digit)
    {
        let (n, next) = parse_digits(s, i + 2);
        i = next;
        if n < 16 {
            overflow = n as u8;
        }
    }
    out[at + 3] = (overflow << 4) | (flag.max(0) as u8 & 0x0f);
    if out.len() - at > 255 {
        return None;
    }
    out[at + 1] = (out.len() - at) as u8;
    Some(i)
}

/// Click's `tcp_opt_ina`: TCP options from their text form.
pub fn parse_tcp_opt(text: &str, which: TcpOpts) -> Option<Vec<u8>> {
    let s = text.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut i = 0;
    let allow = |k: u8| tcp_opt_wanted(k, which);
    loop {
        let rest = &s[i..];
        if rest.len() > 3 && rest.starts_with(b"mss") && allow(2) {
            let (v, next) = parse_digits(s, i + 3);
            if next == i + 3 || v > 0xffff {
                return None;
            }
            out.extend_from_slice(&[2, 4, (v >> 8) as u8, v as u8]);
            i = next;
        } else if rest.len() > 6 && rest.starts_with(b"wscale") && allow(3) {
            let (v, next) = parse_digits(s, i + 6);
            if next == i + 6 || v > 255 {
                return None;
            }
            out.extend_from_slice(&[3, 3, v as u8]);
            i = next;
        } else if rest.starts_with(b"sackok") && allow(4) {
            out.extend_from_slice(&[4, 2]);
            i += 6;
        } else if rest.len() > 4 && rest.starts_with(b"sack") && allow(5) {
            let at = out.len();
            out.extend_from_slice(&[5, 0]);
            i += 4;
            loop {
                let (a, t) = parse_digits(s, i);
                if t >= s.len() || (s[t] != b':' && s[t] != b'-') {
                    return None;
                }
                let (b, t2) = parse_digits(s, t + 1);
                out.extend_from_slice(&(a as u32).to_be_bytes());
                out.extend_from_slice(&(b as u32).to_be_bytes());
                if t2 < i + 3 {
                    return None;
                }
                i = t2;
                if !(i + 5 < s.len() && s[i..].starts_with(b",sack")) {
                    break;
                }
                i += 5;
            }
            out[at + 1] = (out.len() - at) as u8;
        } else if rest.len() > 2 && rest.starts_with(b"ts") && allow(8) {
            let (a, t) = parse_digits(s, i + 2);
            if t >= s.len() || s[t] != b':' {
                return None;
            }
            let (b, t2) = parse_digits(s, t + 1);
            if out.is_empty() {
                out.extend_from_slice(&[1, 1]);
            }
            out.extend_from_slice(&[8, 10]);
            out.extend_from_slice(&(a as u32).to_be_bytes());
            out.extend_from_slice(&(b as u32).to_be_bytes());
            if t2 < i + 5 {
                return None;
            }
            i = t2;
        } else if rest.first().is_some_and(u8::is_ascii_digit) && which == TcpOpts::All
            || rest.first().is_some_and(u8::is_ascii_digit) && which == TcpOpts::NoTimestamp
        {
            let (v, next) = parse_digits(s, i);
            if v >= 256 {
                return None;
            }
            out.push(v as u8);
            i = next;
            if s.get(i) == Some(&b'=') && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
                let pos = out.len();
                out.push(0);
                loop {
                    let (v, next) = parse_digits(s, i + 1);
                    if v >= 256 {
                        return None;
                    }
                    out.push(v as u8);
                    i = next;
                    if !(s.get(i) == Some(&b':') && s.get(i + 1).is_some_and(u8::is_ascii_digit)) {
                        break;
                    }
                }
                if out.len() > pos + 254 {
                    return None;
                }
                out[pos] = (out.len() - pos + 1) as u8;
            }
        } else if rest.starts_with(b"nop") && which == TcpOpts::All {
            out.push(1);
            i += 3;
        } else if rest.starts_with(b"eol")
            && which == TcpOpts::All
            && (rest.len() == 3 || rest[3] != b',')
        {
            out.push(0);
            i += 3;
        } else {
            return None;
        }
        if i >= s.len() || s[i].is_ascii_whitespace() {
            while out.len() > 40 && out[0] == 1 {
                out.remove(0);
            }
            return (out.len() <= 40).then_some(out);
        }
        if s[i] != b',' && s[i] != b';' {
            return None;
        }
        i += 1;
    }
}

/// A default flow for packets whose dump lacks addresses or ports
/// (`!flowid`, FLOWID).
#[derive(Clone, Copy, Debug, Default)]
pub struct FlowDefault {
    pub src: [u8; 4],
    pub sport: u16,
    pub dst: [u8; 4],
    pub dport: u16,
}

/// A packet being built from a dump line (Click's `PacketOdesc`): the
/// buffer as Click lays it out (16 bytes of headroom), with data from
/// `head` to `tail` and header positions in buffer offsets.
pub struct Builder {
    buf: Vec<u8>,
    head: usize,
    tail: usize,
    net: Option<usize>,
    th: usize,
    mac: Option<usize>,
    pub is_ip: bool,
    have_icmp_type: bool,
    have_icmp_code: bool,
    have_ip_hl: bool,
    have_tcp_hl: bool,
    default_proto: u8,
    flowid: Option<FlowDefault>,
    pub minor_version: u32,
    want_len: u32,
    pub anno: packet::Annotations,
}

const HEADROOM: usize = 16;

impl Builder {
    pub fn new(default_proto: u8, flowid: Option<FlowDefault>, minor_version: u32) -> Builder {
        Builder {
            buf: vec![0; HEADROOM + 1000],
            head: HEADROOM,
            tail: HEADROOM,
            net: None,
            th: HEADROOM,
            mac: None,
            is_ip: true,
            have_icmp_type: false,
            have_icmp_code: false,
            have_ip_hl: false,
            have_tcp_hl: false,
            default_proto,
            flowid,
            minor_version,
            want_len: 0,
            anno: packet::Annotations::default(),
        }
    }

    fn put(&mut self, n: usize) {
        self.tail += n;
        if self.buf.len() < self.tail + 64 {
            self.buf.resize(self.tail + 64, 0);
        }
    }

    fn take(&mut self, n: usize) {
        self.tail = self.tail.saturating_sub(n).max(self.head);
    }

    /// Writes `bytes` at buffer offset `at`, growing the buffer if needed
    /// (but not the data).
    fn write(&mut self, at: usize, bytes: &[u8]) {
        if self.buf.len() < at + bytes.len() {
            self.buf.resize(at + bytes.len() + 64, 0);
        }
        self.buf[at..at + bytes.len()].copy_from_slice(bytes);
    }

    fn fill(&mut self, at: usize, n: usize, v: u8) {
        if self.buf.len() < at + n {
            self.buf.resize(at + n + 64, 0);
        }
        self.buf[at..at + n].fill(v);
    }

    fn length(&self) -> usize {
        self.tail - self.head
    }

    fn network_length(&self) -> usize {
        self.net.map_or(0, |n| self.tail.saturating_sub(n))
    }

    fn transport_length(&self) -> usize {
        self.tail.saturating_sub(self.th)
    }

    fn ip(&self, i: usize) -> u8 {
        self.net.map_or(0, |n| self.buf[n + i])
    }

    fn hl(&self) -> usize {
        usize::from(self.ip(0) & 0x0f) * 4
    }

    fn first_frag(&self) -> bool {
        u16::from_be_bytes([self.ip(6), self.ip(7)]) & 0x1fff == 0
    }

    fn transport_byte(&self, i: usize) -> Option<u8> {
        self.buf.get(self.th + i).copied()
    }

    fn set_ip_header(&mut self, len: usize) {
        if let Some(n) = self.net {
            self.th = n + len;
        }
    }

    fn hard_make_ip(&mut self) -> bool {
        if !self.is_ip {
            return false;
        }
        if self.net.is_none() {
            self.net = Some(self.head);
            self.th = self.head;
        }
        let nl = self.network_length();
        if nl < 20 {
            self.put(20 - nl);
            self.set_ip_header(20);
            let n = self.net.unwrap_or(self.head);
            self.buf[n] = 0x45;
            self.buf[n + 9] = self.default_proto;
            self.write(n + 2, &[0, 0]);
            self.write(n + 6, &[0, 0]);
            self.buf[n + 8] = 100;
            if let Some(f) = self.flowid {
                self.write(n + 12, &f.src);
                self.write(n + 16, &f.dst);
            }
        }
        true
    }

    pub fn make_ip(&mut self, proto: u8) -> bool {
        if (!self.is_ip || self.net.is_none() || self.network_length() < 20) && !self.hard_make_ip()
        {
            return false;
        }
        let p = self.ip(9);
        proto == 0 || p == 0 || p == proto
    }

    fn hard_make_transp(&mut self) -> bool {
        if self.first_frag() {
            let mut len: i64 = match self.ip(9) {
                6 => 20,
                17 | 136 => 8,
                33 => 12,
                1 => 8,
                _ => return true,
            };
            let th_off = (self.th - self.head) as i64;
            if self.want_len > 0 && i64::from(self.want_len) < th_off + len {
                len = i64::from(self.want_len) - th_off;
            }
            if (self.transport_length() as i64) < len {
                let xlen = len.max(4);
                self.put((xlen - self.transport_length() as i64) as usize);
                if self.ip(9) == 6 && len >= 13 {
                    let b = self.buf[self.th + 12];
                    self.buf[self.th + 12] = (5 << 4) | (b & 0x0f);
                }
                if let Some(f) = self.flowid {
                    let th = self.th;
                    self.write(th, &f.sport.to_be_bytes());
                    self.write(th + 2, &f.dport.to_be_bytes());
                }
                if xlen > len {
                    self.take((xlen - len) as usize);
                }
            }
        }
        true
    }

    pub fn make_transp(&mut self) -> bool {
        if !self.first_frag() {
            return false;
        }
        if self.transport_length() < 8 {
            self.hard_make_transp()
        } else {
            true
        }
    }

    fn ensure_transport(&mut self, n: usize) {
        let tl = self.transport_length();
        if tl < n {
            self.put(n - tl);
        }
    }

    /// Click's `payload_info` on the packet being built.
    fn payload_info(&self) -> (usize, u32) {
        if self.is_ip
            && let Some(n) = self.net
        {
            let mut len = u32::from(u16::from_be_bytes([self.ip(2), self.ip(3)]));
            let mut off = self.th - self.head;
            if self.first_frag() {
                match self.ip(9) {
                    6 => {
                        let th = usize::from(self.buf[self.th + 12] >> 4) * 4;
                        off += if self.transport_length() >= 13 && th >= 20 {
                            th
                        } else {
                            20
                        };
                    }
                    17 | 136 => off += 8,
                    _ => {}
                }
            }
            len = len.wrapping_sub((off - (n - self.head)) as u32);
            (off, len)
        } else {
            (0, self.length() as u32)
        }
    }

    fn account_payload_len(&mut self, off: usize, plen: u32) {
        let ip_len = u16::from_be_bytes([self.ip(2), self.ip(3)]);
        if !self.is_ip || self.net.is_none() || (ip_len == 0 && self.want_len == 0) {
            self.want_len = (off as u32).wrapping_add(plen);
            return;
        }
        let n = self.net.unwrap_or(self.head);
        let want = if ip_len != 0 {
            u32::from(ip_len)
        } else {
            self.want_len
        } as i64
            + (n - self.head) as i64;
        let mut delta = want - (off as i64 + i64::from(plen));
        if delta > 0
            && self.first_frag()
            && self.ip(9) == 6
            && !self.have_tcp_hl
            && self.buf[self.th + 12] >> 4 == 5
        {
            let th_delta = ((delta - (delta & 3)) as usize).min(40);
            self.put(th_delta);
            let tx = self.th + 20;
            self.buf
                .copy_within(tx..self.tail - th_delta, tx + th_delta);
            self.fill(tx, th_delta, 0);
            let b = self.buf[self.th + 12];
            self.buf[self.th + 12] = ((((20 + th_delta) >> 2) as u8) << 4) | (b & 0x0f);
            delta -= th_delta as i64;
        }
        if delta > 0 && !self.have_ip_hl && self.ip(0) & 0x0f == 5 {
            let ip_delta = ((delta - (delta & 3)) as usize).min(40);
            self.put(ip_delta);
            let nx = n + 20;
            self.buf
                .copy_within(nx..self.tail - ip_delta, nx + ip_delta);
            self.fill(nx, ip_delta, 0);
            self.buf[n] = 0x40 | (((20 + ip_delta) >> 2) as u8 & 0x0f);
            self.set_ip_header(20 + ip_delta);
        }
    }

    /// Puts field `f`'s value into the packet (Click's `inject`).
    pub fn inject(&mut self, f: &Def, v: &In) {
        use Field as F;
        let u = match v {
            In::U(u) => *u,
            _ => 0,
        };
        match f.field {
            F::Timestamp | F::NTimestamp => {
                if let In::Time(t) = v {
                    self.anno.timestamp = *t;
                }
            }
            F::TsSec => {
                let ns = self.anno.timestamp.nsec();
                self.anno.timestamp = Timestamp::new(u64::from(u), ns);
            }
            F::TsUsec => {
                let s = self.anno.timestamp.sec();
                self.anno.timestamp = Timestamp::new(s, u.wrapping_mul(1000));
            }
            F::TsUsec1 => {
                if let In::U64(x) = v {
                    self.anno.timestamp =
                        Timestamp::new(x / 1_000_000, (x % 1_000_000) as u32 * 1000);
                }
            }
            F::FirstTimestamp | F::FirstNTimestamp => {
                if let In::Time(t) = v {
                    self.anno.set(FIRST_TIMESTAMP, &(t.0 as i64).to_ne_bytes());
                }
            }
            F::Count => {
                let x = u.saturating_sub(1);
                self.anno.set(offset::EXTRA_PACKETS, &x.to_ne_bytes());
            }
            F::Link | F::Direction => self.anno.set_paint(u as u8),
            F::Aggregate => {
                self.anno.set(offset::AGGREGATE, &u.to_ne_bytes());
            }
            F::WireLen => self.want_len = u,
            F::EthSrc | F::EthDst | F::EthType => {
                if self.mac.is_none() {
                    if self.head < 14 {
                        let grow = 64;
                        self.buf.splice(0..0, std::iter::repeat_n(0, grow));
                        self.head += grow;
                        self.tail += grow;
                        self.th += grow;
                        self.net = self.net.map(|n| n + grow);
                    }
                    // Click's push_mac_header: the link header goes in
                    // front, and the network header is marked after it.
                    self.head -= 14;
                    self.mac = Some(self.head);
                    self.net = Some(self.head + 14);
                    let h = self.head;
                    self.write(h + 12, &[0x08, 0x00]);
                }
                let m = self.mac.unwrap_or(self.head);
                match (f.field, v) {
                    (F::EthSrc, In::Eth(e)) => self.write(m + 6, e),
                    (F::EthDst, In::Eth(e)) => self.write(m, e),
                    _ => {
                        self.write(m + 12, &(u as u16).to_be_bytes());
                        if u != 0x0800 && u != 0x86dd {
                            self.is_ip = false;
                        }
                    }
                }
            }
            F::IpSrc
            | F::IpDst
            | F::IpTos
            | F::IpDscp
            | F::IpEcn
            | F::IpTtl
            | F::IpFrag
            | F::IpFragoff
            | F::IpId
            | F::IpSum
            | F::IpProto
            | F::IpOpt
            | F::IpHl
            | F::IpLen
            | F::IpCaptureLen => {
                if !self.make_ip(0) {
                    return;
                }
                let n = self.net.unwrap_or(self.head);
                match (f.field, v) {
                    (F::IpSrc, In::Addr(a)) => self.write(n + 12, a),
                    (F::IpDst, In::Addr(a)) => self.write(n + 16, a),
                    (F::IpTos, _) => self.buf[n + 1] = u as u8,
                    (F::IpDscp, _) => {
                        self.buf[n + 1] = (self.buf[n + 1] & 3) | ((u << 2) as u8 & 0xfc)
                    }
                    (F::IpEcn, _) => self.buf[n + 1] = (self.buf[n + 1] & 0xfc) | (u as u8 & 3),
                    (F::IpTtl, _) => self.buf[n + 8] = u as u8,
                    (F::IpFrag | F::IpFragoff, _) => self.write(n + 6, &(u as u16).to_be_bytes()),
                    (F::IpId, _) => self.write(n + 4, &(u as u16).to_be_bytes()),
                    (F::IpSum, _) => self.write(n + 10, &(u as u16).to_be_bytes()),
                    (F::IpProto, _) => self.buf[n + 9] = u as u8,
                    (F::IpOpt, In::Bytes(o)) => {
                        self.have_ip_hl = true;
                        let Some(o) = o else {
                            return;
                        };
                        let olen = o.len();
                        let ip_hl = (20 + olen + 3) & !3;
                        let nl = self.network_length();
                        if nl < ip_hl {
                            self.put(ip_hl - nl);
                        }
                        if ip_hl > self.hl() {
                            self.set_ip_header(ip_hl);
                            self.buf[n] = (self.buf[n] & 0xf0) | ((ip_hl >> 2) as u8 & 0x0f);
                        }
                        self.write(n + 20, o);
                        self.fill(n + 20 + olen, ip_hl - olen, 0);
                    }
                    (F::IpHl, _) => {
                        self.have_ip_hl = true;
                        let v = (u as usize + 3) & !3;
                        let hl = self.hl();
                        if v > hl {
                            let more = v - hl;
                            self.put(more);
                            self.set_ip_header(v);
                            let th = self.th;
                            self.fill(th - more, more, 0);
                        }
                        self.buf[n] = (self.buf[n] & 0xf0) | ((v >> 2) as u8 & 0x0f);
                    }
                    (F::IpLen, _) => {
                        self.want_len = ((n - self.head) as u32).wrapping_add(u);
                    }
                    _ => {}
                }
            }
            F::Sport | F::Dport => {
                if !self.make_ip(0) || !self.make_transp() {
                    return;
                }
                let p = self.ip(9);
                if p != 0 && !matches!(p, 6 | 17 | 33 | 136) {
                    return;
                }
                let th = self.th;
                let at = if f.field == F::Sport { th } else { th + 2 };
                self.write(at, &(u as u16).to_be_bytes());
            }
            F::TcpSeq
            | F::TcpAck
            | F::TcpFlags
            | F::TcpOff
            | F::TcpWindow
            | F::TcpUrp
            | F::TcpOpt
            | F::TcpNtopt
            | F::TcpSack => {
                if !self.make_ip(6) || !self.make_transp() {
                    return;
                }
                let t = self.th;
                match (f.field, v) {
                    (F::TcpSeq, _) => self.write(t + 4, &u.to_be_bytes()),
                    (F::TcpAck, _) => self.write(t + 8, &u.to_be_bytes()),
                    (F::TcpFlags, _) => {
                        self.write(t + 13, &[u as u8]);
                        let b = self.buf[t + 12];
                        self.buf[t + 12] = (b & 0xf0) | ((u >> 8) as u8 & 0x0f);
                    }
                    (F::TcpOff, _) => {
                        let v = (u as usize + 3) & !3;
                        let cur = usize::from(self.buf[t + 12] >> 4) * 4;
                        if v > cur {
                            let more = v - cur;
                            self.put(more);
                            self.fill(t + v - more, more, 0);
                        }
                        let b = self.buf[t + 12];
                        self.buf[t + 12] = (((v >> 2) as u8) << 4) | (b & 0x0f);
                    }
                    (F::TcpWindow, _) => self.write(t + 14, &(u as u16).to_be_bytes()),
                    (F::TcpUrp, _) => self.write(t + 18, &(u as u16).to_be_bytes()),
                    (_, In::Bytes(o)) => {
                        self.have_tcp_hl = true;
                        let Some(o) = o.as_ref().filter(|o| !o.is_empty()) else {
                            return;
                        };
                        let olen = o.len();
                        let th_off = (20 + olen + 3) & !3;
                        self.ensure_transport(th_off);
                        let cur = usize::from(self.buf[t + 12] >> 4) * 4;
                        if th_off > cur {
                            let b = self.buf[t + 12];
                            self.buf[t + 12] = (((th_off >> 2) as u8) << 4) | (b & 0x0f);
                        }
                        self.write(t + 20, o);
                        self.fill(t + 20 + olen, th_off - olen, 0);
                    }
                    _ => {}
                }
            }
            F::UdpLen => {
                if !self.make_ip(0) || !self.make_transp() {
                    return;
                }
                let p = self.ip(9);
                if p != 0 && p != 17 && p != 136 {
                    return;
                }
                self.ensure_transport(8);
                let t = self.th;
                self.write(t + 4, &(u as u16).to_be_bytes());
            }
            F::IcmpType
            | F::IcmpTypeName
            | F::IcmpCode
            | F::IcmpCodeName
            | F::IcmpFlowid
            | F::IcmpSeq
            | F::IcmpNextmtu => {
                if !self.make_ip(1) || !self.make_transp() {
                    return;
                }
                self.ensure_transport(8);
                let t = self.th;
                let kind = self.buf[t];
                let has_flow = matches!(kind, 0 | 8 | 13 | 14 | 15 | 16);
                match f.field {
                    F::IcmpType | F::IcmpTypeName => {
                        self.buf[t] = u as u8;
                        self.have_icmp_type = true;
                        let len = if u == 13 || u == 14 { 20 } else { 8 };
                        self.ensure_transport(len);
                    }
                    F::IcmpCode | F::IcmpCodeName => {
                        self.buf[t + 1] = u as u8;
                        self.have_icmp_code = true;
                    }
                    F::IcmpFlowid | F::IcmpSeq => {
                        if !self.have_icmp_type || has_flow {
                            let at = if f.field == F::IcmpFlowid {
                                t + 4
                            } else {
                                t + 6
                            };
                            self.write(at, &(u as u16).to_be_bytes());
                        }
                    }
                    _ => {
                        if (!self.have_icmp_type || kind == 3)
                            && (!self.have_icmp_code || self.buf[t + 1] == 4)
                        {
                            self.write(t + 6, &(u as u16).to_be_bytes());
                        }
                    }
                }
            }
            F::Payload | F::PayloadLen => {
                if self.make_ip(0) {
                    self.make_transp();
                }
                let (off, _) = self.payload_info();
                match v {
                    In::Bytes(Some(b)) if f.field == F::Payload => {
                        if b.is_empty() {
                            return;
                        }
                        let plen = b.len();
                        self.account_payload_len(off, plen as u32);
                        let have = self.length().saturating_sub(off);
                        if have < plen {
                            self.put(plen - have);
                        }
                        let at = self.head + off;
                        self.write(at, b);
                    }
                    In::U(x) => self.account_payload_len(off, *x),
                    _ => {}
                }
            }
            F::PayloadMd5 | F::PayloadMd5Hex | F::None => {}
        }
    }

    /// Finishes the packet as Click's `read_packet` does after the fields:
    /// default addresses, transport header, IP and UDP lengths, checksums,
    /// the destination and extra length annotations.
    pub fn finish(mut self, checksum: bool) -> Option<Packet> {
        if self.flowid.is_some() {
            self.make_ip(0);
        }
        if self.is_ip && self.net.is_some() {
            self.make_transp();
        }
        if self.is_ip
            && let Some(n) = self.net
        {
            let cur = u16::from_be_bytes([self.ip(2), self.ip(3)]);
            let ip_len: u32 = if cur == 0 {
                let mut l = self.want_len;
                let nh_off = (n - self.head) as u32;
                if l >= nh_off {
                    l -= nh_off;
                }
                if l > 0xffff {
                    l = 0xffff;
                } else if l == 0 {
                    l = self.network_length() as u32;
                }
                self.write(n + 2, &(l as u16).to_be_bytes());
                l
            } else {
                u32::from(cur)
            };
            if self.ip(9) == 17 && self.first_frag() {
                let t = self.th;
                if self.buf[t + 4] == 0 && self.buf[t + 5] == 0 {
                    let len = ip_len.wrapping_sub((self.th - n) as u32);
                    self.write(t + 4, &(len as u16).to_be_bytes());
                }
            }
            let dst = [self.ip(16), self.ip(17), self.ip(18), self.ip(19)];
            self.anno.set_dst_ip(Ipv4Addr::from(dst));
            if checksum {
                let nl = self.network_length() as u32;
                if ip_len > nl {
                    self.put((ip_len - nl) as usize);
                }
                self.set_checksums(n);
            }
        }
        let mut p = Packet::from_slice(&self.buf[self.head..self.tail]).ok()?;
        if self.want_len as usize > self.length() {
            let x = self.want_len - self.length() as u32;
            self.anno.set(offset::EXTRA_LENGTH, &x.to_ne_bytes());
        }
        let base = p.data_offset();
        let mut anno = self.anno;
        anno.set_mac_header(self.mac.map(|m| base + (m - self.head)));
        anno.set_network_header(None);
        anno.set_transport_header(None);
        *p.anno_mut() = anno;
        if let Some(n) = self.net {
            p.set_network_header(n - self.head, self.th - n);
        }
        Some(p)
    }

    fn set_checksums(&mut self, n: usize) {
        let hl = self.hl();
        self.write(n + 10, &[0, 0]);
        let c = packet::checksum::checksum(&self.buf[n..n + hl]);
        self.write(n + 10, &c.to_be_bytes());
        let frag = u16::from_be_bytes([self.ip(6), self.ip(7)]) & 0x3fff != 0;
        if frag {
            return;
        }
        let t = self.th;
        let tl = self.transport_length();
        let at = match self.ip(9) {
            6 => 16,
            17 => 6,
            1 => 2,
            _ => return,
        };
        if tl < at + 2 {
            return;
        }
        self.write(t + at, &[0, 0]);
        let seg = &self.buf[t..t + tl];
        let c = if self.ip(9) == 1 {
            packet::checksum::checksum(seg)
        } else {
            let src = Ipv4Addr::new(self.ip(12), self.ip(13), self.ip(14), self.ip(15));
            let dst = Ipv4Addr::new(self.ip(16), self.ip(17), self.ip(18), self.ip(19));
            let pseudo = packet::checksum::pseudo_header_v4(src, dst, self.ip(9).into(), tl as u16);
            packet::checksum::finish(&[pseudo, packet::checksum::sum(seg)])
        };
        self.write(t + at, &c.to_be_bytes());
    }
}
