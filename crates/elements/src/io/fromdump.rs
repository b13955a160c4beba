//! FromDump — reads packets from a pcap or pcapng capture file.
//!
//! ## Synopsis
//! `FromDump(FILENAME [, TIMING, KEYWORDS])`
//!
//! ## Ports
//! No inputs; 1 or 2 outputs. Output 0 is agnostic, output 1 push.
//!
//! ## Description
//! Reads the packets of a capture file written by `tcpdump -w`, Wireshark,
//! ToDump or any other pcap or pcapng writer, and emits them from output 0.
//! In push mode a task emits up to BURST packets per run; in pull mode a
//! packet is read whenever one is pulled. At the end of the file FromDump
//! stops emitting, and with `STOP true` asks the router to stop.
//!
//! Each packet's timestamp annotation is its capture time from the file, its
//! MAC header annotation marks the first byte of the packet, and its extra
//! length annotation holds the bytes the capture left out (wire length minus
//! captured length).
//!
//! With `FORCE_IP true` only IP packets (IPv4 or IPv6) leave output 0, with
//! their network and transport header annotations set and, for IPv4, the
//! destination address annotation. FromDump finds the IP header after an
//! Ethernet header (also behind one 802.1Q tag), a Linux cooked header or a
//! BSD loopback header, or at the start of raw IP packets. Other packets go
//! to output 1 if it exists and are dropped (counted as `not_ip`) otherwise.
//! Files of link type raw IP (101, 12, 228, 229) always behave as if
//! `FORCE_IP` were true.
//!
//! Classic pcap files may have either byte order, microsecond or nanosecond
//! timestamps. pcapng files may have several sections and interfaces with
//! any `if_tsresol`; blocks other than section headers, interface
//! descriptions and packet blocks are skipped. A file that is not a capture
//! is an error when the router is initialized; a file damaged part way
//! (truncated or corrupt record) ends the packets at the damage, and the
//! error, naming the file and byte offset, is printed and kept in the
//! `error` handler.
//!
//! ## Arguments
//! - `FILENAME` (string): the file; `-` is standard input.
//! - `TIMING` (bool, default false): emit packets with the time gaps of the
//!   capture, the first at once, measured on the router's clock.
//! - `STOP` (bool, default false): stop the router at the end of the file,
//!   or when END is reached.
//! - `ACTIVE` (bool, default true): whether to emit packets.
//! - `SAMPLE` (real between 0 and 1, default 1): emit each packet with this
//!   probability (28-bit fixed point, as Click).
//! - `FORCE_IP` (bool, default false): as described above.
//! - `START` (time, seconds since the epoch): skip packets stamped earlier.
//! - `START_AFTER` (time interval): skip the capture's first T seconds.
//! - `END` (time): end at the first packet stamped at or after this time.
//! - `END_AFTER` (time interval): end at the first packet T seconds or more
//!   after the capture's first packet.
//! - `INTERVAL` (time interval): end at the first packet T seconds or more
//!   after START (or after the capture's first packet).
//! - `BURST` (integer, default 256): most packets emitted per task run.
//! - `MMAP` (bool): accepted and ignored.
//!
//! ## Handlers
//! - `count` (read): packets emitted on output 0.
//! - `reset_counts` (write): zero `count`.
//! - `active` (read/write): as the argument.
//! - `stop` (write): deactivate and stop the router.
//! - `encap` (read): the file's link type by Click's name (`ETHER`, `IP`,
//!   `SLL`, …, or `#N`); for pcapng, that of the first interface.
//! - `filename` (read): FILENAME (`<stdin>` for `-`).
//! - `filesize` (read): the file's length in bytes, `-` if not a regular
//!   file.
//! - `filepos` (read): bytes of the file read so far.
//! - `packet_filepos` (read): file offset of the last packet read.
//! - `sampling_prob` (read): the sampling probability in use.
//! - `error` (read): the problem that ended reading early, if any.
//! - `reset_timing` (write): with TIMING, the next packet goes at once and
//!   those after it keep their gaps from it (Click's button for replaying
//!   from a pause without a burst).
//!
//! ## Differences from Click
//! - Also reads pcapng (Click reads classic pcap only), and link types 228
//!   and 229 as raw IP.
//! - Emits up to BURST packets per task run (Click: one).
//! - Does not read compressed files; `FILEPOS`, `END_CALL`, the
//!   `extend_interval` handler and writable `filepos` are not supported.
//!   `reset_timing` re-times from the next packet emitted (Click: from the
//!   next packet read from the file; it also keeps START and END where they
//!   are, as here). When END is reached without STOP, FromDump is done for
//!   good (Click deactivates itself and can be reactivated).
//! - Packets longer than a buffer holds (9,600 bytes) are cut to fit; the
//!   cut bytes are added to the extra length annotation.
//! - The sampling generator is seeded identically on every run, so SAMPLE
//!   picks the same packets each time.
//!
//! ## Example
//! ```text
//! FromDump(trace.pcap, STOP true, FORCE_IP true)
//!   -> CheckIPHeader -> ToDump(out.pcap);
//! ```

use std::any::Any;
use std::io::{self, Read};

use clickconf::args::{Args, Seconds, ValueError};
use engine::{
    BuildContext, ConfigError, DropReason, Element, ElementSpec, HandlerError, HandlerSpec,
    InitContext, Output, Processing, TaskContext, TaskStatus,
};
use packet::{MAX_BATCH, MAX_PACKET_LEN, Packet, PacketBatch};

use crate::io::pcap::{CaptureReader, link_type_name, linktype};
use crate::util::parse_handler_value;

pub const SPEC: ElementSpec = ElementSpec {
    class: "FromDump",
    ports: "0/1-2",
    processing: "a/ah",
    source: include_str!("fromdump.rs"),
    drop_reasons: &["not_ip"],
    handlers: &[
        HandlerSpec::read("count", "packets emitted on output 0"),
        HandlerSpec::write("reset_counts", "zero count"),
        HandlerSpec::read_write("active", "whether to emit packets"),
        HandlerSpec::write("stop", "deactivate and stop the router"),
        HandlerSpec::read("encap", "the file's link type"),
        HandlerSpec::read("filename", "the file's name"),
        HandlerSpec::read("filesize", "the file's length in bytes"),
        HandlerSpec::read("filepos", "bytes read so far"),
        HandlerSpec::read("packet_filepos", "file offset of the last packet read"),
        HandlerSpec::read("sampling_prob", "sampling probability"),
        HandlerSpec::read("error", "the problem that ended reading early"),
        HandlerSpec::write("reset_timing", "TIMING: time the next packet from now"),
    ],
    configure_phase: engine::spec::ConfigurePhase::Default,
    make,
};

const NOT_IP: DropReason = DropReason(0);

/// Fixed-point shift of the sampling probability (Click's).
const SAMPLING_SHIFT: u32 = 28;
const SAMPLING_ONE: u32 = 1 << SAMPLING_SHIFT;

type Source = Box<dyn Read + Send>;

/// When the packets to emit begin and end, as configured.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    /// START (absolute, ns) or START_AFTER (relative to the first packet).
    start: Option<(u64, bool)>,
    /// END (absolute), END_AFTER (relative to the first packet) or INTERVAL
    /// (relative to the start).
    end: Option<(u64, EndKind)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EndKind {
    Absolute,
    AfterFirst,
    Interval,
}

/// The window resolved against the capture's first timestamp.
#[derive(Clone, Copy, Debug, Default)]
struct Resolved {
    start: Option<u64>,
    end: Option<u64>,
    /// (first packet's timestamp, monotonic time it was read), for TIMING.
    base: Option<(u64, u64)>,
}

impl Window {
    fn resolve(&self, first: u64, now: u64) -> Resolved {
        let start = self
            .start
            .map(|(t, relative)| if relative { first.saturating_add(t) } else { t });
        let end = self.end.map(|(t, kind)| match kind {
            EndKind::Absolute => t,
            EndKind::AfterFirst => first.saturating_add(t),
            EndKind::Interval => start.unwrap_or(first).saturating_add(t),
        });
        Resolved {
            start,
            end,
            base: Some((first, now)),
        }
    }
}

pub struct FromDump {
    name: String,
    filename: String,
    timing: bool,
    /// `reset_timing` was written: re-base TIMING at the next packet.
    rebase_timing: bool,
    stop: bool,
    active: bool,
    sampling_prob: u32,
    force_ip: bool,
    window: Window,
    burst: usize,
    two_outputs: bool,

    reader: Option<CaptureReader<Source>>,
    filesize: Option<u64>,
    resolved: Option<Resolved>,
    /// A packet read but not yet due (TIMING), and whether it is IP.
    pending: Option<(Packet, bool)>,
    count: u64,
    packet_filepos: u64,
    rng: u64,
    done: bool,
    stop_requested: bool,
    error: Option<String>,
}

fn seconds_ns(s: Seconds) -> u64 {
    u64::try_from(s.0.as_nanos()).unwrap_or(u64::MAX)
}

fn parse_probability(text: &str) -> Result<f64, ValueError> {
    let v: f64 = text
        .parse()
        .map_err(|_| ValueError::new("expected real number"))?;
    if v.is_nan() || v < 0.0 {
        return Err(ValueError::new("expected a probability between 0 and 1"));
    }
    Ok(v)
}

fn make(args: &mut Args, cx: &BuildContext) -> Result<Box<dyn Element>, ConfigError> {
    let filename: String = args.read_mp("FILENAME")?;
    let timing = args.read_p::<bool>("TIMING")?.unwrap_or(false);
    let stop = args.read::<bool>("STOP")?.unwrap_or(false);
    let active = args.read::<bool>("ACTIVE")?.unwrap_or(true);
    let sample = args.read_with("SAMPLE", parse_probability)?;
    let force_ip = args.read::<bool>("FORCE_IP")?.unwrap_or(false);
    let start = args.read::<Seconds>("START")?;
    let start_after = args.read::<Seconds>("START_AFTER")?;
    let end = args.read::<Seconds>("END")?;
    let end_after = args.read::<Seconds>("END_AFTER")?;
    let interval = args.read::<Seconds>("INTERVAL")?;
    let burst = args.read::<usize>("BURST")?.unwrap_or(MAX_BATCH);
    let _mmap = args.read::<bool>("MMAP")?;

    let start = match (start, start_after) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::msg(
                "START and START_AFTER are mutually exclusive",
            ));
        }
        (Some(t), None) => Some((seconds_ns(t), false)),
        (None, Some(t)) => Some((seconds_ns(t), true)),
        (None, None) => None,
    };
    let end = match (end, end_after, interval) {
        (Some(t), None, None) => Some((seconds_ns(t), EndKind::Absolute)),
        (None, Some(t), None) => Some((seconds_ns(t), EndKind::AfterFirst)),
        (None, None, Some(t)) => Some((seconds_ns(t), EndKind::Interval)),
        (None, None, None) => None,
        _ => {
            return Err(ConfigError::msg(
                "END, END_AFTER, and INTERVAL are mutually exclusive",
            ));
        }
    };
    let window = Window { start, end };
    if burst == 0 {
        return Err(ConfigError::msg("BURST must be at least 1"));
    }
    let sampling_prob = match sample {
        None => SAMPLING_ONE,
        Some(p) if p >= 1.0 => SAMPLING_ONE,
        Some(p) => (p * SAMPLING_ONE as f64).round() as u32,
    };
    Ok(Box::new(FromDump {
        name: cx.name.clone(),
        filename,
        timing,
        rebase_timing: false,
        stop,
        active,
        sampling_prob,
        force_ip,
        window,
        burst,
        two_outputs: cx.noutputs > 1,
        reader: None,
        filesize: None,
        resolved: None,
        pending: None,
        count: 0,
        packet_filepos: 0,
        rng: 0x9E37_79B9_7F4A_7C15,
        done: false,
        stop_requested: false,
        error: None,
    }))
}

/// Link types whose IP header FromDump can find.
pub fn force_ipable(link_type: u32) -> bool {
    matches!(
        link_type,
        linktype::ETHERNET | linktype::RAW | linktype::LINUX_SLL | linktype::NULL
    )
}

fn is_ip_ethertype(b: &[u8]) -> bool {
    matches!(b, [0x08, 0x00] | [0x86, 0xdd])
}

/// Finds the IP header of `p` for its link type and marks it (network and
/// transport headers, IPv4 destination annotation), as Click's FORCE_IP
/// does; `false` if `p` is not an IP packet.
pub fn force_ip(p: &mut Packet, link_type: u32) -> bool {
    let data = p.data();
    let ip_at = match link_type {
        linktype::RAW => Some(0),
        linktype::ETHERNET => match data.get(12..14) {
            Some(t) if is_ip_ethertype(t) => Some(14),
            Some([0x81, 0x00]) => match data.get(16..18) {
                Some(t) if is_ip_ethertype(t) => Some(18),
                _ => None,
            },
            _ => None,
        },
        linktype::LINUX_SLL => match data.get(14..16) {
            Some(t) if is_ip_ethertype(t) => Some(16),
            _ => None,
        },
        linktype::NULL => match data.get(..4) {
            Some(&[a, b, c, d]) => {
                let mut family = u16::from_le_bytes([a, b]);
                if family == 0 {
                    family = u16::from_be_bytes([c, d]);
                }
                matches!(family, 2 | 24 | 28 | 30).then_some(4)
            }
            _ => None,
        },
        _ => None,
    };
    let Some(ip_at) = ip_at else {
        return false;
    };
    let Some(&first) = data.get(ip_at) else {
        return false;
    };
    let (header_len, dst) = match first >> 4 {
        4 => {
            let hl = usize::from(first & 0x0f) * 4;
            match data.get(ip_at..ip_at + hl) {
                Some(h) if hl >= 20 => (hl, Some([h[16], h[17], h[18], h[19]])),
                _ => return false,
            }
        }
        6 if data.len() >= ip_at + 40 => (40, None),
        _ => return false,
    };
    p.set_network_header(ip_at, header_len);
    if let Some(d) = dst {
        p.anno_mut().set_dst_ip(d.into());
    }
    true
}

/// xorshift64*: deterministic, cheap, good enough for sampling.
fn next_random(state: &mut u64) -> u32 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
}

/// What reading the next packet gave.
enum Next {
    /// A packet; `true` if it goes to output 0.
    Packet(Packet, bool),
    /// The next packet is due at this monotonic time (TIMING).
    NotYet(u64),
    /// No more packets.
    End,
}

impl FromDump {
    fn open(&mut self) -> Result<(), String> {
        let (source, size): (Source, Option<u64>) = if self.filename == "-" {
            (Box::new(io::stdin()), None)
        } else {
            let file = std::fs::File::open(&self.filename)
                .map_err(|e| format!("{}: {e}", self.filename))?;
            let size = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            (Box::new(io::BufReader::with_capacity(1 << 16, file)), size)
        };
        let reader = CaptureReader::new(source, self.display_name()).map_err(|e| e.to_string())?;
        if self.force_ip
            && let Some(lt) = reader.link_type()
            && !force_ipable(lt)
        {
            return Err(format!(
                "{}: unknown linktype {lt}; can't force IP packets",
                self.filename
            ));
        }
        self.reader = Some(reader);
        self.filesize = size;
        Ok(())
    }

    fn display_name(&self) -> &str {
        if self.filename == "-" {
            "<stdin>"
        } else {
            &self.filename
        }
    }

    /// Ends reading for good; the reader stays for the `encap` and
    /// `filepos` handlers.
    fn finish_reading(&mut self) -> Next {
        self.done = true;
        Next::End
    }

    /// Reads the next packet to emit, applying the window, sampling,
    /// FORCE_IP and TIMING.
    fn next(&mut self, now: u64) -> Next {
        if let Some((p, is_ip)) = self.pending.take() {
            if let Some(due) = self.due(&p, now) {
                self.pending = Some((p, is_ip));
                return Next::NotYet(due);
            }
            return Next::Packet(p, is_ip);
        }
        loop {
            if self.done {
                return Next::End;
            }
            let Some(reader) = self.reader.as_mut() else {
                return self.finish_reading();
            };
            let record = match reader.next_record() {
                Ok(Some(r)) => r,
                Ok(None) => return self.finish_reading(),
                Err(e) => {
                    let msg = e.to_string();
                    eprintln!("{} :: FromDump: {msg}", self.name);
                    self.error = Some(msg);
                    return self.finish_reading();
                }
            };
            let ts = record.timestamp.0;
            let resolved = *self
                .resolved
                .get_or_insert_with(|| self.window.resolve(ts, now));
            if let Some(start) = resolved.start {
                if ts < start {
                    continue;
                }
                if let Some(r) = self.resolved.as_mut() {
                    r.start = None;
                }
            }
            if resolved.end.is_some_and(|end| ts >= end) {
                return self.finish_reading();
            }
            if self.sampling_prob < SAMPLING_ONE {
                let r = next_random(&mut self.rng) & (SAMPLING_ONE - 1);
                if r >= self.sampling_prob {
                    continue;
                }
            }
            let keep = record.data.len().min(MAX_PACKET_LEN);
            let mut p = Packet::new();
            // `keep` fits a new packet's tailroom by construction.
            let _ = p.extend_from_slice(&record.data[..keep]);
            let extra = record.orig_len.saturating_sub(keep as u32);
            let anno = p.anno_mut();
            anno.timestamp = record.timestamp;
            if extra > 0 {
                anno.set(packet::anno::offset::EXTRA_LENGTH, &extra.to_ne_bytes());
            }
            p.set_mac_header(0);
            self.packet_filepos = record.offset;
            let link_type = record.link_type;
            let is_ip = if self.force_ip || link_type == linktype::RAW {
                force_ip(&mut p, link_type)
            } else {
                true
            };
            if let Some(due) = self.due(&p, now) {
                self.pending = Some((p, is_ip));
                return Next::NotYet(due);
            }
            return Next::Packet(p, is_ip);
        }
    }

    /// With TIMING, the monotonic time `p` is due if that is after `now`.
    fn due(&mut self, p: &Packet, now: u64) -> Option<u64> {
        if !self.timing {
            return None;
        }
        if self.rebase_timing
            && let Some(r) = self.resolved.as_mut()
        {
            // `reset_timing`: this packet goes now, the rest keep their
            // gaps from it.
            r.base = Some((p.anno().timestamp.0, now));
            self.rebase_timing = false;
        }
        let (first, base) = self.resolved?.base?;
        let due = base.saturating_add(p.anno().timestamp.0.saturating_sub(first));
        (due > now).then_some(due)
    }

    /// Sends a non-IP packet to output 1 or drops it.
    fn reject(&self, p: Packet, out: &mut Output) {
        if self.two_outputs {
            out.emit(1, p);
        } else {
            out.drop(p, NOT_IP);
        }
    }

    fn at_end(&mut self, cx: &mut TaskContext<'_>) {
        if self.stop {
            cx.stop_router();
        }
    }
}

impl Element for FromDump {
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
        if self.done {
            self.at_end(cx);
            return TaskStatus::Done;
        }
        if !self.active {
            return TaskStatus::Idle(None);
        }
        let now = cx.clock().monotonic_ns();
        let burst = self.burst.min(MAX_BATCH);
        let mut n = 0;
        while n < burst {
            match self.next(now) {
                Next::Packet(p, true) => {
                    out.emit(0, p);
                    self.count += 1;
                }
                Next::Packet(p, false) => self.reject(p, out),
                Next::NotYet(due) => {
                    return if n > 0 {
                        TaskStatus::Worked
                    } else {
                        TaskStatus::Idle(Some(due))
                    };
                }
                Next::End => {
                    self.at_end(cx);
                    return TaskStatus::Done;
                }
            }
            n += 1;
        }
        TaskStatus::Worked
    }

    fn pull(
        &mut self,
        port: usize,
        max: usize,
        cx: &mut TaskContext<'_>,
        into: &mut PacketBatch,
        out: &mut Output,
    ) {
        if self.stop_requested {
            cx.stop_router();
            return;
        }
        if port != 0 || !self.active {
            return;
        }
        let now = cx.clock().monotonic_ns();
        for _ in 0..max {
            match self.next(now) {
                Next::Packet(p, true) => {
                    into.push(p);
                    self.count += 1;
                }
                Next::Packet(p, false) => self.reject(p, out),
                Next::NotYet(_) => return,
                Next::End => {
                    self.at_end(cx);
                    return;
                }
            }
        }
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        Ok(match name {
            "count" => self.count.to_string(),
            "active" => self.active.to_string(),
            "encap" => match &self.reader {
                Some(r) => r
                    .link_type()
                    .map_or_else(|| "<none>".to_string(), link_type_name),
                None => "<none>".to_string(),
            },
            "filename" => self.display_name().to_string(),
            "filesize" => self
                .filesize
                .map_or_else(|| "-".to_string(), |s| s.to_string()),
            "filepos" => match &self.reader {
                Some(r) => r.position().to_string(),
                None => self
                    .filesize
                    .map_or_else(|| "-".to_string(), |s| s.to_string()),
            },
            "packet_filepos" => self.packet_filepos.to_string(),
            "sampling_prob" => format_fixed(self.sampling_prob),
            "error" => self.error.clone().unwrap_or_default(),
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        })
    }

    fn write_handler(&mut self, name: &str, value: &str) -> Result<(), HandlerError> {
        match name {
            "reset_counts" => self.count = 0,
            "reset_timing" => self.rebase_timing = true,
            "active" => self.active = parse_handler_value(name, value)?,
            "stop" => {
                self.active = false;
                self.stop_requested = true;
            }
            _ => return Err(HandlerError::NoSuchHandler(name.into())),
        }
        Ok(())
    }

    fn held(&self) -> usize {
        usize::from(self.pending.is_some())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Prints a 28-bit fixed-point fraction as a short decimal.
fn format_fixed(v: u32) -> String {
    let x = v as f64 / SAMPLING_ONE as f64;
    let s = format!("{x:.9}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::pcap::{ByteOrder, PcapWriter, PcapWriterOptions};
    use crate::standard::null::harness::Harness;
    use packet::Timestamp;

    /// A temporary file path unique to this process and `tag`.
    fn temp_path(tag: &str) -> String {
        std::env::temp_dir()
            .join(format!("fromdump-{}-{tag}.pcap", std::process::id()))
            .display()
            .to_string()
    }

    /// Writes a pcap of `packets` (timestamp in ns, data, wire length).
    fn write_capture(tag: &str, link_type: u32, packets: &[(u64, Vec<u8>, u32)]) -> String {
        let path = temp_path(tag);
        let file = std::fs::File::create(&path).unwrap();
        let opts = PcapWriterOptions {
            nanosecond: true,
            snaplen: 0,
            link_type,
            byte_order: ByteOrder::Little,
        };
        let mut w = PcapWriter::new(std::io::BufWriter::new(file), opts).unwrap();
        for (ts, data, len) in packets {
            w.write_packet(Timestamp(*ts), data, *len).unwrap();
        }
        w.flush().unwrap();
        path
    }

    fn udp_frame(tag: u8) -> Vec<u8> {
        let mut ip = ipv4(5, 28);
        ip[27] = tag;
        frame([0x08, 0x00], &ip)
    }

    #[test]
    fn reads_every_packet_and_stops() {
        let pkts: Vec<_> = (0..5u8)
            .map(|i| (1_000 + i as u64, udp_frame(i), 42))
            .collect();
        let path = write_capture("all", linktype::ETHERNET, &pkts);
        let h = Harness::new(&format!(
            "fd :: FromDump({path}, STOP true) -> c :: Collect;"
        ));
        h.router.stepper().run_until_idle();
        assert_eq!(h.read("c.count"), "5");
        assert_eq!(h.read("fd.count"), "5");
        assert_eq!(h.read("fd.encap"), "ETHER");
        assert_eq!(h.read("fd.error"), "");
        assert_eq!(h.read("fd.filesize"), (24 + 5 * (16 + 42)).to_string());
        assert_eq!(h.read("fd.filepos"), h.read("fd.filesize"));
        assert_eq!(
            h.read("fd.packet_filepos"),
            (24 + 4 * (16 + 42)).to_string()
        );
        assert!(h.stopped());
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_damaged_file_ends_at_the_damage_with_its_offset() {
        let pkts: Vec<_> = (0..3u8).map(|i| (i as u64, udp_frame(i), 42)).collect();
        let path = write_capture("damaged", linktype::ETHERNET, &pkts);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 5);
        std::fs::write(&path, &bytes).unwrap();
        let h = Harness::new(&format!(
            "fd :: FromDump({path}, STOP true) -> c :: Collect;"
        ));
        h.router.stepper().run_until_idle();
        assert_eq!(h.read("c.count"), "2");
        let err = h.read("fd.error");
        assert!(err.contains(&format!("byte {}", 24 + 2 * 58)), "{err}");
        assert!(err.contains("truncated packet record"), "{err}");
        assert!(h.stopped());
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn files_that_are_not_captures_are_configuration_errors() {
        let path = temp_path("garbage");
        std::fs::write(&path, b"this is not a capture file at all").unwrap();
        let err = Harness::try_new(&format!("FromDump({path}) -> Discard;"))
            .err()
            .unwrap();
        assert!(err.contains(&path) && err.contains("magic"), "{err}");
        let _ = std::fs::remove_file(&path);
        let err = Harness::try_new(&format!("FromDump({path}) -> Discard;"))
            .err()
            .unwrap();
        assert!(err.contains(&path), "{err}");
        let raw = write_capture("sll", 105, &[]);
        let err = Harness::try_new(&format!("FromDump({raw}, FORCE_IP true) -> Discard;"))
            .err()
            .unwrap();
        assert!(err.contains("can't force IP"), "{err}");
        let _ = std::fs::remove_file(raw);
    }

    #[test]
    fn force_ip_splits_outputs_or_drops() {
        let arp = frame([0x08, 0x06], &[0; 28]);
        let pkts = vec![
            (1, udp_frame(1), 42),
            (2, arp.clone(), 42),
            (3, udp_frame(2), 42),
        ];
        let path = write_capture("forceip", linktype::ETHERNET, &pkts);
        let h = Harness::new(&format!(
            "fd :: FromDump({path}, FORCE_IP true) -> a :: Collect; fd[1] -> b :: Collect;"
        ));
        h.router.stepper().run_until_idle();
        assert_eq!(h.read("a.count"), "2");
        assert_eq!(h.read("b.count"), "1");
        assert_eq!(h.read("fd.count"), "2");
        let h = Harness::new(&format!(
            "fd :: FromDump({path}, FORCE_IP true) -> a :: Collect;"
        ));
        h.router.stepper().run_until_idle();
        assert_eq!(h.read("a.count"), "2");
        assert_eq!(h.drops("fd"), vec![1]);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn reset_timing_times_from_the_next_packet() {
        let ms = 1_000_000;
        let pkts = vec![
            (5_000 * ms, udp_frame(0), 42),
            (5_100 * ms, udp_frame(1), 42),
            (5_150 * ms, udp_frame(2), 42),
        ];
        let path = write_capture("reset-timing", linktype::ETHERNET, &pkts);
        let h = Harness::new(&format!(
            "fd :: FromDump({path}, TIMING true) -> c :: Collect;"
        ));
        let mut st = h.router.stepper();
        assert_eq!(st.step(), TaskStatus::Worked);
        assert_eq!(st.step(), TaskStatus::Idle(Some(100 * ms)));
        // Paused for a while: the second packet would go at once, the
        // third right after it.
        h.clock.advance(500 * ms);
        h.write("fd.reset_timing", "").unwrap();
        assert_eq!(st.step(), TaskStatus::Worked);
        assert_eq!(h.read("c.count"), "2");
        assert_eq!(
            st.step(),
            TaskStatus::Idle(Some(550 * ms)),
            "50 ms after the second"
        );
        h.clock.advance(49 * ms);
        assert_eq!(st.step(), TaskStatus::Idle(Some(550 * ms)));
        h.clock.advance(ms);
        st.step();
        assert_eq!(h.read("c.count"), "3");
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn timing_follows_the_router_clock() {
        let ms = 1_000_000;
        let pkts = vec![
            (5_000 * ms, udp_frame(0), 42),
            (5_010 * ms, udp_frame(1), 42),
            (5_030 * ms, udp_frame(2), 42),
        ];
        let path = write_capture("timing", linktype::ETHERNET, &pkts);
        let h = Harness::new(&format!(
            "fd :: FromDump({path}, TIMING true) -> c :: Collect;"
        ));
        let mut st = h.router.stepper();
        assert_eq!(st.step(), TaskStatus::Worked);
        assert_eq!(h.read("c.count"), "1");
        assert_eq!(st.step(), TaskStatus::Idle(Some(10 * ms)));
        h.clock.advance(9 * ms);
        assert_eq!(st.step(), TaskStatus::Idle(Some(10 * ms)));
        assert_eq!(h.read("c.count"), "1");
        h.clock.advance(ms);
        assert_eq!(st.step(), TaskStatus::Worked);
        assert_eq!(h.read("c.count"), "2");
        h.clock.advance(100 * ms);
        st.step();
        assert_eq!(h.read("c.count"), "3");
        assert_eq!(st.step(), TaskStatus::Done);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn active_sample_and_stop_handlers() {
        let pkts: Vec<_> = (0..1000u32)
            .map(|i| (i as u64, udp_frame(i as u8), 42))
            .collect();
        let path = write_capture("sample", linktype::ETHERNET, &pkts);
        let h = Harness::new(&format!(
            "fd :: FromDump({path}, ACTIVE false, SAMPLE 0.5) -> c :: Collect;"
        ));
        let mut st = h.router.stepper();
        assert_eq!(st.step(), TaskStatus::Idle(None));
        h.write("fd.active", "true").unwrap();
        assert_eq!(h.read("fd.sampling_prob"), "0.5");
        st.run_until_idle();
        let n: u64 = h.read("c.count").parse().unwrap();
        assert!((400..600).contains(&n), "{n} of 1000 sampled");
        h.write("fd.reset_counts", "").unwrap();
        assert_eq!(h.read("fd.count"), "0");

        let h = Harness::new(&format!(
            "fd :: FromDump({path}, BURST 10) -> c :: Collect;"
        ));
        let mut st = h.router.stepper();
        st.step();
        assert_eq!(h.read("c.count"), "10");
        h.write("fd.stop", "").unwrap();
        assert_eq!(st.step(), TaskStatus::Done);
        assert!(h.stopped());
        assert_eq!(h.read("c.count"), "10");
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn pull_mode_reads_on_demand() {
        let pkts: Vec<_> = (0..300u32)
            .map(|i| (i as u64, udp_frame(i as u8), 42))
            .collect();
        let path = write_capture("pull", linktype::ETHERNET, &pkts);
        let h = Harness::new(&format!(
            "fd :: FromDump({path}, STOP true) -> u :: Unqueue(BURST 100) -> c :: Collect;"
        ));
        let mut st = h.router.stepper();
        st.step();
        assert_eq!(h.read("c.count"), "100");
        st.run_until_idle();
        assert_eq!(h.read("c.count"), "300");
        assert!(h.stopped());
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn oversized_packets_are_cut_and_keep_their_wire_length() {
        let big = vec![0x5au8; MAX_PACKET_LEN + 400];
        let path = write_capture("big", linktype::ETHERNET, &[(1, big, 20_000)]);
        let out = temp_path("big-out");
        let h = Harness::new(&format!(
            "FromDump({path}, STOP true) -> td :: ToDump({out}, SNAPLEN 0);"
        ));
        h.router.stepper().run_until_idle();
        h.router.finish();
        let mut r = CaptureReader::open(&out).unwrap();
        let rec = r.next_record().unwrap().unwrap();
        assert_eq!(rec.data.len(), MAX_PACKET_LEN);
        assert_eq!(rec.orig_len, 20_000);
        let _ = std::fs::remove_file(path);
        let _ = std::fs::remove_file(out);
    }

    #[test]
    fn raw_ip_marks_headers_and_mac_header_is_the_start() {
        let mut v6 = vec![0u8; 48];
        v6[0] = 0x60;
        let pkts = vec![(1, ipv4(5, 20), 20), (2, v6, 48), (3, vec![0u8; 20], 20)];
        let path = write_capture("raw", 228, &pkts);
        let h = Harness::new(&format!(
            "fd :: FromDump({path}) -> StripToNetworkHeader -> a :: Collect; fd[1] -> b :: Collect;"
        ));
        h.router.stepper().run_until_idle();
        assert_eq!(h.read("fd.encap"), "IP");
        assert_eq!(h.read("a.count"), "2");
        assert_eq!(h.read("b.count"), "1");
        let _ = std::fs::remove_file(path);
    }

    fn frame(ethertype: [u8; 2], payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&ethertype);
        f.extend_from_slice(payload);
        f
    }

    fn ipv4(hl_words: u8, len: usize) -> Vec<u8> {
        let mut h = vec![0u8; len];
        h[0] = 0x40 | hl_words;
        h[16..20].copy_from_slice(&[10, 0, 0, 9]);
        h
    }

    #[test]
    fn force_ip_on_ethernet_vlan_and_raw() {
        let mut p = Packet::from_slice(&frame([0x08, 0x00], &ipv4(5, 28))).unwrap();
        assert!(force_ip(&mut p, linktype::ETHERNET));
        assert_eq!(p.network_header_data_offset(), Some(14));
        assert_eq!(p.anno().dst_ip(), std::net::Ipv4Addr::new(10, 0, 0, 9));
        assert_eq!(p.transport_header().map(|t| t.len()), Some(8));

        let mut tagged = frame([0x81, 0x00], &[0, 5, 0x08, 0x00]);
        tagged.extend_from_slice(&ipv4(6, 24));
        let mut p = Packet::from_slice(&tagged).unwrap();
        assert!(force_ip(&mut p, linktype::ETHERNET));
        assert_eq!(p.network_header_data_offset(), Some(18));

        let mut p = Packet::from_slice(&ipv4(5, 20)).unwrap();
        assert!(force_ip(&mut p, linktype::RAW));
        assert_eq!(p.network_header_data_offset(), Some(0));

        let mut v6 = vec![0u8; 40];
        v6[0] = 0x60;
        let mut p = Packet::from_slice(&frame([0x86, 0xdd], &v6)).unwrap();
        assert!(force_ip(&mut p, linktype::ETHERNET));
    }

    #[test]
    fn force_ip_rejects_non_ip_and_short_headers() {
        let mut arp = Packet::from_slice(&frame([0x08, 0x06], &[0; 28])).unwrap();
        assert!(!force_ip(&mut arp, linktype::ETHERNET));
        // IHL says 24 bytes, only 20 present.
        let mut short = Packet::from_slice(&frame([0x08, 0x00], &ipv4(6, 20))).unwrap();
        assert!(!force_ip(&mut short, linktype::ETHERNET));
        let mut bad_ihl = Packet::from_slice(&ipv4(4, 20)).unwrap();
        assert!(!force_ip(&mut bad_ihl, linktype::RAW));
        let mut empty = Packet::from_slice(&[]).unwrap();
        assert!(!force_ip(&mut empty, linktype::RAW));
        let mut runt = Packet::from_slice(&[0u8; 10]).unwrap();
        assert!(!force_ip(&mut runt, linktype::ETHERNET));
        let mut v6short = Packet::from_slice(&frame([0x86, 0xdd], &[0x60; 39])).unwrap();
        assert!(!force_ip(&mut v6short, linktype::ETHERNET));
        let mut other = Packet::from_slice(&ipv4(5, 20)).unwrap();
        assert!(!force_ip(&mut other, 105));
    }

    #[test]
    fn force_ip_on_cooked_and_loopback() {
        let mut sll = vec![0u8; 14];
        sll.extend_from_slice(&[0x08, 0x00]);
        sll.extend_from_slice(&ipv4(5, 20));
        let mut p = Packet::from_slice(&sll).unwrap();
        assert!(force_ip(&mut p, linktype::LINUX_SLL));
        assert_eq!(p.network_header_data_offset(), Some(16));
        let mut lo = vec![2, 0, 0, 0];
        lo.extend_from_slice(&ipv4(5, 20));
        let mut p = Packet::from_slice(&lo).unwrap();
        assert!(force_ip(&mut p, linktype::NULL));
        assert_eq!(p.network_header_data_offset(), Some(4));
    }

    #[test]
    fn fixed_point_formatting() {
        assert_eq!(format_fixed(SAMPLING_ONE), "1");
        assert_eq!(format_fixed(SAMPLING_ONE / 2), "0.5");
        assert_eq!(format_fixed(0), "0");
    }

    #[test]
    fn window_resolution() {
        let w = Window {
            start: Some((5, true)),
            end: Some((10, EndKind::Interval)),
        };
        let r = w.resolve(100, 7);
        assert_eq!(r.start, Some(105));
        assert_eq!(r.end, Some(115));
        assert_eq!(r.base, Some((100, 7)));
        let w = Window {
            start: None,
            end: Some((3, EndKind::AfterFirst)),
        };
        assert_eq!(w.resolve(100, 0).end, Some(103));
    }
}
