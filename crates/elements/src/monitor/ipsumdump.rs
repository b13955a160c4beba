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
                    if flag != 0 {
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
