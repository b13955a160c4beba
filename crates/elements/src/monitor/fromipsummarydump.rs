//! FromIPSummaryDump — makes packets from the lines of an IP summary dump.
//!
//! ## Synopsis
//! `FromIPSummaryDump(FILENAME [, keywords STOP, TIMING, ACTIVE, ZERO, CHECKSUM, PROTO, MULTIPACKET, SAMPLE, FIELDS, FLOWID, ALLOW_NONEXISTENT, DATA, BURST])`
//!
//! ## Ports
//! No inputs, 1 output; agnostic.
//!
//! ## Description
//! Reads a file written by ToIPSummaryDump (or by hand) and makes an IPv4
//! packet of each line: the `!data` line names the fields, each line gives
//! their values (`-` or a missing value leaves a field unset). Packets
//! have a correct IP header (version 4, the header length, TTL 100,
//! protocol PROTO unless the dump says), the transport header their
//! protocol needs, and the fields given; the rest is zero. They are
//! usually shorter than their IP length, and the extra length annotation
//! says by how much. The timestamp, paint (`direction`, `link`),
//! aggregate, extra packets (`count`) and destination address
//! annotations are set. Binary dumps (`!binary`) are read too.
//!
//! Lines starting `!` are directives: `!data` or `!contents` (fields),
//! `!proto P` (default protocol), `!flowid SRC SPORT DST DPORT [PROTO]`
//! (addresses and ports for packets whose line lacks them), `!binary`;
//! lines starting `#` are comments.
//!
//! ## Arguments
//! - `FILENAME`: the file; `-` is standard input.
//! - `STOP` (default false): stop the router at the end of the file.
//! - `TIMING` (default false): keep the packets' spacing in time.
//! - `ACTIVE` (default true).
//! - `ZERO` (default true): accepted; unset bytes are always zero.
//! - `CHECKSUM` (default false): give packets their whole IP length (zero
//!   bytes) and correct IP, TCP, UDP and ICMP checksums.
//! - `PROTO` (default 6): the protocol of packets whose line has none.
//! - `MULTIPACKET` (default false): a line whose `count` is N gives N
//!   packets, the length and time spread over them.
//! - `SAMPLE` (0 to 1, default 1): emit each packet with this probability.
//! - `FIELDS` (also `CONTENTS`, `DEFAULT_FIELDS`, `DEFAULT_CONTENTS`): the
//!   fields of a dump without a `!data` line.
//! - `FLOWID` (also `DEFAULT_FLOWID`): `SRC SPORT DST DPORT [PROTO]`, as
//!   `!flowid`.
//! - `ALLOW_NONEXISTENT` (default false): a missing file is empty.
//! - `DATA` (string): read this text instead of a file.
//! - `BURST` (default 256): most packets emitted per task run.
//!
//! ## Handlers
//! - `active` (read/write), `stop` (write), `sampling_prob` (read),
//!   `encap` (read: `IP`), `filesize`, `filepos` (read), `count` (read:
//!   packets emitted).
//!
//! ## Differences from Click
//! - `!flowid` and FLOWID addresses and ports are used (Click 2.1 parses
//!   them but gives packets 0.0.0.0 and port 0); FLOWID takes the four or
//!   five words without a leading `!flowid`.
//! - Compressed files are not uncompressed; ZERO false still gives zeros.
//! - Emits up to BURST packets per task run (Click: one).
//!
//! ## Example
//! ```text
//! FromIPSummaryDump(trace.txt, STOP true, CHECKSUM true)
//!   -> ToDump(trace.pcap, ENCAP IP);
//! ```

use std::io::{BufRead, BufReader, Read};

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, Element, ElementSpec, HandlerError, HandlerSpec, InitContext,
    Output, Processing, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, Packet, PacketBatch, Timestamp, anno::offset};

use super::ipsumdump::{self, Builder, Def, FlowDefault, In};

pub const SPEC: ElementSpec = ElementSpec {
    class: "FromIPSummaryDump",
    ports: "0/1",
    processing: "a/a",
    source: include_str!("fromipsummarydump.rs"),
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

const SAMPLING_SHIFT: u32 = 28;
/// Longest binary record read (a packet record is at most a few hundred
/// bytes; a larger length means the file is damaged).
const MAX_RECORD: usize = 1 << 20;
const SAMPLING_ONE: u32 = 1 << SAMPLING_SHIFT;

struct FromIPSummaryDump {
    filename: Option<String>,
    data: Option<String>,
    stop: bool,
    timing: bool,
    active: bool,
    checksum: bool,
    multipacket: bool,
    sampling_prob: u32,
    allow_nonexistent: bool,
    burst: usize,
    default_proto: u8,
    fields: Vec<&'static Def>,
    flowid: Option<FlowDefault>,
    minor_version: u32,
    binary: bool,
    reader: Option<Box<dyn BufRead + Send>>,
    filesize: Option<u64>,
    filepos: u64,
    line_no: u64,
    complained: bool,
    /// A packet waiting for its time (TIMING) or the rest of a
    /// multipacket line.
    work: Option<Packet>,
    multi: Option<Multi>,
    timing_base: Option<(u64, u64)>,
    rng: u64,
    count: u64,
    stop_requested: bool,
    done: bool,
    scratch: Vec<u8>,
}

/// What spreading one line over several packets remembers.
struct Multi {
    length: u32,
    end: Timestamp,
    delta: i128,
}

/// Parses `SRC SPORT DST DPORT [PROTO]` (each may be `-`).
fn parse_flowid(words: &[&str]) -> Option<(FlowDefault, Option<u8>)> {
    if words.len() < 4 {
        return None;
    }
    let addr = |w: &str| {
        if w == "-" {
            Some([0; 4])
        } else {
            <std::net::Ipv4Addr as clickconf::args::ArgValue>::parse_arg(w)
                .ok()
                .map(|a| a.octets())
        }
    };
    let port = |w: &str| {
        if w == "-" {
            Some(0)
        } else {
            ipsumdump::parse_uint(w)
                .filter(|&p| p <= 65535)
                .map(|p| p as u16)
        }
    };
    let f = FlowDefault {
        src: addr(words[0])?,
        sport: port(words[1])?,
        dst: addr(words[2])?,
        dport: port(words[3])?,
    };
    let proto = match words.get(4) {
        Some(w) => Some(parse_proto(w)?),
        None => None,
    };
    Some((f, proto))
}

fn parse_proto(w: &str) -> Option<u8> {
    match w {
        "T" | "tcp" => Some(6),
        "U" | "udp" => Some(17),
        "I" | "icmp" => Some(1),
        "igmp" => Some(2),
        "ipip" => Some(4),
        "gre" => Some(47),
        "dccp" => Some(33),
        "sctp" => Some(132),
        _ => ipsumdump::parse_uint(w)
            .filter(|&p| p < 256)
            .map(|p| p as u8),
    }
}

/// The fields of a `!data` line (or FIELDS); unknown ones read nothing.
fn data_fields(text: &str) -> Vec<&'static Def> {
    let mut out = Vec::new();
    for (i, w) in clickconf::args::split_words(text).into_iter().enumerate() {
        let word = clickconf::args::unquote(w)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_else(|| w.to_string());
        if i == 0 && (word == "!data" || word == "!contents") {
            continue;
        }
        match ipsumdump::find(&word) {
            Some(d) if d.read => out.push(d),
            _ => out.push(&ipsumdump::NULL_DEF),
        }
    }
    out
}

fn make(args: &mut Args, _cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let filename = args.read_p::<String>("FILENAME")?;
    let stop = args.read::<bool>("STOP")?.unwrap_or(false);
    let active = args.read::<bool>("ACTIVE")?.unwrap_or(true);
    let _zero = args.read::<bool>("ZERO")?;
    let timing = args.read::<bool>("TIMING")?.unwrap_or(false);
    let checksum = args.read::<bool>("CHECKSUM")?.unwrap_or(false);
    let sample = args.read::<f64>("SAMPLE")?;
    let proto = args.read::<u8>("PROTO")?.unwrap_or(6);
    let multipacket = args.read::<bool>("MULTIPACKET")?.unwrap_or(false);
    let mut fields_text = None;
    for key in ["DEFAULT_CONTENTS", "DEFAULT_FIELDS", "CONTENTS", "FIELDS"] {
        if let Some(t) = args.read_with(key, |s| Ok(s.to_string()))? {
            fields_text = Some(t);
        }
    }
    let mut flowid_text = None;
    for key in ["DEFAULT_FLOWID", "FLOWID"] {
        if let Some(t) = args.read_with(key, |s| Ok(s.to_string()))? {
            flowid_text = Some(t);
        }
    }
    let allow_nonexistent = args.read::<bool>("ALLOW_NONEXISTENT")?.unwrap_or(false);
    let data = args.read::<String>("DATA")?;
    let burst = args.read::<usize>("BURST")?.unwrap_or(MAX_BATCH);
    if data.is_some() && filename.is_some() {
        return Err(ConfigError::msg("FILENAME and DATA conflict"));
    }
    if data.is_none() && filename.is_none() {
        return Err(ConfigError::msg("FILENAME: required argument missing"));
    }
    if burst == 0 {
        return Err(ConfigError::msg("BURST must be at least 1"));
    }
    let sampling_prob = match sample {
        None => SAMPLING_ONE,
        Some(p) if p > 1.0 => SAMPLING_ONE,
        Some(p) if p < 0.0 => return Err(ConfigError::msg("SAMPLE must be between 0 and 1")),
        Some(p) => (p * f64::from(SAMPLING_ONE)).round() as u32,
    };
    let fields = fields_text.as_deref().map(data_fields).unwrap_or_default();
    let mut default_proto = proto;
    let flowid = match flowid_text {
        None => None,
        Some(t) => {
            let words = clickconf::args::split_words(&t);
            let words: Vec<&str> = words.into_iter().skip_while(|w| *w == "!flowid").collect();
            let (f, p) =
                parse_flowid(&words).ok_or_else(|| ConfigError::msg("FLOWID: bad flow ID"))?;
            if let Some(p) = p {
                default_proto = p;
            }
            Some(f)
        }
    };
    Ok(Box::new(FromIPSummaryDump {
        filename,
        data,
        stop,
        timing,
        active,
        checksum,
        multipacket,
        sampling_prob,
        allow_nonexistent,
        burst,
        default_proto,
        fields,
        flowid,
        minor_version: ipsumdump::MINOR_VERSION,
        binary: false,
        reader: None,
        filesize: None,
        filepos: 0,
        line_no: 0,
        complained: false,
        work: None,
        multi: None,
        timing_base: None,
        rng: 0x9e37_79b9_7f4a_7c15,
        count: 0,
        stop_requested: false,
        done: false,
        scratch: Vec::new(),
    }))
}

fn next_random(state: &mut u64) -> u32 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
}

fn anno_u32(p: &Packet, at: usize) -> u32 {
    p.anno().get::<4>(at).map_or(0, u32::from_ne_bytes)
}

/// What reading gave.
enum Next {
    Packet(Packet),
    NotYet(u64),
    End,
}

impl FromIPSummaryDump {
    fn where_(&self) -> String {
        let f = self.filename.as_deref().unwrap_or("<data>");
        if self.binary {
            format!("{f}:record {}", self.line_no)
        } else {
            format!("{f}:{}", self.line_no)
        }
    }

    fn open(&mut self) -> Result<(), String> {
        let reader: Box<dyn BufRead + Send> = match (&self.data, &self.filename) {
            (Some(d), _) => {
                self.filesize = Some(d.len() as u64);
                Box::new(std::io::Cursor::new(d.clone().into_bytes()))
            }
            (None, Some(f)) if f == "-" => Box::new(BufReader::new(std::io::stdin())),
            (None, Some(f)) => match std::fs::File::open(f) {
                Ok(file) => {
                    self.filesize = file
                        .metadata()
                        .ok()
                        .filter(|m| m.is_file())
                        .map(|m| m.len());
                    Box::new(BufReader::new(file))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && self.allow_nonexistent => {
                    self.done = true;
                    return Ok(());
                }
                Err(e) => return Err(format!("{f}: {e}")),
            },
            (None, None) => return Err("FILENAME: required argument missing".into()),
        };
        self.reader = Some(reader);
        // The banner line: its version decides how fragment offsets read.
        let Some(first) = self.peek_line() else {
            if !self.allow_nonexistent {
                return Err(format!(
                    "{}: empty file",
                    self.filename.as_deref().unwrap_or("<data>")
                ));
            }
            return Ok(());
        };
        if let Some(rest) = first.strip_prefix("!IPSummaryDump") {
            let ver = rest.trim();
            if let Some((maj, min)) = ver.split_once('.') {
                let maj: u32 = maj.trim().parse().unwrap_or(0);
                let min: u32 = min
                    .trim()
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(ipsumdump::MINOR_VERSION);
                if maj != ipsumdump::MAJOR_VERSION || min > ipsumdump::MINOR_VERSION {
                    eprintln!(
                        "{}: unexpected IPSummaryDump version {maj}.{min}",
                        self.where_()
                    );
                } else {
                    self.minor_version = min;
                }
            }
            let _ = self.read_line();
        } else if !["!creator", "!data", "!contents", "!proto", "!flowid"]
            .iter()
            .any(|p| first.starts_with(p))
            && self.fields.is_empty()
        {
            eprintln!(
                "{}: missing banner line; is this an IP summary dump?",
                self.where_()
            );
        }
        Ok(())
    }

    fn peek_line(&mut self) -> Option<String> {
        let r = self.reader.as_mut()?;
        let buf = r.fill_buf().ok()?;
        if buf.is_empty() {
            return None;
        }
        let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
        Some(String::from_utf8_lossy(&buf[..end]).into_owned())
    }

    /// The next line, newline included; `None` at the end.
    fn read_line(&mut self) -> Option<Vec<u8>> {
        let r = self.reader.as_mut()?;
        let mut line = std::mem::take(&mut self.scratch);
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                self.filepos += n as u64;
                self.line_no += 1;
                Some(line)
            }
        }
    }

    /// The next binary record: its bytes after the length word, and
    /// whether it is a text (metadata) record.
    fn read_record(&mut self) -> Option<(Vec<u8>, bool)> {
        let r = self.reader.as_mut()?;
        let mut word = [0u8; 4];
        r.read_exact(&mut word).ok()?;
        let len = (u32::from_be_bytes(word) & 0x7fff_ffff) as usize;
        let textual = word[0] & 0x80 != 0;
        if len < 4 {
            eprintln!("{}: binary record too short", self.where_());
            return None;
        }
        if len > MAX_RECORD {
            eprintln!("{}: binary record too long", self.where_());
            return None;
        }
        let mut rec = vec![0u8; len - 4];
        r.read_exact(&mut rec).ok()?;
        self.filepos += len as u64;
        self.line_no += 1;
        if textual {
            while rec.last() == Some(&0) {
                rec.pop();
            }
        }
        Some((rec, textual))
    }

    fn bang(&mut self, line: &str) {
        let word_end = |name: &str| {
            line.strip_prefix(name)
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_whitespace()))
        };
        if word_end("!data") || word_end("!contents") {
            self.fields = data_fields(line);
            if self.fields.is_empty() {
                eprintln!("{}: no contents specified", self.where_());
            }
        } else if word_end("!flowid") {
            let words = clickconf::args::split_words(line);
            match parse_flowid(words.get(1..).unwrap_or(&[])) {
                Some((f, p)) => {
                    self.flowid = Some(f);
                    if let Some(p) = p {
                        self.default_proto = p;
                    }
                }
                None => {
                    eprintln!("{}: bad !flowid specification", self.where_());
                    self.flowid = None;
                }
            }
        } else if word_end("!proto") {
            let words = clickconf::args::split_words(line);
            match words.get(1).and_then(|w| parse_proto(w)) {
                Some(p) if words.len() == 2 => self.default_proto = p,
                _ => eprintln!("{}: bad protocol in !proto", self.where_()),
            }
        } else if word_end("!binary") {
            self.binary = true;
            self.line_no = 1;
        }
    }

    /// Reads lines until one makes a packet.
    fn read_packet(&mut self) -> Option<Packet> {
        loop {
            let (data, binary) = if self.binary {
                let (rec, textual) = self.read_record()?;
                (rec, !textual)
            } else {
                (self.read_line()?, false)
            };
            if !binary {
                let text = String::from_utf8_lossy(&data).into_owned();
                let trimmed = text.trim_end_matches(['\n', '\r']);
                self.scratch = data;
                if trimmed.is_empty() {
                    continue;
                }
                if trimmed.starts_with('!') {
                    self.bang(&text);
                    continue;
                }
                if trimmed.starts_with('#') {
                    continue;
                }
                if let Some(p) = self.packet_from_text(&text) {
                    return Some(p);
                }
            } else if let Some(p) = self.packet_from_record(&data) {
                return Some(p);
            }
        }
    }

    fn builder(&self) -> Builder {
        Builder::new(self.default_proto, self.flowid, self.minor_version)
    }

    /// Field indexes in the order they go into the packet.
    fn order(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.fields.len()).collect();
        idx.sort_by_key(|&i| (self.fields[i].order, i));
        idx
    }

    fn packet_from_text(&mut self, line: &str) -> Option<Packet> {
        let bytes = line.as_bytes();
        let mut words: Vec<&str> = Vec::with_capacity(self.fields.len());
        let mut i = 0;
        while words.len() < self.fields.len() {
            let start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                if bytes[i] == b'"' {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        if bytes[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                    i = (i + 1).min(bytes.len());
                } else {
                    i += 1;
                }
            }
            words.push(&line[start..i]);
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
        }
        let mut b = self.builder();
        let mut n = 0;
        for k in self.order() {
            let f = self.fields[k];
            let w = words[k];
            if w.is_empty() || w == "-" {
                continue;
            }
            if let Some(v) = ipsumdump::parse_text(f, w, &b) {
                b.inject(f, &v);
                n += 1;
            }
        }
        self.finish_packet(b, n, line.trim().is_empty())
    }

    fn packet_from_record(&mut self, rec: &[u8]) -> Option<Packet> {
        let mut values: Vec<Option<In>> = Vec::with_capacity(self.fields.len());
        let mut at = 0;
        for f in &self.fields {
            let (v, used) = ipsumdump::parse_binary(f, &rec[at.min(rec.len())..]);
            values.push(v);
            at = (at + used).min(rec.len());
        }
        let mut b = self.builder();
        let mut n = 0;
        for k in self.order() {
            if let Some(v) = &values[k] {
                b.inject(self.fields[k], v);
                n += 1;
            }
        }
        self.finish_packet(b, n, false)
    }

    fn finish_packet(&mut self, b: Builder, nfields: usize, blank: bool) -> Option<Packet> {
        if nfields == 0 {
            if !self.complained && !blank {
                if self.fields.is_empty() {
                    eprintln!("{}: no '!data' provided", self.where_());
                } else {
                    eprintln!("{}: packet parse error", self.where_());
                }
                self.complained = true;
            }
            return None;
        }
        b.finish(self.checksum)
    }

    /// Click's `handle_multipacket`: the next packet of a line whose count
    /// is above one.
    fn multipacket(&mut self, mut p: Packet) -> Packet {
        let extra = anno_u32(&p, offset::EXTRA_PACKETS);
        if extra == 0 {
            self.multi = None;
            return p;
        }
        let count = extra.saturating_add(1);
        if self.multi.is_none() {
            let len = p.len() as u32;
            let mut length = len.wrapping_add(anno_u32(&p, offset::EXTRA_LENGTH)) / count;
            if length < len {
                length = len;
                p.anno_mut().set(
                    offset::EXTRA_LENGTH,
                    &length.wrapping_mul(count - 1).to_ne_bytes(),
                );
            }
            let end = p.anno().timestamp;
            let first = ipsumdump::first_timestamp(p.anno());
            let delta = if first.0 != 0 {
                p.anno_mut().timestamp = first;
                ipsumdump::divide_time(i128::from(end.0) - i128::from(first.0), count - 1)
            } else {
                0
            };
            set_lengths(&mut p, length - len);
            self.multi = Some(Multi { length, end, delta });
        }
        let Some(m) = self.multi.as_ref() else {
            return p;
        };
        let (length, end, delta) = (m.length, m.end, m.delta);
        let mut q = p.duplicate();
        q.anno_mut().set(offset::EXTRA_PACKETS, &0u32.to_ne_bytes());
        let qlen = q.len() as u32;
        q.anno_mut().set(
            offset::EXTRA_LENGTH,
            &length.wrapping_sub(qlen).to_ne_bytes(),
        );
        p.anno_mut()
            .set(offset::EXTRA_PACKETS, &(count - 2).to_ne_bytes());
        let el = anno_u32(&p, offset::EXTRA_LENGTH).wrapping_sub(length);
        p.anno_mut().set(offset::EXTRA_LENGTH, &el.to_ne_bytes());
        if count == 2 {
            p.anno_mut().timestamp = end;
            set_lengths(&mut p, el);
            self.multi = None;
        } else {
            let t = (i128::from(p.anno().timestamp.0) + delta).max(0);
            p.anno_mut().timestamp = Timestamp(t as u64);
        }
        self.work = Some(p);
        q
    }

    /// The next packet to emit, or when the next is due, or the end.
    fn next(&mut self, now: u64) -> Next {
        loop {
            let p = match self.work.take() {
                Some(p) => p,
                None => match self.read_packet() {
                    Some(p) => p,
                    None => {
                        self.done = true;
                        return Next::End;
                    }
                },
            };
            if self.timing && self.multi.is_none() {
                let ts = p.anno().timestamp.0;
                let (first, base) = *self.timing_base.get_or_insert((ts, now));
                let due = base.saturating_add(ts.saturating_sub(first));
                if due > now {
                    self.work = Some(p);
                    return Next::NotYet(due);
                }
            }
            let p = if self.multipacket {
                self.multipacket(p)
            } else {
                p
            };
            if self.sampling_prob >= SAMPLING_ONE
                || (next_random(&mut self.rng) & (SAMPLING_ONE - 1)) < self.sampling_prob
            {
                return Next::Packet(p);
            }
        }
    }
}

/// Sets a packet's IP (and UDP) length to its length plus `extra`.
fn set_lengths(p: &mut Packet, extra: u32) {
    let length = (p.len() as u32).wrapping_add(extra);
    let Some(ip) = p.network_header_mut() else {
        return;
    };
    if ip.len() < 20 {
        return;
    }
    let hl = usize::from(ip[0] & 0x0f) * 4;
    if u16::from_be_bytes([ip[2], ip[3]]) == length as u16 {
        return;
    }
    ip[2..4].copy_from_slice(&(length as u16).to_be_bytes());
    if ip[9] == 17
        && let Some(u) = ip.get_mut(hl + 4..hl + 6)
    {
        u.copy_from_slice(&(length.wrapping_sub(hl as u32) as u16).to_be_bytes());
    }
}

impl Element for FromIPSummaryDump {
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
        if self.done && self.work.is_none() {
            if self.stop {
                cx.stop_router();
            }
            return TaskStatus::Done;
        }
        if !self.active {
            return TaskStatus::Idle(None);
        }
        let now = cx.clock().monotonic_ns();
        for n in 0..self.burst.min(MAX_BATCH) {
            match self.next(now) {
                Next::Packet(p) => {
                    out.emit(0, p);
                    self.count += 1;
                }
                Next::NotYet(due) => {
                    return if n > 0 {
                        TaskStatus::Worked
                    } else {
                        TaskStatus::Idle(Some(due))
                    };
                }
                Next::End => {
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
        let now = cx.clock().monotonic_ns();
        for _ in 0..max {
            match self.next(now) {
                Next::Packet(p) => {
                    into.push(p);
                    self.count += 1;
                }
                Next::NotYet(_) => return,
                Next::End => {
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

    fn held(&self) -> usize {
        usize::from(self.work.is_some())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// Runs a router reading `bytes` as a dump; returns packets emitted.
    fn run(bytes: &[u8], extra: &str) -> u64 {
        let path = std::env::temp_dir().join(format!(
            "fipsd-{}-{:?}.txt",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&path, bytes).unwrap();
        let cfg = format!(
            "f :: FromIPSummaryDump({}, STOP true{extra}) -> ToIPSummaryDump(/dev/null, FIELDS ts src dst sport dport proto len payload ip_opt tcp_opt) -> c :: Counter -> Discard",
            path.display()
        );
        let reg = crate::registry();
        let router = engine::Router::from_text("t", &cfg, &reg).unwrap();
        router.run(&engine::RunOptions { threads: 1 });
        let n: u64 = router.read_handler("c.count").unwrap().parse().unwrap();
        let _ = std::fs::remove_file(&path);
        n
    }

    #[test]
    fn reads_text_and_binary_lines() {
        let text = b"!IPSummaryDump 1.3\n!data src dst proto len\n1.0.0.1 2.0.0.2 U 100\n\n# c\n1.0.0.1 2.0.0.2 T\n";
        assert_eq!(run(text, ""), 2);
        let mut bin = b"!IPSummaryDump 1.3\n!data ip_src ip_len\n!binary\n".to_vec();
        bin.extend_from_slice(&[0, 0, 0, 12, 10, 0, 0, 1, 0, 0, 0, 99]);
        bin.extend_from_slice(&[0x80, 0, 0, 9]);
        bin.extend_from_slice(b"!bad x\n");
        bin.extend_from_slice(&[0, 0, 0, 2]);
        assert_eq!(run(&bin, ""), 1);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn malformed_dumps_do_not_panic(
            lines in proptest::collection::vec("[ -~]{0,60}", 0..20),
            raw in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let mut text = String::from("!IPSummaryDump 1.3\n!data ts src dst sport dport proto len ip_opt tcp_opt payload tcp_flags icmp_type icmp_code ip_fragoff count first_timestamp eth_src ip_hl tcp_off payload_len\n");
            for l in &lines {
                text.push_str(l);
                text.push('\n');
            }
            run(text.as_bytes(), ", MULTIPACKET true, CHECKSUM true");
            let mut bin = b"!IPSummaryDump 1.3\n!data ip_src ip_opt tcp_opt ip_len count\n!binary\n".to_vec();
            bin.extend_from_slice(&raw);
            run(&bin, ", MULTIPACKET true");
        }
    }
}
