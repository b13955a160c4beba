//! IPPrint — prints a one-line summary of each IP packet, in Click's
//! format.
//!
//! ## Synopsis
//! `IPPrint([LABEL, keywords CONTENTS, PAYLOAD, MAXLENGTH, ID, TTL, TOS, LENGTH, TIMESTAMP, PAINT, AGGREGATE, SWAP, OUTFILE, ACTIVE])`
//!
//! ## Ports
//! 1 input, 1 output; agnostic.
//!
//! ## Description
//! For every packet with a network header annotation, prints
//! `LABEL: TIMESTAMP: ` then, for TCP,
//! `SRC.SPORT > DST.DPORT: FLAGS SEQ:END(SEQLEN,PACKETLEN,IPLEN) ack ACK win WIN`;
//! for UDP `SRC.SPORT > DST.DPORT: udp LEN`; for ICMP
//! `SRC > DST: icmp echo (ID, SEQ)`, `icmp DST unreachable CODE …` or
//! `icmp TYPE CODE`; for other protocols `SRC > DST: ip-proto-N`;
//! fragments get ` (frag ID:LEN@OFFSET[+])`, and short headers
//! `truncated-…`. Packets pass unchanged. Lines go to standard error, or
//! to OUTFILE (created anew).
//!
//! ## Arguments
//! - `LABEL`: text in front of each line.
//! - `CONTENTS`: `NONE` (default), `HEX` or `ASCII` (or a boolean): also
//!   dump the packet's bytes, up to MAXLENGTH (default 1500).
//! - `PAYLOAD`: as CONTENTS, dumping from the payload (after the TCP or
//!   UDP header); at most one of the two.
//! - `ID`, `TTL`, `TOS`, `LENGTH`: print those IP header fields first.
//! - `TIMESTAMP` (default true): print the timestamp annotation.
//! - `PAINT`, `AGGREGATE`: print those annotations.
//! - `SWAP` (default true): ICMP echo IDs and sequence numbers in network
//!   byte order (false prints them byte-swapped, as on a little-endian
//!   host reading them raw).
//! - `OUTFILE`: write here instead of standard error.
//! - `ACTIVE` (default true).
//!
//! ## Handlers
//! - `active` (read/write).
//!
//! ## Differences from Click
//! - CHANNEL is accepted and ignored (lines go to OUTFILE or standard
//!   error).
//!
//! ## Example
//! ```text
//! FromDump(trace.pcap) -> CheckIPHeader(14) -> IPPrint(in, TTL true) -> Discard;
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::Ipv4Addr;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, Simple,
    SimpleAction, Verdict,
};
use packet::Packet;

pub const SPEC: ElementSpec = ElementSpec {
    class: "IPPrint",
    ports: "1/1",
    processing: "a/a",
    source: include_str!("ipprint.rs"),
    drop_reasons: &[],
    handlers: &[HandlerSpec::read_write(
        "active",
        "whether lines are printed",
    )],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dump {
    None,
    Hex,
    Ascii,
}

struct IPPrint {
    label: String,
    dump: Dump,
    payload: bool,
    max_bytes: Option<usize>,
    id: bool,
    ttl: bool,
    tos: bool,
    length: bool,
    timestamp: bool,
    paint: bool,
    aggregate: bool,
    swap: bool,
    active: bool,
    /// Written a line at a time, so the file is complete whenever read.
    out: Option<std::fs::File>,
    line: String,
}

fn dump_kind(word: &str, what: &str) -> Result<Dump, ConfigError> {
    match word.to_ascii_uppercase().as_str() {
        "NONE" | "NO" | "FALSE" | "0" => Ok(Dump::None),
        "HEX" | "YES" | "TRUE" | "1" => Ok(Dump::Hex),
        "ASCII" => Ok(Dump::Ascii),
        _ => Err(ConfigError::msg(format!(
            "bad {what} value '{word}'; should be 'NONE', 'HEX', or 'ASCII'"
        ))),
    }
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let label = args.read_p::<String>("LABEL")?.unwrap_or_default();
    let contents = args.read::<String>("CONTENTS")?;
    let payload = args.read::<String>("PAYLOAD")?;
    let max = match args.read::<i64>("MAXLENGTH")? {
        Some(n) => Some(n),
        None => args.read::<i64>("NBYTES")?,
    };
    let id = args.read::<bool>("ID")?.unwrap_or(false);
    let timestamp = args.read::<bool>("TIMESTAMP")?.unwrap_or(true);
    let paint = args.read::<bool>("PAINT")?.unwrap_or(false);
    let tos = args.read::<bool>("TOS")?.unwrap_or(false);
    let ttl = args.read::<bool>("TTL")?.unwrap_or(false);
    let swap = args.read::<bool>("SWAP")?.unwrap_or(true);
    let length = args.read::<bool>("LENGTH")?.unwrap_or(false);
    let aggregate = args.read::<bool>("AGGREGATE")?.unwrap_or(false);
    let active = args.read::<bool>("ACTIVE")?.unwrap_or(true);
    let outfile = args.read::<String>("OUTFILE")?;
    let _channel = args.read::<String>("CHANNEL")?;
    let contents = contents
        .map(|c| dump_kind(&c, "contents"))
        .transpose()?
        .unwrap_or(Dump::None);
    let payload_dump = payload
        .map(|p| dump_kind(&p, "payload"))
        .transpose()?
        .unwrap_or(Dump::None);
    if contents != Dump::None && payload_dump != Dump::None {
        return Err(ConfigError::msg(
            "specify at most one of PAYLOAD and CONTENTS",
        ));
    }
    let (dump, payload) = if payload_dump != Dump::None {
        (payload_dump, true)
    } else {
        (contents, false)
    };
    let out = match outfile {
        Some(path) => Some(
            std::fs::File::create(&path)
                .map_err(|e| ConfigError::msg(format!("OUTFILE {path}: {e}")))?,
        ),
        None => None,
    };
    Ok(Simple::boxed(IPPrint {
        label,
        dump,
        payload,
        max_bytes: max.map_or(Some(1500), |n| usize::try_from(n).ok()),
        id,
        ttl,
        tos,
        length,
        timestamp,
        paint,
        aggregate,
        swap,
        active,
        out,
        line: String::with_capacity(256),
    }))
}

pub(crate) const ICMP_TYPES: &[(u8, &str)] = &[
    (0, "echo-reply"),
    (3, "unreachable"),
    (4, "sourcequench"),
    (5, "redirect"),
    (8, "echo"),
    (9, "routeradvert"),
    (10, "routersolicit"),
    (11, "timeexceeded"),
    (12, "parameterproblem"),
    (13, "timestamp"),
    (14, "timestamp-reply"),
    (15, "inforeq"),
    (16, "inforeq-reply"),
    (17, "maskreq"),
    (18, "maskreq-reply"),
];

pub(crate) fn icmp_code_name(kind: u8, code: u8) -> Option<&'static str> {
    let table: &[(u8, &str)] = match kind {
        3 => &[
            (0, "net"),
            (1, "host"),
            (2, "protocol"),
            (3, "port"),
            (4, "needfrag"),
            (5, "srcroutefail"),
            (6, "netunknown"),
            (7, "hostunknown"),
            (8, "isolated"),
            (9, "netprohibited"),
            (10, "hostprohibited"),
            (11, "tosnet"),
            (12, "toshost"),
            (13, "filterprohibited"),
            (14, "hostprecedence"),
            (15, "precedencecutoff"),
        ],
        5 => &[(0, "net"), (1, "host"), (2, "tosnet"), (3, "toshost")],
        11 => &[(0, "transit"), (1, "reassembly")],
        12 => &[(0, "erroratptr"), (1, "missingopt"), (2, "length")],
        _ => &[],
    };
    table.iter().find(|(c, _)| *c == code).map(|&(_, n)| n)
}

fn proto_name(p: u8) -> Option<&'static str> {
    match p {
        1 => Some("icmp"),
        2 => Some("igmp"),
        4 => Some("ipip"),
        6 => Some("tcp"),
        17 => Some("udp"),
        33 => Some("dccp"),
        47 => Some("gre"),
        132 => Some("sctp"),
        _ => None,
    }
}

fn addr(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

impl IPPrint {
    /// The line for the IP packet `ip` (from its header) whose transport
    /// header holds `tlen` bytes, in a packet of `plen` bytes.
    fn describe(&self, s: &mut String, ip: &[u8], tlen: usize, plen: usize) {
        let hl = usize::from(ip[0] & 0x0f) * 4;
        let ip_len = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        let first = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff == 0;
        let (src, dst) = (addr(&ip[12..16]), addr(&ip[16..20]));
        let t = ip.get(hl..).unwrap_or(&[]);
        match ip[9] {
            6 => {
                if tlen < 4 || !first {
                    let _ = write!(
                        s,
                        "{src} > {dst}: {}",
                        if first { "truncated-tcp" } else { "tcp" }
                    );
                    return;
                }
                let _ = write!(
                    s,
                    "{src}.{} > {dst}.{}: ",
                    u16::from_be_bytes([t[0], t[1]]),
                    u16::from_be_bytes([t[2], t[3]])
                );
                if tlen < 14 {
                    s.push_str("truncated-tcp");
                    return;
                }
                let flags = t[13];
                let off = usize::from(t[12] >> 4) * 4;
                let mut seqlen = ip_len as i64 - hl as i64 - off as i64;
                if flags & 0x02 != 0 {
                    s.push('S');
                    seqlen += 1;
                }
                if flags & 0x01 != 0 {
                    s.push('F');
                    seqlen += 1;
                }
                if flags & 0x04 != 0 {
                    s.push('R');
                }
                if flags & 0x08 != 0 {
                    s.push('P');
                }
                if flags & 0x0f == 0 {
                    s.push('.');
                }
                let seq = u32::from_be_bytes([t[4], t[5], t[6], t[7]]);
                let _ = write!(
                    s,
                    " {seq}:{}({seqlen},{plen},{ip_len})",
                    seq.wrapping_add(seqlen as u32)
                );
                if flags & 0x10 != 0 {
                    let _ = write!(s, " ack {}", u32::from_be_bytes([t[8], t[9], t[10], t[11]]));
                }
                if tlen < 16 {
                    s.push_str("truncated-tcp");
                    return;
                }
                let _ = write!(s, " win {}", u16::from_be_bytes([t[14], t[15]]));
            }
            17 => {
                if tlen < 4 || !first {
                    let _ = write!(
                        s,
                        "{src} > {dst}: {}",
                        if first { "truncated-udp" } else { "udp" }
                    );
                    return;
                }
                let _ = write!(
                    s,
                    "{src}.{} > {dst}.{}: ",
                    u16::from_be_bytes([t[0], t[1]]),
                    u16::from_be_bytes([t[2], t[3]])
                );
                if tlen < 8 {
                    s.push_str("truncated-udp");
                    return;
                }
                let _ = write!(s, "udp {}", u16::from_be_bytes([t[4], t[5]]));
            }
            1 => {
                let _ = write!(s, "{src} > {dst}: ");
                if !first {
                    s.push_str("icmp");
                    return;
                }
                if tlen < 2 {
                    s.push_str("truncated-icmp");
                    return;
                }
                let (kind, code) = (t[0], t[1]);
                match kind {
                    0 | 8 => {
                        s.push_str(if kind == 0 {
                            "icmp echo-reply "
                        } else {
                            "icmp echo "
                        });
                        if tlen < 8 {
                            s.push_str("truncated-icmp");
                            return;
                        }
                        let field = |a: u8, b: u8| {
                            if self.swap {
                                u16::from_be_bytes([a, b])
                            } else {
                                u16::from_le_bytes([a, b])
                            }
                        };
                        let _ = write!(s, "({}, {})", field(t[4], t[5]), field(t[6], t[7]));
                    }
                    3 => {
                        let code_text = icmp_code_name(3, code)
                            .map_or_else(|| format!("code {code}"), String::from);
                        let e = t.get(8..tlen.max(8)).unwrap_or(&[]);
                        if e.len() < 20 {
                            let _ = write!(s, "icmp unreachable {code_text} truncated-icmp");
                            return;
                        }
                        let _ = write!(s, "icmp {} unreachable {code_text}", addr(&e[16..20]));
                        let ehl = usize::from(e[0] & 0x0f) * 4;
                        match code {
                            2 => match proto_name(e[9]) {
                                Some(n) => {
                                    let _ = write!(s, " {n}");
                                }
                                None => {
                                    let _ = write!(s, " {}", e[9]);
                                }
                            },
                            3 => {
                                match proto_name(e[9]) {
                                    Some(n) => {
                                        let _ = write!(s, " {n}");
                                    }
                                    None => {
                                        let _ = write!(s, " protocol {}", e[9]);
                                    }
                                }
                                match e.get(ehl + 2..ehl + 4) {
                                    Some(p) if e.len() >= ehl + 4 => {
                                        let _ = write!(s, "/{}", u16::from_be_bytes([p[0], p[1]]));
                                    }
                                    _ => s.push_str("truncated-icmp"),
                                }
                            }
                            4 => {
                                let mtu = u16::from_be_bytes([t[6], t[7]]);
                                if mtu != 0 {
                                    let _ = write!(s, " (mtu {mtu})");
                                }
                            }
                            _ => {}
                        }
                    }
                    _ => {
                        s.push_str("icmp ");
                        match ICMP_TYPES.iter().find(|(k, _)| *k == kind) {
                            Some((_, n)) => s.push_str(n),
                            None => {
                                let _ = write!(s, "type {kind}");
                            }
                        }
                        match icmp_code_name(kind, code) {
                            Some(n) => {
                                let _ = write!(s, " {n}");
                            }
                            None if code != 0 => {
                                let _ = write!(s, " code {code}");
                            }
                            None => {}
                        }
                    }
                }
            }
            p => {
                let _ = write!(s, "{src} > {dst}: ip-proto-{p}");
            }
        }
    }

    fn dump_bytes(&self, s: &mut String, data: &[u8]) {
        let n = self.max_bytes.map_or(data.len(), |m| m.min(data.len()));
        match self.dump {
            Dump::None => {}
            Dump::Hex => {
                for (i, b) in data[..n].iter().enumerate() {
                    if i % 24 == 0 {
                        s.push_str("\n  ");
                    } else if i % 4 == 0 {
                        s.push(' ');
                    }
                    let _ = write!(s, "{b:02x}");
                }
            }
            Dump::Ascii => {
                for (i, &b) in data[..n].iter().enumerate() {
                    if i % 48 == 0 {
                        s.push_str("\n  ");
                    } else if i % 8 == 0 {
                        s.push(' ');
                    }
                    s.push(if (32..=126).contains(&b) {
                        b as char
                    } else {
                        '.'
                    });
                }
            }
        }
    }
}

impl SimpleAction for IPPrint {
    fn action(&mut self, packet: &mut Packet) -> Verdict {
        let Some(net_at) = packet.network_header_data_offset() else {
            return Verdict::Pass;
        };
        if !self.active || net_at < 0 {
            return Verdict::Pass;
        }
        let mut s = std::mem::take(&mut self.line);
        s.clear();
        if !self.label.is_empty() {
            let _ = write!(s, "{}: ", self.label);
        }
        if self.timestamp {
            let _ = write!(s, "{}: ", packet.anno().timestamp);
        }
        if self.aggregate {
            let agg = packet
                .anno()
                .get::<4>(packet::anno::offset::AGGREGATE)
                .map_or(0, u32::from_ne_bytes);
            let _ = write!(s, "#{agg}");
        }
        if self.paint {
            let _ = write!(
                s,
                "{}{}",
                if self.aggregate { "." } else { "paint " },
                packet.anno().paint()
            );
        }
        if self.aggregate || self.paint {
            s.push_str(": ");
        }
        let data = packet.data();
        let ip = data.get(net_at as usize..).unwrap_or(&[]);
        if ip.len() < 20 {
            s.push_str("truncated-ip");
        } else {
            let hl = usize::from(ip[0] & 0x0f) * 4;
            let ip_len = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
            let payload_len = ip_len.saturating_sub(hl);
            let tlen = ip.len().saturating_sub(hl).min(payload_len);
            if self.id {
                let _ = write!(s, "id {} ", u16::from_be_bytes([ip[4], ip[5]]));
            }
            if self.ttl {
                let _ = write!(s, "ttl {} ", ip[8]);
            }
            if self.tos {
                let _ = write!(s, "tos {} ", ip[1]);
            }
            if self.length {
                let _ = write!(s, "length {ip_len} ");
            }
            self.describe(&mut s, ip, tlen, data.len());
            let frag = u16::from_be_bytes([ip[6], ip[7]]);
            if frag & 0x3fff != 0 {
                let _ = write!(
                    s,
                    " (frag {}:{payload_len}@{}{})",
                    u16::from_be_bytes([ip[4], ip[5]]),
                    usize::from(frag & 0x1fff) * 8,
                    if frag & 0x2000 != 0 { "+" } else { "" }
                );
            }
            if self.dump != Dump::None {
                let from = if self.payload {
                    let first = frag & 0x1fff == 0;
                    let extra = match ip[9] {
                        6 if first => ip.get(hl + 12).map_or(0, |b| usize::from(b >> 4) * 4),
                        17 if first => 8,
                        _ => 0,
                    };
                    net_at as usize + hl + extra
                } else {
                    0
                };
                let bytes = data.get(from..).unwrap_or(&[]);
                self.dump_bytes(&mut s, bytes);
            }
        }
        s.push('\n');
        match self.out.as_mut() {
            Some(f) => {
                let _ = f.write_all(s.as_bytes());
            }
            None => eprint!("{s}"),
        }
        self.line = s;
        Verdict::Pass
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "active" => Ok(self.active.to_string()),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "active" => {
                self.active = crate::util::parse_active(value)?;
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
