//! FromTcpdump — makes packets from tcpdump's text output.
//!
//! ## Synopsis
//! `FromTcpdump(FILENAME [, keywords STOP, ACTIVE, ZERO, CHECKSUM, SAMPLE, BURST])`
//!
//! ## Ports
//! No inputs, 1 output; agnostic.
//!
//! ## Description
//! Reads lines of `tcpdump` output and makes an IPv4 packet resembling
//! each: addresses, ports, protocol, TCP flags, sequence and
//! acknowledgement numbers (relative numbers are made absolute per
//! connection, as tcpdump makes them relative), window, urgent pointer
//! and options, and the lengths (payload bytes are not in the text: the
//! extra length annotation accounts for them). Lines that are not packets
//! are skipped (the first is reported); `#` lines are comments.
//!
//! Two formats are read. Click's: old tcpdump's, with timestamps in
//! seconds (`tcpdump -tt`): `TS SRC.SPORT > DST.DPORT: FLAGS SEQ:END(LEN)
//! ack N win N urg N <OPTIONS> (ttl N, id N, len N)`, `…: udp LEN`, and
//! other protocols' addresses only. And today's (tcpdump 4, `-tt`, with
//! or without `-v`): `TS IP [(tos 0xN, ttl N, id N, offset N, flags [DF],
//! proto P (N), length N)] SRC.SPORT > DST.DPORT: Flags [S.], seq A:B, ack
//! N, win N, urg N, options [mss N,sackOK,TS val A ecr B,nop,wscale N,sack
//! N {A:B}], length N`, `…: UDP, length N`, `…: ICMP echo request, id N,
//! seq N, length N`, and, for other UDP decodes, the ports (the length
//! then comes from `-v`'s IP length). A `-v` header line may be followed
//! by the packet on the next, indented line.
//!
//! Packets have TTL 2 unless the line gives one, as in Click.
//!
//! ## Arguments
//! - `FILENAME`: the file; `-` is standard input.
//! - `STOP` (default false): stop the router at the end.
//! - `ACTIVE` (default true).
//! - `ZERO` (default true): accepted; unset bytes are always zero.
//! - `CHECKSUM` (default false): set IP, TCP and UDP checksums.
//! - `SAMPLE` (0 to 1, default 1): emit each packet with this
//!   probability.
//! - `BURST` (default 256): most packets emitted per task run.
//!
//! ## Handlers
//! - `active` (read/write), `stop` (write), `sampling_prob`, `encap`
//!   (`IP`), `filesize`, `filepos`, `count` (read).
//!
//! ## Differences from Click
//! - Also reads tcpdump 4's format (Click reads only the old one).
//! - Compressed files are not uncompressed; ZERO false still gives zeros.
//! - Port names are Click's built-in list (no `/etc/services`).
//!
//! ## Example
//! ```text
//! FromTcpdump(trace.txt, STOP true, CHECKSUM true) -> ToDump(trace.pcap, ENCAP IP);
//! ```

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::Ipv4Addr;

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, InitContext,
    Output, Processing, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, Packet, PacketBatch, anno::offset};

use super::ipsumdump;

pub const SPEC: ElementSpec = ElementSpec {
    class: "FromTcpdump",
    ports: "0/1",
    processing: "a/a",
    source: include_str!("fromtcpdump.rs"),
    drop_reasons: &[],
    handlers: &[
        HandlerSpec::read_write("active", "whether packets are emitted"),
        HandlerSpec::write("stop", "deactivate and stop the router"),
        HandlerSpec::read("sampling_prob", "sampling probability"),
        HandlerSpec::read("encap", "IP"),
        HandlerSpec::read("filesize", "file length in bytes, or -"),
        HandlerSpec::read("filepos", "bytes read so far"),
        HandlerSpec::read("count", "packets emitted"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const SAMPLING_ONE: u32 = 1 << 28;

const PORT_NAMES: &[(&str, u16)] = &[
    ("auth", 113),
    ("bootpc", 68),
    ("bootps", 67),
    ("chargen", 19),
    ("daytime", 13),
    ("discard", 9),
    ("dns", 53),
    ("domain", 53),
    ("echo", 7),
    ("finger", 79),
    ("ftp", 21),
    ("ftp-data", 20),
    ("http", 80),
    ("https", 443),
    ("imap3", 220),
    ("imaps", 993),
    ("irc", 194),
    ("netbios-dgm", 138),
    ("netbios-ns", 137),
    ("netbios-ssn", 139),
    ("nntp", 119),
    ("ntp", 123),
    ("pop3", 110),
    ("pop3s", 995),
    ("pptp", 1723),
    ("rip", 520),
    ("route", 520),
    ("smtp", 25),
    ("snmp", 161),
    ("snmp-trap", 162),
    ("ssh", 22),
    ("sunrpc", 111),
    ("telnet", 23),
    ("tftp", 69),
    ("www", 80),
];

/// A connection: address and port of each end.
type FlowKey = ([u8; 4], u16, [u8; 4], u16);

#[derive(Default, Clone, Copy)]
struct FlowRecord {
    init_seq: [u32; 2],
    last_seq: [u32; 2],
}

struct FromTcpdump {
    filename: String,
    stop: bool,
    active: bool,
    checksum: bool,
    sampling_prob: u32,
    burst: usize,
    reader: Option<Box<dyn BufRead + Send>>,
    filesize: Option<u64>,
    filepos: u64,
    line_no: u64,
    /// A line read ahead (the line after a `-v` header that was not its
    /// continuation).
    pending: Option<String>,
    flows: HashMap<FlowKey, FlowRecord>,
    absolute_seq: Option<bool>,
    complained: bool,
    dead: bool,
    stop_requested: bool,
    rng: u64,
    count: u64,
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let filename: String = args.read_mp("FILENAME")?;
    let stop = args.read::<bool>("STOP")?.unwrap_or(false);
    let active = args.read::<bool>("ACTIVE")?.unwrap_or(true);
    let _zero = args.read::<bool>("ZERO")?;
    let checksum = args.read::<bool>("CHECKSUM")?.unwrap_or(false);
    let sample = args.read::<f64>("SAMPLE")?;
    let burst = args.read::<usize>("BURST")?.unwrap_or(MAX_BATCH);
    if burst == 0 {
        return Err(ConfigError::msg("BURST must be at least 1"));
    }
    let sampling_prob = match sample {
        None => SAMPLING_ONE,
        Some(p) if p > 1.0 => SAMPLING_ONE,
        Some(p) if p < 0.0 => return Err(ConfigError::msg("SAMPLE must be between 0 and 1")),
        Some(p) => (p * f64::from(SAMPLING_ONE)).round() as u32,
    };
    Ok(Box::new(FromTcpdump {
        filename,
        stop,
        active,
        checksum,
        sampling_prob,
        burst,
        reader: None,
        filesize: None,
        filepos: 0,
        line_no: 0,
        pending: None,
        flows: HashMap::new(),
        absolute_seq: None,
        complained: false,
        dead: false,
        stop_requested: false,
        rng: 0x9e37_79b9_7f4a_7c15,
        count: 0,
    }))
}

/// C-style unsigned integer at `s[i..]` (Click's `cp_integer`, base 0 or
/// 16): the value and where it ends.
fn integer(s: &[u8], i: usize, hex: bool) -> (u32, usize) {
    let mut j = i;
    let mut v: u32 = 0;
    let base = if hex { 16 } else { 10 };
    while let Some(&c) = s.get(j) {
        let d = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'a'..=b'f' if hex => u32::from(c - b'a' + 10),
            b'A'..=b'F' if hex => u32::from(c - b'A' + 10),
            _ => break,
        };
        v = v.wrapping_mul(base).wrapping_add(d);
        j += 1;
    }
    (v, j)
}

fn flag_bit(c: u8) -> Option<u8> {
    Some(match c {
        b'F' => 0x01,
        b'S' => 0x02,
        b'R' => 0x04,
        b'P' => 0x08,
        b'A' => 0x10,
        b'U' => 0x20,
        b'E' | b'X' => 0x40,
        b'C' | b'W' | b'Y' => 0x80,
        b'N' => 0,
        _ => return None,
    })
}

/// ICMP type and code from tcpdump 4's description of the message.
fn icmp_kind(text: &str) -> Option<(u8, u8)> {
    let t = text.strip_prefix("ICMP")?.trim_start();
    if t.starts_with("echo request") {
        return Some((8, 0));
    }
    if t.starts_with("echo reply") {
        return Some((0, 0));
    }
    if let Some(at) = t.find(" unreachable") {
        let before = &t[..at];
        let code = if before.ends_with(" port") || before.contains(" port ") {
            3
        } else if before.ends_with("protocol") || before.contains(" protocol ") {
            2
        } else if before.contains("need to frag") {
            4
        } else if t.starts_with("net ") {
            0
        } else {
            1
        };
        return Some((3, code));
    }
    if t.contains("unreachable - need to frag") {
        return Some((3, 4));
    }
    let pairs: &[(&str, u8, u8)] = &[
        ("time exceeded in-transit", 11, 0),
        ("ip reassembly time exceeded", 11, 1),
        ("redirect", 5, 0),
        ("source quench", 4, 0),
        ("router advertisement", 9, 0),
        ("router solicitation", 10, 0),
        ("parameter problem", 12, 0),
        ("time stamp request", 13, 0),
        ("time stamp reply", 14, 0),
        ("address mask request", 17, 0),
        ("address mask reply", 18, 0),
    ];
    pairs
        .iter()
        .find(|(p, _, _)| t.contains(p))
        .map(|&(_, k, c)| (k, c))
}

fn parse_port(s: &str) -> Option<u16> {
    if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() {
        return s.parse().ok();
    }
    PORT_NAMES.iter().find(|(n, _)| *n == s).map(|&(_, p)| p)
}

fn parse_addr(s: &str) -> Option<[u8; 4]> {
    s.parse::<Ipv4Addr>().ok().map(|a| a.octets())
}

fn find(s: &[u8], from: usize, c: u8) -> usize {
    s[from.min(s.len())..]
        .iter()
        .position(|&b| b == c)
        .map_or(s.len(), |p| from + p)
}

/// The packet being built: IP header at 0, transport header at 20.
struct Pkt {
    data: Vec<u8>,
    ts: packet::Timestamp,
}

impl Pkt {
    fn new() -> Pkt {
        let mut data = vec![0u8; 40];
        data[0] = 0x45;
        data[8] = 2;
        Pkt {
            data,
            ts: packet::Timestamp(0),
        }
    }
    fn proto(&self) -> u8 {
        self.data[9]
    }
    fn first_frag(&self) -> bool {
        u16::from_be_bytes([self.data[6], self.data[7]]) & 0x1fff == 0
    }
    fn set16(&mut self, at: usize, v: u16) {
        if self.data.len() < at + 2 {
            self.data.resize(at + 2, 0);
        }
        self.data[at..at + 2].copy_from_slice(&v.to_be_bytes());
    }
    fn set32(&mut self, at: usize, v: u32) {
        if self.data.len() < at + 4 {
            self.data.resize(at + 4, 0);
        }
        self.data[at..at + 4].copy_from_slice(&v.to_be_bytes());
    }
    fn ports(&self) -> (u16, u16) {
        (
            u16::from_be_bytes([self.data[20], self.data[21]]),
            u16::from_be_bytes([self.data[22], self.data[23]]),
        )
    }
}

impl FromTcpdump {
    fn open(&mut self) -> Result<(), String> {
        let reader: Box<dyn BufRead + Send> = if self.filename == "-" {
            Box::new(BufReader::new(std::io::stdin()))
        } else {
            let f = std::fs::File::open(&self.filename)
                .map_err(|e| format!("{}: {e}", self.filename))?;
            self.filesize = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
            Box::new(BufReader::new(f))
        };
        self.reader = Some(reader);
        let first = self
            .reader
            .as_mut()
            .and_then(|r| r.fill_buf().ok())
            .and_then(|b| b.first().copied());
        if !first.is_some_and(|c| c.is_ascii_digit()) {
            eprintln!(
                "{}: first line suspicious; is this a tcpdump output file?",
                self.filename
            );
        }
        Ok(())
    }

    fn read_line(&mut self) -> Option<String> {
        if let Some(l) = self.pending.take() {
            return Some(l);
        }
        let r = self.reader.as_mut()?;
        let mut buf = Vec::new();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                self.filepos += n as u64;
                self.line_no += 1;
                let s = String::from_utf8_lossy(&buf);
                Some(s.trim_end_matches(['\n', '\r']).to_string())
            }
        }
    }

    /// Click's sequence number handling: numbers relative to the first
    /// seen in a connection become absolute again.
    fn patch_seq(
        &mut self,
        p: &Pkt,
        flags: u8,
        seq: &mut u32,
        end: &mut u32,
        ack: &mut u32,
    ) -> Option<(FlowKey, bool)> {
        if flags & 0x10 == 0 {
            return None;
        }
        let (sp, dp) = p.ports();
        let (sp_raw, dp_raw) = (
            u16::from_ne_bytes(sp.to_be_bytes()),
            u16::from_ne_bytes(dp.to_be_bytes()),
        );
        let src: [u8; 4] = p.data[12..16].try_into().unwrap_or([0; 4]);
        let dst: [u8; 4] = p.data[16..20].try_into().unwrap_or([0; 4]);
        let rev = sp_raw < dp_raw
            || (sp_raw == dp_raw && u32::from_ne_bytes(src) < u32::from_ne_bytes(dst));
        let key = if rev {
            (src, sp, dst, dp)
        } else {
            (dst, dp, src, sp)
        };
        let (r, nr) = (usize::from(rev), usize::from(!rev));
        let rec = self.flows.entry(key).or_default();
        if (rec.init_seq[0] == 0 && rec.init_seq[1] == 0) || flags & 0x02 != 0 {
            rec.init_seq[r] = *seq;
            rec.init_seq[nr] = ack.wrapping_sub(1);
        } else {
            let abs = *self
                .absolute_seq
                .get_or_insert((ack.wrapping_sub(rec.init_seq[nr]) as i32) >= 0 && *ack > 8000);
            if *seq == 0 && *end == 0 {
                *seq = rec.last_seq[r];
                *end = rec.last_seq[r];
            } else if !abs {
                *seq = seq.wrapping_add(rec.init_seq[r]);
                *end = end.wrapping_add(rec.init_seq[r]);
            }
            if !abs {
                *ack = ack.wrapping_add(rec.init_seq[nr]);
            }
        }
        rec.last_seq[r] = end
            .wrapping_add(u32::from(flags & 0x02 != 0))
            .wrapping_add(u32::from(flags & 0x01 != 0));
        if rec.last_seq[nr] == 0 {
            rec.last_seq[nr] = *ack;
        }
        Some((key, rev))
    }

    /// Click's `read_tcp_line` (old format) from `s[i..]`; returns where
    /// parsing stopped.
    fn read_tcp_old(&mut self, q: &mut Pkt, s: &[u8], mut i: usize, data_len: &mut i64) -> usize {
        let end = s.len();
        let mut flags: u8;
        if s.get(i) == Some(&b'.') {
            flags = 0x10;
            i += 1;
        } else {
            flags = 0;
            while let Some(b) = s.get(i).copied().and_then(flag_bit) {
                flags |= b;
                i += 1;
            }
        }
        q.data[33] = flags;
        if i >= end || s[i] != b' ' {
            return i;
        }
        let starts = |at: usize, pat: &[u8]| s.get(at..at + pat.len()) == Some(pat);
        if starts(i + 1, b"[bad hdr") {
            let s2 = find(s, i + 9, b']');
            if s2 + 1 < end && s[s2 + 1] == b' ' {
                i = s2 + 1;
            }
        }
        if starts(i + 1, b"[tcp sum ok] ") {
            i += 14;
        } else if starts(i + 1, b"[bad tcp") && {
            let s2 = find(s, i + 9, b']');
            s2 + 1 < end && s[s2 + 1] == b' '
        } {
            i = find(s, i + 9, b']') + 2;
        } else {
            i += 1;
        }
        let (mut seq, mut end_seq, mut ack) = (0u32, 0u32, 0u32);
        if i < end && s[i] != b'a' {
            let (v, e) = integer(s, i, false);
            if e == i || e >= end || s[e] != b':' {
                return i;
            }
            seq = v;
            let (v2, e2) = integer(s, e + 1, false);
            if e2 == e + 1 || e2 >= end || s[e2] != b'(' {
                return i;
            }
            end_seq = v2;
            let mut k = e2 + 1;
            while k < end && s[k].is_ascii_digit() {
                k += 1;
            }
            if k >= end || s[k] != b')' {
                return k;
            } else if k + 1 >= end || s[k + 1] != b' ' {
                return k + 1;
            }
            i = k + 2;
        }
        *data_len = i64::from(end_seq.wrapping_sub(seq) as i32);
        if starts(i, b"ack ") && s.get(i + 4).is_some_and(u8::is_ascii_digit) {
            flags |= 0x10;
            let (v, e) = integer(s, i + 4, false);
            ack = v;
            i = e;
            if s.get(i) == Some(&b' ') {
                i += 1;
            }
        }
        q.data[33] = flags;
        let rec = self.patch_seq(q, flags, &mut seq, &mut end_seq, &mut ack);
        q.set32(24, seq);
        q.set32(28, ack);
        if starts(i, b"win ") && s.get(i + 4).is_some_and(u8::is_ascii_digit) {
            let (v, e) = integer(s, i + 4, false);
            q.set16(34, v as u16);
            i = e;
            if s.get(i) == Some(&b' ') {
                i += 1;
            }
        }
        if starts(i, b"urg ") && s.get(i + 4).is_some_and(u8::is_ascii_digit) {
            let (v, e) = integer(s, i + 4, false);
            q.set16(38, v as u16);
            i = e;
            if i < end && s[i] != b' ' {
                i += 1;
            }
        }
        if s.get(i) == Some(&b'<') {
            let mut opt: Vec<u8> = Vec::new();
            i += 1;
            while i < end && s[i] != b'>' {
                let len1 = opt.len();
                if starts(i, b"nop") {
                    opt.push(1);
                    i += 3;
                } else if starts(i, b"eol") {
                    opt.push(0);
                    i += 3;
                } else if starts(i, b"mss ") && s.get(i + 4).is_some_and(u8::is_ascii_digit) {
                    let (v, e) = integer(s, i + 4, false);
                    opt.extend_from_slice(&[2, 4, (v >> 8) as u8, v as u8]);
                    i = e;
                } else if starts(i, b"wscale ") && s.get(i + 7).is_some_and(u8::is_ascii_digit) {
                    let (v, e) = integer(s, i + 7, false);
                    opt.extend_from_slice(&[3, 3, v as u8]);
                    i = e;
                } else if starts(i, b"sackOK") {
                    opt.extend_from_slice(&[4, 2]);
                    i += 6;
                } else if starts(i, b"timestamp ") && s.get(i + 10).is_some_and(u8::is_ascii_digit)
                {
                    let (v, e) = integer(s, i + 10, false);
                    i = e;
                    if s.get(i) == Some(&b' ') && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
                        let (v2, e2) = integer(s, i + 1, false);
                        i = e2;
                        opt.extend_from_slice(&[8, 10]);
                        opt.extend_from_slice(&v.to_be_bytes());
                        opt.extend_from_slice(&v2.to_be_bytes());
                    }
                } else if starts(i, b"sack sack ") && s.get(i + 10).is_some_and(u8::is_ascii_digit)
                {
                    let (n, e) = integer(s, i + 10, false);
                    i = e;
                    opt.extend_from_slice(&[5, (n.wrapping_mul(8).wrapping_add(2)) as u8]);
                    while s.get(i) == Some(&b' ') {
                        i += 1;
                    }
                    while s.get(i) == Some(&b'{') && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
                        let (mut a, e) = integer(s, i + 1, false);
                        i = e;
                        if s.get(i) == Some(&b':') && s.get(i + 1).is_some_and(u8::is_ascii_digit) {
                            let (mut b, e2) = integer(s, i + 1, false);
                            i = e2;
                            if s.get(i) == Some(&b'}') {
                                i += 1;
                                if let Some((key, rev)) = rec
                                    && self.absolute_seq != Some(true)
                                    && let Some(r) = self.flows.get(&key)
                                {
                                    let init = r.init_seq[usize::from(!rev)];
                                    a = a.wrapping_add(init);
                                    b = b.wrapping_add(init);
                                }
                                opt.extend_from_slice(&a.to_be_bytes());
                                opt.extend_from_slice(&b.to_be_bytes());
                            }
                        }
                    }
                    while s.get(i) == Some(&b' ') {
                        i += 1;
                    }
                }
                if s.get(i) == Some(&b',') {
                    i += 1;
                } else if i < end && s[i] != b'>' {
                    opt.truncate(len1);
                    while i < end && s[i] != b',' && s[i] != b'>' {
                        i += 1;
                    }
                }
            }
            if s.get(i) == Some(&b'>') {
                i += 1;
            }
            while !opt.len().is_multiple_of(4) {
                opt.push(0);
            }
            q.data.extend_from_slice(&opt);
            q.data[32] = (((20 + opt.len()) >> 2) as u8) << 4;
        } else {
            q.data[32] = 5 << 4;
        }
        i
    }

    fn read_udp_old(s: &[u8], mut i: usize, data_len: &mut i64) -> usize {
        let end = s.len();
        let starts = |at: usize, pat: &[u8]| s.get(at..at + pat.len()) == Some(pat);
        if starts(i + 1, b"[bad hdr") {
            let s2 = find(s, i + 9, b']');
            if s2 + 1 < end && s[s2 + 1] == b' ' {
                i = s2 + 1;
            }
        }
        if starts(i + 1, b"[udp sum ok] ") {
            i += 14;
        } else if starts(i + 1, b"[bad udp") {
            let s2 = find(s, i + 9, b']');
            if s2 + 1 < end && s[s2 + 1] == b' ' {
                i = s2 + 2;
            }
        }
        if starts(i, b"udp ") && s.get(i + 4).is_some_and(u8::is_ascii_digit) {
            let (v, e) = integer(s, i + 4, false);
            *data_len = i64::from(v);
            i = e;
        }
        i
    }

    /// Reads `ADDR[.PORT] > ADDR[.PORT]:` at `i`; fills the packet and
    /// returns where the text after the colon starts (spaces skipped).
    fn read_addresses(q: &mut Pkt, line: &str, i: usize, ported: bool) -> Option<usize> {
        let s = line.as_bytes();
        let s2 = find(s, i, b' ');
        if s2 == i || s2 + 2 >= s.len() || s[s2 + 1] != b'>' || s[s2 + 2] != b' ' {
            return None;
        }
        let split = |a: usize, b: usize| -> Option<(&str, Option<&str>)> {
            if !ported {
                return Some((&line[a..b], None));
            }
            let mut sm = b.checked_sub(1)?;
            while sm > a && s[sm] != b'.' && s[sm] != b':' {
                sm -= 1;
            }
            Some((&line[a..sm], Some(&line[(sm + 1).min(b)..b])))
        };
        let (a, port) = split(i, s2)?;
        q.data[12..16].copy_from_slice(&parse_addr(a)?);
        if let Some(p) = port {
            q.set16(20, parse_port(p)?);
        }
        let start = s2 + 3;
        let colon = find(s, start, b':');
        let (a, port) = split(start, colon)?;
        q.data[16..20].copy_from_slice(&parse_addr(a)?);
        if let Some(p) = port {
            q.set16(22, parse_port(p)?);
        }
        let mut c = colon + 1;
        while s.get(c) == Some(&b' ') {
            c += 1;
        }
        Some(c)
    }

    /// The IP items in parentheses or brackets at the end of an old-format
    /// line: `tos 0xN`, `ECT(n)`, `CE`, `DF`, `frag ID:LEN@OFF[+]`, `ttl
    /// N`, `id N`, `len N`.
    fn read_ip_items(q: &mut Pkt, s: &[u8], from: usize, data_len: &mut i64) {
        let mut s2 = s.len().wrapping_sub(1);
        if s.is_empty() {
            return;
        }
        while s2 > from {
            while s2 > from && s[s2].is_ascii_whitespace() {
                s2 -= 1;
            }
            if s2 <= from || (s[s2] != b')' && s[s2] != b']') {
                break;
            }
            let opener = if s[s2] == b')' { b'(' } else { b'[' };
            let close = s2;
            let mut open = s2 as isize - 1;
            while open >= from as isize && s[open as usize] != opener {
                open -= 1;
            }
            if open < from as isize {
                break;
            }
            let open = open as usize;
            s2 = open.saturating_sub(1);
            let mut item = open + 1;
            while item < close {
                let rest = &s[item..close];
                if rest.len() >= 7 && rest.starts_with(b"tos 0x") {
                    let (v, e) = integer(s, item + 6, true);
                    q.data[1] = v as u8;
                    item = e.min(close);
                } else if rest.len() >= 6
                    && rest.starts_with(b"ECT(")
                    && (rest[4] == b'0' || rest[4] == b'1')
                    && rest[5] == b')'
                {
                    // Click's mapping: ECT(0) to its ECT1 (1), ECT(1) to ECT2 (2).
                    q.data[1] = (q.data[1] & !3) | if rest[4] == b'0' { 1 } else { 2 };
                    item += 6;
                } else if rest.starts_with(b"CE") {
                    q.data[1] |= 3;
                    item += 2;
                } else if rest.starts_with(b"DF") {
                    q.data[6] |= 0x40;
                    item += 2;
                } else if rest.len() >= 10 && rest.starts_with(b"frag ") && rest[5].is_ascii_digit()
                {
                    let (id, e) = integer(s, item + 5, false);
                    q.set16(4, id as u16);
                    item = e;
                    if item + 2 > close || s[item] != b':' || !s[item + 1].is_ascii_digit() {
                        break;
                    }
                    let (len, e) = integer(s, item + 1, false);
                    *data_len = i64::from(len);
                    item = e;
                    if item + 2 > close || s[item] != b'@' || !s[item + 1].is_ascii_digit() {
                        break;
                    }
                    let (off, e) = integer(s, item + 1, false);
                    item = e;
                    let old = u16::from_be_bytes([q.data[6], q.data[7]]);
                    let mut v = (old & !0x1fff) | (off as u16 & 0x1fff);
                    if item < close && s[item] == b'+' {
                        v |= 0x2000;
                        item += 1;
                    }
                    q.set16(6, v);
                } else if rest.len() >= 5 && rest.starts_with(b"ttl ") && rest[4].is_ascii_digit() {
                    let (v, e) = integer(s, item + 4, false);
                    q.data[8] = v as u8;
                    item = e;
                } else if rest.len() >= 4 && rest.starts_with(b"id ") && rest[3].is_ascii_digit() {
                    let (v, e) = integer(s, item + 3, false);
                    q.set16(4, v as u16);
                    item = e;
                } else if rest.len() >= 5 && rest.starts_with(b"len ") && rest[4].is_ascii_digit() {
                    let (u, e) = integer(s, item + 4, false);
                    item = e;
                    let qlen = q.data.len() as i64;
                    if *data_len < 0 || i64::from(u) == qlen + *data_len {
                        *data_len = i64::from(u) - qlen;
                    } else if q.proto() == 6 {
                        let new_len = (i64::from(u) - *data_len).max(20) as usize;
                        q.data.resize(new_len, 0);
                        let tl = new_len.saturating_sub(20);
                        q.data[32] = (((tl >> 2) as u8) << 4) | (q.data[32] & 0x0f);
                    }
                } else {
                    break;
                }
                while item < close && (s[item] == b',' || s[item].is_ascii_whitespace()) {
                    item += 1;
                }
            }
        }
    }

    /// tcpdump 4's line after the timestamp (and `IP `).
    fn read_modern(&mut self, q: &mut Pkt, mut line: String) -> Option<i64> {
        let mut ip_len: Option<u32> = None;
        let mut proto: Option<u8> = None;
        if line.starts_with('(') {
            let close = line.find(')').map(|_| {
                // The header's parentheses nest ("proto TCP (6)").
                let b = line.as_bytes();
                let mut depth = 0;
                let mut at = 0;
                for (k, &c) in b.iter().enumerate() {
                    if c == b'(' {
                        depth += 1;
                    } else if c == b')' {
                        depth -= 1;
                        if depth == 0 {
                            at = k;
                            break;
                        }
                    }
                }
                at
            })?;
            let head = line[1..close].to_string();
            for item in head.split(", ") {
                let mut w = item.split_whitespace();
                match (w.next(), w.next()) {
                    (Some("tos"), Some(v)) => {
                        let v = v.trim_start_matches("0x");
                        let v = v.split(',').next().unwrap_or(v);
                        q.data[1] = u8::from_str_radix(v, 16).unwrap_or(0);
                    }
                    (Some("ttl"), Some(v)) => q.data[8] = v.parse().unwrap_or(2),
                    (Some("id"), Some(v)) => q.set16(4, v.parse().unwrap_or(0)),
                    (Some("offset"), Some(v)) => {
                        let off: u16 = v.parse().unwrap_or(0);
                        let old = u16::from_be_bytes([q.data[6], q.data[7]]);
                        q.set16(6, (old & 0xe000) | ((off / 8) & 0x1fff));
                    }
                    (Some("flags"), Some(v)) => {
                        let old = u16::from_be_bytes([q.data[6], q.data[7]]);
                        let mut f = old & 0x1fff;
                        if v.contains("DF") {
                            f |= 0x4000;
                        }
                        if v.contains('+') {
                            f |= 0x2000;
                        }
                        q.set16(6, f);
                    }
                    (Some("proto"), Some(_)) => {
                        proto = item
                            .rsplit('(')
                            .next()
                            .and_then(|n| n.trim_end_matches(')').parse().ok());
                    }
                    (Some("length"), Some(v)) => ip_len = v.parse().ok(),
                    _ => {}
                }
            }
            let rest = line[close + 1..].trim().to_string();
            line = if rest.is_empty() {
                // The packet is on the next, indented line.
                let next = self.read_line()?;
                if !next.starts_with(|c: char| c.is_ascii_whitespace()) {
                    self.pending = Some(next);
                    return None;
                }
                next.trim().to_string()
            } else {
                rest
            };
        }
        let colon = line.find(": ").unwrap_or(line.len());
        let after = line.get(colon + 2..).unwrap_or("").to_string();
        let guess = if after.starts_with("Flags [") {
            6
        } else if after.starts_with("UDP") {
            17
        } else if after.starts_with("ICMP") {
            1
        } else if let Some(n) = after.strip_prefix("ip-proto-") {
            n.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        } else {
            // Another UDP decode ("domain", "NTP", …) when the addresses
            // carry ports.
            17
        };
        let proto = proto.unwrap_or(guess);
        q.data[9] = proto;
        let ported =
            (proto == 6 || proto == 17) && q.first_frag() && !after.starts_with("ip-proto-");
        let at = match Self::read_addresses(q, &line, 0, ported) {
            Some(a) => a,
            None if proto == 17 => {
                // A UDP decode without ports: addresses only.
                q.data[9] = proto;
                Self::read_addresses(q, &line, 0, false)?
            }
            None => return None,
        };
        let rest = &line[at.min(line.len())..];
        let mut data_len: i64 = -1;
        let field = |name: &str| -> Option<&str> {
            rest.split(", ")
                .find_map(|it| it.strip_prefix(name))
                .map(|v| v.trim())
        };
        let length = field("length ").and_then(|v| {
            v.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse::<i64>().ok())
        });
        match q.data[9] {
            6 if q.first_frag() => {
                let mut flags = 0u8;
                if let Some(f) = rest.strip_prefix("Flags [") {
                    for c in f.bytes().take_while(|&c| c != b']') {
                        flags |= match c {
                            b'.' => 0x10,
                            b'W' => 0x80,
                            c => flag_bit(c).unwrap_or(0),
                        };
                    }
                }
                let (mut seq, mut end, mut ack) = (0u32, 0u32, 0u32);
                if let Some(v) = field("seq ") {
                    let (a, e) = integer(v.as_bytes(), 0, false);
                    seq = a;
                    end = if v.as_bytes().get(e) == Some(&b':') {
                        integer(v.as_bytes(), e + 1, false).0
                    } else {
                        a
                    };
                }
                if let Some(v) = field("ack ") {
                    ack = integer(v.as_bytes(), 0, false).0;
                }
                q.data[33] = flags;
                let rec = self.patch_seq(q, flags, &mut seq, &mut end, &mut ack);
                q.set32(24, seq);
                q.set32(28, ack);
                if let Some(v) = field("win ") {
                    q.set16(34, integer(v.as_bytes(), 0, false).0 as u16);
                }
                if let Some(v) = field("urg ") {
                    q.set16(38, integer(v.as_bytes(), 0, false).0 as u16);
                }
                let mut opt = Vec::new();
                if let Some(o) = rest.find("options [") {
                    let body = &rest[o + 9..];
                    let body = &body[..body.find(']').unwrap_or(body.len())];
                    for item in body.split(',') {
                        let w: Vec<&str> = item.split_whitespace().collect();
                        match w.as_slice() {
                            ["nop"] => opt.push(1),
                            ["eol"] => opt.push(0),
                            ["mss", v] => {
                                let v: u16 = v.parse().unwrap_or(0);
                                opt.extend_from_slice(&[2, 4]);
                                opt.extend_from_slice(&v.to_be_bytes());
                            }
                            ["wscale", v] => opt.extend_from_slice(&[3, 3, v.parse().unwrap_or(0)]),
                            ["sackOK"] => opt.extend_from_slice(&[4, 2]),
                            ["TS", "val", a, "ecr", b] => {
                                opt.extend_from_slice(&[8, 10]);
                                opt.extend_from_slice(&a.parse::<u32>().unwrap_or(0).to_be_bytes());
                                opt.extend_from_slice(&b.parse::<u32>().unwrap_or(0).to_be_bytes());
                            }
                            ["sack", n, blocks @ ..] => {
                                let n: u8 = n.parse().unwrap_or(0);
                                opt.extend_from_slice(&[5, n.wrapping_mul(8).wrapping_add(2)]);
                                for b in blocks {
                                    let b = b.trim_matches(|c| c == '{' || c == '}');
                                    if let Some((x, y)) = b.split_once(':') {
                                        let (mut x, mut y): (u32, u32) =
                                            (x.parse().unwrap_or(0), y.parse().unwrap_or(0));
                                        if let Some((key, rev)) = rec
                                            && self.absolute_seq != Some(true)
                                            && let Some(r) = self.flows.get(&key)
                                        {
                                            let init = r.init_seq[usize::from(!rev)];
                                            x = x.wrapping_add(init);
                                            y = y.wrapping_add(init);
                                        }
                                        opt.extend_from_slice(&x.to_be_bytes());
                                        opt.extend_from_slice(&y.to_be_bytes());
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    opt.truncate(40);
                    while !opt.len().is_multiple_of(4) {
                        opt.push(0);
                    }
                }
                q.data.extend_from_slice(&opt);
                q.data[32] = (((20 + opt.len()) >> 2) as u8) << 4;
                data_len = length.unwrap_or_else(|| i64::from(end.wrapping_sub(seq) as i32));
            }
            17 if q.first_frag() => {
                q.data.truncate(28);
                data_len = match (length, ip_len) {
                    (Some(l), _) if after.starts_with("UDP") => l,
                    (_, Some(l)) => i64::from(l) - 28,
                    (Some(l), None) => l,
                    (None, None) => 0,
                };
            }
            1 if q.first_frag() => match icmp_kind(&after) {
                Some((kind, code)) => {
                    q.data.truncate(28);
                    q.data[20] = kind;
                    q.data[21] = code;
                    if kind == 0 || kind == 8 {
                        if let Some(v) = field("id ") {
                            q.set16(24, integer(v.as_bytes(), 0, false).0 as u16);
                        }
                        if let Some(v) = field("seq ") {
                            q.set16(26, integer(v.as_bytes(), 0, false).0 as u16);
                        }
                    }
                    data_len = match (length, ip_len) {
                        (Some(l), _) => l - 8,
                        (None, Some(l)) => i64::from(l) - 28,
                        _ => 0,
                    };
                }
                None => {
                    q.data.truncate(20);
                    data_len = match (ip_len, length) {
                        (Some(l), _) => i64::from(l) - 20,
                        (None, Some(l)) => l,
                        _ => 0,
                    };
                }
            },
            _ => {
                q.data.truncate(20);
                if let Some(l) = ip_len {
                    data_len = i64::from(l) - 20;
                }
            }
        }
        if let Some(l) = ip_len {
            let have = q.data.len() as i64;
            if have + data_len.max(0) != i64::from(l) {
                data_len = i64::from(l) - have;
            }
        }
        Some(data_len)
    }

    /// Reads lines until one makes a packet; `None` at the end or after a
    /// line that is not a packet.
    fn read_packet(&mut self) -> Option<Packet> {
        let mut line;
        loop {
            line = match self.read_line() {
                Some(l) => l,
                None => {
                    self.dead = true;
                    return None;
                }
            };
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            break;
        }
        let result = if line.starts_with(|c: char| c.is_ascii_digit()) {
            self.packet_of(&line)
        } else {
            None
        };
        if result.is_none() && !self.complained && !line.trim().is_empty() {
            // As in Click, a line that is not a packet is skipped, and the
            // first one reported.
            eprintln!("{}:{}: packet parse error", self.filename, self.line_no);
            self.complained = true;
        }
        result
    }

    fn packet_of(&mut self, line: &str) -> Option<Packet> {
        let sp = line.find(' ')?;
        let ts = ipsumdump::parse_time(&line[..sp])?;
        let mut q = Pkt::new();
        q.ts = ts;
        let rest = &line[sp + 1..];
        let data_len = if let Some(modern) = rest.strip_prefix("IP ") {
            self.read_modern(&mut q, modern.to_string())?
        } else {
            self.read_old(&mut q, rest)?
        };
        Some(self.make_packet(q, data_len))
    }

    fn read_old(&mut self, q: &mut Pkt, line: &str) -> Option<i64> {
        let s = line.as_bytes();
        // Guess the protocol from what follows the colon.
        let mut c = find(s, 0, b':') + 1;
        while s.get(c) == Some(&b' ') {
            c += 1;
        }
        let proto = match s.get(c) {
            Some(b'i') => 1,
            Some(b'u') => 17,
            Some(b'[') if s.get(c + 1) == Some(&b'u') => 17,
            Some(b'.') => 6,
            Some(x) if x.is_ascii_uppercase() => 6,
            _ => 0,
        };
        q.data[9] = proto;
        let ported = proto == 6 || proto == 17;
        Self::read_addresses(q, line, 0, ported)?;
        let mut data_len: i64 = -1;
        let from = if proto == 6 && q.first_frag() {
            self.read_tcp_old(q, s, c, &mut data_len)
        } else if proto == 17 && q.first_frag() {
            q.data.truncate(28);
            Self::read_udp_old(s, c, &mut data_len)
        } else {
            q.data.truncate(20);
            c
        };
        Self::read_ip_items(q, s, from.min(s.len()), &mut data_len);
        Some(data_len)
    }

    fn make_packet(&self, mut q: Pkt, data_len: i64) -> Packet {
        let data_len = data_len.max(0) as u32;
        let len = q.data.len() as u32;
        let ip_len = len.wrapping_add(data_len);
        q.set16(2, ip_len as u16);
        if q.proto() == 17 && q.first_frag() && q.data.len() >= 28 {
            q.set16(24, (ip_len as u16).wrapping_sub(20));
        }
        if self.checksum {
            q.data[10] = 0;
            q.data[11] = 0;
            let c = packet::checksum::checksum(&q.data[..20]);
            q.set16(10, c);
            let frag = u16::from_be_bytes([q.data[6], q.data[7]]) & 0x3fff != 0;
            let at = match q.proto() {
                6 => Some(16),
                17 => Some(6),
                _ => None,
            };
            if let Some(at) = at
                && !frag
                && q.data.len() >= 20 + at + 2
            {
                q.data[20 + at] = 0;
                q.data[21 + at] = 0;
                let src = Ipv4Addr::new(q.data[12], q.data[13], q.data[14], q.data[15]);
                let dst = Ipv4Addr::new(q.data[16], q.data[17], q.data[18], q.data[19]);
                let seg = &q.data[20..];
                let pseudo = packet::checksum::pseudo_header_v4(
                    src,
                    dst,
                    q.proto().into(),
                    seg.len() as u16,
                );
                let c = packet::checksum::finish(&[pseudo, packet::checksum::sum(seg)]);
                q.set16(20 + at, c);
            }
        }
        let mut p = match Packet::from_slice(&q.data) {
            Ok(p) => p,
            Err(_) => Packet::new(),
        };
        p.anno_mut().timestamp = q.ts;
        p.anno_mut()
            .set(offset::EXTRA_LENGTH, &data_len.to_ne_bytes());
        p.anno_mut().set_dst_ip(Ipv4Addr::new(
            q.data[16], q.data[17], q.data[18], q.data[19],
        ));
        p.set_network_header(0, 20);
        p
    }

    fn sampled(&mut self) -> bool {
        if self.sampling_prob >= SAMPLING_ONE {
            return true;
        }
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        ((x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32 & (SAMPLING_ONE - 1))
            < self.sampling_prob
    }

    fn next(&mut self) -> Option<Packet> {
        while !self.dead {
            let p = self.read_packet();
            if let Some(p) = p
                && self.sampled()
            {
                return Some(p);
            }
        }
        None
    }
}

impl Element for FromTcpdump {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        self.open().map_err(ConfigError::msg)?;
        if cx.output(0) == Processing::Push {
            cx.schedule_task();
        }
        Ok(())
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        if self.stop_requested {
            cx.stop_router();
            return TaskStatus::Done;
        }
        if !self.active {
            return TaskStatus::Idle(None);
        }
        for _ in 0..self.burst.min(MAX_BATCH) {
            match self.next() {
                Some(p) => {
                    out.emit(0, p);
                    self.count += 1;
                }
                None => {
                    if self.stop {
                        cx.stop_router();
                    }
                    return TaskStatus::Done;
                }
            }
        }
        TaskStatus::Worked
    }

    fn pull(
        &mut self,
        _port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        _out: &mut Output,
    ) {
        if self.stop_requested {
            cx.stop_router();
            return;
        }
        if !self.active {
            return;
        }
        for _ in 0..max {
            match self.next() {
                Some(p) => {
                    into.push(p);
                    self.count += 1;
                }
                None => {
                    if self.stop {
                        cx.stop_router();
                    }
                    return;
                }
            }
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "active" => self.active.to_string(),
            "sampling_prob" => {
                let x = f64::from(self.sampling_prob) / f64::from(SAMPLING_ONE);
                let s = format!("{x:.9}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
            "encap" => "IP".into(),
            "filesize" => self
                .filesize
                .map_or_else(|| "-".to_string(), |s| s.to_string()),
            "filepos" => self.filepos.to_string(),
            "count" => self.count.to_string(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "active" => self.active = crate::util::parse_active(value)?,
            "stop" => {
                self.active = false;
                self.stop_requested = true;
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// Runs FromTcpdump over `text`; returns the summary lines.
    fn run(text: &str) -> String {
        let tag = format!("{}-{:?}", std::process::id(), std::thread::current().id());
        let input = std::env::temp_dir().join(format!("ftd-{tag}.txt"));
        let output = std::env::temp_dir().join(format!("ftd-{tag}.sum"));
        std::fs::write(&input, text).unwrap();
        let cfg = format!(
            "FromTcpdump({}, STOP true, CHECKSUM true) -> ToIPSummaryDump({}, HEADER false, FIELDS src sport dst dport proto len tcp_flags tcp_seq tcp_ack tcp_off tcp_opt)",
            input.display(),
            output.display()
        );
        let router = engine::Router::from_text("t", &cfg, &crate::registry()).unwrap();
        router.run(&engine::RunOptions { threads: 1 });
        let out = std::fs::read_to_string(&output).unwrap_or_default();
        let _ = std::fs::remove_file(&input);
        let _ = std::fs::remove_file(&output);
        out
    }

    #[test]
    fn ip_length_beyond_the_data_is_tcp_options() {
        // As Click: 60 bytes of IP with 6 of data leave 14 bytes of options.
        let out = run("1.5 1.0.0.1.5 > 2.0.0.2.80: P 1:7(6) ack 1 win 5 (len 60)\n");
        assert_eq!(out, "1.0.0.1 5 2.0.0.2 80 T 60 PA 1 1 32 .\n");
    }

    #[test]
    fn modern_lines_with_header_on_its_own_line() {
        let out = run(
            "1.000000 IP (tos 0x0, ttl 64, id 7, offset 0, flags [DF], proto UDP (17), length 40)\n    1.0.0.1.53 > 2.0.0.2.99: 1+ A? x. (12)\n1.1 IP 1.0.0.1 > 2.0.0.2: ICMP echo request, id 3, seq 4, length 16\n",
        );
        assert_eq!(
            out,
            "1.0.0.1 53 2.0.0.2 99 U 40 - - - - -\n1.0.0.1 - 2.0.0.2 - I 36 - - - - -\n"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn malformed_text_does_not_panic(
            lines in proptest::collection::vec(
                "[0-9]{1,3}(\\.[0-9]{0,3})? (IP )?[0-9.]{0,15} > [0-9.:a-z]{0,17} ?[ -~]{0,50}",
                0..20,
            ),
        ) {
            let mut text = String::new();
            for l in &lines {
                text.push_str(l);
                text.push('\n');
            }
            run(&text);
        }
    }
}
