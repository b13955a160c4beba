//! ToIPSummaryDump — writes a line of chosen fields per packet, in Click's
//! IP summary dump format.
//!
//! ## Synopsis
//! `ToIPSummaryDump(FILENAME [, keywords FIELDS, VERBOSE, HEADER, BANNER, MULTIPACKET, BAD_PACKETS, CAREFUL_TRUNC, EXTRA_LENGTH, BINARY])`
//!
//! ## Ports
//! 1 input, agnostic; 0 or 1 outputs, push.
//!
//! ## Description
//! Writes, for every packet, a line with the FIELDS asked for, separated by
//! spaces, `-` for a field that does not apply (`sport` of an ICMP
//! packet). The file starts with `!IPSummaryDump 1.3`, an optional
//! `!creator "BANNER"`, with VERBOSE `!host` and `!runtime` lines, then
//! `!data FIELDS`. Packets then leave on the output if there is one. With
//! a pull input, a task pulls them.
//!
//! Fields (Click's names; `ip_` may be left out, spaces may stand for
//! underscores): `timestamp` (`ts`), `ntimestamp`, `ts_sec` (`sec`),
//! `ts_usec` (`usec`), `ts_usec1`, `first_timestamp`, `count`, `link`,
//! `paint`, `direction` (`>` for paint 0, `<` for 1), `aggregate`,
//! `wire_len`; `ip_src`, `ip_dst`, `ip_tos`, `ip_dscp`, `ip_ecn`,
//! `ip_ttl`, `ip_frag` (`F`, `f`, `!`, `.`), `ip_fragoff` (`0+`, `24!`),
//! `ip_id`, `ip_sum`, `ip_proto` (`T`, `U`, `I` or a number), `ip_hl`,
//! `ip_len` (`len`), `ip_capture_len`, `ip_opt`, `sport`, `dport`;
//! `tcp_seq`, `tcp_ack`, `tcp_off`, `tcp_flags` (`S`, `SA`, `PA`, `.`…),
//! `tcp_window`, `tcp_urp`, `tcp_opt`, `tcp_ntopt`, `tcp_sack`; `udp_len`;
//! `icmp_type`, `icmp_code`, `icmp_type_name`, `icmp_code_name`,
//! `icmp_flowid`, `icmp_seq`, `icmp_nextmtu`; `payload_len`, `payload`
//! (quoted), `payload_md5`, `payload_md5_hex`; `eth_src`, `eth_dst`,
//! `eth_type`.
//!
//! With BINARY true, after a `!binary` line each packet is a record: a
//! 4-byte big-endian length (including itself), then the fields in
//! binary (Click's layouts; `payload` is not allowed).
//!
//! ## Arguments
//! - `FILENAME`: the file; `-` is standard output.
//! - `FIELDS` (also `CONTENTS`, `DATA`; default `timestamp ip_src`).
//! - `HEADER` (default true): write the `!` lines at the start.
//! - `VERBOSE` (default false), `BANNER` (string).
//! - `MULTIPACKET` (default false): a packet whose extra packets
//!   annotation is N gives N + 1 lines, its length and time spread over
//!   them (even when FIELDS has `count`, as in Click 2.1, whose
//!   documentation says otherwise).
//! - `BAD_PACKETS` (default false): before a packet with a bad IP, TCP or
//!   UDP header, write a `!bad WHY` line.
//! - `CAREFUL_TRUNC` (default true): with BAD_PACKETS, say `!bad truncated
//!   IP missing N` for captures shorter than their IP length.
//! - `EXTRA_LENGTH` (default true): lengths include the extra length
//!   annotation.
//! - `BINARY` (default false).
//!
//! ## Handlers
//! - `flush` (write): write buffered lines to the file.
//!
//! ## Differences from Click
//! - Lines are buffered and written when the router stops or `flush` is
//!   written (Click uses stdio buffering, so the file is as complete).
//! - As in Click, checking the IP header adjusts the packet's extra length
//!   annotation (to 0 for most packets).
//!
//! ## Example
//! ```text
//! FromDump(trace.pcap, STOP true) -> CheckIPHeader(14)
//!   -> ToIPSummaryDump(trace.txt, FIELDS ts src sport dst dport proto len);
//! ```

use std::io::{BufWriter, Write};

use clickconf::args::Args;
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    InitContext, Output, Processing, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, Packet, PacketBatch, Timestamp, anno::offset};

use super::ipsumdump::{self, Bin, Def, Desc, Field};

pub const SPEC: ElementSpec = ElementSpec {
    class: "ToIPSummaryDump",
    ports: "1/0-1",
    processing: "a/h",
    source: include_str!("toipsummarydump.rs"),
    drop_reasons: &["written"],
    handlers: &[HandlerSpec::write(
        "flush",
        "write buffered lines to the file",
    )],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const WRITTEN: DropReason = DropReason(0);

/// What to write: the line or record being built, or other bytes.
enum Bytes<'a> {
    Line,
    Record,
    Other(&'a [u8]),
}

struct ToIPSummaryDump {
    filename: String,
    fields: Vec<&'static Def>,
    needs_ip: bool,
    verbose: bool,
    header: bool,
    banner: Option<String>,
    multipacket: bool,
    bad_packets: bool,
    careful_trunc: bool,
    extra_length: bool,
    binary: bool,
    has_output: bool,
    out: Option<BufWriter<Box<dyn Write + Send>>>,
    error: Option<String>,
    line: String,
    record: Vec<u8>,
    scratch: PacketBatch,
}

/// Parses a FIELDS list; errors name every unknown field.
pub(crate) fn parse_fields(text: &str) -> Result<Vec<&'static Def>, String> {
    let mut fields = Vec::new();
    let mut unknown = Vec::new();
    for word in clickconf::args::split_words(text) {
        let name = clickconf::args::unquote(word)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_else(|| word.to_string());
        match ipsumdump::find(&name) {
            Some(d) => fields.push(d),
            None => unknown.push(format!("unknown content type '{name}'")),
        }
    }
    if !unknown.is_empty() {
        return Err(unknown.join("; "));
    }
    if fields.is_empty() {
        return Err("no contents specified".into());
    }
    Ok(fields)
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let filename: String = args.read_mp("FILENAME")?;
    let mut fields_text = "timestamp ip_src".to_string();
    for key in ["FIELDS", "CONTENTS", "DATA"] {
        if let Some(t) = args.read_with(key, |s| Ok(s.to_string()))? {
            fields_text = t;
        }
    }
    let verbose = args.read::<bool>("VERBOSE")?.unwrap_or(false);
    let header = args.read::<bool>("HEADER")?.unwrap_or(true);
    let banner = args.read::<String>("BANNER")?;
    let multipacket = args.read::<bool>("MULTIPACKET")?.unwrap_or(false);
    let bad_packets = args.read::<bool>("BAD_PACKETS")?.unwrap_or(false);
    let careful_trunc = args.read::<bool>("CAREFUL_TRUNC")?.unwrap_or(true);
    let extra_length = args.read::<bool>("EXTRA_LENGTH")?.unwrap_or(true);
    let binary = args.read::<bool>("BINARY")?.unwrap_or(false);
    let fields =
        parse_fields(&fields_text).map_err(|e| ConfigError::msg(format!("FIELDS: {e}")))?;
    if binary && let Some(f) = fields.iter().find(|f| f.bin == Bin::NotAllowed) {
        return Err(ConfigError::msg(format!(
            "cannot use field {} with BINARY",
            f.name
        )));
    }
    let needs_ip = fields.iter().any(|f| {
        !matches!(
            f.field,
            Field::Timestamp
                | Field::NTimestamp
                | Field::TsSec
                | Field::TsUsec
                | Field::TsUsec1
                | Field::FirstTimestamp
                | Field::FirstNTimestamp
                | Field::Count
                | Field::Link
                | Field::Direction
                | Field::Aggregate
                | Field::WireLen
                | Field::EthSrc
                | Field::EthDst
                | Field::EthType
        )
    });
    Ok(Box::new(ToIPSummaryDump {
        filename,
        fields,
        needs_ip,
        verbose,
        header,
        banner: banner.filter(|b| !b.is_empty()),
        multipacket,
        bad_packets,
        careful_trunc,
        extra_length,
        binary,
        has_output: cx.noutputs > 0,
        out: None,
        error: None,
        line: String::with_capacity(256),
        record: Vec::with_capacity(256),
        scratch: PacketBatch::new(),
    }))
}

fn hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at
    // most that many bytes.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
    if r != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Some(String::from_utf8_lossy(&buf[..end]).into_owned())
}

/// `ctime(3)` of `secs`, without its newline.
fn ctime(secs: i64) -> String {
    let t: libc::time_t = secs as libc::time_t;
    let mut buf = [0u8; 64];
    // SAFETY: ctime_r writes at most 26 bytes into a buffer of 64.
    let p = unsafe { libc::ctime_r(&t, buf.as_mut_ptr().cast()) };
    if p.is_null() {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).trim_end().to_string()
}

fn anno_u32(p: &Packet, at: usize) -> u32 {
    p.anno().get::<4>(at).map_or(0, u32::from_ne_bytes)
}

impl ToIPSummaryDump {
    fn header_text(&self) -> String {
        let mut s = format!(
            "!IPSummaryDump {}.{}\n",
            ipsumdump::MAJOR_VERSION,
            ipsumdump::MINOR_VERSION
        );
        if let Some(b) = &self.banner {
            s.push_str(&format!(
                "!creator {}\n",
                clickconf::args::quote(b.as_bytes())
            ));
        }
        if self.verbose {
            if let Some(h) = hostname() {
                s.push_str(&format!("!host {h}\n"));
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let ts = Timestamp::new(now.as_secs(), now.subsec_nanos());
            s.push_str(&format!(
                "!runtime {ts} ({})\n",
                ctime(now.as_secs() as i64)
            ));
        }
        s.push_str("!data ");
        let names: Vec<&str> = self
            .fields
            .iter()
            .map(|d| ipsumdump::data_name(d, self.binary))
            .collect();
        s.push_str(&names.join(" "));
        s.push('\n');
        if self.binary {
            s.push_str("!binary\n");
        }
        s
    }

    fn open(&mut self) -> Result<(), String> {
        let sink: Box<dyn Write + Send> = if self.filename == "-" {
            Box::new(std::io::stdout())
        } else {
            Box::new(
                std::fs::File::create(&self.filename)
                    .map_err(|e| format!("{}: {e}", self.filename))?,
            )
        };
        let mut out = BufWriter::with_capacity(64 * 1024, sink);
        if self.header {
            let h = self.header_text();
            out.write_all(h.as_bytes())
                .map_err(|e| format!("{}: {e}", self.filename))?;
        }
        self.out = Some(out);
        Ok(())
    }

    fn write_bytes(&mut self, which: Bytes<'_>) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let r = match which {
            Bytes::Line => out.write_all(self.line.as_bytes()),
            Bytes::Record => out.write_all(&self.record),
            Bytes::Other(b) => out.write_all(b),
        };
        if let Err(e) = r {
            self.error = Some(format!("{}: {e}", self.filename));
            self.out = None;
        }
    }

    /// Writes a `!bad` line (a metadata record in binary).
    fn write_note(&mut self, text: &str) {
        let mut note = Vec::with_capacity(text.len() + 4);
        if self.binary {
            let marker = (text.len() as u32) | 0x8000_0000;
            note.extend_from_slice(&marker.to_be_bytes());
        }
        note.extend_from_slice(text.as_bytes());
        self.write_bytes(Bytes::Other(&note));
    }

    fn write_one(&mut self, p: &mut Packet) {
        let (bad, new_extra) = {
            let mut d = Desc::new(
                p,
                self.needs_ip,
                self.careful_trunc,
                self.extra_length,
                self.bad_packets,
            );
            if self.binary {
                self.record.clear();
                self.record.extend_from_slice(&[0; 4]);
                for f in &self.fields {
                    ipsumdump::write_binary(&mut d, f, &mut self.record);
                }
                let len = self.record.len() as u32;
                self.record[..4].copy_from_slice(&len.to_be_bytes());
            } else {
                self.line.clear();
                for (i, f) in self.fields.iter().enumerate() {
                    if i > 0 {
                        self.line.push(' ');
                    }
                    if !ipsumdump::write_text(&mut d, f.field, &mut self.line) {
                        self.line.push('-');
                    }
                }
                self.line.push('\n');
            }
            let new_extra = d.prepared().then_some(d.extra_length);
            (d.bad.take().filter(|b| !b.is_empty()), new_extra)
        };
        if let Some(x) = new_extra {
            p.anno_mut().set(offset::EXTRA_LENGTH, &x.to_ne_bytes());
        }
        if let Some(b) = bad {
            self.write_note(&b);
        }
        self.write_bytes(if self.binary {
            Bytes::Record
        } else {
            Bytes::Line
        });
    }

    fn write_packet(&mut self, p: &mut Packet) {
        let extra_packets = anno_u32(p, offset::EXTRA_PACKETS);
        if !self.multipacket || extra_packets == 0 {
            self.write_one(p);
            return;
        }
        let count = extra_packets.saturating_add(1);
        let len = p.len() as u32;
        let mut total = len;
        if self.extra_length {
            total = total.wrapping_add(anno_u32(p, offset::EXTRA_LENGTH));
        }
        if u64::from(total) < u64::from(count) * u64::from(len) {
            total = count.wrapping_mul(len);
        }
        let end = p.anno().timestamp;
        let first = ipsumdump::first_timestamp(p.anno());
        let delta = if first.0 != 0 {
            p.anno_mut().timestamp = first;
            ipsumdump::divide_time(i128::from(end.0) - i128::from(first.0), count - 1)
        } else {
            0
        };
        p.anno_mut().set(offset::EXTRA_PACKETS, &0u32.to_ne_bytes());
        for i in (1..=count).rev() {
            let l = total / i;
            p.anno_mut()
                .set(offset::EXTRA_LENGTH, &l.wrapping_sub(len).to_ne_bytes());
            total -= l;
            self.write_one(p);
            if i == 1 {
                p.anno_mut().timestamp = end;
            } else {
                let t = (i128::from(p.anno().timestamp.0) + delta).max(0);
                p.anno_mut().timestamp = Timestamp(t as u64);
            }
        }
    }
}

impl Element for ToIPSummaryDump {
    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), ConfigError> {
        self.open().map_err(ConfigError::msg)?;
        if cx.input(0) == Processing::Pull {
            cx.schedule_task();
        }
        Ok(())
    }

    fn push(&mut self, _port: usize, batch: &mut PacketBatch, out: &mut Output) {
        for p in batch.as_mut_slice() {
            self.write_packet(p);
        }
        if self.has_output {
            out.forward(0, batch);
        } else {
            out.count_drops(WRITTEN, batch.len() as u64);
            batch.clear();
        }
    }

    fn run_task(&mut self, cx: &mut TaskContext<'_>, out: &mut Output) -> TaskStatus {
        let mut batch = std::mem::take(&mut self.scratch);
        cx.pull_input(0, MAX_BATCH, &mut batch);
        if batch.is_empty() {
            self.scratch = batch;
            return TaskStatus::Idle(None);
        }
        self.push(0, &mut batch, out);
        self.scratch = batch;
        TaskStatus::Worked
    }

    fn write_handler(&mut self, name: &str, _value: &str) -> Result<(), HandlerError> {
        match name {
            "flush" => {
                if let Some(out) = self.out.as_mut() {
                    out.flush()
                        .map_err(|e| HandlerError::BadValue(format!("{}: {e}", self.filename)))?;
                }
                Ok(())
            }
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn finish(&mut self) {
        if let Some(out) = self.out.as_mut()
            && let Err(e) = out.flush()
        {
            eprintln!("ToIPSummaryDump: {}: {e}", self.filename);
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
